#include "common/eventlog/binding.h"

#include <map>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/hex.h"

namespace veu::eventlog {
namespace {

constexpr uint32_t kFirmwarePcrs = 8;

veu::v1::CheckResult Check(veu::v1::CheckStatus status, veu::v1::ReasonCode reason,
                           std::string detail) {
  veu::v1::CheckResult c;
  c.set_check("eventlog.replay");
  c.set_status(status);
  if (status != veu::v1::CHECK_PASS) c.set_reason(reason);
  c.set_detail(std::move(detail));
  return c;
}

}  // namespace

BindingOutcome BindToQuote(UnverifiedEventLog log, const PcrValues& quoted) {
  BindingOutcome out;
  PcrValues replayed = Replay(log);
  // Walk PCRs in ascending order, banks in ascending algorithm order, so "first" is stable.
  std::map<uint32_t, std::map<uint16_t, std::pair<const std::string*, const std::string*>>> pairs;
  // PCRs 0-7 belong to firmware, so the log must account for every extend of them: one it
  // does not extend must still hold its reset value. Removing the only event of such a PCR
  // must not make it silently "not covered". Higher PCRs are extended by others (IMA's 10,
  // systemd's 11-15), so only those the log extends are compared.
  std::map<uint16_t, PcrBank> initial;
  for (const auto& [alg, bank] : replayed) {
    const size_t size = crypto::DigestSize(alg);
    for (uint32_t pcr = 0; pcr < kFirmwarePcrs; ++pcr) {
      if (bank.count(pcr)) continue;
      std::string reset(size, '\0');
      if (pcr == 0) reset.back() = static_cast<char>(Pcr0InitialLocality(log));
      initial[alg][pcr] = reset;
    }
  }
  for (const auto& [alg, bank] : quoted) {
    auto ours = replayed.find(alg);
    if (ours == replayed.end()) continue;
    for (const auto& [pcr, value] : bank) {
      auto mine = ours->second.find(pcr);
      if (mine != ours->second.end()) {
        pairs[pcr][alg] = {&mine->second, &value};
      } else if (auto reset = initial[alg].find(pcr); reset != initial[alg].end()) {
        pairs[pcr][alg] = {&reset->second, &value};
      }
    }
  }
  std::set<uint32_t> bound;
  for (const auto& [pcr, banks] : pairs) {
    for (const auto& [alg, values] : banks) {
      if (*values.first != *values.second) {
        out.mismatch_pcr = pcr;
        out.mismatch_alg = alg;
        out.check =
            Check(veu::v1::CHECK_FAIL, veu::v1::EVENTLOG_REPLAY_MISMATCH,
                  absl::StrFormat("PCR %d (%s): the event log replays to %s but the TPM quoted %s; "
                                  "the log is incomplete or not this machine's",
                                  pcr, crypto::HashAlgName(alg), ToHex(*values.first),
                                  ToHex(*values.second)));
        return out;
      }
    }
    bound.insert(pcr);
  }
  if (bound.empty()) {
    std::string have;
    for (const auto& [alg, bank] : replayed) {
      absl::StrAppendFormat(&have, "%s%s", have.empty() ? "" : ", ", crypto::HashAlgName(alg));
    }
    out.check = Check(veu::v1::CHECK_NOT_EVALUATED, veu::v1::EVENTLOG_BANK_MISSING,
                      absl::StrFormat("the quote covers none of the PCRs the log extends in a "
                                      "bank it can replay (log banks: %s); quote PCRs 0-7 in "
                                      "one of those banks",
                                      have.empty() ? "none" : have));
    return out;
  }
  std::string list;
  for (uint32_t pcr : bound) absl::StrAppendFormat(&list, "%s%d", list.empty() ? "" : ",", pcr);
  out.check =
      Check(veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
            absl::StrFormat("%d events replay to the quoted PCRs %s", log.events().size(), list));
  out.verified = VerifiedEventLog(std::move(log), std::move(replayed), std::move(bound));
  return out;
}

BindingOutcome BindToQuote(UnverifiedEventLog log, const std::vector<veu::v1::PcrValue>& quoted) {
  PcrValues values;
  for (const veu::v1::PcrValue& v : quoted) {
    if (v.hash_alg() > 0xFFFF) continue;
    values[static_cast<uint16_t>(v.hash_alg())][v.index()] = v.digest();
  }
  return BindToQuote(std::move(log), values);
}

VerifiedEventLog TrustForOfflineReview(const UnverifiedEventLog& log) {
  PcrValues replayed = Replay(log);
  std::set<uint32_t> bound;
  for (const auto& [alg, bank] : replayed) {
    for (const auto& [pcr, value] : bank) bound.insert(pcr);
  }
  return VerifiedEventLog(log, std::move(replayed), std::move(bound));
}

}  // namespace veu::eventlog
