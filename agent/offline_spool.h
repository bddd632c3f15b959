// OfflineSpool: the quotes the agent takes while no verifier answers, kept in order in one
// bounded file (spool_format.h) until a verifier has acknowledged them.
//
// Contract:
//  - Append makes the quote durable before returning (one frame appended and fdatasync'd).
//  - Bounded by entries and bytes: when an Append would exceed either, the oldest quotes are
//    dropped, their count added to dropped(), and the file rewritten atomically; never silent
//    (the count travels in the upload and the verifier records the gap as broken).
//  - Open refuses unreadable frames one by one (refusals(), each with its offset and reason),
//    keeps every good one, and rewrites the file clean with the refusals kept as notes, so a
//    second restart does not forget them.
//  - The chain: previous() is what the next quote must chain to, the SHA-256 of the newest
//    spooled quote's TPMS_ATTEST, or the anchor (the last verified quote) when none is spooled.
//    SetAnchor records a newly verified quote; after a verifier acknowledged the upload,
//    Acknowledged() forgets the quotes, drops and refusals and keeps the tip as the anchor.
// Not thread-safe.
#ifndef VEU_AGENT_OFFLINE_SPOOL_H_
#define VEU_AGENT_OFFLINE_SPOOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/spool_file.h"
#include "veu/v1/attestation.pb.h"

namespace veu::agent {

struct SpoolLimits {
  uint64_t max_entries = 2880;      // a day at a 30 s interval
  uint64_t max_bytes = 64u << 20;   // the file, at most
  uint64_t batch_bytes = 2u << 20;  // one OfflineUpload message, at most (about)
};

class OfflineSpool {
 public:
  // Reads `file` (absent: an empty spool). Fails only if the file cannot be read or the clean
  // rewrite after refusals cannot be made durable.
  static absl::StatusOr<std::unique_ptr<OfflineSpool>> Open(std::unique_ptr<SpoolFile> file,
                                                            SpoolLimits limits);

  absl::Status Append(const veu::v1::OfflineQuote& quote);
  absl::Status SetAnchor(const std::string& attest_sha256);
  absl::Status Acknowledged();

  const std::string& previous() const;
  const std::string& anchor() const { return anchor_; }
  const std::vector<veu::v1::OfflineQuote>& quotes() const { return quotes_; }
  uint64_t dropped() const { return dropped_; }
  // Refusals of this and earlier opens not yet acknowledged by a verifier.
  const std::vector<std::string>& refusals() const { return refusals_; }
  bool empty() const { return quotes_.empty() && dropped_ == 0 && refusals_.empty(); }
  uint64_t bytes() const { return bytes_; }

  // The upload, oldest first, in messages of about batch_bytes; the last one is marked `last`
  // and carries the dropped count and the refusals. At least one message.
  std::vector<veu::v1::OfflineUpload> Batches() const;

 private:
  OfflineSpool(std::unique_ptr<SpoolFile> file, SpoolLimits limits)
      : file_(std::move(file)), limits_(limits) {}
  std::string Serialise() const;
  absl::Status Rewrite();

  std::unique_ptr<SpoolFile> file_;
  SpoolLimits limits_;
  std::string anchor_;
  std::string tip_;  // SHA-256 of the newest quote's attest; empty if none
  uint64_t dropped_ = 0;
  std::vector<std::string> refusals_;
  std::vector<veu::v1::OfflineQuote> quotes_;
  uint64_t bytes_ = 0;  // the file's size as this object wrote it
};

}  // namespace veu::agent

#endif  // VEU_AGENT_OFFLINE_SPOOL_H_
