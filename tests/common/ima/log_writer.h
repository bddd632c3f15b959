// Test helper: writes IMA logs the way the kernel does (binary in either byte order, with the
// template hash of any bank; ASCII lines), so tests can make logs of every template and
// corrupt them on purpose. Independent of the parser: it only concatenates and hashes.
#ifndef VEU_TESTS_COMMON_IMA_LOG_WRITER_H_
#define VEU_TESTS_COMMON_IMA_LOG_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/crypto/digest.h"
#include "common/hex.h"

namespace veu::ima::testing {

inline std::string U32(uint32_t v, bool big_endian = false) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * (big_endian ? 3 - i : i))) & 0xff);
  return out;
}

// Length-prefixed fields: the template data of every template but "ima".
inline std::string TemplateData(const std::vector<std::string>& fields, bool big_endian = false) {
  std::string data;
  for (const std::string& f : fields) data += U32(static_cast<uint32_t>(f.size()), big_endian) + f;
  return data;
}

// "alg:" NUL digest (d-ng), or "type:alg:" NUL digest (d-ngv2).
inline std::string DigestNg(const std::string& prefix, const std::string& digest) {
  return prefix + ":" + std::string(1, '\0') + digest;
}

struct Record {
  uint32_t pcr = 10;
  std::string name;                 // template name or format string
  std::vector<std::string> fields;  // field data
  bool violation = false;           // log an all-zero template hash
};

// One binary record; the template hash is `hash_alg` (TPM_ALG_ID) of the template data.
inline std::string BinaryRecord(const Record& r, uint16_t hash_alg = crypto::kAlgSha1,
                                bool big_endian = false) {
  const std::string data = TemplateData(r.fields, big_endian);
  std::string hash = *crypto::Hash(hash_alg, {data});
  if (r.violation) hash.assign(hash.size(), '\0');
  return U32(r.pcr, big_endian) + hash + U32(static_cast<uint32_t>(r.name.size()), big_endian) +
         r.name + U32(static_cast<uint32_t>(data.size()), big_endian) + data;
}

inline std::string BinaryLog(const std::vector<Record>& records, uint16_t hash_alg = crypto::kAlgSha1,
                             bool big_endian = false) {
  std::string log;
  for (const Record& r : records) log += BinaryRecord(r, hash_alg, big_endian);
  return log;
}

// The SHA-1 template hash of a record, hex (for ASCII lines).
inline std::string Sha1TemplateHashHex(const Record& r) {
  return ToHex(*crypto::Hash(crypto::kAlgSha1, {TemplateData(r.fields)}));
}

}  // namespace veu::ima::testing

#endif  // VEU_TESTS_COMMON_IMA_LOG_WRITER_H_
