#include "common/gpu/spdm_report.h"

#include <openssl/crypto.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/hex.h"
#include "common/status_macros.h"

namespace veu::gpu {
namespace {

constexpr std::string_view kReasonPayloadUrl = "type.veu.dev/gpu.Reason";
constexpr uint8_t kGetMeasurements = 0xe0;
constexpr uint8_t kMeasurements = 0x60;
constexpr uint8_t kDmtfMeasurementSpecification = 0x01;

// Reads fields in order; every read is checked against the end of the input.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

  absl::StatusOr<std::string_view> Bytes(size_t n, std::string_view field) {
    if (n > remaining()) {
      return ReasonError(Reason::kReportTruncated,
                         absl::StrCat("GPU report truncated: ", std::string(field), " needs ", n,
                                      " bytes at offset ", pos_, ", ", remaining(), " left"));
    }
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  absl::StatusOr<uint32_t> Le(size_t n, std::string_view field) {
    ASSIGN_OR_RETURN(std::string_view b, Bytes(n, field));
    uint32_t v = 0;
    for (size_t i = n; i > 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i - 1]);
    return v;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

absl::Status ReasonError(Reason reason, std::string message) {
  absl::Status s = absl::InvalidArgumentError(std::move(message));
  s.SetPayload(absl::string_view(kReasonPayloadUrl.data(), kReasonPayloadUrl.size()), absl::Cord(ReasonName(reason)));
  return s;
}

Reason ReasonOf(const absl::Status& status) {
  auto p = status.GetPayload(absl::string_view(kReasonPayloadUrl.data(), kReasonPayloadUrl.size()));
  if (!p.has_value()) return Reason::kNone;
  const std::string name(*p);
  for (int r = 0; r <= static_cast<int>(Reason::kReportUnverified); ++r) {
    if (ReasonName(static_cast<Reason>(r)) == name) return static_cast<Reason>(r);
  }
  return Reason::kNone;
}

const MeasurementBlock* SpdmReport::Block(uint8_t index) const {
  for (const MeasurementBlock& b : blocks) {
    if (b.index == index) return &b;
  }
  return nullptr;
}

absl::StatusOr<SpdmReport> ParseSpdmReport(std::string_view bytes) {
  if (bytes.size() > kMaxReportSize) {
    return ReasonError(Reason::kReportTruncated,
                       absl::StrCat("GPU report of ", bytes.size(), " bytes exceeds the ",
                                    kMaxReportSize, "-byte limit"));
  }
  SpdmReport r;
  Reader in(bytes);
  // Request: version, GET_MEASUREMENTS, attributes, operation, nonce, slot id.
  ASSIGN_OR_RETURN(r.spdm_version, in.Le(1, "request SPDMVersion"));
  ASSIGN_OR_RETURN(uint32_t code, in.Le(1, "request RequestResponseCode"));
  ASSIGN_OR_RETURN(r.request_attributes, in.Le(1, "request Param1"));
  ASSIGN_OR_RETURN(r.measurement_operation, in.Le(1, "request Param2"));
  if (r.spdm_version != 0x11 || code != kGetMeasurements || (r.request_attributes & 1) == 0) {
    return ReasonError(Reason::kReportBadRequest,
                       absl::StrCat("GPU report does not start with an SPDM 1.1 GET_MEASUREMENTS "
                                    "request asking for a signature (got version 0x",
                                    ToHex(bytes.substr(0, 1)), ", code 0x",
                                    ToHex(bytes.substr(1, 1)), ", attributes 0x",
                                    ToHex(bytes.substr(2, 1)), ")"));
  }
  ASSIGN_OR_RETURN(std::string_view nonce, in.Bytes(kSpdmNonceSize, "request Nonce"));
  r.requester_nonce = std::string(nonce);
  ASSIGN_OR_RETURN(r.slot_id, in.Le(1, "request SlotIDParam"));

  // Response header.
  const size_t response_offset = in.offset();
  ASSIGN_OR_RETURN(uint32_t rversion, in.Le(1, "response SPDMVersion"));
  ASSIGN_OR_RETURN(uint32_t rcode, in.Le(1, "response RequestResponseCode"));
  if (rversion != r.spdm_version || rcode != kMeasurements) {
    return ReasonError(Reason::kReportBadResponse,
                       absl::StrCat("GPU report: byte ", response_offset,
                                    " does not start a MEASUREMENTS response of SPDM 1.1 (version 0x",
                                    ToHex(bytes.substr(response_offset, 1)), ", code 0x",
                                    ToHex(bytes.substr(response_offset + 1, 1)), ")"));
  }
  ASSIGN_OR_RETURN(r.response_param1, in.Le(1, "response Param1"));
  ASSIGN_OR_RETURN(r.response_param2, in.Le(1, "response Param2"));
  ASSIGN_OR_RETURN(uint32_t number_of_blocks, in.Le(1, "NumberOfBlocks"));
  ASSIGN_OR_RETURN(uint32_t record_length, in.Le(3, "MeasurementRecordLength"));
  const size_t record_offset = in.offset();
  ASSIGN_OR_RETURN(std::string_view record, in.Bytes(record_length, "MeasurementRecord"));

  // Measurement record: exactly number_of_blocks blocks filling exactly record_length bytes.
  Reader rec(record);
  std::set<uint8_t> seen;
  for (uint32_t i = 0; i < number_of_blocks; ++i) {
    const size_t at = record_offset + rec.offset();
    MeasurementBlock b;
    ASSIGN_OR_RETURN(b.index, rec.Le(1, "measurement block Index"));
    ASSIGN_OR_RETURN(uint32_t spec, rec.Le(1, "MeasurementSpecification"));
    ASSIGN_OR_RETURN(uint32_t size, rec.Le(2, "MeasurementSize"));
    ASSIGN_OR_RETURN(std::string_view m, rec.Bytes(size, "Measurement"));
    if (spec != kDmtfMeasurementSpecification || size < 3) {
      return ReasonError(Reason::kReportBadMeasurementBlock,
                         absl::StrCat("GPU report: measurement block ", b.index, " at offset ", at,
                                      " is not a DMTF measurement (specification ", spec,
                                      ", size ", size, ")"));
    }
    b.value_type = static_cast<uint8_t>(m[0]);
    const size_t value_size = static_cast<uint8_t>(m[1]) | (static_cast<uint8_t>(m[2]) << 8);
    if (value_size != size - 3) {
      return ReasonError(Reason::kReportBadMeasurementBlock,
                         absl::StrCat("GPU report: measurement block ", b.index, " at offset ", at,
                                      " says its value has ", value_size, " bytes in a ", size,
                                      "-byte measurement"));
    }
    if (b.index == 0 || !seen.insert(b.index).second) {
      return ReasonError(Reason::kReportBadMeasurementBlock,
                         absl::StrCat("GPU report: measurement block at offset ", at,
                                      " has index ", b.index, ", zero or already used"));
    }
    b.value = std::string(m.substr(3));
    r.blocks.push_back(std::move(b));
  }
  if (rec.remaining() != 0) {
    return ReasonError(Reason::kReportBadMeasurementBlock,
                       absl::StrCat("GPU report: ", rec.remaining(), " bytes of the measurement "
                                    "record at offset ", record_offset + rec.offset(),
                                    " belong to no block (", number_of_blocks, " blocks declared)"));
  }

  ASSIGN_OR_RETURN(std::string_view rnonce, in.Bytes(kSpdmNonceSize, "response Nonce"));
  r.responder_nonce = std::string(rnonce);
  ASSIGN_OR_RETURN(uint32_t opaque_length, in.Le(2, "OpaqueLength"));
  ASSIGN_OR_RETURN(std::string_view opaque, in.Bytes(opaque_length, "OpaqueData"));
  r.opaque_data = std::string(opaque);
  const size_t signature_offset = in.offset();
  ASSIGN_OR_RETURN(std::string_view sig, in.Bytes(kP384SignatureSize, "Signature"));
  r.signature = std::string(sig);
  r.signed_bytes = std::string(bytes.substr(0, signature_offset));
  r.trailing = std::string(bytes.substr(in.offset()));
  r.last96_signature = std::string(bytes.substr(bytes.size() - kP384SignatureSize));
  r.before_last96 = std::string(bytes.substr(0, bytes.size() - kP384SignatureSize));
  return r;
}

absl::StatusOr<SpdmReport> ParseSpdmReportHex(std::string_view hex_text) {
  {
    absl::string_view t = absl::StripAsciiWhitespace(absl::string_view(hex_text.data(), hex_text.size()));
    hex_text = std::string_view(t.data(), t.size());
  }
  if (hex_text.size() > 2 * kMaxReportSize) {
    return ReasonError(Reason::kReportTruncated,
                       absl::StrCat("GPU report text of ", hex_text.size(),
                                    " characters exceeds the limit"));
  }
  absl::StatusOr<std::string> bytes = FromHex(hex_text);
  if (!bytes.ok()) {
    return ReasonError(Reason::kReportTruncated,
                       absl::StrCat("GPU report is not hex text: ", bytes.status().message()));
  }
  return ParseSpdmReport(*bytes);
}

Check CheckReportStructure(const SpdmReport& report) {
  if (!report.trailing.empty()) {
    return Check::Fail(
        "report.structure", Reason::kReportTrailingBytes,
        absl::StrCat(report.trailing.size(), " byte(s) follow the signature at offset ",
                     report.signed_bytes.size(), " (0x", ToHex(report.trailing.substr(0, 16)),
                     "); the signed range is ambiguous, so the report is refused"));
  }
  return Check::Pass("report.structure",
                     absl::StrCat(report.blocks.size(), " measurement blocks, ",
                                  report.opaque_data.size(), " bytes of opaque data"));
}

Check CheckNonce(const SpdmReport& report, std::string_view expected) {
  if (expected.size() != kSpdmNonceSize || report.requester_nonce.size() != kSpdmNonceSize ||
      CRYPTO_memcmp(expected.data(), report.requester_nonce.data(), kSpdmNonceSize) != 0) {
    return Check::Fail("report.nonce", Reason::kNonceMismatch,
                       absl::StrCat("the report answers nonce ", ToHex(report.requester_nonce),
                                    ", not the expected ", ToHex(expected),
                                    " (a replayed or foreign report)"));
  }
  return Check::Pass("report.nonce", ToHex(expected));
}

}  // namespace veu::gpu
