// EvidenceDroppedEvent (store.h): the record of raw evidence a store let go.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "verifier/store/store.h"

namespace veu::verifier {

veu::v1::Event EvidenceDroppedEvent(const std::string& agent_id, const std::string& site,
                                    uint64_t appraisals, uint64_t bytes, absl::Time oldest,
                                    absl::Time newest, const EvidenceRetention& retention,
                                    absl::Time now) {
  std::vector<std::string> limits;
  if (retention.keep_per_agent > 0) {
    limits.push_back(absl::StrCat("the newest ", retention.keep_per_agent, " appraisals"));
  }
  if (retention.max_bytes_per_agent > 0) {
    limits.push_back(absl::StrCat(retention.max_bytes_per_agent, " bytes"));
  }
  if (retention.max_age > absl::ZeroDuration()) {
    limits.push_back(absl::StrCat(absl::ToInt64Hours(retention.max_age), " h"));
  }
  const auto format = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  };
  veu::v1::Event event;
  event.set_kind(veu::v1::EVENT_EVIDENCE_DROPPED);
  event.set_agent_id(agent_id);
  event.set_site(site);
  *event.mutable_at() = ToProtoTime(now);
  event.set_count(appraisals);
  event.set_detail(absl::StrCat(
      "raw evidence of ", appraisals, " appraisal(s) appraised ", format(oldest), " .. ",
      format(newest), " (", bytes, " bytes) dropped: evidence is kept per agent for ",
      absl::StrJoin(limits, " and at most "), "; their results and log leaves are kept"));
  return event;
}

}  // namespace veu::verifier
