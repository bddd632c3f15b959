// The files tpm2-tools 5.x writes and reads, so veuctl can check what tpm2_quote produced and
// tests can feed our outputs to tpm2_activatecredential.
//
//   tpm2_quote -m FILE : raw TPMS_ATTEST              -> UnmarshalAttest (structures.h)
//   tpm2_quote -s FILE : TPMT_SIGNATURE ("tss" format) -> UnmarshalSignature
//   tpm2_quote -o FILE : PCR file                      -> ParseTpm2ToolsPcrs (below)
//   tpm2_makecredential -o / tpm2_activatecredential -i : credential file (below)
#ifndef VEU_COMMON_TPM_TPM2_TOOLS_FILES_H_
#define VEU_COMMON_TPM_TPM2_TOOLS_FILES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "veu/v1/tpm.pb.h"

namespace veu::tpm {

struct Tpm2ToolsPcrs {
  std::vector<veu::v1::PcrSelection> selection;  // banks in file order
  std::vector<veu::v1::PcrValue> values;         // in selection order
};

// Parses tpm2-tools' default "serialized" PCR output (pcr_fwrite_serialized in lib/pcr.c),
// which is C structs dumped in host byte order (little-endian on x86/arm; verified on
// tpm2-tools 5.4): a TPML_PCR_SELECTION struct (132 bytes: u32 count + 16 x {u16 hash,
// u8 sizeofSelect, u8 pcrSelect[4], 1 pad byte}), a u32 count N, then N TPML_DIGEST structs
// (532 bytes each: u32 count + 8 x {u16 size, u8 buffer[64]}). The digests, taken in order
// across the TPML_DIGESTs, are the values of the selected PCRs in selection order, so several
// banks are supported. Big-endian files (as other tpm2-tools versions may write) are detected
// from the counts. Fails with InvalidArgument naming the byte offset for a wrong size, counts
// out of range, a digest whose size does not fit its bank, or too few/many digests.
absl::StatusOr<Tpm2ToolsPcrs> ParseTpm2ToolsPcrs(std::string_view bytes);

// The inverse, in little-endian layout (what tpm2_checkquote 5.4 reads); for tests.
// Fails with InvalidArgument if values do not match the selection.
absl::StatusOr<std::string> SerializeTpm2ToolsPcrs(const Tpm2ToolsPcrs& pcrs);

// tpm2-tools' credential file: magic 0xBADCC0DE, version 1 (both big-endian u32), then the
// marshalled TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET (each with size prefix).
std::string Tpm2ToolsCredentialFile(std::string_view credential_blob,
                                    std::string_view encrypted_secret);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_TPM2_TOOLS_FILES_H_
