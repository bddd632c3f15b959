// The regulator API (proto/veu/v1/regulator.proto), served over mutual TLS. Every call:
//   1. authenticates the caller from its verified client certificate (principal.h);
//   2. checks the site against the caller's scope, answering a site outside it exactly as a
//      site that does not exist (PERMISSION_DENIED, same message), so scope leaks nothing;
//   3. records who asked for what and whether it was allowed (Store::AppendAccessRecord);
//      if the record cannot be written the call fails: an unaudited read is not served.
// Reports are built from the store and signed on request (verifier/reports/).
// Thread-safe: gRPC calls handlers concurrently; everything shared is immutable or thread-safe.
#ifndef VEU_VERIFIER_REGULATOR_REGULATOR_SERVICE_H_
#define VEU_VERIFIER_REGULATOR_REGULATOR_SERVICE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/notify/verdict_bus.h"
#include "verifier/regulator/principal.h"
#include "verifier/reports/report_signer.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/store/store.h"
#include "verifier/translog/signed_note.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/regulator.grpc.pb.h"

namespace veu::regulator {

struct RegulatorOptions {
  std::string origin;                  // the log origin, checkpoint key name
  absl::Duration stale_after = absl::Seconds(90);
  absl::Duration max_report_period = absl::Hours(24 * 400);
  size_t max_report_appraisals = 50000;     // see SiteReportSources::max_appraisals
  std::optional<veu::v1::PolicyPack> pack;  // tiers and caps for inventory reports
  std::string build;                        // verifier build, named in EAR results
};

class RegulatorService final : public veu::v1::Regulator::Service {
 public:
  // None of the pointers are owned; all must outlive the service. `bus` may be null
  // (WatchVerdicts then fails Unimplemented).
  RegulatorService(verifier::Store* store, verifier::AppraisalLog* log,
                   const translog::NoteSigner* checkpoint_signer,
                   const verifier::ReportSigner* report_signer, verifier::notify::VerdictBus* bus,
                   RegulatorOptions options);

  grpc::Status ListSites(grpc::ServerContext*, const veu::v1::ListSitesRequest*,
                         veu::v1::ListSitesResponse*) override;
  grpc::Status GetSiteStatus(grpc::ServerContext*, const veu::v1::GetSiteStatusRequest*,
                             veu::v1::SiteStatus*) override;
  grpc::Status GetComplianceReport(grpc::ServerContext*,
                                   const veu::v1::GetComplianceReportRequest*,
                                   veu::v1::ReportFile*) override;
  grpc::Status GetInventoryReport(grpc::ServerContext*, const veu::v1::GetInventoryReportRequest*,
                                  veu::v1::ReportFile*) override;
  grpc::Status GetAttestationResult(grpc::ServerContext*, const veu::v1::GetSiteStatusRequest*,
                                    veu::v1::AttestationResult*) override;
  grpc::Status GetCheckpoint(grpc::ServerContext*, const veu::v1::GetCheckpointRequest*,
                             veu::v1::GetCheckpointResponse*) override;
  grpc::Status GetInclusionProof(grpc::ServerContext*, const veu::v1::GetInclusionProofRequest*,
                                 veu::v1::GetInclusionProofResponse*) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext*,
                                   const veu::v1::GetConsistencyProofRequest*,
                                   veu::v1::GetConsistencyProofResponse*) override;
  grpc::Status WatchVerdicts(grpc::ServerContext*, const veu::v1::WatchVerdictsRequest*,
                             grpc::ServerWriter<veu::v1::VerdictChange>*) override;

 private:
  // The caller, or the status to return (already recorded).
  absl::StatusOr<Principal> Authenticate(grpc::ServerContext* ctx, const std::string& method,
                                         const std::string& resource);
  // The site if `who` may see it; PERMISSION_DENIED (recorded) if not or if it does not exist.
  absl::StatusOr<veu::v1::Site> SiteInScope(grpc::ServerContext* ctx, const Principal& who,
                                            const std::string& method, const std::string& site);
  absl::Status Record(grpc::ServerContext* ctx, const std::optional<Principal>& who,
                      const std::string& method, const std::string& resource, bool allowed,
                      const std::string& detail);
  // Publishes a checkpoint covering everything stored so far and returns it.
  absl::StatusOr<translog::StoredCheckpoint> FreshCheckpoint();
  absl::StatusOr<std::string> BuildSiteReport(const veu::v1::Site& site, absl::Time from,
                                              absl::Time to, uint64_t consistency_from,
                                              std::string* report_id);

  verifier::Store* const store_;
  verifier::AppraisalLog* const log_;
  const translog::NoteSigner* const checkpoint_signer_;
  const verifier::ReportSigner* const report_signer_;
  verifier::notify::VerdictBus* const bus_;
  const RegulatorOptions options_;
};

}  // namespace veu::regulator

#endif  // VEU_VERIFIER_REGULATOR_REGULATOR_SERVICE_H_
