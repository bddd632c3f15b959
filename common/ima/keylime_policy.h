// Keylime's runtime policy (the JSON `keylime-policy create runtime` writes, meta.version 1)
// read into a veu.v1.RuntimePolicy, and a runtime policy learned from a known-good IMA log.
// Pure: bytes and parsed logs in, messages out.
//
// Keylime field                 -> RuntimePolicy
//   digests {path: [hex]}       -> files (a digest must be 20, 32, 48 or 64 bytes: SHA-1,
//                                  SHA-256/SM3, SHA-384, SHA-512; others are refused, as
//                                  Keylime refuses an algorithm it does not know)
//   excludes [regex]            -> excludes (Python re syntax read as ECMAScript: the common
//                                  subset; the index refuses what does not compile)
//   keyrings {name: [hex]}      -> keyrings
//   ima.ignored_keyrings        -> ignored_keyrings
//   ima.log_hash_alg            -> log_hash_alg
//   ima-buf {name: [hex]}       -> buffers
//   verification-keys           -> verification_keys: a JSON string or object whose "pubkeys"
//                                  arrays hold base64 DER public keys (under "keyrings" by
//                                  name), or PEM text
//   ima.dm_policy, release      -> not imported (a note says so; device-mapper entries are
//                                  then appraised as buffers)
// Unknown fields are notes, never silently dropped.
#ifndef VEU_COMMON_IMA_KEYLIME_POLICY_H_
#define VEU_COMMON_IMA_KEYLIME_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ima/ima_log.h"
#include "veu/v1/runtime_policy.pb.h"

namespace veu::ima {

struct ConvertedPolicy {
  v1::RuntimePolicy policy;
  std::vector<std::string> notes;  // what was not carried over, and why; for the operator
};

// Reads a Keylime runtime policy. Fails with InvalidArgument for text that is not a JSON
// object, a meta.version other than 1, a field of the wrong JSON type, a digest that is not
// hex or of no known length (naming the path), or verification keys that do not parse. The
// result also builds into a RuntimePolicyIndex (its excludes compile). `source` names the file
// in policy.source. Thread-safe.
absl::StatusOr<ConvertedPolicy> ImportKeylimePolicy(std::string_view json, std::string_view source);

// A policy allowing exactly what `log` measured: each file path with the digests it was
// measured with, keyring measurements as keyring expectations, other ima-buf measurements as
// buffers; boot_aggregate is included (it changes with firmware: a note says so), violations
// are left out (noted). Fails with FailedPrecondition naming the first record for a log that
// is not trustworthy enough to learn from: a template hash that does not recompute or a
// template without named fields. Thread-safe.
absl::StatusOr<ConvertedPolicy> LearnRuntimePolicy(const ParsedLog& log, std::string_view source);

// A runtime policy file in any form we read: Keylime JSON (first non-space byte '{'), our
// text format (textproto), or our binary proto; detected in that order. Fails with
// InvalidArgument saying which forms were tried. Thread-safe.
absl::StatusOr<ConvertedPolicy> ParseRuntimePolicyFile(std::string_view bytes, std::string_view source);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_KEYLIME_POLICY_H_
