#include "common/ima/incremental.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/hasher.h"

namespace veu::ima {
namespace {

constexpr uint16_t kAlgSha1 = 0x0004;

struct Match {
  uint64_t k;        // new entries covered
  ExtendRule rule;
  std::string value;
};

// value = H(value || the entry's extend for bank `alg` by `rule`); `size` is the bank's.
void Extend(const ParsedLog& log, const Entry& e, uint16_t alg, ExtendRule rule, size_t size,
            uint8_t* value) {
  uint8_t ext[eventlog::kMaxDigestBytes];
  if (e.violation) {
    std::memset(ext, 0, size);
    std::memset(ext, 0xff, rule == ExtendRule::kPerBank ? size : std::min(size, kSha1Bytes));
  } else if (rule == ExtendRule::kPaddedSha1 || alg == log.template_hash_alg) {
    std::memset(ext, 0, size);
    std::memcpy(ext, e.template_hash.data(), std::min(size, e.template_hash.size()));
  } else if (e.template_name == "ima") {
    const std::string h = BankTemplateHash(log, e, alg);
    std::memset(ext, 0, size);
    std::memcpy(ext, h.data(), std::min(size, h.size()));
  } else {
    eventlog::HashInto(alg, e.template_data, {}, ext);
  }
  eventlog::HashInto(alg, std::string_view(reinterpret_cast<const char*>(value), size),
                     std::string_view(reinterpret_cast<const char*>(ext), size), value);
}

size_t BankSize(uint16_t alg) {
  uint8_t probe[eventlog::kMaxDigestBytes];
  return eventlog::HashInto(alg, {}, {}, probe);
}

// Every prefix length at which bank `alg` by `rule`, from `start`, equals `quoted`.
std::vector<Match> Matches(const ParsedLog& tail, uint16_t alg, ExtendRule rule, const std::string& start,
                           const std::string& quoted) {
  std::vector<Match> out;
  uint8_t value[eventlog::kMaxDigestBytes];
  const size_t size = BankSize(alg);
  if (size == 0 || start.size() != size || quoted.size() != size) return out;
  std::memcpy(value, start.data(), size);
  auto view = [&] { return std::string_view(reinterpret_cast<const char*>(value), size); };
  if (view() == quoted) out.push_back({0, rule, start});
  for (size_t i = 0; i < tail.entries.size(); ++i) {
    const Entry& e = tail.entries[i];
    if (e.pcr != kImaPcr) continue;
    Extend(tail, e, alg, rule, size, value);
    if (view() == quoted) out.push_back({i + 1, rule, std::string(view())});
  }
  return out;
}

// Bank `b` advanced over the first `k` entries of `tail`.
ImaBankState Advance(const ParsedLog& tail, ImaBankState b, uint64_t k) {
  const size_t size = BankSize(b.alg);
  if (size == 0 || b.pcr10.size() != size) return b;
  uint8_t value[eventlog::kMaxDigestBytes];
  std::memcpy(value, b.pcr10.data(), size);
  for (uint64_t i = 0; i < k && i < tail.entries.size(); ++i) {
    if (tail.entries[i].pcr == kImaPcr) Extend(tail, tail.entries[i], b.alg, b.rule, size, value);
  }
  b.pcr10.assign(reinterpret_cast<const char*>(value), size);
  return b;
}

}  // namespace

ImaIncrement VerifyIncrement(const ImaAcceptedPrefix& prev, const ParsedLog& tail,
                             const std::map<uint16_t, std::string>& quoted) {
  ImaIncrement r;
  r.next = prev;
  for (size_t i = 0; i < tail.entries.size(); ++i) {
    if (tail.entries[i].record != prev.entries + i) {
      r.detail = absl::StrFormat(
          "IMA_LOG_DIVERGED: entry %d of the report is record %d, want %d (the report must "
          "continue the %d entries accepted)", i, tail.entries[i].record, prev.entries + i, prev.entries);
      return r;
    }
  }
  if (quoted.empty()) {
    r.detail = "IMA_REPLAY_MISMATCH: no quoted PCR 10";
    return r;
  }
  // Per bank, the prefixes that match; then the shortest prefix every bank matches.
  std::vector<std::pair<uint16_t, std::vector<Match>>> per_bank;
  for (const auto& [alg, value] : quoted) {
    std::vector<Match> found;
    const ImaBankState* known = nullptr;
    for (const ImaBankState& b : prev.banks) {
      if (b.alg == alg) known = &b;
    }
    if (known != nullptr) {
      found = Matches(tail, alg, known->rule, known->pcr10, value);
    } else if (prev.entries == 0) {
      const std::string zero(BankSize(alg), '\0');
      found = Matches(tail, alg, ExtendRule::kPerBank, zero, value);
      if (alg != kAlgSha1) {
        auto padded = Matches(tail, alg, ExtendRule::kPaddedSha1, zero, value);
        found.insert(found.end(), padded.begin(), padded.end());
      }
    } else {
      r.detail = absl::StrFormat(
          "IMA_REPLAY_MISMATCH: bank %s is quoted but was not tracked over the %d entries accepted "
          "before; it can be checked from the next boot", crypto::HashAlgName(alg), prev.entries);
      return r;
    }
    if (found.empty()) {
      r.detail = absl::StrFormat(
          "IMA_REPLAY_MISMATCH: no prefix of entries %d..%d replays to the quoted %s PCR 10",
          prev.entries, prev.entries + tail.entries.size(), crypto::HashAlgName(alg));
      return r;
    }
    per_bank.emplace_back(alg, std::move(found));
  }
  if (per_bank.empty()) return r;  // not reached: quoted is not empty
  uint64_t best = UINT64_MAX;
  const std::vector<Match>& first_bank = per_bank.front().second;
  for (const Match& candidate : first_bank) {
    const uint64_t k = candidate.k;
    bool everywhere = true;
    for (size_t b = 1; b < per_bank.size() && everywhere; ++b) {
      bool found = false;
      for (size_t j = 0; j < per_bank[b].second.size(); ++j) found = found || per_bank[b].second[j].k == k;
      everywhere = found;
    }
    if (everywhere && k < best) best = k;
  }
  if (best == UINT64_MAX) {
    r.detail = "IMA_REPLAY_MISMATCH: the quoted banks match the log at different entries";
    return r;
  }
  r.matched = true;
  r.matched_entries = prev.entries + best;
  r.next.entries = r.matched_entries;
  r.next.banks.clear();
  for (const auto& [alg, matches] : per_bank) {
    for (const Match& m : matches) {
      if (m.k == best) {
        r.next.banks.push_back({alg, m.rule, m.value});
        break;
      }
    }
  }
  // Banks tracked before but not quoted now are carried forward to the match.
  for (const ImaBankState& b : prev.banks) {
    if (quoted.count(b.alg) == 0) r.next.banks.push_back(Advance(tail, b, best));
  }
  return r;
}

}  // namespace veu::ima
