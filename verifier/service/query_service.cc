#include "verifier/service/query_service.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "common/rpc/grpc_status.h"
#include "common/rpc/limits.h"
#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "common/status_macros.h"
#include "verifier/service/page_token.h"
#include "verifier/service/site_status.h"
#include "verifier/service/transparency.h"

namespace veu::verifier {

QueryService::QueryService(Store* store, absl::Duration stale_after, const AppraisalLog* log)
    : store_(store), log_(log), stale_after_(stale_after) {}

grpc::Status QueryService::GetCheckpoint(grpc::ServerContext*,
                                         const veu::v1::GetCheckpointRequest* request,
                                         veu::v1::GetCheckpointResponse* response) {
  if (log_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this verifier keeps no transparency log");
  }
  absl::StatusOr<translog::StoredCheckpoint> c = request->tree_size() == 0
                                                     ? log_->LatestCheckpoint()
                                                     : log_->CheckpointWithSize(request->tree_size());
  if (!c.ok()) return ToGrpcStatus(c.status());
  FillCheckpointResponse(*c, response);
  return grpc::Status::OK;
}

grpc::Status QueryService::GetInclusionProof(grpc::ServerContext*,
                                             const veu::v1::GetInclusionProofRequest* request,
                                             veu::v1::GetInclusionProofResponse* response) {
  if (log_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this verifier keeps no transparency log");
  }
  absl::StatusOr<LogEntry> entry = RequestedLogEntry(*log_, *request);
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  uint64_t tree_size = request->tree_size();
  if (tree_size == 0) {
    absl::StatusOr<translog::StoredCheckpoint> latest = log_->LatestCheckpoint();
    if (!latest.ok()) return ToGrpcStatus(latest.status());
    tree_size = latest->checkpoint.size;
  }
  return ToGrpcStatus(FillInclusionProof(*log_, *std::move(entry), tree_size, response));
}

grpc::Status QueryService::ListSites(grpc::ServerContext*, const veu::v1::ListSitesRequest*,
                                     veu::v1::ListSitesResponse* response) {
  absl::StatusOr<std::vector<veu::v1::Site>> sites = store_->ListSites();
  if (!sites.ok()) return ToGrpcStatus(sites.status());
  response->mutable_sites()->Assign(sites->begin(), sites->end());
  return grpc::Status::OK;
}

grpc::Status QueryService::GetSiteStatus(grpc::ServerContext*,
                                         const veu::v1::GetSiteStatusRequest* request,
                                         veu::v1::SiteStatus* response) {
  absl::StatusOr<veu::v1::SiteStatus> status =
      ReadSiteStatus(*store_, request->site(), absl::Now(), stale_after_);
  if (!status.ok()) return ToGrpcStatus(status.status());
  *response = *std::move(status);
  return grpc::Status::OK;
}

grpc::Status QueryService::ListDiversions(grpc::ServerContext*,
                                          const veu::v1::ListDiversionsRequest* request,
                                          veu::v1::ListDiversionsResponse* response) {
  DiversionFilter filter;
  filter.site = request->site();
  filter.open_only = !request->include_resolved();
  if (request->limit() > 0) filter.limit = request->limit();
  absl::StatusOr<std::vector<veu::v1::Diversion>> list = store_->ListDiversions(filter);
  if (!list.ok()) return ToGrpcStatus(list.status());
  response->mutable_diversions()->Assign(list->begin(), list->end());
  return grpc::Status::OK;
}

grpc::Status QueryService::ListAccessRecords(grpc::ServerContext*,
                                             const veu::v1::ListAccessRecordsRequest* request,
                                             veu::v1::ListAccessRecordsResponse* response) {
  absl::StatusOr<std::vector<veu::v1::AccessRecord>> list =
      store_->ListAccessRecords(request->limit());
  if (!list.ok()) return ToGrpcStatus(list.status());
  response->mutable_records()->Assign(list->begin(), list->end());
  return grpc::Status::OK;
}

grpc::Status QueryService::GetPolicyPack(grpc::ServerContext*,
                                         const veu::v1::GetPolicyPackRequest* request,
                                         veu::v1::PolicyPack* response) {
  absl::StatusOr<veu::v1::PolicyPack> pack = store_->GetPolicyPack(request->version());
  if (!pack.ok()) return ToGrpcStatus(pack.status());
  *response = *std::move(pack);
  return grpc::Status::OK;
}

grpc::Status QueryService::ListAgents(grpc::ServerContext*,
                                      const veu::v1::ListAgentsRequest* request,
                                      veu::v1::ListAgentsResponse* response) {
  absl::StatusOr<std::vector<veu::v1::AgentRecord>> agents = store_->ListAgents(request->site());
  if (!agents.ok()) return ToGrpcStatus(agents.status());
  response->mutable_agents()->Assign(agents->begin(), agents->end());
  return grpc::Status::OK;
}

absl::StatusOr<std::string> ResolveAgentIdPrefix(Store& store, const std::string& prefix) {
  if (prefix.empty()) return absl::InvalidArgumentError("an agent id (or a unique prefix) is required");
  ASSIGN_OR_RETURN(std::vector<veu::v1::AgentRecord> agents, store.ListAgents(""));
  std::string found;
  for (const auto& a : agents) {
    if (a.agent_id() == prefix) return prefix;
    if (absl::StartsWith(a.agent_id(), prefix)) {
      if (!found.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("agent id prefix '", prefix,
                                                       "' is ambiguous; give more characters"));
      }
      found = a.agent_id();
    }
  }
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no agent with id '", prefix, "'"));
  return found;
}

absl::StatusOr<std::string> QueryService::ResolveAgentId(const std::string& prefix) {
  return ResolveAgentIdPrefix(*store_, prefix);
}

namespace {
// The page size a store uses for an appraisal listing's `limit` (store.h: AppraisalQuery).
uint32_t AppraisalPageSize(uint32_t limit) {
  return limit == 0 ? 20 : std::min<uint32_t>(limit, 1000);
}
}  // namespace

grpc::Status QueryService::ListAppraisals(grpc::ServerContext*,
                                          const veu::v1::ListAppraisalsRequest* request,
                                          veu::v1::ListAppraisalsResponse* response) {
  absl::StatusOr<std::string> id = ResolveAgentId(request->agent_id());
  if (!id.ok()) return ToGrpcStatus(id.status());
  absl::StatusOr<std::optional<PageCursor>> cursor = DecodePageToken(request->page_token());
  if (!cursor.ok()) return ToGrpcStatus(cursor.status());
  AppraisalQuery query;
  query.agent_id = *id;
  query.limit = request->limit();
  query.with_evidence = request->include_evidence();
  query.older_than = *cursor;
  absl::StatusOr<AppraisalPage> page = store_->ListAppraisalPage(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  // Newest first, as many as fit in one reply: a reply over the message limit would fail whole.
  // The token continues after the last one sent, so nothing cut here is lost to the caller.
  size_t bytes = 0;
  std::optional<PageCursor> last_sent;
  for (size_t i = 0; i < page->appraisals.size(); ++i) {
    veu::v1::StoredAppraisal& stored = page->appraisals[i];
    const size_t size = stored.ByteSizeLong() + 8;  // field tag and length
    if (response->omitted() > 0 || bytes + size > kMaxReplyBytes) {
      response->set_omitted(response->omitted() + 1);
      continue;
    }
    bytes += size;
    *response->add_appraisals() = std::move(stored);
    last_sent = page->cursors[i];
  }
  const bool more = response->omitted() > 0 ||
                    page->appraisals.size() == AppraisalPageSize(request->limit());
  if (more && last_sent) response->set_next_page_token(EncodePageToken(*last_sent));
  return grpc::Status::OK;
}

grpc::Status QueryService::ListEvents(grpc::ServerContext*,
                                      const veu::v1::ListEventsRequest* request,
                                      veu::v1::ListEventsResponse* response) {
  EventFilter filter;
  if (!request->agent_id().empty()) {
    absl::StatusOr<std::string> id = ResolveAgentId(request->agent_id());
    if (!id.ok()) return ToGrpcStatus(id.status());
    filter.agent_id = *id;
  }
  filter.site = request->site();
  if (request->limit() > 0) filter.limit = request->limit();
  absl::StatusOr<std::optional<PageCursor>> cursor = DecodePageToken(request->page_token());
  if (!cursor.ok()) return ToGrpcStatus(cursor.status());
  filter.older_than = *cursor;
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(filter);
  if (!events.ok()) return ToGrpcStatus(events.status());
  size_t bytes = 0;
  std::optional<PageCursor> last_sent;
  for (veu::v1::Event& event : *events) {
    const size_t size = event.ByteSizeLong() + 8;
    if (response->omitted() > 0 || bytes + size > kMaxReplyBytes) {
      response->set_omitted(response->omitted() + 1);
      continue;
    }
    bytes += size;
    last_sent = EventCursor(event);
    *response->add_events() = std::move(event);
  }
  const bool more = response->omitted() > 0 || events->size() == filter.limit;
  if (more && last_sent) response->set_next_page_token(EncodePageToken(*last_sent));
  return grpc::Status::OK;
}

AdminService::AdminService(Store* store, Enroller* enroller, EkKeyHasher ek_key_hasher)
    : store_(store), enroller_(enroller), ek_key_hasher_(std::move(ek_key_hasher)) {}

grpc::Status AdminService::AddSite(grpc::ServerContext*, const veu::v1::Site* request,
                                   veu::v1::Site* response) {
  if (request->name().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a site needs a name");
  }
  veu::v1::Site site = *request;
  *site.mutable_created_at() = ToProtoTime(absl::Now());
  if (absl::Status s = store_->AddSite(site); !s.ok()) return ToGrpcStatus(s);
  Log("admin", absl::StrCat("site ", site.name(), " added"));
  *response = site;
  return grpc::Status::OK;
}

grpc::Status AdminService::AllowEk(grpc::ServerContext*, const veu::v1::AllowEkRequest* request,
                                   veu::v1::AllowEkResponse* response) {
  if (absl::Status s = store_->GetSite(request->site()).status(); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::string> key = ek_key_hasher_(request->ek_certificate());
  if (!key.ok()) return ToGrpcStatus(key.status());
  veu::v1::EkAllowance allowance;
  allowance.set_site(request->site());
  allowance.set_ek_public_sha256(*key);
  *allowance.mutable_created_at() = ToProtoTime(absl::Now());
  if (absl::Status s = store_->AddEkAllowance(allowance); !s.ok()) return ToGrpcStatus(s);
  Log("admin", absl::StrCat("EK allowed for site ", request->site()));
  response->set_ek_public_sha256(*key);
  return grpc::Status::OK;
}

grpc::Status AdminService::IssueEnrollmentToken(
    grpc::ServerContext*, const veu::v1::IssueEnrollmentTokenRequest* request,
    veu::v1::IssueEnrollmentTokenResponse* response) {
  const uint32_t ttl = request->ttl_seconds() == 0 ? 3600 : request->ttl_seconds();
  absl::StatusOr<veu::v1::IssueEnrollmentTokenResponse> token =
      enroller_->IssueToken(request->site(), absl::Seconds(ttl));
  if (!token.ok()) return ToGrpcStatus(token.status());
  Log("admin", absl::StrCat("enrolment token issued for site ", request->site(), ", valid ",
                            ttl, " s"));  // never the token itself
  *response = *token;
  return grpc::Status::OK;
}

grpc::Status AdminService::PutReferenceValues(grpc::ServerContext*,
                                              const veu::v1::ReferenceValues* request,
                                              veu::v1::ReferenceValues* response) {
  if (request->name().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "reference values need a name: the platform class they apply to");
  }
  if (absl::Status s = store_->PutReferenceValues(*request); !s.ok()) return ToGrpcStatus(s);
  Log("admin", absl::StrCat("reference values for platform class ", request->name(), " stored"));
  *response = *request;
  return grpc::Status::OK;
}

grpc::Status AdminService::SetPlatformClass(grpc::ServerContext*,
                                            const veu::v1::SetPlatformClassRequest* request,
                                            veu::v1::AgentRecord* response) {
  absl::StatusOr<std::string> id = ResolveAgentIdPrefix(*store_, request->agent_id());
  if (!id.ok()) return ToGrpcStatus(id.status());
  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(*id);
  if (!agent.ok()) return ToGrpcStatus(agent.status());
  agent->set_platform_class(request->platform_class());
  if (absl::Status s = store_->PutAgent(*agent, {}); !s.ok()) return ToGrpcStatus(s);
  Log("admin", absl::StrCat("agent ", id->substr(0, 12), " platform class '",
                            request->platform_class(), "'"));
  *response = *agent;
  return grpc::Status::OK;
}

grpc::Status AdminService::ResolveDiversion(grpc::ServerContext*,
                                            const veu::v1::ResolveDiversionRequest* request,
                                            veu::v1::Diversion* response) {
  if (request->note().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "say why the case is closed (--note), e.g. the relocation notice");
  }
  absl::StatusOr<veu::v1::Diversion> d =
      store_->ResolveDiversion(request->id(), request->note(), absl::Now());
  if (!d.ok()) return ToGrpcStatus(d.status());
  Log("admin", absl::StrCat("diversion case ", request->id(), " (", d->identity(),
                            ") resolved"));
  *response = *std::move(d);
  return grpc::Status::OK;
}

namespace {

veu::v1::Event AgentEvent(veu::v1::EventKind kind, const veu::v1::AgentRecord& agent,
                          std::string detail) {
  veu::v1::Event e;
  e.set_kind(kind);
  e.set_agent_id(agent.agent_id());
  e.set_site(agent.site());
  *e.mutable_at() = ToProtoTime(absl::Now());
  e.set_detail(std::move(detail));
  return e;
}

}  // namespace

grpc::Status AdminService::RevokeAgent(grpc::ServerContext*,
                                       const veu::v1::RevokeAgentRequest* request,
                                       veu::v1::AgentRecord* response) {
  if (request->reason().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "say why the agent is revoked (--reason), e.g. \"decommissioned\"");
  }
  absl::StatusOr<std::string> id = ResolveAgentIdPrefix(*store_, request->agent_id());
  if (!id.ok()) return ToGrpcStatus(id.status());
  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(*id);
  if (!agent.ok()) return ToGrpcStatus(agent.status());
  veu::v1::Revocation revocation;
  revocation.set_agent_id(*id);
  revocation.set_reason(request->reason());
  *revocation.mutable_revoked_at() = ToProtoTime(absl::Now());
  if (absl::Status s = store_->RevokeAgent(
          revocation, AgentEvent(veu::v1::EVENT_AGENT_REVOKED, *agent, request->reason()));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  Log("admin", absl::StrCat("agent ", id->substr(0, 12), " revoked"));
  if (on_revoked_) on_revoked_(*id);
  absl::StatusOr<veu::v1::AgentRecord> now = store_->GetAgent(*id);
  if (!now.ok()) return ToGrpcStatus(now.status());
  *response = *std::move(now);
  return grpc::Status::OK;
}

grpc::Status AdminService::ReinstateAgent(grpc::ServerContext*,
                                          const veu::v1::ReinstateAgentRequest* request,
                                          veu::v1::AgentRecord* response) {
  absl::StatusOr<std::string> id = ResolveAgentIdPrefix(*store_, request->agent_id());
  if (!id.ok()) return ToGrpcStatus(id.status());
  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(*id);
  if (!agent.ok()) return ToGrpcStatus(agent.status());
  if (absl::Status s = store_->ReinstateAgent(
          *id, AgentEvent(veu::v1::EVENT_AGENT_REINSTATED, *agent,
                          absl::StrCat("was revoked: ", agent->revocation().reason())));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  Log("admin", absl::StrCat("agent ", id->substr(0, 12), " allowed again"));
  absl::StatusOr<veu::v1::AgentRecord> now = store_->GetAgent(*id);
  if (!now.ok()) return ToGrpcStatus(now.status());
  *response = *std::move(now);
  return grpc::Status::OK;
}

}  // namespace veu::verifier
