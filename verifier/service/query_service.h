// The operator's view (Query) and administration (Admin) of the verifier, served on a local
// Unix socket whose file permissions authenticate the caller. Thin: translate and map errors.
#ifndef VEU_VERIFIER_SERVICE_QUERY_SERVICE_H_
#define VEU_VERIFIER_SERVICE_QUERY_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/enrollment/enroller.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/store/store.h"
#include "veu/v1/query.grpc.pb.h"

namespace veu::verifier {

// Computes SHA-256 of the SubjectPublicKeyInfo of an EK certificate in any stored form.
using EkKeyHasher = std::function<absl::StatusOr<std::string>(const std::string& cert)>;

// The full agent ID for an exact ID or a unique prefix of one. InvalidArgument if empty or
// ambiguous, NotFound if no agent matches.
absl::StatusOr<std::string> ResolveAgentIdPrefix(Store& store, const std::string& prefix);

class QueryService final : public veu::v1::Query::Service {
 public:
  // `log` (may be null: the log RPCs then fail Unimplemented) serves checkpoints and proofs.
  QueryService(Store* store, absl::Duration stale_after, const AppraisalLog* log = nullptr);

  grpc::Status ListSites(grpc::ServerContext*, const veu::v1::ListSitesRequest*,
                         veu::v1::ListSitesResponse*) override;
  grpc::Status GetSiteStatus(grpc::ServerContext*, const veu::v1::GetSiteStatusRequest*,
                             veu::v1::SiteStatus*) override;
  grpc::Status ListAgents(grpc::ServerContext*, const veu::v1::ListAgentsRequest*,
                          veu::v1::ListAgentsResponse*) override;
  grpc::Status ListAppraisals(grpc::ServerContext*, const veu::v1::ListAppraisalsRequest*,
                              veu::v1::ListAppraisalsResponse*) override;
  grpc::Status ListEvents(grpc::ServerContext*, const veu::v1::ListEventsRequest*,
                          veu::v1::ListEventsResponse*) override;
  // Latest checkpoint, or the one of a given size; NotFound if none was published.
  grpc::Status GetCheckpoint(grpc::ServerContext*, const veu::v1::GetCheckpointRequest*,
                             veu::v1::GetCheckpointResponse*) override;
  // Proof for an appraisal (by id or leaf index) against a published checkpoint's size
  // (default the latest); FailedPrecondition if the leaf is not yet covered by it.
  grpc::Status GetInclusionProof(grpc::ServerContext*, const veu::v1::GetInclusionProofRequest*,
                                 veu::v1::GetInclusionProofResponse*) override;
  grpc::Status ListDiversions(grpc::ServerContext*, const veu::v1::ListDiversionsRequest*,
                              veu::v1::ListDiversionsResponse*) override;
  grpc::Status ListAccessRecords(grpc::ServerContext*, const veu::v1::ListAccessRecordsRequest*,
                                 veu::v1::ListAccessRecordsResponse*) override;
  grpc::Status GetPolicyPack(grpc::ServerContext*, const veu::v1::GetPolicyPackRequest*,
                             veu::v1::PolicyPack*) override;

 private:
  absl::StatusOr<std::string> ResolveAgentId(const std::string& prefix);
  Store* const store_;
  const AppraisalLog* const log_;
  const absl::Duration stale_after_;
};

class AdminService final : public veu::v1::Admin::Service {
 public:
  AdminService(Store* store, Enroller* enroller, EkKeyHasher ek_key_hasher);

  grpc::Status AddSite(grpc::ServerContext*, const veu::v1::Site*, veu::v1::Site*) override;
  grpc::Status AllowEk(grpc::ServerContext*, const veu::v1::AllowEkRequest*,
                       veu::v1::AllowEkResponse*) override;
  grpc::Status IssueEnrollmentToken(grpc::ServerContext*,
                                    const veu::v1::IssueEnrollmentTokenRequest*,
                                    veu::v1::IssueEnrollmentTokenResponse*) override;
  grpc::Status PutReferenceValues(grpc::ServerContext*, const veu::v1::ReferenceValues*,
                                  veu::v1::ReferenceValues*) override;
  grpc::Status SetPlatformClass(grpc::ServerContext*, const veu::v1::SetPlatformClassRequest*,
                                veu::v1::AgentRecord*) override;
  grpc::Status ResolveDiversion(grpc::ServerContext*, const veu::v1::ResolveDiversionRequest*,
                                veu::v1::Diversion*) override;
  grpc::Status RevokeAgent(grpc::ServerContext*, const veu::v1::RevokeAgentRequest*,
                           veu::v1::AgentRecord*) override;
  grpc::Status ReinstateAgent(grpc::ServerContext*, const veu::v1::ReinstateAgentRequest*,
                              veu::v1::AgentRecord*) override;

  // Called (with the agent id) after a revocation is stored, e.g. to close the agent's live
  // attestation stream. Set once, before serving; the call must not block for long.
  void SetRevocationListener(std::function<void(const std::string&)> listener) {
    on_revoked_ = std::move(listener);
  }

 private:
  Store* const store_;
  Enroller* const enroller_;
  const EkKeyHasher ek_key_hasher_;
  std::function<void(const std::string&)> on_revoked_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_QUERY_SERVICE_H_
