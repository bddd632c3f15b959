// Builds synthetic TCG event logs for tests: crypto-agile (Spec ID Event03 header) or legacy
// SHA-1, with digests computed from the data unless a test says otherwise.
#ifndef VEU_TESTS_COMMON_EVENTLOG_LOG_BUILDER_H_
#define VEU_TESTS_COMMON_EVENTLOG_LOG_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto/digest.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"

namespace veu::eventlog::testing {

inline void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
inline void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
inline void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline std::string Utf16(const std::string& ascii, bool nul = false) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  if (nul) out.append(2, '\0');
  return out;
}

// UEFI_VARIABLE_DATA for `name` (ASCII) under `guid` with `value`.
inline std::string EfiVariable(const EfiGuid& guid, const std::string& name,
                               const std::string& value) {
  std::string out(guid.bytes.begin(), guid.bytes.end());
  PutU64(&out, name.size());
  PutU64(&out, value.size());
  out += Utf16(name);
  out += value;
  return out;
}

inline std::string Hash(uint16_t alg, const std::string& data) {
  return *crypto::Hash(alg, {data});
}

struct Algorithm {
  uint16_t alg;
  uint16_t size;
};

class LogBuilder {
 public:
  // Crypto-agile log with these banks (unknown algorithms get digest bytes of 0xAB).
  explicit LogBuilder(std::vector<Algorithm> algs = {{crypto::kAlgSha1, 20},
                                                     {crypto::kAlgSha256, 32}})
      : algs_(std::move(algs)) {}
  static LogBuilder Legacy() {
    LogBuilder b({{crypto::kAlgSha1, 20}});
    b.legacy_ = true;
    return b;
  }

  // An event whose digests are the hash of `data`.
  LogBuilder& Add(uint32_t pcr, uint32_t type, const std::string& data) {
    return AddMeasuring(pcr, type, data, data);
  }
  // An event whose digests are the hash of `measured` (which may differ from `data`).
  LogBuilder& AddMeasuring(uint32_t pcr, uint32_t type, const std::string& data,
                           const std::string& measured) {
    std::vector<std::pair<uint16_t, std::string>> digests;
    for (const Algorithm& a : algs_) {
      std::string d =
          crypto::DigestSize(a.alg) ? Hash(a.alg, measured) : std::string(a.size, '\xAB');
      digests.emplace_back(a.alg, d);
    }
    return AddWithDigests(pcr, type, data, digests);
  }
  LogBuilder& AddWithDigests(uint32_t pcr, uint32_t type, const std::string& data,
                             const std::vector<std::pair<uint16_t, std::string>>& digests) {
    std::string rec;
    PutU32(&rec, pcr);
    PutU32(&rec, type);
    if (legacy_) {
      rec += digests.front().second;
    } else {
      PutU32(&rec, static_cast<uint32_t>(digests.size()));
      for (const auto& [alg, d] : digests) {
        PutU16(&rec, alg);
        rec += d;
      }
    }
    PutU32(&rec, static_cast<uint32_t>(data.size()));
    rec += data;
    records_.push_back(rec);
    return *this;
  }
  LogBuilder& StartupLocality(uint8_t locality) {
    std::string data("StartupLocality\0", 16);
    data.push_back(static_cast<char>(locality));
    std::vector<std::pair<uint16_t, std::string>> zeros;
    for (const Algorithm& a : algs_) zeros.emplace_back(a.alg, std::string(a.size, '\0'));
    return AddWithDigests(0, kEvNoAction, data, zeros);
  }
  // Separators (data 00000000) for PCRs 0-7.
  LogBuilder& Separators() {
    for (uint32_t pcr = 0; pcr < 8; ++pcr) Add(pcr, kEvSeparator, std::string(4, '\0'));
    return *this;
  }

  std::string SpecIdHeader() const {
    std::string data("Spec ID Event03\0", 16);
    PutU32(&data, 0);                            // platform class
    data += std::string("\x00\x02\x00\x02", 4);  // minor, major, errata, uintn size
    PutU32(&data, static_cast<uint32_t>(algs_.size()));
    for (const Algorithm& a : algs_) {
      PutU16(&data, a.alg);
      PutU16(&data, a.size);
    }
    data.push_back('\0');  // vendorInfoSize
    std::string rec;
    PutU32(&rec, 0);
    PutU32(&rec, kEvNoAction);
    rec += std::string(20, '\0');
    PutU32(&rec, static_cast<uint32_t>(data.size()));
    return rec + data;
  }

  std::vector<std::string>& records() { return records_; }

  std::string Build() const {
    std::string out = legacy_ ? "" : SpecIdHeader();
    for (const std::string& r : records_) out += r;
    return out;
  }

 private:
  std::vector<Algorithm> algs_;
  bool legacy_ = false;
  std::vector<std::string> records_;
};

}  // namespace veu::eventlog::testing

#endif  // VEU_TESTS_COMMON_EVENTLOG_LOG_BUILDER_H_
