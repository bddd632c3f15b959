#include "verifier/appraisal/measured_boot_cache.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "common/crypto/digest.h"

namespace veu::verifier {
namespace {

// SHA-256 over each input, length-prefixed, so no two different inputs share a key.
std::string KeyOf(const std::string& log, const std::vector<veu::v1::PcrValue>& pcrs,
                  const veu::v1::ReferenceValues& refs) {
  std::string material = crypto::Sha256(log);
  for (const veu::v1::PcrValue& v : pcrs) {
    const std::string one = v.SerializeAsString();
    material += std::to_string(one.size()) + ":" + one;
  }
  std::string refs_bytes;
  google::protobuf::io::StringOutputStream stream(&refs_bytes);
  {
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    refs.SerializeToCodedStream(&out);
  }
  material += "|" + crypto::Sha256(refs_bytes);
  return crypto::Sha256(material);
}

// What an appraisal keeps of the Secure Boot variables: digest and count, not every entry.
void DropSignatureEntries(veu::v1::MeasuredBootFacts* facts) {
  veu::v1::SecureBootFacts* sb = facts->mutable_secure_boot();
  for (veu::v1::SecureBootVariable* v :
       {sb->mutable_pk(), sb->mutable_kek(), sb->mutable_db(), sb->mutable_dbx()}) {
    v->clear_entries();
  }
}

}  // namespace

MeasuredBootResult MeasuredBootCache::Appraise(const std::string& log,
                                               const std::vector<veu::v1::PcrValue>& verified_pcrs,
                                               const veu::v1::ReferenceValues& refs) {
  const std::string key = KeyOf(log, verified_pcrs, refs);
  {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++hits_;
      return *it->second->second;
    }
    ++misses_;
  }
  MeasuredBootResult computed = AppraiseMeasuredBoot(log, verified_pcrs, refs);
  if (computed.facts.has_secure_boot()) DropSignatureEntries(&computed.facts);
  auto result = std::make_shared<const MeasuredBootResult>(std::move(computed));
  absl::MutexLock lock(&mu_);
  if (index_.find(key) == index_.end() && capacity_ > 0) {
    lru_.emplace_front(key, result);
    index_[key] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  return *result;
}

size_t MeasuredBootCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

size_t MeasuredBootCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

MeasuredBootCache& MeasuredBootCache::Shared() {
  static MeasuredBootCache* cache = new MeasuredBootCache(256);
  return *cache;
}

}  // namespace veu::verifier
