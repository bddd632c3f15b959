// Real firmware logs edited into the shapes real hardware produces that the fixtures lack:
// option-ROM drivers measured into PCR 2 after its separator, an EV_S_CRTM_VERSION whose data
// does not hash to its digest, and a hardware CRTM (EV_EFI_HCRTM_EVENT first in PCR 0).
// Each edit keeps every other record byte for byte.
#ifndef VEU_TESTS_COMMON_EVENTLOG_REAL_SHAPED_LOGS_H_
#define VEU_TESTS_COMMON_EVENTLOG_REAL_SHAPED_LOGS_H_

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/crypto/digest.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/parser.h"
#include "tests/common/eventlog/log_builder.h"

namespace veu::eventlog::testing {

// The log's records as byte strings (record 0 is the header), plus any trailer bytes.
struct Records {
  std::vector<std::string> records;
  std::string trailer;

  std::string Join() const {
    std::string out;
    for (const std::string& r : records) out += r;
    return out + trailer;
  }
};

inline Records SplitRecords(const std::string& bytes) {
  Records out;
  auto log = ParseEventLog(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return out;
  const std::vector<Event>& events = log->events();
  const size_t end = bytes.size() - log->trailer_bytes();
  for (size_t i = 0; i < events.size(); ++i) {
    const size_t next = i + 1 < events.size() ? events[i + 1].offset : end;
    out.records.push_back(bytes.substr(events[i].offset, next - events[i].offset));
  }
  out.trailer = bytes.substr(end);
  return out;
}

// One crypto-agile record for `pcr`/`type` with `data`, whose digest in every bank of `log`
// is the hash of `measured`.
inline std::string AgileRecord(const UnverifiedEventLog& log, uint32_t pcr, uint32_t type,
                               const std::string& data, const std::string& measured) {
  std::string rec;
  PutU32(&rec, pcr);
  PutU32(&rec, type);
  PutU32(&rec, static_cast<uint32_t>(log.banks().size()));
  for (const Bank& b : log.banks()) {
    PutU16(&rec, b.alg);
    rec += crypto::DigestSize(b.alg) ? Hash(b.alg, measured) : std::string(b.digest_size, '\xAB');
  }
  PutU32(&rec, static_cast<uint32_t>(data.size()));
  return rec + data;
}

// Index (record number) of the first event of `type` in `pcr`, or -1.
inline int FindRecord(const UnverifiedEventLog& log, uint32_t pcr, uint32_t type) {
  for (const Event& e : log.events()) {
    if (e.pcr == pcr && e.type == type) return static_cast<int>(e.record);
  }
  return -1;
}

// `base` (a crypto-agile log with an EV_S_CRTM_VERSION and a PCR 2 separator) as a machine
// with two option ROMs shows it: EV_EFI_BOOT_SERVICES_DRIVER events (digests of `rom`) in
// PCR 2 after its separator, and the S-CRTM version string rewritten (same length, so its
// data no longer hashes to the digest the firmware extended, as on boards that log a
// different form of the version than they measure).
inline std::string WithOptionRomsAndOddCrtmVersion(const std::string& base,
                                                   const std::string& rom = "option ROM image") {
  auto log = ParseEventLog(base);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return "";
  Records r = SplitRecords(base);
  const int version = FindRecord(*log, 0, kEvSCrtmVersion);
  const int separator = FindRecord(*log, 2, kEvSeparator);
  EXPECT_GT(version, 0) << "the base log has no EV_S_CRTM_VERSION";
  EXPECT_GT(separator, 0) << "the base log has no PCR 2 separator";
  if (version <= 0 || separator <= 0) return "";
  const Event& v = log->events()[static_cast<size_t>(version)];
  std::string& vrec = r.records[static_cast<size_t>(version)];
  const size_t data_at = vrec.size() - v.data.size();
  for (size_t i = data_at; i < vrec.size(); ++i) {
    if (vrec[i] != '\0') vrec[i] = vrec[i] == 'X' ? 'Y' : 'X';
  }
  // An image load event as firmware writes one for a PCI option ROM (the device path is
  // whatever the firmware found; we only need the structure to be plausible).
  std::string load_event;
  PutU64(&load_event, 0x7f000000);  // ImageLocationInMemory
  PutU64(&load_event, 0x10000);     // ImageLengthInMemory
  PutU64(&load_event, 0);           // ImageLinkTimeAddress
  PutU64(&load_event, 4);           // LengthOfDevicePath
  load_event += std::string("\x7f\xff\x04\x00", 4);  // end of device path
  const auto at = r.records.begin() + separator + 1;
  r.records.insert(at, {AgileRecord(*log, 2, kEvEfiBootServicesDriver, load_event, rom + " 1"),
                        AgileRecord(*log, 2, kEvEfiBootServicesDriver, load_event, rom + " 2")});
  return r.Join();
}

// `base` (crypto-agile) as a platform with a hardware CRTM logs it: an EV_EFI_HCRTM_EVENT
// (data "HCRTM", digests of `hcrtm_data`, what the CRTM sent with _TPM_Hash_Data) as PCR 0's
// first event, right after the header.
inline std::string WithHcrtm(const std::string& base, const std::string& hcrtm_data) {
  auto log = ParseEventLog(base);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return "";
  Records r = SplitRecords(base);
  r.records.insert(r.records.begin() + 1,
                   AgileRecord(*log, 0, kEvEfiHcrtmEvent, "HCRTM", hcrtm_data));
  return r.Join();
}

}  // namespace veu::eventlog::testing

#endif  // VEU_TESTS_COMMON_EVENTLOG_REAL_SHAPED_LOGS_H_
