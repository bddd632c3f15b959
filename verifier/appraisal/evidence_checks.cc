#include "verifier/appraisal/evidence_checks.h"

#include <memory>

#include "absl/base/const_init.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/check_result.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/tpm/public_key.h"
#include "common/tpm/quote.h"
#include "verifier/appraisal/measured_boot.h"
#include "verifier/appraisal/measured_boot_cache.h"

namespace veu::verifier {
namespace {

// Loading an AK (TPM2B_PUBLIC -> EVP_PKEY: curve group, point or modulus checks) costs about
// as much as verifying the quote's signature, and the same AKs are appraised over and over.
// Loaded keys are memoised by their exact bytes, so the result is what LoadAkPublic returns.
// An EVP_PKEY may be shared between threads for verification (read-only after creation).
// Bounded: when full, the cache starts over (never worse than loading every time).
constexpr size_t kMaxCachedAks = 1 << 14;
using CachedAk = std::shared_ptr<const tpm::AkPublicKey>;

absl::StatusOr<CachedAk> LoadAkPublicCached(const std::string& ak_public) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache = new absl::flat_hash_map<std::string, CachedAk>();
  {
    absl::MutexLock lock(&mu);
    auto it = cache->find(ak_public);
    if (it != cache->end()) return it->second;
  }
  absl::StatusOr<tpm::AkPublicKey> loaded = tpm::LoadAkPublic(ak_public);
  if (!loaded.ok()) return loaded.status();  // not cached: a damaged record stays visible
  CachedAk shared = std::make_shared<const tpm::AkPublicKey>(*std::move(loaded));
  absl::MutexLock lock(&mu);
  if (cache->size() >= kMaxCachedAks) cache->clear();
  cache->emplace(ak_public, shared);
  return shared;
}

veu::v1::CheckResult FromTpmCheck(const tpm::CheckResult& c) {
  veu::v1::CheckResult out;
  out.set_check(c.id);
  out.set_detail(c.detail);
  switch (c.status) {
    case tpm::CheckStatus::kPass:
      out.set_status(veu::v1::CHECK_PASS);
      break;
    case tpm::CheckStatus::kWarn:
      // Passed with a caveat: a warning, so the verdict is WARN unless the policy pack accepts
      // the caveat by name (AcceptCaveats).
      out.set_status(veu::v1::CHECK_WARN);
      out.set_reason(c.reason);
      out.set_detail(absl::StrCat("warning: ", c.detail));
      break;
    case tpm::CheckStatus::kFail:
      out.set_status(veu::v1::CHECK_FAIL);
      out.set_reason(c.reason);
      break;
    case tpm::CheckStatus::kSkipped:
      out.set_status(veu::v1::CHECK_NOT_EVALUATED);
      out.set_reason(veu::v1::CONTROL_NOT_EVALUATED);
      break;
  }
  return out;
}

}  // namespace

std::string QualifyingDataFor(const std::string& nonce, const std::string& facts) {
  return tpm::QualifyingData(nonce, facts);
}

QuoteStepResult CheckQuote(const std::string& ak_public, const veu::v1::Quote& quote,
                           const std::string& expected_qualifying_data,
                           const std::vector<veu::v1::PcrSelection>& selection,
                           bool allow_sha1) {
  QuoteStepResult result;
  absl::StatusOr<CachedAk> ak = LoadAkPublicCached(ak_public);
  if (!ak.ok()) {
    // The stored AK was checked at enrolment; failing here means the record is damaged.
    result.checks.push_back(MakeCheckResult(
        "agent.ak", veu::v1::CHECK_FAIL, veu::v1::AK_PUBLIC_MALFORMED,
        absl::StrCat("the enrolled AK does not load: ", ak.status().message())));
    return result;
  }
  tpm::QuoteExpectations expectations;
  expectations.qualifying_data = expected_qualifying_data;
  expectations.pcr_selection = selection;
  expectations.allow_sha1 = allow_sha1;
  tpm::QuoteReport report = tpm::VerifyQuote(**ak, tpm::QuoteEvidence::FromProto(quote),
                                             expectations);
  for (const tpm::CheckResult& c : report.checks) result.checks.push_back(FromTpmCheck(c));
  if (report.verified) {
    const tpm::VerifiedQuote& q = *report.verified;
    result.verified = true;
    result.facts.clock = q.clock_info().clock;
    result.facts.reset_count = q.clock_info().reset_count;
    result.facts.restart_count = q.clock_info().restart_count;
    result.facts.safe = q.clock_info().safe;
    result.facts.firmware_version = q.firmware_version();
    result.facts.qualified_signer = q.qualified_signer();
    result.facts.signature_alg = q.signature_alg();
    result.facts.signature_hash = q.signature_hash_alg();
    result.pcr_values = q.pcr_values();
  }
  return result;
}

MeasuredBootStep CheckMeasuredBoot(const veu::v1::Facts& facts,
                                   const veu::v1::EventLogUpload& upload,
                                   const std::string& previous_log,
                                   const std::vector<veu::v1::PcrValue>& verified_pcrs,
                                   const veu::v1::ReferenceValues& refs, bool require_log) {
  MeasuredBootStep step;
  auto add = [&](veu::v1::CheckStatus status, veu::v1::ReasonCode reason, std::string detail) {
    step.checks.push_back(MakeCheckResult("eventlog.replay", status, reason, std::move(detail)));
  };
  const bool sent = !upload.content().empty() || upload.unchanged();
  if (!sent && !facts.has_event_log()) {
    add(require_log ? veu::v1::CHECK_FAIL : veu::v1::CHECK_NOT_EVALUATED,
        veu::v1::EVENTLOG_MISSING, "no measured-boot event log was sent");
    return step;
  }
  if (upload.unchanged() && previous_log.empty()) {
    add(veu::v1::CHECK_FAIL, veu::v1::EVENTLOG_MISSING,
        "the agent reported its log unchanged, but no log was accepted on this stream");
    return step;
  }
  const std::string& log = upload.unchanged() ? previous_log : upload.content();
  if (!facts.has_event_log() || facts.event_log().sha256() != crypto::Sha256(log)) {
    add(veu::v1::CHECK_FAIL, veu::v1::EVENTLOG_NOT_BOUND,
        "the event log sent is not the one whose SHA-256 the quoted facts carry");
    return step;
  }
  MeasuredBootResult mb = MeasuredBootCache::Shared().Appraise(log, verified_pcrs, refs);
  step.checks.insert(step.checks.end(), mb.checks.begin(), mb.checks.end());
  if (mb.replayed) {
    step.accepted_log = log;
    step.facts = std::move(mb.facts);
  }
  return step;
}

}  // namespace veu::verifier
