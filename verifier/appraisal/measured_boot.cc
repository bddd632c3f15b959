#include "verifier/appraisal/measured_boot.h"

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"

namespace veu::verifier {
namespace {

veu::v1::CheckResult Make(std::string id, veu::v1::CheckStatus status,
                          veu::v1::ReasonCode reason, std::string detail) {
  veu::v1::CheckResult c;
  c.set_check(std::move(id));
  c.set_status(status);
  if (status != veu::v1::CHECK_PASS) c.set_reason(reason);
  c.set_detail(std::move(detail));
  return c;
}

}  // namespace

MeasuredBootResult AppraiseMeasuredBoot(const std::string& log,
                                        const std::vector<veu::v1::PcrValue>& verified_pcrs) {
  MeasuredBootResult result;
  absl::StatusOr<eventlog::UnverifiedEventLog> parsed = eventlog::ParseEventLog(log);
  if (!parsed.ok()) {
    result.checks.push_back(Make("eventlog.replay", veu::v1::CHECK_FAIL,
                                 veu::v1::EVENTLOG_MALFORMED,
                                 std::string(parsed.status().message())));
    return result;
  }
  const eventlog::PcrValues replayed = eventlog::Replay(*parsed);
  int compared = 0;
  std::string missing_bank;
  for (const veu::v1::PcrValue& quoted : verified_pcrs) {
    auto bank = replayed.find(static_cast<uint16_t>(quoted.hash_alg()));
    if (bank == replayed.end()) {
      missing_bank = crypto::HashAlgName(static_cast<uint16_t>(quoted.hash_alg()));
      continue;
    }
    auto pcr = bank->second.find(quoted.index());
    if (pcr == bank->second.end()) continue;  // the log does not extend this PCR (e.g. IMA's 10)
    ++compared;
    if (pcr->second != quoted.digest()) {
      result.checks.push_back(Make(
          "eventlog.replay", veu::v1::CHECK_FAIL, veu::v1::EVENTLOG_REPLAY_MISMATCH,
          absl::StrCat("PCR ", quoted.index(), " (",
                       crypto::HashAlgName(static_cast<uint16_t>(quoted.hash_alg())),
                       "): the log replays to ", ToHex(pcr->second), " but the TPM quoted ",
                       ToHex(quoted.digest()))));
      return result;
    }
  }
  if (compared == 0) {
    result.checks.push_back(Make(
        "eventlog.replay", veu::v1::CHECK_NOT_EVALUATED, veu::v1::EVENTLOG_BANK_MISSING,
        absl::StrCat("the log covers none of the quoted PCRs",
                     missing_bank.empty() ? "" : absl::StrCat(" (no ", missing_bank, " bank)"))));
    return result;
  }
  result.replayed = true;
  result.checks.push_back(Make("eventlog.replay", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                               absl::StrCat(parsed->events().size(), " events replay to the ",
                                            compared, " quoted PCRs they cover")));
  return result;
}

}  // namespace veu::verifier
