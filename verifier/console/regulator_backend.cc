#include "verifier/console/regulator_backend.h"

#include <chrono>

#include "common/proto_time.h"

namespace veu::console {
namespace {

std::unique_ptr<grpc::ClientContext> Ctx(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::vector<veu::v1::Site>> GrpcRegulatorBackend::ListSites() {
  veu::v1::ListSitesResponse response;
  grpc::Status s = stub_->ListSites(Ctx(15).get(), {}, &response);
  if (!s.ok()) return FromGrpc(s);
  return std::vector<veu::v1::Site>(response.sites().begin(), response.sites().end());
}

absl::StatusOr<veu::v1::SiteStatus> GrpcRegulatorBackend::GetSiteStatus(const std::string& site) {
  veu::v1::GetSiteStatusRequest request;
  request.set_site(site);
  veu::v1::SiteStatus status;
  grpc::Status s = stub_->GetSiteStatus(Ctx(15).get(), request, &status);
  if (!s.ok()) return FromGrpc(s);
  return status;
}

absl::StatusOr<veu::v1::ReportFile> GrpcRegulatorBackend::GetComplianceReport(
    const std::string& site, absl::Time from, std::optional<absl::Time> to) {
  veu::v1::GetComplianceReportRequest request;
  request.set_site(site);
  *request.mutable_from() = ToProtoTime(from);
  if (to) *request.mutable_to() = ToProtoTime(*to);
  veu::v1::ReportFile file;
  grpc::Status s = stub_->GetComplianceReport(Ctx(120).get(), request, &file);
  if (!s.ok()) return FromGrpc(s);
  return file;
}

absl::Status GrpcRegulatorBackend::Watch(
    const std::function<void()>& subscribed,
    const std::function<void(const veu::v1::VerdictChange&)>& on_change) {
  grpc::ClientContext ctx;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return absl::OkStatus();
    watching_ = &ctx;
  }
  std::unique_ptr<grpc::ClientReader<veu::v1::VerdictChange>> reader =
      stub_->WatchVerdicts(&ctx, veu::v1::WatchVerdictsRequest());
  // The verifier sends its initial metadata once the watch is subscribed (a refusal comes with
  // the status instead, and then ends the Read loop at once): only then is the feed live.
  reader->WaitForInitialMetadata();
  subscribed();
  veu::v1::VerdictChange change;
  while (reader->Read(&change)) on_change(change);
  grpc::Status s = reader->Finish();
  absl::MutexLock lock(&mu_);
  watching_ = nullptr;
  if (cancelled_) return absl::OkStatus();
  return s.ok() ? absl::UnavailableError("the verifier ended the WatchVerdicts stream")
                : FromGrpc(s);
}

void GrpcRegulatorBackend::CancelWatch() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (watching_ != nullptr) watching_->TryCancel();
}

}  // namespace veu::console
