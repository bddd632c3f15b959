// TPM 2.0 structures as the TPM marshals them, read and written with tss2-mu.
//
// Every Unmarshal* function requires the whole input to be exactly one structure: a short or
// malformed input fails with InvalidArgument naming the structure and the byte offset, and
// bytes after the structure fail with InvalidArgument too, marked so that
// IsTrailingBytesError() recognises it. None of them reads outside `bytes`. Pure; thread-safe.
#ifndef VEU_COMMON_TPM_STRUCTURES_H_
#define VEU_COMMON_TPM_STRUCTURES_H_

#include <tss2/tss2_tpm2_types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/tpm.pb.h"

namespace veu::tpm {

// TPMS_ATTEST (the contents of a TPM2B_ATTEST, as tpm2_quote -m writes it).
absl::StatusOr<TPMS_ATTEST> UnmarshalAttest(std::string_view bytes);

// TPMT_SIGNATURE (as tpm2_quote -s writes it in its default "tss" format).
absl::StatusOr<TPMT_SIGNATURE> UnmarshalSignature(std::string_view bytes);

// TPM2B_PUBLIC (2-byte size prefix, then a TPMT_PUBLIC of exactly that size).
absl::StatusOr<TPMT_PUBLIC> UnmarshalTpm2bPublic(std::string_view bytes);

// A bare TPMT_PUBLIC (no size prefix).
absl::StatusOr<TPMT_PUBLIC> UnmarshalTpmtPublic(std::string_view bytes);

// TPML_PCR_SELECTION.
absl::StatusOr<TPML_PCR_SELECTION> UnmarshalPcrSelection(std::string_view bytes);

// True iff `status` came from an Unmarshal* function rejecting bytes after the structure.
bool IsTrailingBytesError(const absl::Status& status);

// Marshalled forms. Fail with InvalidArgument only if tss2-mu rejects the structure
// (e.g. an unknown algorithm selector).
absl::StatusOr<std::string> MarshalTpmtPublic(const TPMT_PUBLIC& pub);
absl::StatusOr<std::string> MarshalTpm2bPublic(const TPMT_PUBLIC& pub);
absl::StatusOr<std::string> MarshalAttest(const TPMS_ATTEST& attest);
absl::StatusOr<std::string> MarshalSignature(const TPMT_SIGNATURE& signature);

// The object's Name: nameAlg (2 bytes, big-endian) || H_nameAlg(marshalled TPMT_PUBLIC), i.e.
// the contents of its TPM2B_NAME. Fails with InvalidArgument for an unknown nameAlg.
absl::StatusOr<std::string> ObjectName(const TPMT_PUBLIC& pub);

// Converts between the TPM's bitmap form and the schema's list form (banks in order, PCR
// indices ascending). ToTpml fails with InvalidArgument for more than 16 banks, a PCR index
// >= 32, an unknown hash algorithm, or indices not strictly ascending.
std::vector<veu::v1::PcrSelection> FromTpml(const TPML_PCR_SELECTION& selection);
absl::StatusOr<TPML_PCR_SELECTION> ToTpml(const std::vector<veu::v1::PcrSelection>& selection);

// "sha256:0,1,7+sha1:0" for messages; empty selection prints as "(none)".
std::string SelectionToString(const std::vector<veu::v1::PcrSelection>& selection);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_STRUCTURES_H_
