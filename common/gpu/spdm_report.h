// NVML's GPU attestation report: an SPDM 1.1 GET_MEASUREMENTS request (with the requester's
// nonce) followed by the device's MEASUREMENTS response, whose last 96 bytes are a raw ECDSA
// P-384 signature r||s over SHA-384 of every byte before it (request included). Pure; never
// reads out of bounds; integers little-endian (DSP0274 1.1, section 10.11).
//
// Trailing bytes: a report whose bytes continue after the signature is parsed (so an operator
// can see what it holds) but CheckReportStructure refuses it with REPORT_TRAILING_BYTES. The
// signature is defined over "everything before the last 96 bytes", so with a stray byte the
// structure (signature at the parsed offset) and that definition disagree about which bytes are
// signed; accepting either reading lets a party that holds no key append unauthenticated bytes
// a later consumer might read. NVIDIA's SDK refuses such reports too; we fail closed.
#ifndef VEU_COMMON_GPU_SPDM_REPORT_H_
#define VEU_COMMON_GPU_SPDM_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/gpu/gpu_check.h"

namespace veu::gpu {

inline constexpr size_t kSpdmNonceSize = 32;
inline constexpr size_t kSpdmRequestSize = 37;  // 4 header + 32 nonce + slot id
inline constexpr size_t kP384SignatureSize = 96;
// Reports are a few KiB (64 SHA-384 blocks plus opaque data); anything larger is refused
// before it is looked at.
inline constexpr size_t kMaxReportSize = 64 * 1024;

// One DMTF measurement block (DSP0274 table 45/46).
struct MeasurementBlock {
  uint8_t index = 0;        // 1-based, as the device numbers them
  uint8_t value_type = 0;   // DMTFSpecMeasurementValueType
  std::string value;        // DMTFSpecMeasurementValue (48 bytes of SHA-384 on NVIDIA devices)
};

// A parsed report. Owns copies of its fields (reports are small), so it outlives the input.
struct SpdmReport {
  // Request.
  uint8_t spdm_version = 0;        // 0x11
  uint8_t request_attributes = 0;  // bit 0: signature requested
  uint8_t measurement_operation = 0;  // 0xff: all measurements
  std::string requester_nonce;     // the verifier's 32 bytes
  uint8_t slot_id = 0;
  // Response.
  uint8_t response_param1 = 0;
  uint8_t response_param2 = 0;
  std::vector<MeasurementBlock> blocks;  // in report order; indices are unique
  std::string responder_nonce;
  std::string opaque_data;               // raw TLVs; see opaque_data.h
  std::string signature;                 // 96 bytes r||s, at the parsed offset
  std::string signed_bytes;              // request || response up to the signature
  std::string trailing;                  // bytes after the signature (normally empty)
  // The last 96 bytes of the whole report and what precedes them: equal to signature and
  // signed_bytes exactly when trailing is empty.
  std::string last96_signature;
  std::string before_last96;

  // The block with this 1-based index, or nullptr.
  const MeasurementBlock* Block(uint8_t index) const;
};

// Parses `report` (raw bytes). Fails with InvalidArgument naming the field and byte offset,
// with the reason (REPORT_TRUNCATED, REPORT_BAD_REQUEST, REPORT_BAD_RESPONSE,
// REPORT_BAD_MEASUREMENT_BLOCK) attached; ReasonOf() reads it back. Trailing bytes are not a
// parse error: see CheckReportStructure.
absl::StatusOr<SpdmReport> ParseSpdmReport(std::string_view report);

// Decodes NVML's hex text form (whitespace allowed around it), then parses.
absl::StatusOr<SpdmReport> ParseSpdmReportHex(std::string_view hex_text);

// "report.structure": passes when nothing follows the signature.
Check CheckReportStructure(const SpdmReport& report);

// "report.nonce": the request's nonce equals `expected` (compared in constant time).
Check CheckNonce(const SpdmReport& report, std::string_view expected);

// The reason a parse failed with (kNone for OK or a status without one).
Reason ReasonOf(const absl::Status& status);
// An InvalidArgument status carrying `reason`.
absl::Status ReasonError(Reason reason, std::string message);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_SPDM_REPORT_H_
