// UEFI structures found in event data: GUIDs, UEFI_VARIABLE_DATA (TCG PFP 10.2.6) and
// EFI_SIGNATURE_LIST databases (UEFI 2.10, 32.4.1) as carried by PK, KEK, db and dbx.
// Pure functions over bytes; results view into the input, which must outlive them.
#ifndef VEU_COMMON_EVENTLOG_EFI_VARIABLE_H_
#define VEU_COMMON_EVENTLOG_EFI_VARIABLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/views.h"

namespace veu::eventlog {

// An EFI_GUID in its on-disk (mixed-endian) byte order.
struct EfiGuid {
  std::array<uint8_t, 16> bytes{};
  // Canonical text, e.g. "8be4df61-93ca-11d2-aa0d-00e098032b8c".
  std::string ToString() const;
  bool operator==(const EfiGuid&) const = default;
};

// Parses canonical text; InvalidArgument otherwise. Used for constants and tests.
absl::StatusOr<EfiGuid> EfiGuidFromString(std::string_view text);

EfiGuid EfiGlobalVariableGuid();      // 8be4df61-93ca-11d2-aa0d-00e098032b8c
EfiGuid ImageSecurityDatabaseGuid();  // d719b2cb-3d3a-4596-a3bc-dad00e67656f
EfiGuid ShimLockGuid();               // 605dab50-e046-4300-abb6-3dd810dd8b23
EfiGuid CertSha256Guid();             // c1c41626-504c-4092-aca9-41f936934328
EfiGuid CertX509Guid();               // a5c059a1-94e4-4aa7-87b5-ab155c2bf072

// UTF-16LE to UTF-8. Stops at the first NUL when `stop_at_nul`; an odd trailing byte or
// an unpaired surrogate becomes U+FFFD. Never fails.
std::string Utf16LeToUtf8(std::string_view bytes, bool stop_at_nul);

struct EfiVariableData {
  EfiGuid vendor;
  std::string name;           // UTF-8
  std::string_view value;     // VariableData, viewing the input
  size_t value_offset = 0;    // where value starts inside the input
  size_t trailing_bytes = 0;  // bytes after the declared value (shim writes some)
};

// Decodes UEFI_VARIABLE_DATA. InvalidArgument (with the byte offset) if the name or data
// lengths overrun `bytes`; bytes after the declared data are counted, not decoded.
absl::StatusOr<EfiVariableData> ParseEfiVariableData(std::string_view bytes);
// The result views its input: a temporary string would leave it dangling.
template <TemporaryString S>
absl::StatusOr<EfiVariableData> ParseEfiVariableData(S&&) = delete;

struct EfiSignature {
  EfiGuid type;  // e.g. CertX509Guid(), CertSha256Guid()
  EfiGuid owner;
  std::string_view data;  // certificate DER or hash, viewing the input
};

// Decodes a concatenation of EFI_SIGNATURE_LISTs (the value of PK, KEK, db, dbx).
// InvalidArgument naming the offset if a list's sizes are inconsistent or overrun.
absl::StatusOr<std::vector<EfiSignature>> ParseSignatureDatabase(std::string_view bytes);
template <TemporaryString S>
absl::StatusOr<std::vector<EfiSignature>> ParseSignatureDatabase(S&&) = delete;

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_EFI_VARIABLE_H_
