// The regulator API used by a client that shares no code with VEU Attest: Node.js with
// @grpc/grpc-js and @grpc/proto-loader (tests/interop/node/get_site_status.js) builds its stub
// from the .proto files at run time and calls GetSiteStatus over mutual TLS against a real
// verifier with a real agent reporting. A client certificate scoped to the site's country gets
// the status; one scoped to another country gets PERMISSION_DENIED, as the C++ client does.
//
// Node and the npm packages come from deploy/install-deps.sh (CI runs it before the build);
// without them this test fails rather than skips, so a missing install step cannot pass as green.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

const std::string& NodeClientDir() {
  static const std::string dir = std::string(VEU_SOURCE_DIR) + "/tests/interop/node";
  return dir;
}

// `node` on $PATH, as a shell would find it ("" if absent): Run() takes a path, not a name.
std::string FindNode() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/node");
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A JSON document parsed by protobuf's own JSON reader into a generic google.protobuf.Value,
// so the Node client's output is checked as data rather than by substring.
const google::protobuf::Value* Field(const google::protobuf::Value& object,
                                     const std::string& name) {
  if (object.kind_case() != google::protobuf::Value::kStructValue) return nullptr;
  const auto& fields = object.struct_value().fields();
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

std::string StringField(const google::protobuf::Value& object, const std::string& name) {
  const google::protobuf::Value* value = Field(object, name);
  return value != nullptr && value->kind_case() == google::protobuf::Value::kStringValue
             ? value->string_value()
             : "<" + name + " missing or not a string>";
}

class NodeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = FindNode();
    ASSERT_FALSE(node_.empty())
        << "`node` is not on PATH: run deploy/install-deps.sh (it installs nodejs and npm and "
           "the npm packages of tests/interop/node)";
    for (const char* package : {"@grpc/grpc-js", "@grpc/proto-loader"}) {
      ASSERT_TRUE(std::filesystem::exists(
          absl::StrCat(NodeClientDir(), "/node_modules/", package, "/package.json")))
          << package << " is not installed in " << NodeClientDir()
          << "/node_modules: run deploy/install-deps.sh (it runs `npm ci` there)";
    }

    absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
    ASSERT_OK(created.status());
    d_ = *std::move(created);
    VerifierOptions options;
    options.policy_pack = PolicyPackPath();
    options.regulator_api = true;
    ASSERT_OK(d_->StartVerifier(options));
    ASSERT_OK(d_->MakeClientCertificate("reg-de", "regulator", {"country:DE"}));
    ASSERT_OK(d_->MakeClientCertificate("reg-ae", "regulator", {"country:AE"}));

    RunResult added = d_->Veuctl({"site", "add", "fra1", "--country", "DE", "--org", "Acme"});
    ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
    RunResult token = d_->Veuctl({"site", "token", "fra1"});
    ASSERT_EQ(token.exit_code, 0) << token.out << token.err;
    ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
    // One appraisal done: the site then has an agent and a verdict to report.
    ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 1; }, absl::Seconds(60)))
        << d_->VerifierLog() << d_->AgentLog();
  }

  // `node get_site_status.js` as client certificate `name`, trusting `ca`.
  RunResult GetSiteStatus(const std::string& name, const std::string& site, const std::string& ca) {
    const std::string tls = d_->dir() + "/tls/" + name;
    return veu::testing::Run(
        {node_, NodeClientDir() + "/get_site_status.js", "--server",
         absl::StrCat("localhost:", d_->RegulatorPort()), "--ca", ca, "--cert", tls + ".pem",
         "--key", tls + ".key", "--site", site, "--deadline-seconds", "10"},
        {}, absl::Seconds(30));
  }
  RunResult GetSiteStatus(const std::string& name, const std::string& site) {
    return GetSiteStatus(name, site, d_->ca_pem());
  }

  std::string node_;
  std::unique_ptr<Deployment> d_;
};

TEST_F(NodeClientTest, RegulatorInScopeReadsTheSiteStatus) {
  const RunResult r = GetSiteStatus("reg-de", "fra1");
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;

  google::protobuf::Value status;
  const auto parsed = google::protobuf::util::JsonStringToMessage(r.out, &status);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << r.out;

  const google::protobuf::Value* site = Field(status, "site");
  ASSERT_NE(site, nullptr) << r.out;
  EXPECT_EQ(StringField(*site, "name"), "fra1");
  EXPECT_EQ(StringField(*site, "country"), "DE");
  EXPECT_EQ(StringField(*site, "organisation"), "Acme");

  // Enums come as their .proto names; after an appraisal the site has a real verdict.
  const std::string verdict = StringField(status, "verdict");
  EXPECT_THAT(verdict, StartsWith("VERDICT_"));
  EXPECT_NE(verdict, "VERDICT_UNSPECIFIED");

  // The one agent reporting, named by the ID the verifier gave it.
  absl::StatusOr<std::string> agent_id = d_->FirstAgentId();
  ASSERT_OK(agent_id.status());
  const google::protobuf::Value* agents = Field(status, "agents");
  ASSERT_NE(agents, nullptr) << r.out;
  ASSERT_EQ(agents->list_value().values_size(), 1) << r.out;
  const google::protobuf::Value& summary = agents->list_value().values(0);
  const google::protobuf::Value* agent = Field(summary, "agent");
  ASSERT_NE(agent, nullptr) << r.out;
  EXPECT_EQ(StringField(*agent, "agent_id"), *agent_id);
  EXPECT_EQ(StringField(*agent, "site"), "fra1");
  const google::protobuf::Value* latest = Field(summary, "latest");
  ASSERT_NE(latest, nullptr) << r.out;
  EXPECT_NE(StringField(*latest, "verdict"), "VERDICT_UNSPECIFIED");
}

TEST_F(NodeClientTest, RegulatorOutOfScopeIsDenied) {
  const RunResult r = GetSiteStatus("reg-ae", "fra1");
  EXPECT_EQ(r.exit_code, 1) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(r.out, IsEmpty()) << "nothing about the site may reach an out-of-scope caller";
}

TEST_F(NodeClientTest, AServerItCannotAuthenticateIsAnotherError) {
  // Trusting another client's certificate instead of the CA that issued the verifier's: the
  // TLS handshake fails, which the script reports as an error other than PERMISSION_DENIED.
  const RunResult r = GetSiteStatus("reg-de", "fra1", d_->dir() + "/tls/reg-ae.pem");
  EXPECT_EQ(r.exit_code, 2) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("PERMISSION_DENIED")));
  EXPECT_THAT(r.out, IsEmpty());
}

}  // namespace
}  // namespace veu::testing
