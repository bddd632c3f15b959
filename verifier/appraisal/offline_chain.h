// The chain of quotes an agent took while no verifier answered, checked for what it can prove.
//
// Each offline quote is self-challenged: qualifyingData = SHA-256(previous || SHA-256(facts))
// (tpm::QualifyingData with `previous` in the nonce's place),
// `previous` being the SHA-256 of the TPMS_ATTEST before it; the first of a gap names the
// agent's last verified quote (the anchor, which answered a verifier nonce). So a chain that
// links from the anchor to its tip, with the TPM clock moving forward and resetCount and
// restartCount unchanged, shows the same TPM running without a reboot through the gap:
// continuity. It never shows freshness (nothing the verifier chose is in it): every entry
// carries an OFFLINE_NO_FRESHNESS warning, and a gap is "offline, continuous" at best.
//
// Per entry: the quote's structure, AK signature, qualifyingData (against the entry's own
// `previous` and facts), PCR selection and pcrDigest (tpm::VerifyQuote). Across entries: each
// link (previous == SHA-256 of the prior entry's TPMS_ATTEST, or the anchor for the first) and
// the clock (same resetCount and restartCount, clock not smaller). Continuity is broken by any
// unverified entry, broken link, reboot, restart, clock regression, dropped or unreadable
// spool entry; every break is listed with its entry index, reason and the TPM clock there.
//
// Pure: no I/O, no clock; cannot fail (a forged or malformed entry is a refused entry).
#ifndef VEU_VERIFIER_APPRAISAL_OFFLINE_CHAIN_H_
#define VEU_VERIFIER_APPRAISAL_OFFLINE_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/tpm/public_key.h"
#include "common/tpm/quote.h"
#include "veu/v1/attestation.pb.h"
#include "veu/v1/reason.pb.h"

namespace veu::verifier {

// Where the gap starts: the agent's last verified quote, as its record keeps it.
struct ChainAnchor {
  std::string attest_sha256;  // AgentRecord.chain_anchor; empty: none known (chain unanchored)
  tpm::ClockInfo clock;       // AgentRecord.last_clock / last_reset_count / last_restart_count
};

struct OfflineEntryResult {
  bool verified = false;  // the quote verified under the AK with its own qualifyingData
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;  // the first failed check
  std::string detail;
  std::optional<tpm::ClockInfo> clock;  // only for a verified entry
  absl::Time taken_at;  // the agent's claim, unverified (for people reading the record)
};

struct ChainBreak {
  int64_t index = -1;  // the entry where it breaks; -1: before the first (dropped entries)
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;
  std::string detail;  // e.g. "reboot at entry 4 (agent clock 2026-...; TPM resetCount 3 -> 4)"
};

struct OfflineChainReport {
  std::vector<OfflineEntryResult> entries;  // one per quote, in upload order
  uint64_t verified = 0;
  std::vector<ChainBreak> breaks;  // empty iff continuous
  // The last verified entry (the agent's new anchor): its TPMS_ATTEST's SHA-256 and clock.
  std::string tip_attest_sha256;
  std::optional<tpm::ClockInfo> tip_clock;

  bool continuous() const { return breaks.empty() && verified == entries.size(); }
  // One line for the gap record: "offline, continuous: 5 quotes, TPM clock 1000..5000 ms
  // (no verifier freshness)" or "broken (reboot at ...): ...".
  std::string Summary() const;
};

struct OfflineChainInput {
  const tpm::AkPublicKey* ak = nullptr;
  ChainAnchor anchor;
  // The selection every offline quote must cover (the verifier's challenge selection).
  std::vector<veu::v1::PcrSelection> pcr_selection;
  bool allow_sha1 = false;
  uint64_t dropped = 0;     // entries the agent's full spool dropped before the first
  uint64_t unreadable = 0;  // spool entries the agent refused on reading (corrupt, truncated)
};

OfflineChainReport CheckOfflineChain(const OfflineChainInput& input,
                                     const std::vector<veu::v1::OfflineQuote>& quotes);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_OFFLINE_CHAIN_H_
