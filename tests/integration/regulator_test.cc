// The regulator's path end to end against a real verifier, agent and swtpm: mutual TLS with
// client certificates whose URI SANs carry role and scope, scope enforced both ways (and
// unknown sites answered like out-of-scope ones), every call recorded, WatchVerdicts seeing a
// real agent's verdict change within 2 s, and a signed compliance report fetched with veuctl,
// verified offline, then refused after tampering.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/sync_stream.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/proto_time.h"
#include "common/rpc/tls.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"
#include "veu/v1/query.grpc.pb.h"
#include "veu/v1/regulator.grpc.pb.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class RegulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
    ASSERT_OK(created.status());
    d_ = *std::move(created);
    VerifierOptions options;
    options.policy_pack = PolicyPackPath();
    options.regulator_api = true;
    options.extra_args = {"--checkpoint-interval", "1"};
    ASSERT_OK(d_->StartVerifier(options));
    ASSERT_OK(d_->MakeClientCertificate("reg-de", "regulator", {"country:DE"}));
    ASSERT_OK(d_->MakeClientCertificate("reg-ae", "regulator", {"country:AE"}));
    ASSERT_OK(d_->MakeClientCertificate("op-acme", "operator", {"organisation:Acme"}));
    ASSERT_EQ(d_->Veuctl({"site", "add", "fra1", "--country", "DE", "--org", "Acme"}).exit_code, 0);
    ASSERT_EQ(d_->Veuctl({"site", "add", "dxb1", "--country", "AE", "--org", "Gulf AI"}).exit_code,
              0);
  }

  std::unique_ptr<veu::v1::Regulator::Stub> Client(const std::string& name) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = *ReadFileToString(d_->ca_pem());
    if (!name.empty()) {
      tls.pem_cert_chain = *ReadFileToString(d_->dir() + "/tls/" + name + ".pem");
      tls.pem_private_key = *ReadFileToString(d_->dir() + "/tls/" + name + ".key");
    }
    return veu::v1::Regulator::NewStub(grpc::CreateChannel(
        absl::StrCat("localhost:", d_->RegulatorPort()), grpc::SslCredentials(tls)));
  }

  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  std::vector<std::string> SitesSeenBy(const std::string& name) {
    veu::v1::ListSitesResponse response;
    grpc::Status s = Client(name)->ListSites(Ctx().get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& site : response.sites()) names.push_back(site.name());
    return names;
  }

  grpc::Status SiteStatus(const std::string& name, const std::string& site) {
    veu::v1::GetSiteStatusRequest request;
    request.set_site(site);
    veu::v1::SiteStatus status;
    return Client(name)->GetSiteStatus(Ctx().get(), request, &status);
  }

  std::unique_ptr<Deployment> d_;
};

TEST_F(RegulatorTest, EachCallerSeesOnlyItsScope) {
  EXPECT_THAT(SitesSeenBy("reg-de"), UnorderedElementsAre("fra1"));
  EXPECT_THAT(SitesSeenBy("reg-ae"), UnorderedElementsAre("dxb1"));
  EXPECT_THAT(SitesSeenBy("op-acme"), UnorderedElementsAre("fra1"));

  EXPECT_TRUE(SiteStatus("reg-de", "fra1").ok());
  EXPECT_TRUE(SiteStatus("reg-ae", "dxb1").ok());
  const grpc::Status foreign = SiteStatus("reg-de", "dxb1");
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(SiteStatus("reg-ae", "fra1").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(SiteStatus("op-acme", "dxb1").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A site that does not exist gets the same answer: the scope leaks nothing.
  const grpc::Status missing = SiteStatus("reg-de", "nowhere");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(absl::StrReplaceAll(missing.error_message(), {{"nowhere", "X"}}),
            absl::StrReplaceAll(foreign.error_message(), {{"dxb1", "X"}}));
}

// grpc.health.v1.Health/Check and the reflection service, called as raw bytes (Debian ships
// neither .proto): generic tools such as grpc_health_probe and grpcurl work against this port.
TEST_F(RegulatorTest, ServesTheStandardHealthAndReflectionServices) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ReadFileToString(d_->ca_pem());
  tls.pem_cert_chain = *ReadFileToString(d_->dir() + "/tls/reg-de.pem");
  tls.pem_private_key = *ReadFileToString(d_->dir() + "/tls/reg-de.key");
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      absl::StrCat("localhost:", d_->RegulatorPort()), grpc::SslCredentials(tls));

  // HealthCheckRequest{service: ""} is empty; HealthCheckResponse{status: SERVING} is 08 01.
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::internal::RpcMethod check("/grpc.health.v1.Health/Check",
                                  grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s = grpc::internal::BlockingUnaryCall(channel.get(), check, Ctx().get(), request,
                                                     &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));

  // ServerReflectionRequest{list_services: ""} (field 7) lists the services by name.
  grpc::internal::RpcMethod reflect("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                    grpc::internal::RpcMethod::BIDI_STREAMING);
  auto ctx = Ctx();
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(), reflect, ctx.get()));
  grpc::Slice list_services("\x3a\x00", 2);
  ASSERT_TRUE(stream->Write(grpc::ByteBuffer(&list_services, 1)));
  stream->WritesDone();
  grpc::ByteBuffer reply;
  ASSERT_TRUE(stream->Read(&reply));
  slices.clear();
  ASSERT_TRUE(reply.Dump(&slices).ok());
  bytes.clear();
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_THAT(bytes, HasSubstr("veu.v1.Regulator"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
}

TEST_F(RegulatorTest, NoClientCertificateNoAccess) {
  // Issue 17: this passed with no verifier at all. First prove the API answers a caller with a
  // certificate, then that the same call without one fails in the TLS handshake.
  ASSERT_TRUE(SiteStatus("reg-de", "fra1").ok()) << d_->VerifierLog();
  const grpc::Status s = SiteStatus("", "fra1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);  // never reached the service
  // Nothing reached the service, so nothing was recorded as an access by it.
  RunResult log = d_->Veuctl({"access-log", "--json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  size_t recorded = 0;
  for (size_t p = 0; (p = log.out.find("GetSiteStatus", p)) != std::string::npos; ++p) ++recorded;
  EXPECT_EQ(recorded, 1u) << log.out;  // the call with a certificate only
}

TEST_F(RegulatorTest, EveryCallIsRecorded) {
  ASSERT_TRUE(SiteStatus("reg-de", "fra1").ok());
  ASSERT_FALSE(SiteStatus("reg-de", "dxb1").ok());
  RunResult log = d_->Veuctl({"access-log", "--json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, HasSubstr("/veu.v1.Regulator/GetSiteStatus"));
  EXPECT_THAT(log.out, HasSubstr("CN=reg-de"));
  EXPECT_THAT(log.out, HasSubstr("\"resource\": \"dxb1\""));
  EXPECT_THAT(log.out, HasSubstr("outside scope"));
}

// Issue 17: "a regulator call is refused when its access record cannot be written" had no test.
// Another connection holds the database's write lock (as a stuck backup or a full disk would
// keep writes from landing) for longer than the verifier's busy timeout: the call is refused
// UNAVAILABLE saying why, and answers nothing; once the lock is gone the same call is served
// and recorded. The refused call left no record, so the access log shows only the served ones.
TEST_F(RegulatorTest, ACallWhoseAccessRecordCannotBeWrittenIsRefusedAndAnswersNothing) {
  ASSERT_TRUE(SiteStatus("reg-de", "fra1").ok()) << d_->VerifierLog();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((d_->dir() + "/veu.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);

  veu::v1::GetSiteStatusRequest request;
  request.set_site("fra1");
  veu::v1::SiteStatus answered;
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status refused = Client("reg-de")->GetSiteStatus(ctx.get(), request, &answered);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("access record could not be written"));
  EXPECT_EQ(answered.ByteSizeLong(), 0u) << "an unaudited call answered: " << answered.DebugString();

  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  veu::v1::SiteStatus served;
  ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status again = Client("reg-de")->GetSiteStatus(ctx.get(), request, &served);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(served.site().name(), "fra1");

  RunResult log = d_->Veuctl({"access-log", "--json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  size_t recorded = 0;
  for (size_t p = 0; (p = log.out.find("GetSiteStatus", p)) != std::string::npos; ++p) ++recorded;
  EXPECT_EQ(recorded, 2u) << "the call before the lock and the one after; " << log.out;
}

TEST_F(RegulatorTest, WatchSeesARealVerdictChangeWithinTwoSeconds) {
  auto watcher = Client("reg-de");
  grpc::ClientContext ctx;
  veu::v1::WatchVerdictsRequest request;
  std::unique_ptr<grpc::ClientReader<veu::v1::VerdictChange>> reader =
      watcher->WatchVerdicts(&ctx, request);
  // The verifier sends initial metadata once the watch is subscribed: from then on no change is
  // missed, with no sleep to guess it.
  reader->WaitForInitialMetadata();
  absl::Mutex mu;
  std::vector<std::pair<veu::v1::VerdictChange, absl::Time>> seen;
  std::thread reading([&] {
    veu::v1::VerdictChange change;
    while (reader->Read(&change)) {
      absl::MutexLock lock(&mu);
      seen.push_back({change, absl::Now()});
    }
  });
  // The regulator of AE watches too, and must not see the German site's change.
  auto other = Client("reg-ae");
  grpc::ClientContext other_ctx;
  std::unique_ptr<grpc::ClientReader<veu::v1::VerdictChange>> other_reader =
      other->WatchVerdicts(&other_ctx, request);
  other_reader->WaitForInitialMetadata();
  std::atomic<int> other_seen{0};
  std::thread other_reading([&] {
    veu::v1::VerdictChange change;
    while (other_reader->Read(&change)) ++other_seen;
  });

  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  // The node's first appraisal moves it from no verdict to one: a change the watch must see.
  const bool got = WaitFor([&] {
    absl::MutexLock lock(&mu);
    return !seen.empty();
  }, absl::Seconds(30));
  ctx.TryCancel();
  other_ctx.TryCancel();
  reading.join();
  other_reading.join();
  ASSERT_TRUE(got) << d_->VerifierLog() << d_->AgentLog();
  absl::MutexLock lock(&mu);
  const veu::v1::VerdictChange& change = seen.front().first;
  EXPECT_EQ(change.site(), "fra1");
  EXPECT_EQ(change.country(), "DE");
  EXPECT_NE(change.verdict(), change.previous());
  EXPECT_NE(change.site_verdict(), veu::v1::VERDICT_UNSPECIFIED);
  const absl::Duration latency = seen.front().second - FromProtoTime(change.at());
  EXPECT_LT(latency, absl::Seconds(2)) << "from appraisal to the watcher";
  EXPECT_EQ(other_seen.load(), 0);
}

TEST_F(RegulatorTest, VeuctlWatchPrintsTheChangeAndStopsAfterCount) {
  std::vector<std::string> argv = {VeuctlBinary(), "watch", "fra1", "--json", "--count", "1"};
  for (const auto& f : d_->RegulatorFlags("reg-de")) argv.push_back(f);
  absl::StatusOr<Process> watch = Process::Start(argv, d_->dir() + "/watch.log");
  ASSERT_OK(watch.status());
  absl::SleepFor(absl::Milliseconds(500));  // subscribed before the node's first verdict
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  absl::StatusOr<int> exit = watch->Wait(absl::Seconds(30));
  ASSERT_OK(exit.status()) << watch->Output() << d_->VerifierLog();
  EXPECT_EQ(*exit, 0) << watch->Output();
  EXPECT_THAT(watch->Output(), HasSubstr("\"site\": \"fra1\""));
  EXPECT_THAT(watch->Output(), HasSubstr("\"site_verdict\""));
}

TEST_F(RegulatorTest, ANodeThatFallsSilentTurnsItsSiteStaleForWatchers) {
  // A node that passes its machine checks (WARN): a REJECT would outrank STALE in the roll-up.
  ASSERT_OK(d_->UseDemoNodeTree());
  ASSERT_OK(d_->PrepareMeasuredBoot());
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out)),
                           {"--data-path", "/srv/model-weights"}));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 1; }, absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();
  auto watcher = Client("reg-de");
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<veu::v1::VerdictChange>> reader =
      watcher->WatchVerdicts(&ctx, veu::v1::WatchVerdictsRequest());
  std::atomic<bool> stale{false};
  std::thread reading([&] {
    veu::v1::VerdictChange change;
    while (reader->Read(&change)) {
      if (change.verdict() == veu::v1::VERDICT_STALE && change.site() == "fra1") stale = true;
    }
  });
  d_->StopAgent();  // stale after 3 intervals + the timeout (6 s here)
  const bool got = WaitFor([&] { return stale.load(); }, absl::Seconds(20));
  ctx.TryCancel();
  reading.join();
  EXPECT_TRUE(got) << d_->VerifierLog();
}

TEST_F(RegulatorTest, ASignedReportVerifiesAndTamperingIsCaught) {
  const absl::Time start = absl::Now() - absl::Minutes(1);
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 3; }, absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();

  const std::string report = d_->dir() + "/report.json";
  std::vector<std::string> fetch = {"report", "fetch", "fra1", "--from",
                                    absl::FormatTime(absl::RFC3339_sec, start, absl::UTCTimeZone()),
                                    "-o", report};
  for (const auto& f : d_->RegulatorFlags("reg-de")) fetch.push_back(f);
  RunResult fetched = d_->Veuctl(fetch);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.out << fetched.err << d_->VerifierLog();

  RunResult verified =
      d_->Veuctl({"report", "verify", report, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  // The signed report states the rule's status and its sources (issue 16).
  EXPECT_THAT(verified.out, HasSubstr("rule: BIS, Framework for Artificial Intelligence Diffusion"));
  EXPECT_THAT(verified.out, HasSubstr(": rescinded 2025-05, replacement pending"));
  const std::string signed_text = *ReadFileToString(report);
  EXPECT_THAT(signed_text, HasSubstr("\"kind\": \"PRIMARY\""));
  EXPECT_THAT(signed_text, HasSubstr("\"kind\": \"SECONDARY\""));

  // Out of scope: the AE regulator cannot fetch the German site's report.
  std::vector<std::string> foreign = fetch;
  foreign.erase(foreign.end() - 8, foreign.end());
  for (const auto& f : d_->RegulatorFlags("reg-ae")) foreign.push_back(f);
  foreign[6] = d_->dir() + "/foreign.json";
  RunResult refused = d_->Veuctl(foreign);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("outside your certificate's scope"));

  // One verdict changed anywhere in the file: verification fails and says why.
  const std::string original = *ReadFileToString(report);
  std::string text = original;
  // Whatever the node's verdict, make the first one another.
  for (const auto& [from, to] : {std::pair{"VERDICT_WARN", "VERDICT_REJECT"},
                                 std::pair{"VERDICT_ACCEPT", "VERDICT_REJECT"},
                                 std::pair{"VERDICT_REJECT", "VERDICT_ACCEPT"}}) {
    if (const size_t at = text.find(from); at != std::string::npos) {
      text.replace(at, std::string(from).size(), to);
      break;
    }
  }
  ASSERT_NE(text, original) << original.substr(0, 2000);
  const std::string tampered = d_->dir() + "/tampered.json";
  std::ofstream(tampered) << text;
  RunResult bad = d_->Veuctl({"report", "verify", tampered, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  // The findings name what is wrong, not just a word (issue 17): the signature over the
  // canonical report, and the edited verdict against the logged leaf or the derived summary.
  EXPECT_THAT(bad.out + bad.err, HasSubstr("signature does not verify over the canonical report"));
  EXPECT_THAT(bad.out + bad.err,
              ::testing::AnyOf(HasSubstr("view says verdict"), HasSubstr("verdict_at_end: report says")))
      << bad.out << bad.err;
}

TEST_F(RegulatorTest, TheHalfYearInventoryReportIsSignedAndNeedsAnOrganisationScope) {
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->UseDemoNodeTree());  // two H100 PCIe boards
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 1; }, absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();
  const absl::CivilSecond now = absl::ToCivilSecond(absl::Now(), absl::UTCTimeZone());
  const std::string half = absl::StrCat(now.year(), now.month() <= 6 ? "-H1" : "-H2");
  const std::string file = d_->dir() + "/inventory.json";
  std::vector<std::string> fetch = {"report", "inventory", "Acme", "--half", half, "-o", file};
  std::vector<std::string> as_operator = fetch, as_country_regulator = fetch;
  for (const auto& f : d_->RegulatorFlags("op-acme")) as_operator.push_back(f);
  for (const auto& f : d_->RegulatorFlags("reg-de")) as_country_regulator.push_back(f);
  RunResult fetched = d_->Veuctl(as_operator);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  RunResult verified = d_->Veuctl({"report", "verify", file, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const std::string text = *ReadFileToString(file);
  EXPECT_THAT(text, HasSubstr("\"fra1\""));
  EXPECT_THAT(text, HasSubstr("H100 PCIe"));
  EXPECT_THAT(text, HasSubstr("rescinded 2025-05, replacement pending"));
  // A regulator scoped to a country cannot read an organisation-wide report.
  RunResult refused = d_->Veuctl(as_country_regulator);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("outside your certificate's scope"));
}

TEST_F(RegulatorTest, TheSitesEarIsAnEs256JwtTheVerifierKeyChecks) {
  const std::string file = d_->dir() + "/fra1.jwt";
  std::vector<std::string> fetch = {"report", "ear", "fra1", "-o", file};
  for (const auto& f : d_->RegulatorFlags("reg-de")) fetch.push_back(f);
  RunResult fetched = d_->Veuctl(fetch);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  RunResult verified = d_->Veuctl({"report", "verify", file, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("\"eat_profile\":\"tag:ietf.org,2026:rats/ear"));
  // The EAR names the rule and its status, inside the signed claims (issue 16).
  EXPECT_THAT(verified.out, HasSubstr("\"veu_regulation\""));
  EXPECT_THAT(verified.out, HasSubstr("\"status\":\"rescinded 2025-05, replacement pending\""));
  // One character of the signed payload changed: refused.
  std::string jwt = std::string(absl::StripAsciiWhitespace(*ReadFileToString(file)));
  const size_t dot = jwt.find('.');
  jwt[dot + 5] = jwt[dot + 5] == 'A' ? 'B' : 'A';
  std::ofstream(file) << jwt << "\n";
  RunResult bad = d_->Veuctl({"report", "verify", file, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  // Refused as an EAR JWT, with no claims shown as good (issue 17: the exit code alone was checked).
  EXPECT_THAT(bad.out, ::testing::StartsWith("REJECTED: EAR JWT: ")) << bad.out << bad.err;
  EXPECT_THAT(bad.out, ::testing::Not(HasSubstr("eat_profile")));
}

TEST_F(RegulatorTest, TheLatestCheckpointProvablyExtendsOneTheRegulatorKept) {
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 1; }, absl::Seconds(30)));
  std::vector<std::string> checkpoint = {"log", "checkpoint"};
  for (const auto& f : d_->RegulatorFlags("reg-ae")) checkpoint.push_back(f);
  RunResult kept = d_->Veuctl(checkpoint);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  const std::string old_note = d_->dir() + "/old.note";
  std::ofstream(old_note) << kept.out;
  const int seen = d_->AppraisalCount();
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= seen + 2; }, absl::Seconds(30)));

  std::vector<std::string> consistency = {"log", "consistency", "--earlier", old_note,
                                          "--verifier-key", d_->log_public_key()};
  for (const auto& f : d_->RegulatorFlags("reg-ae")) consistency.push_back(f);
  RunResult ok = d_->Veuctl(consistency);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("extends the earlier one"));

  // A note whose root was edited no longer carries the verifier's signature.
  std::string forged = kept.out;
  const size_t line = forged.find('\n', forged.find('\n') + 1) + 1;  // the root hash line
  forged[line] = forged[line] == 'A' ? 'B' : 'A';
  std::ofstream(old_note) << forged;
  RunResult bad = d_->Veuctl(consistency);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("earlier checkpoint does not verify"));
}

TEST_F(RegulatorTest, LogProveWorksOverTheRegulatorApiWithinScope) {
  RunResult token = d_->Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d_->StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out))));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 1; }, absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();
  absl::StatusOr<std::string> agent = d_->FirstAgentId();
  ASSERT_OK(agent.status());
  RunResult history = d_->Veuctl({"history", *agent, "--json"});
  const std::string key = "\"id\": \"";
  const size_t at = history.out.find(key);
  ASSERT_NE(at, std::string::npos) << history.out;
  const std::string appraisal_id = history.out.substr(at + key.size(), 32);

  std::vector<std::string> prove = {"log", "prove", appraisal_id, "--verifier-key",
                                    d_->log_public_key()};
  std::vector<std::string> as_de = prove, as_ae = prove;
  for (const auto& f : d_->RegulatorFlags("reg-de")) as_de.push_back(f);
  for (const auto& f : d_->RegulatorFlags("reg-ae")) as_ae.push_back(f);
  RunResult ok = d_->Veuctl(as_de);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK: appraisal " + appraisal_id));
  RunResult checkpoint = d_->Veuctl({"log", "checkpoint", "--server",
                                     absl::StrCat("localhost:", d_->RegulatorPort()), "--cert",
                                     d_->dir() + "/tls/reg-ae.pem", "--key",
                                     d_->dir() + "/tls/reg-ae.key", "--ca", d_->ca_pem()});
  EXPECT_EQ(checkpoint.exit_code, 0) << checkpoint.err;  // checkpoints are for everyone
  RunResult refused = d_->Veuctl(as_ae);
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("outside your certificate's scope"));
}

}  // namespace
}  // namespace veu::testing
