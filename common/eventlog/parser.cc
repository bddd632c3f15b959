#include "common/eventlog/parser.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/byte_reader.h"
#include "common/eventlog/digest_binding.h"
#include "common/eventlog/event_types.h"
#include "common/status_macros.h"

namespace veu::eventlog {
namespace {

constexpr std::string_view kSpecId03("Spec ID Event03\0", 16);
constexpr std::string_view kStartupLocality("StartupLocality\0", 16);
constexpr uint16_t kMaxUnknownDigestBytes = 128;
constexpr uint32_t kTrailerPcrIndex = 0xFFFFFFFF;

absl::Status Malformed(uint32_t record, size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "event log record %d at byte offset %d: %s; the log is truncated or corrupt (collect it "
      "again from /sys/kernel/security/tpm0/binary_bios_measurements)",
      record, offset, what));
}

// Reads the fields common to both record formats after the digests: size and data.
absl::Status ReadEventData(ByteReader& r, uint32_t record, size_t start, Event* e) {
  uint32_t size = 0;
  const size_t at = r.offset();
  if (!r.ReadU32(&size)) {
    return Malformed(record, start,
                     absl::StrFormat("event size field at offset %d is cut off", at));
  }
  if (size > kMaxEventDataBytes) {
    return Malformed(
        record, start,
        absl::StrFormat("event size %d exceeds the %d-byte limit", size, kMaxEventDataBytes));
  }
  if (!r.ReadBytes(size, &e->data)) {
    return Malformed(record, start,
                     absl::StrFormat("event data of %d bytes overruns the log (%d bytes left "
                                     "at offset %d)",
                                     size, r.remaining(), r.offset()));
  }
  return absl::OkStatus();
}

absl::Status ReadPcrAndType(ByteReader& r, uint32_t record, size_t start, Event* e) {
  if (!r.ReadU32(&e->pcr) || !r.ReadU32(&e->type)) {
    return Malformed(record, start, "record header is cut off");
  }
  if (e->pcr > kMaxPcrIndex) {
    return Malformed(record, start,
                     absl::StrFormat("PCR index %d is above %d", e->pcr, kMaxPcrIndex));
  }
  return absl::OkStatus();
}

// TCG_PCR_EVENT: pcr, type, SHA-1 digest, size, data.
absl::Status ReadLegacyRecord(ByteReader& r, uint32_t record, Event* e) {
  const size_t start = r.offset();
  e->record = record;
  e->offset = start;
  RETURN_IF_ERROR(ReadPcrAndType(r, record, start, e));
  std::string_view digest;
  if (!r.ReadBytes(20, &digest)) return Malformed(record, start, "SHA-1 digest is cut off");
  e->digests.push_back({crypto::kAlgSha1, digest});
  return ReadEventData(r, record, start, e);
}

// TCG_PCR_EVENT2: pcr, type, TPML_DIGEST_VALUES (count, {alg, digest}...), size, data.
absl::Status ReadAgileRecord(ByteReader& r, uint32_t record, const std::vector<Bank>& banks,
                             Event* e) {
  const size_t start = r.offset();
  e->record = record;
  e->offset = start;
  RETURN_IF_ERROR(ReadPcrAndType(r, record, start, e));
  uint32_t count = 0;
  if (!r.ReadU32(&count)) return Malformed(record, start, "digest count is cut off");
  if (count > banks.size()) {
    return Malformed(record, start,
                     absl::StrFormat("digest count %d exceeds the %d algorithms the Spec ID "
                                     "header declares",
                                     count, banks.size()));
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint16_t alg = 0;
    const size_t at = r.offset();
    if (!r.ReadU16(&alg)) {
      return Malformed(record, start, absl::StrFormat("digest %d's algorithm is cut off", i));
    }
    auto bank =
        std::find_if(banks.begin(), banks.end(), [alg](const Bank& b) { return b.alg == alg; });
    if (bank == banks.end()) {
      return Malformed(record, start,
                       absl::StrFormat("digest %d at offset %d uses algorithm 0x%04x, which the "
                                       "Spec ID header does not declare",
                                       i, at, alg));
    }
    for (const EventDigest& seen : e->digests) {
      if (seen.alg == alg) {
        return Malformed(record, start,
                         absl::StrFormat("algorithm 0x%04x appears twice in the digest list", alg));
      }
    }
    std::string_view digest;
    if (!r.ReadBytes(bank->digest_size, &digest)) {
      return Malformed(record, start,
                       absl::StrFormat("%d-byte digest for algorithm 0x%04x is cut off",
                                       bank->digest_size, alg));
    }
    e->digests.push_back({alg, digest});
  }
  return ReadEventData(r, record, start, e);
}

// TCG_EfiSpecIDEvent (TCG PFP 10.4.5.1), the data of the first record of an agile log.
// `data` is the record's data; `after` the log bytes that follow it. Sets *spill to the
// number of bytes of `after` the header turned out to need (see the vendorInfo comment).
absl::StatusOr<std::vector<Bank>> ParseSpecId(std::string_view data, std::string_view after,
                                              size_t data_offset, size_t* spill) {
  *spill = 0;
  ByteReader r(data.substr(kSpecId03.size()));
  auto bad = [&](std::string_view what) {
    return Malformed(
        0, 0, absl::StrFormat("Spec ID Event03 header (data at offset %d): %s", data_offset, what));
  };
  uint32_t platform_class = 0, algorithms = 0;
  uint8_t minor = 0, major = 0, errata = 0, uintn = 0;
  if (!r.ReadU32(&platform_class) || !r.ReadU8(&minor) || !r.ReadU8(&major) || !r.ReadU8(&errata) ||
      !r.ReadU8(&uintn) || !r.ReadU32(&algorithms)) {
    return bad("fixed fields are cut off");
  }
  if (algorithms == 0 || algorithms > kMaxAlgorithms) {
    return bad(
        absl::StrFormat("numberOfAlgorithms %d is outside 1..%d", algorithms, kMaxAlgorithms));
  }
  std::vector<Bank> banks;
  for (uint32_t i = 0; i < algorithms; ++i) {
    Bank b;
    if (!r.ReadU16(&b.alg) || !r.ReadU16(&b.digest_size)) {
      return bad(absl::StrFormat("algorithm entry %d is cut off", i));
    }
    const size_t known_size = crypto::DigestSize(b.alg);
    b.known = known_size != 0;
    if (b.known && b.digest_size != known_size) {
      return bad(absl::StrFormat("algorithm 0x%04x declares digest size %d, not %d", b.alg,
                                 b.digest_size, known_size));
    }
    if (b.digest_size == 0 || b.digest_size > kMaxUnknownDigestBytes) {
      return bad(absl::StrFormat("algorithm 0x%04x declares digest size %d", b.alg, b.digest_size));
    }
    for (const Bank& seen : banks) {
      if (seen.alg == b.alg) return bad(absl::StrFormat("algorithm 0x%04x is listed twice", b.alg));
    }
    banks.push_back(b);
  }
  uint8_t vendor_size = 0;
  if (!r.ReadU8(&vendor_size)) return bad("vendorInfoSize is cut off");
  if (!r.Skip(vendor_size)) {
    // Some generators (tpm2-tools' test logs among them) leave vendorInfo out of the
    // record's size. Accept exactly that shape: the size ends right after vendorInfoSize
    // and the vendor bytes follow; tpm2_eventlog reads such logs the same way.
    if (!r.empty() || vendor_size > after.size()) {
      return bad(absl::StrFormat("vendorInfo of %d bytes is cut off", vendor_size));
    }
    *spill = vendor_size;
  }
  return banks;
}

void NoteStartupLocality(const Event& e, bool pcr0_extended, std::optional<uint8_t>* locality) {
  if (e.type == kEvNoAction && e.pcr == 0 && !pcr0_extended && !locality->has_value() &&
      e.data.size() == kStartupLocality.size() + 1 &&
      e.data.substr(0, kStartupLocality.size()) == kStartupLocality) {
    *locality = static_cast<uint8_t>(e.data.back());
  }
}

}  // namespace

std::optional<std::string_view> Event::DigestFor(uint16_t alg) const {
  for (const EventDigest& d : digests) {
    if (d.alg == alg) return d.digest;
  }
  return std::nullopt;
}

absl::StatusOr<UnverifiedEventLog> ParseEventLog(std::string_view bytes) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        "event log is empty; the firmware logged nothing or the "
        "file is not binary_bios_measurements");
  }
  if (bytes.size() > kMaxLogBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "event log is %d bytes, above the %d-byte limit", bytes.size(), kMaxLogBytes));
  }
  auto raw = std::make_shared<const std::string>(bytes);
  ByteReader r(*raw);

  Event first;
  RETURN_IF_ERROR(ReadLegacyRecord(r, 0, &first));
  LogFormat format = LogFormat::kLegacySha1;
  std::vector<Bank> banks = {{crypto::kAlgSha1, 20, true}};
  if (first.type == kEvNoAction && first.pcr == 0 &&
      first.data.substr(0, kSpecId03.size()) == kSpecId03) {
    format = LogFormat::kCryptoAgile;
    size_t spill = 0;
    ASSIGN_OR_RETURN(banks, ParseSpecId(first.data, std::string_view(*raw).substr(r.offset()),
                                        first.offset + 32, &spill));
    first.data = std::string_view(*raw).substr(32, first.data.size() + spill);
    r.Skip(spill);
  }

  std::vector<Event> events;
  events.reserve(std::min<size_t>(kMaxEvents, raw->size() / 40 + 1));
  std::optional<uint8_t> locality;
  bool pcr0_extended = false;
  auto accept = [&](Event e) {
    NoteStartupLocality(e, pcr0_extended, &locality);
    if (e.pcr == 0 && e.type != kEvNoAction) pcr0_extended = true;
    e.binding = BindDigestToData(e, format);
    events.push_back(std::move(e));
  };
  accept(std::move(first));

  size_t trailer_bytes = 0;
  for (uint32_t record = 1; !r.empty(); ++record) {
    uint32_t pcr = 0;
    if (ByteReader peek(std::string_view(*raw).substr(r.offset()));
        peek.ReadU32(&pcr) && pcr == kTrailerPcrIndex) {
      // Windows appends its own records with PCR index -1 after the firmware's; like
      // go-attestation we stop there. Hiding events this way cannot help an attacker:
      // the replay of every PCR they extended would no longer match the quote.
      trailer_bytes = r.remaining();
      break;
    }
    if (events.size() >= kMaxEvents) {
      return Malformed(record, r.offset(), absl::StrFormat("more than %d records", kMaxEvents));
    }
    Event e;
    if (format == LogFormat::kCryptoAgile) {
      RETURN_IF_ERROR(ReadAgileRecord(r, record, banks, &e));
    } else {
      RETURN_IF_ERROR(ReadLegacyRecord(r, record, &e));
    }
    accept(std::move(e));
  }
  return UnverifiedEventLog(std::move(raw), format, std::move(banks), std::move(events), locality,
                            trailer_bytes);
}

}  // namespace veu::eventlog
