// What the console asks of the regulator API, as a small interface: the console server is
// tested against a fake, and runs against GrpcRegulatorBackend (mutual TLS with the user's
// client certificate, so every answer is already limited to that certificate's scope).
#ifndef VEU_VERIFIER_CONSOLE_REGULATOR_BACKEND_H_
#define VEU_VERIFIER_CONSOLE_REGULATOR_BACKEND_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "veu/v1/regulator.grpc.pb.h"

namespace veu::console {

// Implementations are thread-safe: the console calls them from several HTTP worker threads
// and its watch thread at once.
class RegulatorBackend {
 public:
  virtual ~RegulatorBackend() = default;
  // The sites in scope (PermissionDenied / Unavailable as the API answers).
  virtual absl::StatusOr<std::vector<veu::v1::Site>> ListSites() = 0;
  // PermissionDenied for a site outside the scope or that does not exist (the API does not
  // tell them apart).
  virtual absl::StatusOr<veu::v1::SiteStatus> GetSiteStatus(const std::string& site) = 0;
  // The signed compliance report of [from, to) (to unset: now), exactly as signed.
  virtual absl::StatusOr<veu::v1::ReportFile> GetComplianceReport(
      const std::string& site, absl::Time from, std::optional<absl::Time> to) = 0;
  // Follows WatchVerdicts: calls `subscribed` once the call is started, then `on_change` per
  // change, until the stream ends (its status) or CancelWatch() is called (OK).
  virtual absl::Status Watch(const std::function<void()>& subscribed,
                             const std::function<void(const veu::v1::VerdictChange&)>& on_change) = 0;
  // Ends a Watch in progress, and every later one at once.
  virtual void CancelWatch() = 0;
};

class GrpcRegulatorBackend : public RegulatorBackend {
 public:
  explicit GrpcRegulatorBackend(std::unique_ptr<veu::v1::Regulator::Stub> stub)
      : stub_(std::move(stub)) {}
  absl::StatusOr<std::vector<veu::v1::Site>> ListSites() override;
  absl::StatusOr<veu::v1::SiteStatus> GetSiteStatus(const std::string& site) override;
  absl::StatusOr<veu::v1::ReportFile> GetComplianceReport(const std::string& site,
                                                          absl::Time from,
                                                          std::optional<absl::Time> to) override;
  absl::Status Watch(const std::function<void()>& subscribed,
                     const std::function<void(const veu::v1::VerdictChange&)>& on_change) override;
  void CancelWatch() override;

 private:
  std::unique_ptr<veu::v1::Regulator::Stub> stub_;
  absl::Mutex mu_;
  grpc::ClientContext* watching_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// grpc::Status -> absl::Status, same code, the server's message.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_REGULATOR_BACKEND_H_
