// A runtime policy (veu.v1.RuntimePolicy) indexed once for appraisal: allowed digests in a hash
// map by path (raw digest bytes in one arena, no per-digest allocation), excludes with a
// literal-prefix prefilter before any regular expression runs, verification keys parsed once,
// keyring and ima-buf expectations by name. Built once per policy and shared read-only (as
// std::shared_ptr<const RuntimePolicyIndex>) by every appraisal; see runtime_appraisal.h.
#ifndef VEU_COMMON_IMA_RUNTIME_POLICY_H_
#define VEU_COMMON_IMA_RUNTIME_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/ima/ima_signature.h"
#include "veu/v1/runtime_policy.pb.h"

namespace veu::ima {

inline constexpr size_t kMinPolicyDigestBytes = 16;
inline constexpr size_t kMaxPolicyDigestBytes = 64;

// What a table says about a (name, digest) pair.
enum class PolicyLookup {
  kNotListed,  // the name is not in the table
  kAllowed,    // listed with this digest
  kMismatch,   // listed, with other digests only
};

// Names to allowed digests. Names live in one arena, digests in another as [size][bytes]...
// runs, so a 50,000-path policy costs a few bytes over its content. Immutable once built.
class DigestTable {
 public:
  // `rows`: (name, digests) with every digest kMinPolicyDigestBytes..kMaxPolicyDigestBytes
  // long (checked by the caller). A name given twice gets the union of its digests.
  explicit DigestTable(const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& rows);
  DigestTable() = default;
  DigestTable(const DigestTable&) = delete;
  DigestTable& operator=(const DigestTable&) = delete;

  PolicyLookup Find(std::string_view name, std::string_view digest) const;
  // The digests listed for `name` (empty when not listed).
  std::vector<std::string> Digests(std::string_view name) const;
  size_t names() const { return map_.size(); }
  size_t digests() const { return digest_count_; }
  size_t MemoryBytes() const;

 private:
  struct Run {
    uint32_t offset = 0;  // into digests_
    uint32_t count = 0;
  };
  std::string names_;
  std::string digests_;
  absl::flat_hash_map<std::string_view, Run> map_;
  size_t digest_count_ = 0;
};

class RuntimePolicyIndex {
 public:
  // Indexes `policy`. Fails with InvalidArgument naming the element for a digest that is not
  // hex or is shorter than 16 or longer than 64 bytes, an exclude that is not a valid regular
  // expression, or a verification key whose PEM holds no public key or certificate. Pure
  // apart from OpenSSL key parsing.
  static absl::StatusOr<std::shared_ptr<const RuntimePolicyIndex>> Build(const v1::RuntimePolicy& policy);

  // Every member below is const and safe to call from any number of threads at once.
  PolicyLookup FileDigest(std::string_view path, std::string_view digest) const {
    return files_.Find(path, digest);
  }
  // Whether an exclude matches `path` from its start (Keylime's re.match).
  bool Excluded(std::string_view path) const;
  PolicyLookup KeyringDigest(std::string_view keyring, std::string_view digest) const {
    return keyrings_.Find(keyring, digest);
  }
  bool KeyringIgnored(std::string_view keyring) const {
    return ignored_keyrings_.contains(absl::string_view(keyring.data(), keyring.size()));
  }
  PolicyLookup BufferDigest(std::string_view name, std::string_view digest) const {
    return buffers_.Find(name, digest);
  }
  const std::vector<VerificationKey>& keys() const { return keys_; }
  bool unknown_files_warn() const { return unknown_files_warn_; }
  bool require_signatures() const { return require_signatures_; }
  bool violations_warn() const { return violations_warn_; }
  const DigestTable& files() const { return files_; }
  size_t excludes() const { return excludes_.size(); }
  // Bytes held by the index (arenas, hash tables, patterns; keys counted by their DER size).
  size_t MemoryBytes() const;

 private:
  using Rows = std::vector<std::pair<std::string_view, std::vector<std::string_view>>>;
  RuntimePolicyIndex(const v1::RuntimePolicy& policy, const Rows& files, const Rows& keyrings,
                     const Rows& buffers);

  struct Exclude {
    std::string prefix;         // a path must start with this to match
    bool prefix_only = false;   // the pattern is prefix + ".*" (or prefix alone): no regex
    std::regex re;
  };
  DigestTable files_;
  DigestTable keyrings_;
  DigestTable buffers_;
  std::vector<Exclude> excludes_;
  absl::flat_hash_set<std::string> ignored_keyrings_;
  std::vector<VerificationKey> keys_;
  size_t key_bytes_ = 0;
  bool unknown_files_warn_ = false;
  bool require_signatures_ = false;
  bool violations_warn_ = false;
};

// The literal text every match of an ECMAScript pattern anchored at its start must begin with
// (possibly empty), and whether the pattern is exactly that text followed by ".*" or nothing.
// Exposed for tests. Pure.
std::pair<std::string, bool> LiteralPrefix(std::string_view pattern);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_RUNTIME_POLICY_H_
