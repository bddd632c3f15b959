// The parsed form of a TCG firmware event log. An UnverifiedEventLog is what the bytes say;
// nothing in it is bound to a TPM yet, so policy code must not act on it (see binding.h for
// the only way to a VerifiedEventLog).
#ifndef VEU_COMMON_EVENTLOG_EVENT_LOG_H_
#define VEU_COMMON_EVENTLOG_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace veu::eventlog {

enum class LogFormat {
  kLegacySha1,   // TCG_PCR_EVENT records only (TPM 1.2 and SHA-1-only UEFI logs)
  kCryptoAgile,  // Spec ID Event03 header, then TCG_PCR_EVENT2 records
};

// One algorithm of the Spec ID header's table. `known` is false for algorithms we cannot
// hash; their digests are carried but no bank is replayed for them.
struct Bank {
  uint16_t alg = 0;
  uint16_t digest_size = 0;
  bool known = false;
};

struct EventDigest {
  uint16_t alg = 0;
  std::string_view digest;  // views the log's bytes
};

// How an event's digest relates to its data (see digest_binding.h).
enum class DataBinding : uint8_t {
  kNotApplicable,  // the digest covers something else (a PE image, a file, memory)
  kVerified,       // every known-bank digest equals the hash of the data (or an allowed form)
  kMismatch,       // the data is not what was measured: never trust it
};

struct Event {
  uint32_t record = 0;  // 0-based record number; the Spec ID header is record 0
  size_t offset = 0;    // byte offset of the record in the log
  uint32_t pcr = 0;
  uint32_t type = 0;
  absl::InlinedVector<EventDigest, 3> digests;  // in log order
  std::string_view data;                        // views the log's bytes
  DataBinding binding = DataBinding::kNotApplicable;

  // The digest for `alg`, or nullopt if the record carries none.
  std::optional<std::string_view> DigestFor(uint16_t alg) const;
};

class UnverifiedEventLog {
 public:
  UnverifiedEventLog(std::shared_ptr<const std::string> raw, LogFormat format,
                     std::vector<Bank> banks, std::vector<Event> events,
                     std::optional<uint8_t> startup_locality, size_t trailer_bytes)
      : raw_(std::move(raw)),
        format_(format),
        banks_(std::move(banks)),
        events_(std::move(events)),
        startup_locality_(startup_locality),
        trailer_bytes_(trailer_bytes) {}

  LogFormat format() const { return format_; }
  // Algorithms the log declares (legacy logs: SHA-1 only), in header order.
  const std::vector<Bank>& banks() const { return banks_; }
  // Every record including the header and EV_NO_ACTION records, in log order.
  const std::vector<Event>& events() const { return events_; }
  // Locality from a StartupLocality EV_NO_ACTION event (PCR 0 starts at this value).
  std::optional<uint8_t> startup_locality() const { return startup_locality_; }
  // Bytes after the firmware's records that were not parsed (a Windows trailer whose first
  // record has PCR index 0xFFFFFFFF); 0 for logs from Linux.
  size_t trailer_bytes() const { return trailer_bytes_; }
  // The log bytes that events view; shared so copies of the log stay cheap and valid.
  const std::string& raw() const { return *raw_; }

 private:
  std::shared_ptr<const std::string> raw_;
  LogFormat format_;
  std::vector<Bank> banks_;
  std::vector<Event> events_;
  std::optional<uint8_t> startup_locality_;
  size_t trailer_bytes_ = 0;
};

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_EVENT_LOG_H_
