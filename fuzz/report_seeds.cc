// Writes the report_fuzzer seeds into a directory: a real signed compliance report (the day of
// tests/verifier/reports/report_history.h, with a consistency proof), a real signed inventory
// report, an EAR JWT, all made by the product code with a throwaway key, and small JSON texts
// for the reader's corners. Existing files are kept, so a corpus that grew from them stays.
//   report_seeds DIR        (run by fuzz/run.sh report)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/verifier/reports/report_history.h"
#include "verifier/reports/any_report_verifier.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/ear_jwt.h"
#include "verifier/reports/inventory_report.h"

namespace {

using namespace veu::verifier;  // NOLINT: small program
namespace v1 = veu::v1;

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "report_seeds: %s: %s\n", what, std::string(v.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(v);
}

std::string ComplianceSeed(const testing::ReportHistory& history) {
  ComplianceReportInput in = history.Input();
  in.consistency = history.Consistency();
  const v1::ComplianceReport report = OrDie(BuildComplianceReport(in), "compliance report");
  return OrDie(SignComplianceReport(report, history.signer()), "signing the compliance report");
}

std::string InventorySeed(const ReportSigner& signer) {
  const InventoryReportInput in = testing::InventoryInput();
  const v1::InventoryReport report = OrDie(BuildInventoryReport(in), "inventory report");
  return OrDie(SignInventoryReport(report, signer), "signing the inventory report");
}

std::string EarSeed(const ReportSigner& signer) {
  v1::SiteStatus status;
  status.mutable_site()->set_name("fra1");
  status.mutable_site()->set_country("DE");
  v1::AgentStatusSummary* node = status.add_agents();
  node->mutable_agent()->set_agent_id(testing::kAgentA);
  node->mutable_latest()->set_verdict(v1::VERDICT_WARN);
  v1::CheckResult* check = node->mutable_latest()->add_checks();
  check->set_check("VEU-14.ssh");
  check->set_status(v1::CHECK_NEEDS_EVIDENCE);
  return OrDie(EarJwt(status, absl::FromUnixSeconds(1800000000), "fuzz-seed", signer), "EAR JWT");
}

// The reader's corners: every kind of value, escapes, a surrogate pair, the integer limits,
// and the shapes OpenReportFile and VerifyAnyReport tell apart.
const std::vector<std::pair<const char*, std::string>> kJsonSeeds = {
    {"json-values", R"( {"b":[true,false,null],"a":{"x":-0,"y":9007199254740992},"":""} )"},
    {"json-escapes", R"(["\u0000\b\t\n\f\r\"\\\/\u001f\u007f","\ud83d\ude00\uFB33","é€😀"])"},
    {"json-nested", "[[[[[[[[[[[[[[[[{\"k\":[[[[[[[[[[1]]]]]]]]]]}]]]]]]]]]]]]]]]]"},
    {"json-file-shape",
     R"({"report":{"site":{"name":"fra1"},"appraisals":[]},"signature":{"algorithm":"ED25519","key_id":"00","value":"AA=="}})"},
    {"json-inventory-shape",
     R"({"signature":{"algorithm":"ECDSA_P256_SHA256","key_id":"","value":""},"report":{"half_year":"2026-H2","organisation":"Acme AI","total_tpp":"1"}})"},
    {"jwt-none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30."},
};

// A seed must be what it claims: the report holds under the key that signed it, and under
// another key (as in the fuzzer) the only findings are the report signature and the
// checkpoint note, so the fuzzer's mutations are judged by every other check. The JWT
// verifies under its own key.
void CheckSeeds(const testing::ReportHistory& history, const std::vector<std::string>& reports,
                const std::string& jwt) {
  const ReportSigner other = OrDie(ReportSigner::GenerateEcdsaP256(), "a second key");
  const std::string other_pem = OrDie(other.PublicKeyPem(), "the second public key");
  for (const std::string& file : reports) {
    const ReportVerification own = OrDie(VerifyAnyReport(file, history.public_pem()), "verify");
    const ReportVerification fuzz = OrDie(VerifyAnyReport(file, other_pem), "verify");
    bool only_key_findings = !fuzz.findings.empty();
    for (const std::string& f : fuzz.findings) {
      only_key_findings &= f.rfind("signature ", 0) == 0 ||
                           f.rfind("checkpoint: the signed note does not verify", 0) == 0;
    }
    if (!own.holds() || !only_key_findings) {
      std::fprintf(stderr, "report_seeds: the %s seed does not verify as expected:\n",
                   own.kind.c_str());
      for (const std::string& f : own.findings) std::fprintf(stderr, "  own key: %s\n", f.c_str());
      for (const std::string& f : fuzz.findings) std::fprintf(stderr, "  other key: %s\n", f.c_str());
      std::exit(1);
    }
  }
  const ReportSignatureVerifier key =
      OrDie(ReportSignatureVerifier::FromPublicKeyDer(history.signer().public_key_der()), "key");
  OrDie(VerifyEarJwt(jwt, key), "the EAR JWT seed does not verify");
}

void WriteIfAbsent(const std::filesystem::path& dir, const std::string& name,
                   const std::string& bytes) {
  const std::filesystem::path path = dir / ("seed-" + name);
  if (std::filesystem::exists(path)) return;
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out.flush()) {
    std::fprintf(stderr, "report_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_seeds DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const testing::ReportHistory history;
  const std::string compliance = ComplianceSeed(history);
  const std::string inventory = InventorySeed(history.signer());
  const std::string jwt = EarSeed(history.signer());
  CheckSeeds(history, {compliance, inventory}, jwt);
  WriteIfAbsent(dir, "compliance.json", compliance);
  WriteIfAbsent(dir, "inventory.json", inventory);
  WriteIfAbsent(dir, "ear.jwt", jwt);
  for (const auto& [name, text] : kJsonSeeds) WriteIfAbsent(dir, name, text);
  return 0;
}
