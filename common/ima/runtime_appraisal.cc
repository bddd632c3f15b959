#include "common/ima/runtime_appraisal.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/eventlog/hasher.h"
#include "common/hex.h"

namespace veu::ima {
namespace {

bool HasBufField(const Entry& e) {
  if (e.template_name == "ima-buf") return true;
  for (const std::string& f : e.field_names) {
    if (f == "buf") return true;
  }
  return false;
}

std::string DigestText(const Entry& e) {
  if (e.digest_alg.empty()) return ToHex(e.file_digest);
  return e.digest_alg + ":" + ToHex(e.digest);
}

// Collects findings for one Appraise call.
class Sink {
 public:
  Sink(RuntimeAppraisal* out, size_t max) : out_(out), max_(max) {}
  void Add(const Entry& e, v1::ReasonCode reason, bool warning, std::string detail) {
    ++out_->findings_total;
    ++out_->counts[reason];
    if (warning) {
      if (out_->verdict == RuntimeVerdict::kPass) out_->verdict = RuntimeVerdict::kWarn;
    } else {
      out_->verdict = RuntimeVerdict::kFail;
    }
    if (out_->findings.size() >= max_) return;
    out_->findings.push_back(RuntimeFinding{
        e.record, reason, warning, e.path,
        absl::StrFormat("record %d (%s): %s", e.record, e.path, detail)});
  }

 private:
  RuntimeAppraisal* out_;
  size_t max_;
};

}  // namespace

const char* RuntimeVerdictName(RuntimeVerdict v) {
  switch (v) {
    case RuntimeVerdict::kPass: return "pass";
    case RuntimeVerdict::kWarn: return "warn";
    case RuntimeVerdict::kFail: return "fail";
  }
  return "?";
}

RuntimeAppraiser::RuntimeAppraiser(std::shared_ptr<const RuntimePolicyIndex> policy)
    : policy_(std::move(policy)) {}

RuntimeAppraisal RuntimeAppraiser::Appraise(const ParsedLog& log, size_t first,
                                            const RuntimeAppraisalOptions& options) {
  RuntimeAppraisal out;
  Sink sink(&out, options.max_findings);
  const RuntimePolicyIndex& p = *policy_;
  const size_t end = std::min(options.end, log.entries.size());
  for (size_t i = first; i < end; ++i) {
    const Entry& e = log.entries[i];
    ++out.appraised;
    // 1. The log itself.
    if (!e.violation && !e.template_hash_ok) {
      sink.Add(e, v1::IMA_TEMPLATE_HASH_MISMATCH, false,
               absl::StrFormat("template hash %s does not recompute from the template data",
                               ToHex(e.template_hash)));
      continue;
    }
    if (!e.template_known) {
      sink.Add(e, v1::IMA_TEMPLATE_UNKNOWN, false,
               absl::StrFormat("template '%s' is neither built in nor a format string",
                               e.template_name));
      continue;
    }
    // 2. Violations.
    if (e.violation) {
      if (p.Excluded(e.path)) {
        ++out.excluded;
      } else {
        sink.Add(e, v1::IMA_VIOLATION, p.violations_warn(),
                 "measurement violation (logged as zeros: the file changed while measured, or "
                 "was open for writing)");
      }
      continue;
    }
    // 3. boot_aggregate against the quoted PCRs.
    const bool boot_aggregate = e.record == 0 && e.path == "boot_aggregate";
    if (boot_aggregate && options.boot_aggregate == BootAggregateState::kMatches) {
      ++out.by_digest;
      continue;
    }
    if (boot_aggregate && options.boot_aggregate == BootAggregateState::kMismatch) {
      sink.Add(e, v1::IMA_BOOT_AGGREGATE_MISMATCH, false,
               absl::StrFormat("boot_aggregate %s is not the hash of the quoted PCRs",
                               DigestText(e)));
      continue;
    }
    // 4. Buffers: keyrings and other ima-buf measurements.
    if (HasBufField(e)) {
      const uint16_t alg = TpmAlgForImaName(e.digest_alg);
      if (alg != 0) {
        uint8_t h[eventlog::kMaxDigestBytes];
        const size_t n = eventlog::HashInto(alg, e.buf, {}, h);
        if (n != 0 && (n != e.digest.size() || std::memcmp(h, e.digest.data(), n) != 0)) {
          sink.Add(e, v1::IMA_DIGEST_MISMATCH, false,
                   absl::StrFormat("the buffer does not hash to its logged digest %s", DigestText(e)));
          continue;
        }
      }
      if (p.KeyringIgnored(e.path)) {
        ++out.by_keyring;
        continue;
      }
      switch (p.KeyringDigest(e.path, e.digest)) {
        case PolicyLookup::kAllowed:
          ++out.by_keyring;
          if (auto key = LoadVerificationKeyDer(e.buf); key.ok()) learned_.push_back(std::move(*key));
          continue;
        case PolicyLookup::kMismatch:
          sink.Add(e, v1::IMA_KEYRING_KEY_UNEXPECTED, false,
                   absl::StrFormat("key %s loaded onto keyring %s is not one the policy expects",
                                   DigestText(e), e.path));
          continue;
        case PolicyLookup::kNotListed:
          break;
      }
      switch (p.BufferDigest(e.path, e.digest)) {
        case PolicyLookup::kAllowed:
          ++out.by_keyring;
          continue;
        case PolicyLookup::kMismatch:
          sink.Add(e, v1::IMA_BUFFER_UNEXPECTED, false,
                   absl::StrFormat("buffer %s is not a digest the policy allows for %s",
                                   DigestText(e), e.path));
          continue;
        case PolicyLookup::kNotListed:
          break;
      }
      if (!e.path.empty() && e.path[0] == '.') {
        sink.Add(e, v1::IMA_KEYRING_KEY_UNEXPECTED, false,
                 absl::StrFormat("key %s loaded onto keyring %s, which the policy neither "
                                 "expects nor ignores", DigestText(e), e.path));
      } else {
        sink.Add(e, v1::IMA_BUFFER_UNEXPECTED, p.unknown_files_warn(),
                 absl::StrFormat("buffer measurement %s is not in the policy", DigestText(e)));
      }
      continue;
    }
    // 5. Files: signature, then digest.
    if (!e.signature.empty() && (!p.keys().empty() || !learned_.empty())) {
      SignatureCheck c = CheckSignature(e, p.keys());
      if (c.result == SignatureResult::kUnknownKey && !learned_.empty()) {
        c = CheckSignature(e, learned_);
      }
      if (c.result == SignatureResult::kValid) {
        ++out.by_signature;
        continue;
      }
      if (p.Excluded(e.path)) {
        ++out.excluded;
      } else {
        sink.Add(e, v1::IMA_SIGNATURE_INVALID, false,
                 absl::StrFormat("signature %s: %s", SignatureResultName(c.result), c.detail));
      }
      continue;
    }
    if (p.require_signatures() && !boot_aggregate) {
      if (p.Excluded(e.path)) {
        ++out.excluded;
      } else {
        sink.Add(e, v1::IMA_SIGNATURE_MISSING, false,
                 e.signature.empty() ? "the policy requires a file signature; the entry has none"
                                     : "the policy requires a file signature and has no key to "
                                       "verify this one");
      }
      continue;
    }
    const PolicyLookup found = p.FileDigest(e.path, e.digest);
    if (found == PolicyLookup::kAllowed) {
      ++out.by_digest;
      continue;
    }
    if (p.Excluded(e.path)) {
      ++out.excluded;
      continue;
    }
    if (found == PolicyLookup::kMismatch) {
      sink.Add(e, v1::IMA_DIGEST_MISMATCH, false,
               absl::StrFormat("digest %s is not one the policy allows for this path (%d allowed)",
                               DigestText(e), p.files().Digests(e.path).size()));
    } else {
      sink.Add(e, v1::IMA_FILE_UNKNOWN, p.unknown_files_warn(),
               absl::StrFormat("digest %s, a path the policy neither lists nor excludes",
                               DigestText(e)));
    }
  }
  return out;
}

}  // namespace veu::ima
