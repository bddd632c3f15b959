#include "verifier/regulator/site_report.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/merkle/node_reader.h"
#include "common/status_macros.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/service/transparency.h"

namespace veu::regulator {
namespace {

veu::v1::LogCheckpoint ToLogCheckpoint(const translog::StoredCheckpoint& c) {
  veu::v1::LogCheckpoint out;
  out.set_signed_note(c.signed_note);
  out.set_origin(c.checkpoint.origin);
  out.set_tree_size(c.checkpoint.size);
  out.set_root_hash(c.checkpoint.root_hash);
  out.set_timestamp_unix_seconds(c.checkpoint.timestamp_unix_seconds);
  return out;
}

}  // namespace

absl::StatusOr<translog::StoredCheckpoint> FreshCheckpointOf(verifier::AppraisalLog& log,
                                                             const translog::NoteSigner& signer,
                                                             const std::string& origin,
                                                             absl::Time now) {
  RETURN_IF_ERROR(
      verifier::PublishCheckpointIfGrown(log, signer, origin, absl::ToUnixSeconds(now)).status());
  return log.LatestCheckpoint();
}

absl::StatusOr<SignedSiteReport> BuildSignedSiteReport(const SiteReportSources& sources,
                                                       const veu::v1::Site& site, absl::Time from,
                                                       absl::Time to, uint64_t consistency_from,
                                                       absl::Time now) {
  verifier::Store& store = *sources.store;
  verifier::ComplianceReportInput in;
  ASSIGN_OR_RETURN(std::string id, crypto::RandomBytes(16));
  in.report_id = ToHex(id);
  in.generated_at = now;
  in.verifier = sources.origin;
  in.site = site;
  in.period_from = from;
  in.period_to = to;
  in.stale_after = sources.stale_after;
  in.regulation = sources.regulation;
  ASSIGN_OR_RETURN(in.agents, store.ListAgents(site.name()));
  // Entries first, then the checkpoint: everything read is then inside the checkpoint.
  ASSIGN_OR_RETURN(in.entries, store.ListSiteAppraisals({site.name(), from, to}));
  if (in.entries.size() > sources.max_appraisals) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the period holds ", in.entries.size(), " appraisals of site '", site.name(),
        "', more than the ", sources.max_appraisals, " one report carries; ask for shorter periods"));
  }
  for (const auto& agent : in.agents) {
    absl::StatusOr<verifier::LogEntry> anchor = store.LastAppraisalBefore(agent.agent_id(), from);
    if (anchor.ok()) {
      in.anchors.push_back(*std::move(anchor));
    } else if (!absl::IsNotFound(anchor.status())) {
      return anchor.status();
    }
  }
  verifier::EventFilter events;
  events.site = site.name();
  events.from = from;
  events.to = to;
  events.limit = 0;
  events.oldest_first = true;
  ASSIGN_OR_RETURN(in.events, store.ListEvents(events));
  verifier::DiversionFilter diversions;
  diversions.site = site.name();
  diversions.open_only = false;
  diversions.limit = 0;
  ASSIGN_OR_RETURN(in.diversions, store.ListDiversions(diversions));
  ASSIGN_OR_RETURN(translog::StoredCheckpoint checkpoint,
                   FreshCheckpointOf(*sources.log, *sources.checkpoint_signer, sources.origin, now));
  in.checkpoint = ToLogCheckpoint(checkpoint);
  verifier::AppraisalLog* log = sources.log;
  in.inclusion_proof = [log](uint64_t index, uint64_t size) {
    return merkle::InclusionProof(*log, index, size);
  };
  if (consistency_from > 0) {
    if (consistency_from > checkpoint.checkpoint.size) {
      return absl::InvalidArgumentError(absl::StrCat("consistency_from_size ", consistency_from,
                                                     " is beyond the log's size ",
                                                     checkpoint.checkpoint.size));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> proof,
                     merkle::ConsistencyProof(*log, consistency_from, checkpoint.checkpoint.size));
    veu::v1::ConsistencyProof c;
    c.set_from_size(consistency_from);
    c.set_to_size(checkpoint.checkpoint.size);
    for (auto& h : proof) c.add_proof(std::move(h));
    in.consistency = std::move(c);
  }
  ASSIGN_OR_RETURN(veu::v1::ComplianceReport report, verifier::BuildComplianceReport(in));
  ASSIGN_OR_RETURN(std::string file,
                   verifier::SignComplianceReport(report, *sources.report_signer));
  return SignedSiteReport{report.report_id(), std::move(file)};
}

}  // namespace veu::regulator
