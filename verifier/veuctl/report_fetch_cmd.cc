// veuctl report fetch / report inventory: a regulator (or operator) downloads a signed report
// from the verifier's regulator API and saves it exactly as signed, for `veuctl report verify`.
//
//   veuctl report fetch SITE --from DATE [--to DATE] -o report.json
//                        [--since-checkpoint NOTE_FILE]    (embed a consistency proof from it)
//   veuctl report inventory ORGANISATION --half 2026-H2 -o inventory.json
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/rpc/tls.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/regulator_client.h"

namespace veu::veuctl {
namespace {

std::set<std::string> WithRegulatorFlags(std::set<std::string> names) {
  names.insert(RegulatorFlagNames().begin(), RegulatorFlagNames().end());
  return names;
}

// `-o FILE` as the issue and every Unix tool spell it; the flag parser knows only --long.
std::vector<std::string> WithShortOutputFlag(std::vector<std::string> args) {
  for (std::string& a : args) {
    if (a == "-o") a = "--o";
  }
  return args;
}

int Save(const std::string& command, const std::string& path, const veu::v1::ReportFile& file) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << file.json();
  if (!out.good()) {
    std::cerr << "veuctl " << command << ": cannot write " << path << "\n";
    return kExitUsage;
  }
  std::cerr << "report " << file.report_id() << " saved to " << path
            << "; check it with `veuctl report verify " << path << " --verifier-key KEY`\n";
  return kExitAccepted;
}

// The tree size of a checkpoint note: its second line (C2SP tlog-checkpoint).
absl::StatusOr<uint64_t> CheckpointSize(const std::string& path) {
  absl::StatusOr<std::string> note = ReadFileToString(path, 64 << 10);
  if (!note.ok()) return note.status();
  const size_t first = note->find('\n');
  const size_t second = first == std::string::npos ? first : note->find('\n', first + 1);
  uint64_t size = 0;
  if (second == std::string::npos ||
      !absl::SimpleAtoi(note->substr(first + 1, second - first - 1), &size)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a checkpoint note"));
  }
  return size;
}

int RunReportFetch(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(WithShortOutputFlag(args),
                 WithRegulatorFlags({"from", "to", "o", "since-checkpoint"}), {});
  if (!flags.ok() || flags->positional.size() != 1 || !flags->Get("from") || !flags->Get("o")) {
    std::cerr << "veuctl report fetch: "
              << (flags.ok() ? "give SITE, --from DATE and -o FILE" : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  veu::v1::GetComplianceReportRequest request;
  request.set_site(flags->positional[0]);
  absl::StatusOr<absl::Time> from = ParseTimeFlag("from", *flags->Get("from"));
  if (!from.ok()) {
    std::cerr << "veuctl report fetch: " << from.status().message() << "\n";
    return kExitUsage;
  }
  *request.mutable_from() = ToProtoTime(*from);
  if (auto v = flags->Get("to")) {
    absl::StatusOr<absl::Time> to = ParseTimeFlag("to", *v);
    if (!to.ok()) {
      std::cerr << "veuctl report fetch: " << to.status().message() << "\n";
      return kExitUsage;
    }
    *request.mutable_to() = ToProtoTime(*to);
  }
  if (auto v = flags->Get("since-checkpoint")) {
    absl::StatusOr<uint64_t> size = CheckpointSize(*v);
    if (!size.ok()) {
      std::cerr << "veuctl report fetch: " << size.status().message() << "\n";
      return kExitUsage;
    }
    request.set_consistency_from_size(*size);
  }
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) {
    std::cerr << "veuctl report fetch: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  veu::v1::ReportFile file;
  grpc::Status s = (*stub)->GetComplianceReport(&ctx, request, &file);
  if (!s.ok()) return ReportRpcError("report for site " + request.site(), s);
  return Save("report fetch", *flags->Get("o"), file);
}

int RunReportInventory(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(WithShortOutputFlag(args), WithRegulatorFlags({"half", "o"}), {});
  if (!flags.ok() || flags->positional.size() != 1 || !flags->Get("half") || !flags->Get("o")) {
    std::cerr << "veuctl report inventory: "
              << (flags.ok() ? "give ORGANISATION, --half 2026-H2 and -o FILE"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  veu::v1::GetInventoryReportRequest request;
  request.set_organisation(flags->positional[0]);
  request.set_half_year(*flags->Get("half"));
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) {
    std::cerr << "veuctl report inventory: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  veu::v1::ReportFile file;
  grpc::Status s = (*stub)->GetInventoryReport(&ctx, request, &file);
  if (!s.ok()) return ReportRpcError("inventory report for " + request.organisation(), s);
  return Save("report inventory", *flags->Get("o"), file);
}

// The site's EAR as an ES256 JWT; `veuctl report verify FILE --verifier-key KEY` checks it.
int RunReportEar(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(WithShortOutputFlag(args), WithRegulatorFlags({"o"}), {});
  if (!flags.ok() || flags->positional.size() != 1 || !flags->Get("o")) {
    std::cerr << "veuctl report ear: "
              << (flags.ok() ? "give SITE and -o FILE" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) {
    std::cerr << "veuctl report ear: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  veu::v1::GetSiteStatusRequest request;
  request.set_site(flags->positional[0]);
  veu::v1::AttestationResult result;
  grpc::Status s = (*stub)->GetAttestationResult(CallContext().get(), request, &result);
  if (!s.ok()) return ReportRpcError("EAR for site " + request.site(), s);
  std::ofstream out(*flags->Get("o"), std::ios::binary | std::ios::trunc);
  out << result.jwt() << "\n";
  if (!out.good()) {
    std::cerr << "veuctl report ear: cannot write " << *flags->Get("o") << "\n";
    return kExitUsage;
  }
  std::cerr << "EAR JWT (ES256) for site " << request.site() << " saved to " << *flags->Get("o")
            << "\n";
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kReportEar, "report ear",
               "report ear SITE -o FILE --server H:P --cert C --key K --ca CA   (EAR as ES256 JWT)",
               RunReportEar);
VEUCTL_COMMAND(kReportFetch, "report fetch",
               "report fetch SITE --from DATE [--to DATE] -o FILE [--since-checkpoint NOTE] "
               "--server H:P --cert C --key K --ca CA",
               RunReportFetch);
VEUCTL_COMMAND(kReportInventory, "report inventory",
               "report inventory ORGANISATION --half YYYY-H1|H2 -o FILE --server H:P --cert C "
               "--key K --ca CA",
               RunReportInventory);

}  // namespace veu::veuctl
