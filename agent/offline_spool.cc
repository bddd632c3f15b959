#include "agent/offline_spool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/spool_format.h"
#include "common/crypto/digest.h"
#include "common/log.h"

namespace veu::agent {

absl::StatusOr<std::unique_ptr<OfflineSpool>> OfflineSpool::Open(std::unique_ptr<SpoolFile> file,
                                                                 SpoolLimits limits) {
  std::unique_ptr<OfflineSpool> spool(new OfflineSpool(std::move(file), limits));
  absl::StatusOr<std::string> bytes = spool->file_->Read();
  if (absl::IsNotFound(bytes.status())) return spool;
  if (!bytes.ok()) return bytes.status();
  DecodedSpool decoded = DecodeSpool(*bytes);
  spool->anchor_ = std::move(decoded.anchor);
  spool->dropped_ = decoded.dropped;
  spool->refusals_ = std::move(decoded.notes);
  spool->quotes_ = std::move(decoded.quotes);
  if (!spool->quotes_.empty()) spool->tip_ = crypto::Sha256(spool->quotes_.back().quote().attest());
  spool->bytes_ = bytes->size();
  if (!decoded.refused.empty()) {
    for (std::string& why : decoded.refused) {
      Log("spool", absl::StrCat("refused an unreadable entry: ", why));
      spool->refusals_.push_back(std::move(why));
    }
    if (absl::Status s = spool->Rewrite(); !s.ok()) return s;
  }
  return spool;
}

const std::string& OfflineSpool::previous() const { return tip_.empty() ? anchor_ : tip_; }

std::string OfflineSpool::Serialise() const {
  std::string out;
  if (!anchor_.empty()) out += EncodeAnchorFrame(anchor_);
  if (dropped_ > 0) out += EncodeDroppedFrame(dropped_);
  for (const std::string& r : refusals_) out += EncodeRefusalFrame(r);
  for (const auto& q : quotes_) out += EncodeQuoteFrame(q);
  return out;
}

absl::Status OfflineSpool::Rewrite() {
  const std::string bytes = Serialise();
  if (absl::Status s = file_->Replace(bytes); !s.ok()) return s;
  bytes_ = bytes.size();
  return absl::OkStatus();
}

absl::Status OfflineSpool::Append(const veu::v1::OfflineQuote& quote) {
  const std::string frame = EncodeQuoteFrame(quote);
  if (quotes_.size() + 1 <= limits_.max_entries && bytes_ + frame.size() <= limits_.max_bytes) {
    if (absl::Status s = file_->Append(frame); !s.ok()) return s;
    bytes_ += frame.size();
    quotes_.push_back(quote);
    tip_ = crypto::Sha256(quote.quote().attest());
    return absl::OkStatus();
  }
  // Full: drop the oldest until the new one fits, then rewrite the file whole.
  quotes_.push_back(quote);
  // The rewritten file carries a dropped-count frame too.
  uint64_t total = Serialise().size() + (dropped_ == 0 ? EncodeDroppedFrame(0).size() : 0);
  size_t drop = 0;
  while (drop + 1 < quotes_.size() &&
         (quotes_.size() - drop > limits_.max_entries || total > limits_.max_bytes)) {
    total -= EncodeQuoteFrame(quotes_[drop]).size();
    ++drop;
  }
  if (drop > 0) {
    quotes_.erase(quotes_.begin(), quotes_.begin() + static_cast<std::ptrdiff_t>(drop));
    dropped_ += drop;
    Log("spool", absl::StrCat("full: dropped the ", drop, " oldest offline quote(s) (", dropped_,
                              " dropped since the last upload)"));
  }
  tip_ = crypto::Sha256(quotes_.back().quote().attest());
  return Rewrite();
}

absl::Status OfflineSpool::SetAnchor(const std::string& attest_sha256) {
  if (!quotes_.empty() || dropped_ > 0 || !refusals_.empty()) {
    return absl::FailedPreconditionError(
        "the spool still holds an unacknowledged upload; it cannot take a new anchor");
  }
  if (attest_sha256 == anchor_) return absl::OkStatus();
  anchor_ = attest_sha256;
  return Rewrite();
}

absl::Status OfflineSpool::Acknowledged() {
  if (!tip_.empty()) anchor_ = tip_;
  tip_.clear();
  quotes_.clear();
  dropped_ = 0;
  refusals_.clear();
  return Rewrite();
}

std::vector<veu::v1::OfflineUpload> OfflineSpool::Batches() const {
  std::vector<veu::v1::OfflineUpload> out(1);
  uint64_t size = 0;
  for (const auto& q : quotes_) {
    const uint64_t n = q.ByteSizeLong();
    if (size > 0 && size + n > limits_.batch_bytes) {
      out.emplace_back();
      size = 0;
    }
    *out.back().add_quotes() = q;
    size += n;
  }
  out.back().set_dropped(dropped_);
  for (const std::string& r : refusals_) out.back().add_unreadable(r);
  out.back().set_last(true);
  return out;
}

}  // namespace veu::agent
