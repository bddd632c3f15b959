// A compliance report built from a real SQLite store with a realistic history — three nodes,
// a reboot, an inventory change, a node that went silent, one node's chain anchored before
// the period — verifies offline, shows what happened, and fails once edited.
#include "verifier/regulator/site_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/facts/policy_pack.h"
#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "verifier/reports/report_verifier.h"
#include "verifier/service/transparency.h"
#include "verifier/store/sqlite_store.h"

namespace veu::regulator {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kFrom = absl::FromUnixSeconds(1795000000);  // the period's start
const absl::Duration kStaleAfter = absl::Minutes(25);

class SiteReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/site-report-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
    absl::StatusOr<std::unique_ptr<verifier::SqliteStore>> store =
        verifier::SqliteStore::Open(dir_ + "/veu.db");
    ASSERT_OK(store.status());
    store_ = *std::move(store);
    absl::StatusOr<translog::NoteSigner> note = translog::NoteSigner::Generate("veu.test/log");
    ASSERT_OK(note.status());
    note_signer_.emplace(*std::move(note));
    absl::StatusOr<std::string> pem = note_signer_->PrivateKeyPem();
    ASSERT_OK(pem.status());
    absl::StatusOr<verifier::ReportSigner> signer = verifier::ReportSigner::FromPrivateKeyPem(*pem);
    ASSERT_OK(signer.status());
    report_signer_.emplace(*std::move(signer));
    absl::StatusOr<std::string> pub = verifier::PublicKeyPemFromDer(note_signer_->public_key_der());
    ASSERT_OK(pub.status());
    public_pem_ = *pub;

    site_.set_name("fra1");
    site_.set_country("DE");
    site_.set_organisation("Acme");
    ASSERT_OK(store_->AddSite(site_));
    for (const char* id : {"aaaa", "bbbb", "cccc"}) {
      veu::v1::AgentRecord agent;
      agent.set_agent_id(id);
      agent.set_site("fra1");
      agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
      *agent.mutable_enrolled_at() = ToProtoTime(kFrom - absl::Hours(2));
      ASSERT_OK(store_->PutAgent(agent, {}));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Commit(const std::string& agent, absl::Time at, veu::v1::Verdict verdict,
              std::vector<std::string> serials,
              std::vector<veu::v1::EventKind> events = {}) {
    veu::v1::Appraisal a;
    a.set_id(absl::StrCat(agent, "-", absl::ToUnixSeconds(at)));
    a.set_agent_id(agent);
    a.set_site("fra1");
    *a.mutable_appraised_at() = ToProtoTime(at);
    a.set_verdict(verdict);
    a.set_policy_version("veu-2025@1");
    veu::v1::CheckResult* c = a.add_checks();
    c->set_check("VEU-14.remote-access");
    c->set_status(verdict == veu::v1::VERDICT_REJECT ? veu::v1::CHECK_FAIL : veu::v1::CHECK_PASS);
    veu::v1::InventorySummary* inv = a.mutable_inventory();
    inv->set_reported(true);
    inv->set_count(serials.size());
    inv->set_tpp(15831 * serials.size());
    for (auto& s : serials) inv->add_identities("serial:" + s);
    verifier::AppraisalCommit commit;
    commit.appraisal = a;
    absl::StatusOr<veu::v1::AgentRecord> record = store_->GetAgent(agent);
    ASSERT_OK(record.status());
    commit.agent = *record;
    commit.agent.set_last_verdict(verdict);
    for (veu::v1::EventKind kind : events) {
      veu::v1::Event e;
      e.set_kind(kind);
      e.set_agent_id(agent);
      e.set_site("fra1");
      *e.mutable_at() = ToProtoTime(at);
      commit.events.push_back(e);
    }
    commit.sightings = serials;
    ASSERT_OK(store_->CommitAppraisal(commit));
  }

  // Two hours at a 10-minute interval: aaaa steadily (a board added at +60 min), bbbb reboots
  // at +30 min and then says nothing from +40 to +100 min, cccc reports a REJECT once.
  void WriteHistory() {
    Commit("aaaa", kFrom - absl::Minutes(5), veu::v1::VERDICT_WARN, {"1"});  // anchor
    Commit("bbbb", kFrom - absl::Minutes(5), veu::v1::VERDICT_WARN, {"2"});
    for (int m = 0; m < 120; m += 10) {
      const absl::Time t = kFrom + absl::Minutes(m) + absl::Seconds(1);
      Commit("aaaa", t, veu::v1::VERDICT_WARN, m < 60 ? std::vector<std::string>{"1"}
                                                      : std::vector<std::string>{"1", "9"},
             m == 60 ? std::vector<veu::v1::EventKind>{veu::v1::EVENT_INVENTORY_CHANGED}
                     : std::vector<veu::v1::EventKind>{});
      if (m <= 40 || m >= 100) {
        Commit("bbbb", t + absl::Seconds(2), veu::v1::VERDICT_WARN, {"2"},
               m == 30 ? std::vector<veu::v1::EventKind>{veu::v1::EVENT_REBOOTED}
                       : std::vector<veu::v1::EventKind>{});
      }
    }
    Commit("cccc", kFrom + absl::Minutes(50), veu::v1::VERDICT_REJECT, {"3"});
    Commit("cccc", kFrom + absl::Minutes(115), veu::v1::VERDICT_WARN, {"3"});
  }

  absl::StatusOr<SignedSiteReport> Build(
      uint64_t consistency_from = 0, size_t max_appraisals = 50000,
      std::optional<veu::v1::RegulationStatement> regulation = std::nullopt) {
    SiteReportSources sources{store_.get(), store_.get(), &*note_signer_, "veu.test/log",
                              &*report_signer_, kStaleAfter, max_appraisals,
                              std::move(regulation)};
    return BuildSignedSiteReport(sources, site_, kFrom, kFrom + absl::Hours(2), consistency_from,
                                 kFrom + absl::Hours(2) + absl::Minutes(1));
  }

  std::string dir_;
  std::unique_ptr<verifier::SqliteStore> store_;
  std::optional<translog::NoteSigner> note_signer_;
  std::optional<verifier::ReportSigner> report_signer_;
  std::string public_pem_;
  veu::v1::Site site_;
};

TEST_F(SiteReportTest, AReportFromTheStoreVerifiesAndShowsWhatHappened) {
  WriteHistory();
  absl::StatusOr<SignedSiteReport> report = Build();
  ASSERT_OK(report.status());
  absl::StatusOr<verifier::ReportVerification> v =
      verifier::VerifyComplianceReport(report->file, public_pem_, {});
  ASSERT_OK(v.status());
  EXPECT_THAT(v->findings, IsEmpty());
  EXPECT_EQ(v->kind, "compliance");
  EXPECT_EQ(v->report_id, report->report_id);
  EXPECT_EQ(v->subject, "fra1");
  // 12 + 7 + 2 in the period, plus the two anchors before it.
  EXPECT_EQ(v->items, 23u);
  EXPECT_EQ(v->verdict, "WARN");
  const std::string& file = report->file;
  EXPECT_THAT(file, HasSubstr("EVENT_REBOOTED"));
  EXPECT_THAT(file, HasSubstr("serial:9"));           // the board added at +60 min
  EXPECT_THAT(file, HasSubstr("\"stale_periods\""));  // bbbb's silence
  EXPECT_THAT(file, HasSubstr("VEU-14.remote-access"));
}

TEST_F(SiteReportTest, TheReportCarriesTheShippedPacksRuleStatusAndSources) {
  WriteHistory();
  absl::StatusOr<veu::v1::PolicyPack> pack = facts::LoadPolicyPackFile(
      std::string(VEU_SOURCE_DIR) + "/deploy/policies/veu-2025.textproto");
  ASSERT_OK(pack.status());
  absl::StatusOr<SignedSiteReport> report = Build(0, 50000, facts::RegulationStatementOf(*pack));
  ASSERT_OK(report.status());
  absl::StatusOr<verifier::ReportVerification> v =
      verifier::VerifyComplianceReport(report->file, public_pem_, {});
  ASSERT_OK(v.status());
  EXPECT_THAT(v->findings, IsEmpty());
  EXPECT_THAT(v->regulation, HasSubstr("90 FR 4544"));
  EXPECT_THAT(v->regulation, HasSubstr("rescinded 2025-05, replacement pending"));
  EXPECT_THAT(v->regulation, HasSubstr("regulation.md"));  // where the status is stated
  EXPECT_THAT(report->file, HasSubstr("\"policy_pack\": \"veu-2025@"));
  EXPECT_THAT(report->file, HasSubstr("\"text_source\": \"PRIMARY\""));
  EXPECT_THAT(report->file, HasSubstr("\"proxy\": true"));
}

TEST_F(SiteReportTest, AnEditedReportFromTheStoreFails) {
  WriteHistory();
  absl::StatusOr<SignedSiteReport> report = Build();
  ASSERT_OK(report.status());
  std::string edited = report->file;
  const size_t at = edited.find("EVENT_REBOOTED");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, std::string("EVENT_REBOOTED").size(), "EVENT_ENROLLED");
  absl::StatusOr<verifier::ReportVerification> v =
      verifier::VerifyComplianceReport(edited, public_pem_, {});
  ASSERT_OK(v.status());
  EXPECT_THAT(v->findings, Not(IsEmpty()));
  EXPECT_THAT(v->findings.front(), HasSubstr("signature"));
}

TEST_F(SiteReportTest, TheReportCanProveItExtendsAnEarlierCheckpoint) {
  Commit("aaaa", kFrom - absl::Minutes(30), veu::v1::VERDICT_WARN, {"1"});
  absl::StatusOr<translog::StoredCheckpoint> earlier =
      FreshCheckpointOf(*store_, *note_signer_, "veu.test/log", kFrom - absl::Minutes(29));
  ASSERT_OK(earlier.status());
  WriteHistory();
  absl::StatusOr<SignedSiteReport> report = Build(earlier->checkpoint.size);
  ASSERT_OK(report.status());
  verifier::ReportVerifyOptions options;
  options.earlier_checkpoint = earlier->signed_note;
  absl::StatusOr<verifier::ReportVerification> v =
      verifier::VerifyComplianceReport(report->file, public_pem_, options);
  ASSERT_OK(v.status());
  EXPECT_THAT(v->findings, IsEmpty());
  EXPECT_TRUE(v->consistency_checked);
  // A size beyond the log is refused, not answered with a bogus proof.
  EXPECT_FALSE(Build(10000).ok());
}

TEST_F(SiteReportTest, APeriodTooLargeForOneReportIsRefusedNotTruncated) {
  WriteHistory();
  absl::StatusOr<SignedSiteReport> report = Build(0, /*max_appraisals=*/20);
  EXPECT_TRUE(absl::IsResourceExhausted(report.status())) << report.status();
  EXPECT_THAT(report.status().message(), HasSubstr("ask for shorter periods"));
}

}  // namespace
}  // namespace veu::regulator
