// Incremental verification of an IMA log against quoted PCR 10 values, per agent and boot:
// the verifier keeps how many entries it accepted and the running PCR 10 of each bank after
// them (ImaAcceptedPrefix), and a report replays only the entries after those. The quoted PCR
// 10 may match any prefix of what was sent (the kernel appends between the quote and the
// read); the entries past the match are sent and replayed again next time. A reboot (a new
// resetCount) starts from ImaAcceptedPrefix{}. Pure: no I/O, no clock; the caller stores it.
#ifndef VEU_COMMON_IMA_INCREMENTAL_H_
#define VEU_COMMON_IMA_INCREMENTAL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ima/ima_log.h"

namespace veu::ima {

struct ImaBankState {
  uint16_t alg = 0;                       // TPM_ALG_ID
  ExtendRule rule = ExtendRule::kPerBank; // decided at the first match of the boot
  std::string pcr10;                      // running value after `entries` entries
  bool operator==(const ImaBankState& o) const {
    return alg == o.alg && rule == o.rule && pcr10 == o.pcr10;
  }
};

struct ImaAcceptedPrefix {
  uint64_t entries = 0;              // entries of this boot accepted so far
  std::vector<ImaBankState> banks;   // empty until the first match
};

struct ImaIncrement {
  bool matched = false;
  uint64_t matched_entries = 0;  // entries the quote covers, counted from the boot's first
  ImaAcceptedPrefix next;        // the state at the match (prev when not matched)
  std::string detail;            // why not, for IMA_REPLAY_MISMATCH / IMA_LOG_DIVERGED
};

// Replays `tail` (the log's entries from record prev.entries on; tail.entries[i].record must be
// prev.entries + i, as ParseOptions::first_record gives) from `prev`, and finds the shortest
// prefix at which every bank of `quoted` (TPM_ALG_ID -> PCR 10) equals its running value.
// Zero new entries match when the quote equals prev's values. From a fresh prefix both extend
// rules are tried for a non-SHA-1 bank (as evmctl does) and the one that matches is kept for
// the boot. Not matched: `detail` says which bank never reached its quoted value; a tail whose
// records do not continue prev is not matched either (IMA_LOG_DIVERGED). A bank OpenSSL cannot
// compute never matches. Thread-safe (no shared state).
ImaIncrement VerifyIncrement(const ImaAcceptedPrefix& prev, const ParsedLog& tail,
                             const std::map<uint16_t, std::string>& quoted);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_INCREMENTAL_H_
