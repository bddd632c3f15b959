#include "common/ima/runtime_policy.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/hex.h"

namespace veu::ima {
namespace {

bool IsMeta(char c) { return std::strchr(".^$*+?()[]{}|\\", c) != nullptr && c != '\0'; }

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

using Rows = std::vector<std::pair<std::string_view, std::vector<std::string_view>>>;

// Decodes every hex digest of `items` into `storage` (stable: a deque) and lists them in rows.
template <typename Message>
absl::Status CollectRows(const google::protobuf::RepeatedPtrField<Message>& items, const char* what,
                         const std::string& (Message::*name)() const, std::deque<std::string>* storage,
                         Rows* rows) {
  for (int i = 0; i < items.size(); ++i) {
    const Message& m = items[i];
    auto& row = rows->emplace_back((m.*name)(), std::vector<std::string_view>{});
    for (int j = 0; j < m.digests_size(); ++j) {
      auto d = FromHex(m.digests(j));
      if (!d.ok()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "runtime policy %s[%d] (%s): digest %d is not hex", what, i, (m.*name)(), j));
      }
      if (d->size() < kMinPolicyDigestBytes || d->size() > kMaxPolicyDigestBytes) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "runtime policy %s[%d] (%s): digest %d is %d bytes, want 16 to 64", what, i,
            (m.*name)(), j, d->size()));
      }
      row.second.push_back(storage->emplace_back(*std::move(d)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::pair<std::string, bool> LiteralPrefix(std::string_view pattern) {
  if (pattern.find('|') != std::string_view::npos) return {"", false};
  size_t i = 0;
  if (!pattern.empty() && pattern[0] == '^') i = 1;
  std::string prefix;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size() && !IsAlnum(pattern[i + 1])) {
      prefix.push_back(pattern[i + 1]);
      i += 2;
      continue;
    }
    if (IsMeta(c)) break;
    prefix.push_back(c);
    ++i;
  }
  if (i == pattern.size()) return {prefix, true};
  const char stop = pattern[i];
  if (stop == '*' || stop == '?' || stop == '{') {
    // The quantifier applies to the last literal character, which may then be absent.
    if (!prefix.empty()) prefix.pop_back();
    return {prefix, false};
  }
  return {prefix, pattern.substr(i) == ".*"};
}

DigestTable::DigestTable(const Rows& rows) {
  // Merge repeated names first, keeping each name's digests unique.
  std::map<std::string_view, std::vector<std::string_view>> merged;
  for (const auto& [name, digests] : rows) {
    auto& list = merged[name];
    for (std::string_view d : digests) {
      if (std::find(list.begin(), list.end(), d) == list.end()) list.push_back(d);
    }
  }
  size_t name_bytes = 0, digest_bytes = 0;
  for (const auto& [name, digests] : merged) {
    name_bytes += name.size();
    for (std::string_view d : digests) digest_bytes += 1 + d.size();
  }
  // Reserved up front: the map's keys view names_, which must never reallocate.
  names_.reserve(name_bytes);
  digests_.reserve(digest_bytes);
  map_.reserve(merged.size());
  for (const auto& [name, digests] : merged) {
    const size_t at = names_.size();
    names_.append(name);
    Run run{static_cast<uint32_t>(digests_.size()), static_cast<uint32_t>(digests.size())};
    for (std::string_view d : digests) {
      digests_.push_back(static_cast<char>(d.size()));
      digests_.append(d);
    }
    digest_count_ += digests.size();
    map_.emplace(std::string_view(names_.data() + at, name.size()), run);
  }
}

PolicyLookup DigestTable::Find(std::string_view name, std::string_view digest) const {
  auto it = map_.find(name);
  if (it == map_.end()) return PolicyLookup::kNotListed;
  const char* p = digests_.data() + it->second.offset;
  for (uint32_t i = 0; i < it->second.count; ++i) {
    const size_t size = static_cast<uint8_t>(*p);
    if (size == digest.size() && std::memcmp(p + 1, digest.data(), size) == 0) {
      return PolicyLookup::kAllowed;
    }
    p += 1 + size;
  }
  return PolicyLookup::kMismatch;
}

std::vector<std::string> DigestTable::Digests(std::string_view name) const {
  std::vector<std::string> out;
  auto it = map_.find(name);
  if (it == map_.end()) return out;
  const char* p = digests_.data() + it->second.offset;
  for (uint32_t i = 0; i < it->second.count; ++i) {
    const size_t size = static_cast<uint8_t>(*p);
    out.emplace_back(p + 1, size);
    p += 1 + size;
  }
  return out;
}

size_t DigestTable::MemoryBytes() const {
  // flat_hash_map: one slot (key view + run) and one control byte per bucket.
  return names_.capacity() + digests_.capacity() +
         map_.capacity() * (sizeof(std::pair<std::string_view, Run>) + 1);
}

RuntimePolicyIndex::RuntimePolicyIndex(const v1::RuntimePolicy& policy, const Rows& files,
                                       const Rows& keyrings, const Rows& buffers)
    : files_(files),
      keyrings_(keyrings),
      buffers_(buffers),
      unknown_files_warn_(policy.unknown_files() == v1::UNKNOWN_FILE_WARN),
      require_signatures_(policy.require_signatures()),
      violations_warn_(policy.violations_warn()) {}

absl::StatusOr<std::shared_ptr<const RuntimePolicyIndex>> RuntimePolicyIndex::Build(
    const v1::RuntimePolicy& policy) {
  Rows files, keyrings, buffers;
  std::deque<std::string> raw;
  if (auto s = CollectRows(policy.files(), "files", &v1::RuntimeFileDigests::path, &raw, &files); !s.ok())
    return s;
  if (auto s = CollectRows(policy.keyrings(), "keyrings", &v1::ImaKeyringExpectation::keyring, &raw,
                           &keyrings);
      !s.ok())
    return s;
  if (auto s = CollectRows(policy.buffers(), "buffers", &v1::ImaBufferExpectation::name, &raw, &buffers);
      !s.ok())
    return s;
  std::shared_ptr<RuntimePolicyIndex> index(new RuntimePolicyIndex(policy, files, keyrings, buffers));
  for (int i = 0; i < policy.excludes_size(); ++i) {
    const std::string& pattern = policy.excludes(i);
    Exclude e;
    std::tie(e.prefix, e.prefix_only) = LiteralPrefix(pattern);
    if (!e.prefix_only) {
      try {
        e.re = std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& err) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "runtime policy excludes[%d] '%s' is not a valid regular expression: %s", i, pattern,
            err.what()));
      }
    }
    index->excludes_.push_back(std::move(e));
  }
  for (const std::string& k : policy.ignored_keyrings()) index->ignored_keyrings_.insert(k);
  for (int i = 0; i < policy.verification_keys_size(); ++i) {
    auto keys = LoadVerificationKeys(policy.verification_keys(i).pem());
    if (!keys.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "runtime policy verification_keys[%d]: %s", i, keys.status().message()));
    }
    index->key_bytes_ += policy.verification_keys(i).pem().size();
    for (VerificationKey& k : *keys) index->keys_.push_back(std::move(k));
  }
  return std::shared_ptr<const RuntimePolicyIndex>(std::move(index));
}

bool RuntimePolicyIndex::Excluded(std::string_view path) const {
  for (const Exclude& e : excludes_) {
    if (path.size() < e.prefix.size() || path.compare(0, e.prefix.size(), e.prefix) != 0) continue;
    if (e.prefix_only) return true;
    if (std::regex_search(path.begin(), path.end(), e.re, std::regex_constants::match_continuous)) {
      return true;
    }
  }
  return false;
}

size_t RuntimePolicyIndex::MemoryBytes() const {
  size_t n = sizeof(*this) + files_.MemoryBytes() + keyrings_.MemoryBytes() + buffers_.MemoryBytes();
  for (const Exclude& e : excludes_) n += sizeof(e) + e.prefix.capacity();
  for (const std::string& k : ignored_keyrings_) n += sizeof(k) + k.capacity();
  return n + key_bytes_ + keys_.capacity() * sizeof(VerificationKey);
}

}  // namespace veu::ima
