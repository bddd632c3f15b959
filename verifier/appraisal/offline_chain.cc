#include "verifier/appraisal/offline_chain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/proto_time.h"

namespace veu::verifier {
namespace {

std::string At(const veu::v1::OfflineQuote& q) {
  return q.has_taken_at() ? absl::StrCat("agent clock ", FormatProtoTime(q.taken_at()))
                          : "agent clock unknown";
}

std::string ShortHex(const std::string& bytes) { return ToHex(bytes).substr(0, 16); }

// The break between `before` (the anchor or the previous verified entry) and `now`, if any.
std::optional<ChainBreak> ClockBreak(int64_t index, const veu::v1::OfflineQuote& q,
                                     const tpm::ClockInfo& before, const tpm::ClockInfo& now) {
  ChainBreak b;
  b.index = index;
  if (now.reset_count != before.reset_count) {
    b.reason = veu::v1::OFFLINE_TPM_REBOOTED;
    b.detail = absl::StrCat("reboot at entry ", index, " (", At(q), "; TPM resetCount ",
                            before.reset_count, " -> ", now.reset_count, ", clock ", now.clock,
                            " ms)");
    return b;
  }
  if (now.restart_count != before.restart_count) {
    b.reason = veu::v1::OFFLINE_TPM_RESTARTED;
    b.detail = absl::StrCat("TPM restart at entry ", index, " (", At(q), "; restartCount ",
                            before.restart_count, " -> ", now.restart_count, ", clock ",
                            now.clock, " ms)");
    return b;
  }
  if (now.clock < before.clock) {
    b.reason = veu::v1::OFFLINE_CLOCK_REGRESSED;
    b.detail = absl::StrCat("TPM clock went backwards at entry ", index, " (", At(q), "; ",
                            before.clock, " -> ", now.clock, " ms with the same resetCount)");
    return b;
  }
  return std::nullopt;
}

}  // namespace

std::string OfflineChainReport::Summary() const {
  std::string span;
  uint64_t first = 0, last = 0;
  bool any = false;
  for (const OfflineEntryResult& e : entries) {
    if (!e.clock) continue;
    if (!any) first = e.clock->clock;
    last = e.clock->clock;
    any = true;
  }
  if (any) span = absl::StrCat(", TPM clock ", first, "..", last, " ms");
  const std::string counts =
      absl::StrCat(entries.size(), " quotes, ", verified, " verified", span);
  if (continuous()) {
    return absl::StrCat("offline, continuous: ", counts,
                        " (chained to the last verifier nonce; no verifier freshness)");
  }
  // A reboot is what a reader looks for first; otherwise the first break.
  std::string what = breaks.empty() ? "an entry did not verify" : breaks.front().detail;
  for (const ChainBreak& b : breaks) {
    if (b.reason == veu::v1::OFFLINE_TPM_REBOOTED) {
      what = b.detail;
      break;
    }
  }
  std::string more;
  if (breaks.size() > 1) more = absl::StrCat("; ", breaks.size() - 1, " more break(s)");
  return absl::StrCat("broken (", what, "): ", counts, more, " (no verifier freshness)");
}

OfflineChainReport CheckOfflineChain(const OfflineChainInput& input,
                                     const std::vector<veu::v1::OfflineQuote>& quotes) {
  OfflineChainReport report;
  if (input.dropped > 0) {
    report.breaks.push_back(
        {-1, veu::v1::OFFLINE_ENTRIES_DROPPED,
         absl::StrCat(input.dropped,
                      " oldest entries dropped by the agent's full spool: the gap before entry 0 "
                      "is unaccounted for")});
  }
  if (input.unreadable > 0) {
    report.breaks.push_back({-1, veu::v1::OFFLINE_ENTRY_UNREADABLE,
                             absl::StrCat(input.unreadable,
                                          " spool entries refused by the agent as unreadable")});
  }
  if (input.anchor.attest_sha256.empty()) {
    report.breaks.push_back({-1, veu::v1::OFFLINE_LINK_BROKEN,
                             "no anchor: the verifier holds no verified quote of this agent to "
                             "chain from"});
  }
  // The link and clock each entry must continue from: the anchor, then each verified entry.
  std::string expected_previous = input.anchor.attest_sha256;
  std::optional<tpm::ClockInfo> previous_clock;
  if (!input.anchor.attest_sha256.empty()) previous_clock = input.anchor.clock;
  // When entries were dropped the first kept entry cannot link to the anchor; that break is
  // already listed, so its link is not reported twice.
  const bool first_link_excused = input.dropped > 0 || input.unreadable > 0 ||
                            input.anchor.attest_sha256.empty();

  for (size_t i = 0; i < quotes.size(); ++i) {
    const veu::v1::OfflineQuote& q = quotes[i];
    const int64_t index = static_cast<int64_t>(i);
    OfflineEntryResult& result = report.entries.emplace_back();
    if (q.has_taken_at()) result.taken_at = FromProtoTime(q.taken_at());

    tpm::QuoteReport verified;
    if (input.ak == nullptr) {
      result.reason = veu::v1::QUOTE_SIGNATURE_INVALID;
      result.detail = "no AK to verify with";
    } else if (q.previous().size() != 32) {
      result.reason = veu::v1::OFFLINE_LINK_BROKEN;
      result.detail = absl::StrCat("previous is ", q.previous().size(), " bytes, not 32");
    } else {
      tpm::QuoteExpectations expect;
      expect.qualifying_data = tpm::QualifyingData(q.previous(), q.facts());
      expect.pcr_selection = input.pcr_selection;
      expect.allow_sha1 = input.allow_sha1;
      verified = tpm::VerifyQuote(*input.ak, tpm::QuoteEvidence::FromProto(q.quote()), expect);
      if (!verified.accepted()) {
        const tpm::CheckResult* failed = tpm::FirstFailure(verified.checks);
        result.reason = failed ? failed->reason : veu::v1::QUOTE_MALFORMED;
        result.detail = failed ? absl::StrCat(failed->id, ": ", failed->detail)
                               : "the quote did not verify";
      }
    }
    if (!verified.accepted()) {
      report.breaks.push_back({index, result.reason,
                               absl::StrCat("entry ", index, " refused (", At(q),
                                            "): ", result.detail)});
      // The next entry must still chain to these bytes: a forged entry breaks two links.
      expected_previous = crypto::Sha256(q.quote().attest());
      continue;
    }
    result.verified = true;
    result.reason = veu::v1::OFFLINE_NO_FRESHNESS;
    result.detail = absl::StrCat(
        "signed by the enrolled AK over the quoted PCRs at TPM clock ",
        verified.verified->clock_info().clock,
        " ms; self-challenged, so it proves continuity, not freshness");
    result.clock = verified.verified->clock_info();
    ++report.verified;

    if (q.previous() != expected_previous && !(i == 0 && first_link_excused)) {
      report.breaks.push_back(
          {index, veu::v1::OFFLINE_LINK_BROKEN,
           absl::StrCat("entry ", index, " (", At(q), ") chains to ", ShortHex(q.previous()),
                        ", not to ", i == 0 ? "the anchor " : "the entry before it ",
                        ShortHex(expected_previous))});
    }
    if (previous_clock) {
      if (std::optional<ChainBreak> b = ClockBreak(index, q, *previous_clock, *result.clock)) {
        report.breaks.push_back(*std::move(b));
      }
    }
    previous_clock = result.clock;
    expected_previous = crypto::Sha256(q.quote().attest());
    report.tip_attest_sha256 = expected_previous;
    report.tip_clock = result.clock;
  }
  return report;
}

}  // namespace veu::verifier
