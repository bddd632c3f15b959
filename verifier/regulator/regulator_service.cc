#include "verifier/regulator/regulator_service.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crypto/random.h"
#include "common/facts/policy_pack.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "common/proto_time.h"
#include "common/rpc/grpc_status.h"
#include "common/status_macros.h"
#include "verifier/regulator/site_report.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/ear_jwt.h"
#include "verifier/reports/inventory_report.h"
#include "verifier/service/site_status.h"
#include "verifier/service/transparency.h"

namespace veu::regulator {
namespace {

constexpr char kService[] = "/veu.v1.Regulator/";

std::string Method(const char* name) { return absl::StrCat(kService, name); }

// The same answer for "not yours" and "no such site".
absl::Status OutOfScope(const std::string& site) {
  return absl::PermissionDeniedError(
      absl::StrCat("site '", site, "' does not exist or is outside your certificate's scope"));
}


}  // namespace

RegulatorService::RegulatorService(verifier::Store* store, verifier::AppraisalLog* log,
                                   const translog::NoteSigner* checkpoint_signer,
                                   const verifier::ReportSigner* report_signer,
                                   verifier::notify::VerdictBus* bus, RegulatorOptions options)
    : store_(store), log_(log), checkpoint_signer_(checkpoint_signer),
      report_signer_(report_signer), bus_(bus), options_(std::move(options)) {}

absl::Status RegulatorService::Record(grpc::ServerContext* ctx,
                                      const std::optional<Principal>& who,
                                      const std::string& method, const std::string& resource,
                                      bool allowed, const std::string& detail) {
  veu::v1::AccessRecord record;
  *record.mutable_at() = ToProtoTime(absl::Now());
  if (who) {
    record.set_principal(who->subject);
    record.set_role(RoleName(who->role));
  }
  record.set_method(method);
  record.set_resource(resource);
  record.set_allowed(allowed);
  record.set_detail(detail);
  record.set_peer(ctx->peer());
  absl::StatusOr<int64_t> id = store_->AppendAccessRecord(record);
  if (!id.ok()) {
    Log("regulator", absl::StrCat("could not record access: ", id.status().ToString()));
    return absl::UnavailableError("the access record could not be written; retry");
  }
  if (!allowed) {
    Log("regulator", absl::StrCat("denied ", method, " ", resource, " to ",
                                  who ? Describe(*who) : std::string("unauthenticated peer"),
                                  ": ", detail));
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> RegulatorService::Authenticate(grpc::ServerContext* ctx,
                                                         const std::string& method,
                                                         const std::string& resource) {
  std::string pem;
  if (std::shared_ptr<const grpc::AuthContext> auth = ctx->auth_context(); auth) {
    for (const grpc::string_ref& v : auth->FindPropertyValues("x509_pem_cert")) {
      pem.assign(v.data(), v.size());
    }
  }
  absl::StatusOr<Principal> who = PrincipalFromCertificatePem(pem);
  if (!who.ok()) {
    RETURN_IF_ERROR(Record(ctx, std::nullopt, method, resource, false,
                           std::string(who.status().message())));
  }
  return who;
}

absl::StatusOr<veu::v1::Site> RegulatorService::SiteInScope(grpc::ServerContext* ctx,
                                                            const Principal& who,
                                                            const std::string& method,
                                                            const std::string& site_name) {
  absl::StatusOr<veu::v1::Site> site = store_->GetSite(site_name);
  if (!site.ok() && !absl::IsNotFound(site.status())) return site.status();
  if (!site.ok() || !InScope(who, *site)) {
    RETURN_IF_ERROR(Record(ctx, who, method, site_name, false,
                           site.ok() ? "outside scope" : "no such site"));
    if (who.role == Role::kAdmin && !site.ok()) return site.status();
    return OutOfScope(site_name);
  }
  return site;
}

grpc::Status RegulatorService::ListSites(grpc::ServerContext* ctx,
                                         const veu::v1::ListSitesRequest*,
                                         veu::v1::ListSitesResponse* response) {
  const std::string method = Method("ListSites");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, "");
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<std::vector<veu::v1::Site>> sites = store_->ListSites();
  if (!sites.ok()) return ToGrpcStatus(sites.status());
  for (const auto& site : *sites) {
    if (InScope(*who, site)) *response->add_sites() = site;
  }
  if (absl::Status s = Record(ctx, *who, method, "", true,
                              absl::StrCat(response->sites_size(), " sites in scope"));
      !s.ok()) {
    response->Clear();
    return ToGrpcStatus(s);
  }
  return grpc::Status::OK;
}

grpc::Status RegulatorService::GetSiteStatus(grpc::ServerContext* ctx,
                                             const veu::v1::GetSiteStatusRequest* request,
                                             veu::v1::SiteStatus* response) {
  const std::string method = Method("GetSiteStatus");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, request->site());
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<veu::v1::Site> site = SiteInScope(ctx, *who, method, request->site());
  if (!site.ok()) return ToGrpcStatus(site.status());
  absl::StatusOr<veu::v1::SiteStatus> status =
      verifier::ReadSiteStatus(*store_, site->name(), absl::Now(), options_.stale_after);
  if (!status.ok()) return ToGrpcStatus(status.status());
  if (absl::Status s = Record(ctx, *who, method, site->name(), true, ""); !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = *std::move(status);
  return grpc::Status::OK;
}

absl::StatusOr<translog::StoredCheckpoint> RegulatorService::FreshCheckpoint() {
  return FreshCheckpointOf(*log_, *checkpoint_signer_, options_.origin, absl::Now());
}

absl::StatusOr<std::string> RegulatorService::BuildSiteReport(const veu::v1::Site& site,
                                                              absl::Time from, absl::Time to,
                                                              uint64_t consistency_from,
                                                              std::string* report_id) {
  SiteReportSources sources{store_, log_, checkpoint_signer_, options_.origin, report_signer_,
                            options_.stale_after, options_.max_report_appraisals,
                            std::nullopt};
  if (options_.pack) sources.regulation = facts::RegulationStatementOf(*options_.pack);
  ASSIGN_OR_RETURN(SignedSiteReport report,
                   BuildSignedSiteReport(sources, site, from, to, consistency_from, absl::Now()));
  *report_id = report.report_id;
  return std::move(report.file);
}

grpc::Status RegulatorService::GetComplianceReport(
    grpc::ServerContext* ctx, const veu::v1::GetComplianceReportRequest* request,
    veu::v1::ReportFile* response) {
  const std::string method = Method("GetComplianceReport");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, request->site());
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<veu::v1::Site> site = SiteInScope(ctx, *who, method, request->site());
  if (!site.ok()) return ToGrpcStatus(site.status());
  const absl::Time to = request->has_to() ? FromProtoTime(request->to()) : absl::Now();
  if (!request->has_from() || FromProtoTime(request->from()) >= to ||
      to - FromProtoTime(request->from()) > options_.max_report_period) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrFormat("give a period with from < to, at most %d days long",
                                        options_.max_report_period / absl::Hours(24)));
  }
  const absl::Time from = FromProtoTime(request->from());
  const std::string period = absl::StrCat(FormatProtoTime(request->from()), "/",
                                          FormatProtoTime(ToProtoTime(to)));
  std::string report_id;
  absl::StatusOr<std::string> file =
      BuildSiteReport(*site, from, to, request->consistency_from_size(), &report_id);
  if (!file.ok()) {
    Log("regulator", absl::StrCat("report for ", site->name(), " failed: ",
                                  file.status().ToString()));
    return ToGrpcStatus(file.status());
  }
  if (absl::Status s = Record(ctx, *who, method, site->name(), true,
                              absl::StrCat("period ", period, ", report ", report_id));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_json(*std::move(file));
  response->set_report_id(report_id);
  return grpc::Status::OK;
}

// An organisation's report covers all its sites, so it needs a scope on the organisation
// itself (an operator of it, a regulator with urn:veu:organisation:, an admin): a regulator
// scoped to countries would otherwise learn about sites outside them.
grpc::Status RegulatorService::GetInventoryReport(grpc::ServerContext* ctx,
                                                  const veu::v1::GetInventoryReportRequest* request,
                                                  veu::v1::ReportFile* response) {
  const std::string method = Method("GetInventoryReport");
  const std::string& organisation = request->organisation();
  absl::StatusOr<Principal> who = Authenticate(ctx, method, organisation);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<std::vector<veu::v1::Site>> all = store_->ListSites();
  if (!all.ok()) return ToGrpcStatus(all.status());
  std::vector<veu::v1::Site> sites;
  for (const auto& site : *all) {
    if (!organisation.empty() && site.organisation() == organisation) sites.push_back(site);
  }
  const bool allowed = who->role == Role::kAdmin || who->organisations.count(organisation) > 0;
  if (!allowed || sites.empty()) {
    if (absl::Status s = Record(ctx, *who, method, organisation, false,
                                allowed ? "no such organisation" : "outside scope");
        !s.ok()) {
      return ToGrpcStatus(s);
    }
    return ToGrpcStatus(absl::PermissionDeniedError(absl::StrCat(
        "organisation '", organisation,
        "' does not exist or is outside your certificate's scope (inventory reports need an "
        "organisation scope)")));
  }
  if (!options_.pack) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the verifier runs without a policy pack, so it has no tiers and caps");
  }
  absl::StatusOr<std::pair<absl::Time, absl::Time>> period =
      verifier::HalfYearPeriod(request->half_year());
  if (!period.ok()) return ToGrpcStatus(period.status());
  const absl::Time end = std::min(period->second, absl::Now());

  verifier::InventoryReportInput in;
  absl::StatusOr<std::string> id = crypto::RandomBytes(16);
  if (!id.ok()) return ToGrpcStatus(id.status());
  in.report_id = ToHex(*id);
  in.generated_at = absl::Now();
  in.verifier = options_.origin;
  in.organisation = organisation;
  in.half_year = request->half_year();
  in.policy_version = absl::StrCat(options_.pack->id(), "@", options_.pack->version());
  in.tiers = options_.pack->tiers();
  in.caps = options_.pack->caps();
  in.regulation = facts::RegulationStatementOf(*options_.pack);
  // The >= 50 % US share binds a US-headquartered Universal VEU, as its site records say.
  for (const auto& site : sites) {
    if (site.veu_type() == veu::v1::VEU_TYPE_UNIVERSAL && site.headquarters_country() == "US") {
      in.us_headquartered = true;
    }
  }
  // Each agent's last verified inventory before a moment, from its logged appraisals.
  auto inventory_before = [this](const std::string& agent,
                                 absl::Time t) -> absl::StatusOr<std::optional<veu::v1::InventorySummary>> {
    absl::StatusOr<verifier::LogEntry> entry = store_->LastAppraisalBefore(agent, t);
    if (absl::IsNotFound(entry.status())) return std::nullopt;
    if (!entry.ok()) return entry.status();
    veu::v1::Appraisal appraisal;
    if (!appraisal.ParseFromString(entry->appraisal)) {
      return absl::DataLossError(absl::StrCat("logged leaf ", entry->index, " does not parse"));
    }
    if (!appraisal.inventory().reported()) return std::nullopt;
    return appraisal.inventory();
  };
  for (const auto& site : sites) {
    verifier::SiteInventoryInput line;
    line.site = site;
    absl::StatusOr<std::vector<veu::v1::AgentRecord>> agents = store_->ListAgents(site.name());
    if (!agents.ok()) return ToGrpcStatus(agents.status());
    for (const auto& agent : *agents) {
      for (auto [when, into] : {std::pair{end, &line.at_end},
                                std::pair{period->first, &line.at_previous_end}}) {
        absl::StatusOr<std::optional<veu::v1::InventorySummary>> inv =
            inventory_before(agent.agent_id(), when);
        if (!inv.ok()) return ToGrpcStatus(inv.status());
        if (inv->has_value()) into->push_back(**inv);
      }
    }
    in.sites.push_back(std::move(line));
  }
  absl::StatusOr<veu::v1::InventoryReport> report = verifier::BuildInventoryReport(in);
  if (!report.ok()) return ToGrpcStatus(report.status());
  absl::StatusOr<std::string> file = verifier::SignInventoryReport(*report, *report_signer_);
  if (!file.ok()) return ToGrpcStatus(file.status());
  if (absl::Status s = Record(ctx, *who, method, organisation, true,
                              absl::StrCat(request->half_year(), ", report ", report->report_id()));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_json(*std::move(file));
  response->set_report_id(report->report_id());
  return grpc::Status::OK;
}

grpc::Status RegulatorService::GetAttestationResult(grpc::ServerContext* ctx,
                                                    const veu::v1::GetSiteStatusRequest* request,
                                                    veu::v1::AttestationResult* response) {
  const std::string method = Method("GetAttestationResult");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, request->site());
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<veu::v1::Site> site = SiteInScope(ctx, *who, method, request->site());
  if (!site.ok()) return ToGrpcStatus(site.status());
  const absl::Time now = absl::Now();
  absl::StatusOr<veu::v1::SiteStatus> status =
      verifier::ReadSiteStatus(*store_, site->name(), now, options_.stale_after);
  if (!status.ok()) return ToGrpcStatus(status.status());
  // The rule's status and sources go with every result a regulator reads.
  std::optional<veu::v1::RegulationStatement> regulation;
  if (options_.pack) regulation = facts::RegulationStatementOf(*options_.pack);
  absl::StatusOr<std::string> jwt = verifier::EarJwt(*status, now, options_.build, *report_signer_,
                                                     regulation ? &*regulation : nullptr);
  if (!jwt.ok()) return ToGrpcStatus(jwt.status());
  if (absl::Status s = Record(ctx, *who, method, site->name(), true, "EAR JWT"); !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_jwt(*std::move(jwt));
  return grpc::Status::OK;
}

grpc::Status RegulatorService::GetCheckpoint(grpc::ServerContext* ctx,
                                             const veu::v1::GetCheckpointRequest* request,
                                             veu::v1::GetCheckpointResponse* response) {
  const std::string method = Method("GetCheckpoint");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, "");
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<translog::StoredCheckpoint> c =
      request->tree_size() == 0 ? FreshCheckpoint() : log_->CheckpointWithSize(request->tree_size());
  if (!c.ok()) return ToGrpcStatus(c.status());
  if (absl::Status s = Record(ctx, *who, method, "", true,
                              absl::StrCat("tree size ", c->checkpoint.size));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  verifier::FillCheckpointResponse(*c, response);
  return grpc::Status::OK;
}

grpc::Status RegulatorService::GetInclusionProof(grpc::ServerContext* ctx,
                                                 const veu::v1::GetInclusionProofRequest* request,
                                                 veu::v1::GetInclusionProofResponse* response) {
  const std::string method = Method("GetInclusionProof");
  const std::string what = request->leaf_case() == veu::v1::GetInclusionProofRequest::kAppraisalId
                               ? request->appraisal_id()
                               : absl::StrCat("leaf ", request->leaf_index());
  absl::StatusOr<Principal> who = Authenticate(ctx, method, what);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<verifier::LogEntry> entry = verifier::RequestedLogEntry(*log_, *request);
  if (absl::IsInvalidArgument(entry.status())) return ToGrpcStatus(entry.status());
  veu::v1::Appraisal appraisal;
  if (entry.ok() && !appraisal.ParseFromString(entry->appraisal)) {
    return grpc::Status(grpc::StatusCode::DATA_LOSS, "the logged appraisal does not parse");
  }
  // An appraisal of a site outside the scope is answered like one that does not exist.
  if (!entry.ok() && !absl::IsNotFound(entry.status())) return ToGrpcStatus(entry.status());
  if (!entry.ok()) {
    if (absl::Status s = Record(ctx, *who, method, what, false, "no such leaf"); !s.ok()) {
      return ToGrpcStatus(s);
    }
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(what, " does not exist or is outside your certificate's scope")));
  }
  absl::StatusOr<veu::v1::Site> site = SiteInScope(ctx, *who, method, appraisal.site());
  if (!site.ok()) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(what, " does not exist or is outside your certificate's scope")));
  }
  uint64_t tree_size = request->tree_size();
  if (tree_size == 0) {
    absl::StatusOr<translog::StoredCheckpoint> latest = FreshCheckpoint();
    if (!latest.ok()) return ToGrpcStatus(latest.status());
    tree_size = latest->checkpoint.size;
  }
  if (absl::Status s = Record(ctx, *who, method, site->name(), true,
                              absl::StrCat("leaf ", entry->index, " in tree ", tree_size));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(verifier::FillInclusionProof(*log_, *std::move(entry), tree_size, response));
}

grpc::Status RegulatorService::GetConsistencyProof(
    grpc::ServerContext* ctx, const veu::v1::GetConsistencyProofRequest* request,
    veu::v1::GetConsistencyProofResponse* response) {
  const std::string method = Method("GetConsistencyProof");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, "");
  if (!who.ok()) return ToGrpcStatus(who.status());
  uint64_t size2 = request->size2();
  if (size2 == 0) {
    absl::StatusOr<translog::StoredCheckpoint> latest = FreshCheckpoint();
    if (!latest.ok()) return ToGrpcStatus(latest.status());
    size2 = latest->checkpoint.size;
  }
  if (request->size1() > size2) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("size1 ", request->size1(), " is larger than size2 ", size2));
  }
  absl::StatusOr<std::vector<std::string>> proof =
      merkle::ConsistencyProof(*log_, request->size1(), size2);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  if (absl::Status s = Record(ctx, *who, method, "", true,
                              absl::StrCat(request->size1(), " -> ", size2));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_size1(request->size1());
  response->set_size2(size2);
  for (std::string& hash : *proof) response->add_proof(std::move(hash));
  return grpc::Status::OK;
}

grpc::Status RegulatorService::WatchVerdicts(grpc::ServerContext* ctx,
                                             const veu::v1::WatchVerdictsRequest* request,
                                             grpc::ServerWriter<veu::v1::VerdictChange>* writer) {
  const std::string method = Method("WatchVerdicts");
  absl::StatusOr<Principal> who = Authenticate(ctx, method, "");
  if (!who.ok()) return ToGrpcStatus(who.status());
  if (bus_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "verdict notifications are off");
  }
  absl::flat_hash_set<std::string> sites;
  for (const std::string& name : request->sites()) {
    absl::StatusOr<veu::v1::Site> site = SiteInScope(ctx, *who, method, name);
    if (!site.ok()) return ToGrpcStatus(site.status());
    sites.insert(name);
  }
  if (absl::Status s = Record(ctx, *who, method, absl::StrJoin(request->sites(), ","), true,
                              "watch started");
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  const Principal principal = *who;
  std::unique_ptr<verifier::notify::Subscription> subscription =
      bus_->Subscribe([principal, sites](const veu::v1::VerdictChange& change) {
        if (!sites.empty() && !sites.contains(change.site())) return false;
        veu::v1::Site site;
        site.set_name(change.site());
        site.set_country(change.country());
        site.set_organisation(change.organisation());
        return InScope(principal, site);
      });
  // Subscribed: say so at once (initial metadata, before any change), so a client knows from when
  // it sees every change instead of guessing from the call having started.
  writer->SendInitialMetadata();
  while (!ctx->IsCancelled()) {
    veu::v1::VerdictChange change;
    const absl::Time deadline = absl::Now() + absl::Milliseconds(500);
    if (subscription->Next(&change, deadline)) {
      if (!writer->Write(change)) break;
    } else if (absl::Now() < deadline) {
      break;  // the bus closed: the verifier is shutting down
    }
  }
  return grpc::Status::OK;
}

}  // namespace veu::regulator
