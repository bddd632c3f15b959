// Compliance reports end to end: build from a realistic in-memory history with real proofs,
// sign, verify; then tamper with each kind of field and assert the precise finding.
#include <google/protobuf/util/json_util.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/reports/report_history.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/report_verifier.h"
#include "verifier/reports/signed_report_file.h"

namespace veu::verifier {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::veu::testing::StatusIs;
using testing::At;
using testing::kAgentA;
using testing::kAgentB;
using testing::kAgentC;
using testing::ReportHistory;

constexpr char kSigFinding[] = "signature does not verify over the canonical report";

std::string Json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class ComplianceReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(history_.Input());
    ASSERT_OK(report);
    report_ = *report;
    absl::StatusOr<std::string> file = SignComplianceReport(report_, history_.signer());
    ASSERT_OK(file);
    file_ = *file;
    absl::StatusOr<OpenedReportFile> opened = OpenReportFile(file_);
    ASSERT_OK(opened);
    signature_ = opened->signature;
  }

  ReportVerification Verify(const std::string& file, const ReportVerifyOptions& options = {}) {
    absl::StatusOr<ReportVerification> v = VerifyComplianceReport(file, history_.public_pem(), options);
    EXPECT_OK(v);
    return v.ok() ? *v : ReportVerification{};
  }

  // The report after `edit`, with the original signature (an edit in transit) or re-signed
  // with the verifier's key (a faulty or dishonest builder).
  std::string Edited(const std::function<void(v1::ComplianceReport&)>& edit, bool resign) {
    v1::ComplianceReport r = report_;
    edit(r);
    if (resign) return *SignComplianceReport(r, history_.signer());
    return absl::StrCat("{\"report\":", Json(r), ",\"signature\":", Json(signature_), "}");
  }

  v1::ReportedAppraisal* Appraisal(v1::ComplianceReport& r, uint64_t index) {
    for (auto& a : *r.mutable_appraisals()) {
      if (a.log_index() == index) return &a;
    }
    ADD_FAILURE() << "no appraisal " << index;
    return r.mutable_appraisals(0);
  }

  ReportHistory history_;
  v1::ComplianceReport report_;
  std::string file_;
  v1::ReportSignature signature_;
};

TEST_F(ComplianceReportTest, AnHonestReportVerifies) {
  ReportVerification v = Verify(file_);
  EXPECT_THAT(v.findings, IsEmpty());
  EXPECT_TRUE(v.holds());
  EXPECT_EQ(v.kind, "compliance");
  EXPECT_EQ(v.subject, "fra1");
  EXPECT_EQ(v.items, 24u + 14u + 2u);  // A, B and the two anchors
  EXPECT_EQ(v.tree_size, history_.tree().size());
  EXPECT_EQ(v.verdict, "REJECT");
}

TEST_F(ComplianceReportTest, SummariesFollowTheHistory) {
  EXPECT_EQ(report_.verdict_at_end(), v1::VERDICT_REJECT);
  EXPECT_THAT(report_.policy_versions(),
              ElementsAre("spine-1+veu-2025@1", "spine-1+veu-2025@2"));
  ASSERT_EQ(report_.agents_size(), 3);
  EXPECT_EQ(report_.agents(0).agent_id(), kAgentA);
  EXPECT_EQ(report_.agents(0).appraisals_in_period(), 24u);
  EXPECT_EQ(report_.agents(1).appraisals_in_period(), 14u);
  EXPECT_EQ(report_.agents(2).appraisals_in_period(), 0u);

  // Anchors are marked and chain the first in-period appraisal.
  int anchors = 0;
  for (const auto& a : report_.appraisals()) anchors += a.before_period() ? 1 : 0;
  EXPECT_EQ(anchors, 2);

  // B was silent 06:30 -> 12:30 (stale from 08:30); C all day (its anchor went stale at 22:00
  // the day before, clipped to the period start).
  ASSERT_EQ(report_.stale_periods_size(), 2);
  EXPECT_EQ(report_.stale_periods(0).agent_id(), kAgentB);
  EXPECT_EQ(FromProtoTime(report_.stale_periods(0).from()), At("2026-10-01T08:30:00Z"));
  EXPECT_EQ(FromProtoTime(report_.stale_periods(0).to()), At("2026-10-01T12:30:00Z"));
  EXPECT_EQ(report_.stale_periods(1).agent_id(), kAgentC);
  EXPECT_EQ(FromProtoTime(report_.stale_periods(1).from()), At("2026-10-01T00:00:00Z"));
  EXPECT_EQ(FromProtoTime(report_.stale_periods(1).to()), At("2026-10-02T00:00:00Z"));

  // A's first inventory, B's first (no identities), A's swap of A2 for A3.
  ASSERT_EQ(report_.inventory_size(), 3);
  EXPECT_EQ(report_.inventory(0).agent_id(), kAgentA);
  EXPECT_THAT(report_.inventory(0).added(), ElementsAre("serial:A1", "serial:A2"));
  EXPECT_EQ(report_.inventory(1).agent_id(), kAgentB);
  EXPECT_THAT(report_.inventory(1).added(), ElementsAre("H100 x 8"));
  EXPECT_EQ(report_.inventory(2).agent_id(), kAgentA);
  EXPECT_EQ(FromProtoTime(report_.inventory(2).at()), At("2026-10-01T12:30:00Z"));
  EXPECT_THAT(report_.inventory(2).added(), ElementsAre("serial:A3"));
  EXPECT_THAT(report_.inventory(2).removed(), ElementsAre("serial:A2"));
  EXPECT_EQ(report_.inventory(2).log_index(), history_.IndexOf(kAgentA, "2026-10-01T12:30:00Z"));

  // SSH: A passes all day (anchor 00:00-00:30, 23 hours, 23:30-24:00 = 86400 s); B passes
  // 05:30-06:30, 06:30-08:30 (capped at 2 h), 12:30-13:30 = 14400 s, then fails 13:30-24:00.
  std::map<std::string, v1::ControlSummary> controls;
  for (const auto& c : report_.controls()) controls[c.control()] = c;
  ASSERT_EQ(controls.count("VEU-14.ssh"), 1u);
  const v1::ControlSummary& ssh = controls["VEU-14.ssh"];
  EXPECT_EQ(ssh.pass(), 27u);
  EXPECT_EQ(ssh.fail(), 11u);
  EXPECT_EQ(ssh.pass_seconds(), 86400u + 14400u);
  EXPECT_EQ(ssh.fail_seconds(), 37800u);
  const v1::ControlSummary& fw = controls["VEU-14.firewall"];
  EXPECT_EQ(fw.needs_evidence(), 14u);
  EXPECT_EQ(fw.needs_evidence_seconds(), 3600u + 7200u + 41400u);

  // Only the period's events, in time order.
  ASSERT_EQ(report_.events_size(), 2);
  EXPECT_EQ(report_.events(0).id(), 7);
  EXPECT_EQ(report_.events(1).id(), 9);
}

TEST_F(ComplianceReportTest, ReorderedKeysAndWhitespaceStillVerify) {
  // Re-emit the file with every object's members reversed, newlines and indentation, and
  // every 'a' in a string written as \u0061: the canonical form is unchanged.
  absl::StatusOr<JsonValue> parsed = ParseJson(file_);
  ASSERT_OK(parsed);
  std::function<std::string(const JsonValue&, int)> emit = [&](const JsonValue& v, int depth) {
    const std::string pad(2 * depth, ' ');
    switch (v.kind) {
      case JsonValue::Kind::kObject: {
        std::string out = "{\n";
        for (auto it = v.object.rbegin(); it != v.object.rend(); ++it) {
          if (it != v.object.rbegin()) out += ",\n";
          JsonValue key;
          key.kind = JsonValue::Kind::kString;
          key.string = it->first;
          out += pad + "  " + CanonicalJson(key) + " :  " + emit(it->second, depth + 1);
        }
        return out + "\n" + pad + "}";
      }
      case JsonValue::Kind::kArray: {
        std::string out = "[ ";
        for (size_t i = 0; i < v.array.size(); ++i) {
          out += (i ? " ,\t" : "") + emit(v.array[i], depth + 1);
        }
        return out + " ]";
      }
      case JsonValue::Kind::kString: {
        std::string out = CanonicalJson(v);
        return absl::StrReplaceAll(out, {{"a", "\\u0061"}});
      }
      default:
        return CanonicalJson(v);
    }
  };
  const std::string rewritten = emit(*parsed, 0);
  ASSERT_NE(rewritten, file_);
  ASSERT_THAT(rewritten, HasSubstr("\\u0061"));
  EXPECT_THAT(Verify(rewritten).findings, IsEmpty());
}

TEST_F(ComplianceReportTest, AChangedSignatureIsTheOnlyFinding) {
  v1::ReportSignature sig = signature_;
  std::string value = sig.value();
  value[value.size() / 2] = static_cast<char>(value[value.size() / 2] ^ 0x01);
  sig.set_value(value);
  const std::string file = absl::StrCat("{\"report\":", Json(report_), ",\"signature\":", Json(sig), "}");
  EXPECT_THAT(Verify(file).findings, ElementsAre(kSigFinding));
}

TEST_F(ComplianceReportTest, ADroppedAppraisalBreaksTheAgentsChain) {
  const uint64_t dropped = history_.IndexOf(kAgentA, "2026-10-01T05:30:00Z");
  const uint64_t next = history_.IndexOf(kAgentA, "2026-10-01T06:30:00Z");
  auto drop = [&](v1::ComplianceReport& r) {
    auto* list = r.mutable_appraisals();
    for (int i = 0; i < list->size(); ++i) {
      if (list->Get(i).log_index() == dropped) {
        list->DeleteSubrange(i, 1);
        break;
      }
    }
  };
  const std::string chain = absl::StrFormat(
      "agent aaaaaaaaaaaa\xE2\x80\xA6: appraisal %d links to previous %d, which is not in the "
      "report (dropped?)",
      next, dropped);
  // In transit: the signature breaks too.
  ReportVerification v = Verify(Edited(drop, /*resign=*/false));
  EXPECT_THAT(v.findings, Contains(kSigFinding));
  EXPECT_THAT(v.findings, Contains(chain));
  // Signed that way by the verifier: the chain and the count still show it.
  v = Verify(Edited(drop, /*resign=*/true));
  EXPECT_THAT(v.findings, Not(Contains(kSigFinding)));
  EXPECT_THAT(v.findings,
              ElementsAre(chain,
                          "agent aaaaaaaaaaaa\xE2\x80\xA6: report says 24 appraisals in the "
                          "period, the appraisals show 23",
                          "controls summary VEU-14.ssh: report says 27 pass, appraisals show 26",
                          "controls summary quote.signature: report says 38 pass, appraisals "
                          "show 37"));
}

TEST_F(ComplianceReportTest, ADroppedAnchorShowsAsTheFirstLinkMissing) {
  const uint64_t anchor = history_.IndexOf(kAgentA, "2026-09-30T23:30:00Z");
  const uint64_t first = history_.IndexOf(kAgentA, "2026-10-01T00:30:00Z");
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        auto* list = r.mutable_appraisals();
        for (int i = 0; i < list->size(); ++i) {
          if (list->Get(i).log_index() == anchor) list->DeleteSubrange(i, 1);
        }
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings,
              Contains(absl::StrFormat("agent aaaaaaaaaaaa\xE2\x80\xA6: appraisal %d links to "
                                       "previous %d, which is not in the report (dropped?)",
                                       first, anchor)));
}

TEST_F(ComplianceReportTest, AVerdictChangedInAViewDisagreesWithTheLeaf) {
  const uint64_t i = history_.IndexOf(kAgentB, "2026-10-01T23:30:00Z");
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) { Appraisal(r, i)->set_verdict(v1::VERDICT_ACCEPT); },
      /*resign=*/true));
  EXPECT_THAT(v.findings, ElementsAre(absl::StrFormat(
                              "appraisal %d: view says verdict ACCEPT, logged leaf says REJECT", i)));
}

TEST_F(ComplianceReportTest, AChangedLeafByteNoLongerLeadsToTheRoot) {
  const uint64_t i = history_.IndexOf(kAgentB, "2026-10-01T13:30:00Z");
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        // Change the appraisal id inside the leaf ("appr-N" -> "bppr-N"): still decodes.
        std::string leaf = Appraisal(r, i)->leaf();
        const size_t at = leaf.find("appr-");
        ASSERT_NE(at, std::string::npos);
        leaf[at] = 'b';
        Appraisal(r, i)->set_leaf(leaf);
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings,
              Contains(absl::StrFormat(
                  "appraisal at log index %d: inclusion proof does not lead to the checkpoint root",
                  i)));
  EXPECT_THAT(v.findings, Contains(HasSubstr(absl::StrFormat(
                              "appraisal %d: view says appraisal_id appr-%d, logged leaf says "
                              "bppr-%d",
                              i, i, i))));
}

TEST_F(ComplianceReportTest, AMovedPeriodLeavesAppraisalsOutside) {
  const uint64_t first = history_.IndexOf(kAgentA, "2026-10-01T00:30:00Z");
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        *r.mutable_period_from() = ToProtoTime(At("2026-10-01T01:00:00Z"));
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings,
              Contains(absl::StrFormat("appraisal %d appraised at 2026-10-01T00:30:00Z is outside "
                                       "the period [2026-10-01T01:00:00Z, 2026-10-02T00:00:00Z)",
                                       first)));
}

TEST_F(ComplianceReportTest, AMovedAppraisalDateDisagreesWithTheLeaf) {
  const uint64_t i = history_.IndexOf(kAgentA, "2026-10-01T12:30:00Z");
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        *Appraisal(r, i)->mutable_appraised_at() = ToProtoTime(At("2026-10-01T12:00:00Z"));
      },
      /*resign=*/false));
  EXPECT_THAT(v.findings,
              ElementsAre(kSigFinding,
                          absl::StrFormat("appraisal %d: view says appraised_at "
                                          "2026-10-01T12:00:00Z, logged leaf says "
                                          "2026-10-01T12:30:00Z",
                                          i)));
}

TEST_F(ComplianceReportTest, AnEditedSummaryCountIsRederived) {
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        for (auto& c : *r.mutable_controls()) {
          if (c.control() == "VEU-14.ssh") {
            c.set_pass(28);
            c.set_fail_seconds(0);
          }
        }
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings,
              ElementsAre("controls summary VEU-14.ssh: report says 28 pass, appraisals show 27",
                          "controls summary VEU-14.ssh: report says 0 fail_seconds, appraisals "
                          "show 37800"));
}

TEST_F(ComplianceReportTest, EditedInventoryIsRederived) {
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) { r.mutable_inventory(2)->clear_removed(); },
      /*resign=*/true));
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_THAT(v.findings[0], HasSubstr("inventory change #3: report says at "
                                       "2026-10-01T12:30:00Z agent aaaaaaaaaaaa"));
  EXPECT_THAT(v.findings[0], HasSubstr("added [serial:A3], removed []; the appraisals show"));
  EXPECT_THAT(v.findings[0], HasSubstr("added [serial:A3], removed [serial:A2]"));
}

TEST_F(ComplianceReportTest, AHiddenStalePeriodAndARosierVerdictAreRederived) {
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        r.mutable_stale_periods()->RemoveLast();
        r.set_verdict_at_end(v1::VERDICT_ACCEPT);
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings,
              ElementsAre("stale period missing from the report: the appraisals show agent "
                          "cccccccccccc\xE2\x80\xA6 from 2026-10-01T00:00:00Z to "
                          "2026-10-02T00:00:00Z",
                          "verdict_at_end: report says ACCEPT, the appraisals show REJECT"));
}

TEST_F(ComplianceReportTest, AChangedCheckpointRootDisagreesWithTheSignedNote) {
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        std::string root = r.checkpoint().root_hash();
        root[0] = static_cast<char>(root[0] ^ 0xFF);
        r.mutable_checkpoint()->set_root_hash(root);
      },
      /*resign=*/true));
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_THAT(v.findings[0], HasSubstr("checkpoint: root_hash field "));
  EXPECT_THAT(v.findings[0], HasSubstr("differs from the signed note's root"));
}

TEST_F(ComplianceReportTest, AForgedCheckpointNoteDoesNotVerifyAndProofsFailAgainstIt) {
  ReportVerification v = Verify(Edited(
      [&](v1::ComplianceReport& r) {
        std::string note = r.checkpoint().signed_note();
        const size_t nl = note.find('\n');
        note[nl + 1] = static_cast<char>(note[nl + 1] == '9' ? '8' : '9');  // the tree size
        r.mutable_checkpoint()->set_signed_note(note);
      },
      /*resign=*/true));
  EXPECT_THAT(v.findings, Contains(HasSubstr("checkpoint: the signed note does not verify")));
}

TEST_F(ComplianceReportTest, AnUnknownFieldIsAFinding) {
  std::string file = file_;
  const size_t at = file.find("\"format\"");
  ASSERT_NE(at, std::string::npos);
  file.insert(at, "\"bonus\": 1, ");
  ReportVerification v = Verify(file);
  ASSERT_EQ(v.findings.size(), 2u);
  EXPECT_EQ(v.findings[0], kSigFinding);
  EXPECT_THAT(v.findings[1], HasSubstr("the report does not decode as a ComplianceReport"));
  EXPECT_THAT(v.findings[1], HasSubstr("bonus"));
}

// The rule's status and sources travel inside the signed content (issue 16).
v1::RegulationStatement RescindedRule() {
  v1::RegulationStatement s;
  s.set_policy_pack("veu-2025@2025.1.0");
  v1::Regulation* r = s.mutable_regulation();
  r->set_citation("BIS, Framework for Artificial Intelligence Diffusion, 90 FR 4544");
  r->set_status("rescinded 2025-05, replacement pending");
  r->set_status_source("design/regulation.md");
  v1::RegulationSource* primary = r->add_sources();
  primary->set_citation("90 FR 4544, Supplement No. 10 paras. 1-2");
  primary->set_kind(v1::PRIMARY);
  v1::RegulationSource* secondary = r->add_sources();
  secondary->set_citation("law firms, analysts, press");
  secondary->set_kind(v1::SECONDARY);
  v1::ControlBasis* ssh = s.add_controls();
  ssh->set_control("VEU-14.remote-access");
  ssh->set_text_source(v1::SECONDARY);
  ssh->set_text_citation("para. 14 as secondary sources describe it");
  ssh->set_proxy(true);
  v1::ControlBasis* plan = s.add_controls();
  plan->set_control("VEU-01.security-plan");
  plan->set_text_source(v1::PRIMARY);
  plan->set_text_citation("Supplement No. 10 to Part 748, para. 1");
  return s;
}

TEST_F(ComplianceReportTest, TheReportCarriesTheRulesStatusAndSourcesInsideTheSignature) {
  ComplianceReportInput in = history_.Input();
  in.regulation = RescindedRule();
  absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(in);
  ASSERT_OK(report);
  const std::string file = *SignComplianceReport(*report, history_.signer());
  EXPECT_THAT(file, HasSubstr("\"status\": \"rescinded 2025-05, replacement pending\""));
  EXPECT_THAT(file, HasSubstr("\"kind\": \"SECONDARY\""));
  EXPECT_THAT(file, HasSubstr("\"proxy\": true"));
  ReportVerification v = Verify(file);
  EXPECT_THAT(v.findings, IsEmpty());
  EXPECT_THAT(v.regulation, HasSubstr("90 FR 4544: rescinded 2025-05, replacement pending"));
  EXPECT_THAT(v.regulation, HasSubstr("1 controls worded from the primary text, 1 from secondary "
                                      "sources, 1 of them proxies"));

  // Rewording the status in transit breaks the signature: it is signed content.
  v1::ComplianceReport edited = *report;
  edited.mutable_regulation()->mutable_regulation()->set_status("in force");
  OpenedReportFile opened = *OpenReportFile(file);
  const std::string forged = absl::StrCat("{\"report\":", Json(edited), ",\"signature\":",
                                          Json(opened.signature), "}");
  EXPECT_THAT(Verify(forged).findings, ElementsAre(kSigFinding));
}

TEST_F(ComplianceReportTest, TheAgentsOfflineGapsAreShownAsSigned) {
  ComplianceReportInput in = history_.Input();
  v1::Event broken;
  broken.set_id(11);
  broken.set_kind(v1::EVENT_OFFLINE_BROKEN);
  broken.set_agent_id(in.events[0].agent_id());
  broken.set_site("fra1");
  *broken.mutable_at() = in.events[2].at();
  broken.set_detail("broken (reboot at entry 2 (agent clock ...; TPM resetCount 4 -> 5, ...))");
  in.events.push_back(broken);
  absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(in);
  ASSERT_OK(report);
  ReportVerification v = Verify(*SignComplianceReport(*report, history_.signer()));
  EXPECT_THAT(v.findings, IsEmpty());
  ASSERT_EQ(v.offline_gaps.size(), 1u);
  EXPECT_THAT(v.offline_gaps[0], HasSubstr(": broken: broken (reboot at entry 2"));
  EXPECT_THAT(Verify(file_).offline_gaps, IsEmpty()) << "the base history has no gap";
}

TEST_F(ComplianceReportTest, AReportWithoutAPackSaysNoRule) {
  EXPECT_FALSE(report_.has_regulation());
  EXPECT_EQ(Verify(file_).regulation, "");
}

TEST_F(ComplianceReportTest, ConsistencyWithAnEarlierCheckpoint) {
  ComplianceReportInput in = history_.Input();
  in.consistency = history_.Consistency();
  absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(in);
  ASSERT_OK(report);
  const std::string file = *SignComplianceReport(*report, history_.signer());
  ReportVerifyOptions options;
  options.earlier_checkpoint = history_.earlier_note();
  ReportVerification v = Verify(file, options);
  EXPECT_THAT(v.findings, IsEmpty());
  EXPECT_TRUE(v.consistency_checked);

  // A proof that does not hold.
  v1::ComplianceReport bad = *report;
  std::string h = bad.consistency().proof(0);
  h[3] = static_cast<char>(h[3] ^ 1);
  bad.mutable_consistency()->set_proof(0, h);
  v = Verify(*SignComplianceReport(bad, history_.signer()), options);
  EXPECT_THAT(v.findings, ElementsAre(HasSubstr(
                              "consistency: the report's checkpoint does not extend the earlier one")));

  // The report without a proof cannot show it extends what the reader holds.
  v = Verify(file_, options);
  EXPECT_THAT(v.findings, ElementsAre("the report carries no consistency proof from the earlier "
                                      "checkpoint's tree size 5"));

  // An earlier note by another key is not the same log.
  absl::StatusOr<translog::NoteSigner> other = translog::NoteSigner::Generate(testing::kOrigin);
  ASSERT_OK(other);
  translog::Checkpoint c{testing::kOrigin, 5, std::string(32, 'x'), 1};
  options.earlier_checkpoint = *other->Sign(*translog::FormatCheckpoint(c));
  v = Verify(file, options);
  EXPECT_THAT(v.findings, ElementsAre(HasSubstr("earlier checkpoint: does not verify with the "
                                                "verifier key")));
}

TEST_F(ComplianceReportTest, NotAReportIsAnErrorNotAFinding) {
  EXPECT_THAT(VerifyComplianceReport("{not json", history_.public_pem()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(VerifyComplianceReport("{\"report\":{}}", history_.public_pem()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no \"signature\"")));
  EXPECT_THAT(VerifyComplianceReport(file_, "not a key"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ComplianceReportTest, BuilderRefusesLeavesOfAnotherSiteOrThatDoNotDecode) {
  ComplianceReportInput in = history_.Input();
  in.entries.push_back(history_.log().back());  // agent D, site ams1, after the period
  EXPECT_THAT(BuildComplianceReport(in),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not \"fra1\"")));
  in = history_.Input();
  in.entries[3].appraisal = "\xFF\xFF\xFF";
  EXPECT_THAT(BuildComplianceReport(in),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not decode as an Appraisal")));
  in = history_.Input();
  in.anchors.push_back(in.entries.front());
  in.entries.erase(in.entries.begin());
  EXPECT_THAT(BuildComplianceReport(in),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not before the period")));
}

// Anyone can check the signature without our code: jq canonicalises (ASCII keys), openssl
// verifies.
TEST_F(ComplianceReportTest, JqAndOpensslVerifyTheSignature) {
  // deploy/install-deps.sh installs both: a missing tool is a broken test machine, and a skip
  // would count as a pass (issue 17).
  ASSERT_EQ(std::system("command -v jq >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1"), 0)
      << "jq or openssl is not installed (deploy/install-deps.sh installs them)";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("veu-report-", getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "report.json") << file_;
  std::ofstream(dir / "pub.pem") << history_.public_pem();
  std::ofstream(dir / "sig.der", std::ios::binary) << signature_.value();
  const std::string cmd = absl::StrCat("cd '", dir.string(),
                                       "' && jq -cjS .report report.json | openssl dgst -sha256 "
                                       "-verify pub.pem -signature sig.der > out.txt 2>&1");
  const int rc = std::system(cmd.c_str());
  const std::string out = ReadFile(dir / "out.txt");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("Verified OK"));
  // And jq's output is byte for byte our canonical form.
  absl::StatusOr<OpenedReportFile> opened = OpenReportFile(file_);
  ASSERT_OK(opened);
  const std::string jq = absl::StrCat("cd '", dir.string(), "' && jq -cjS .report report.json > jcs.txt");
  ASSERT_EQ(std::system(jq.c_str()), 0);
  EXPECT_EQ(ReadFile(dir / "jcs.txt"), opened->canonical_report);
  std::filesystem::remove_all(dir);
}

TEST(ComplianceReportEd25519Test, AnEd25519SignedReportVerifiesButItsCheckpointCannot) {
  ReportHistory history;
  absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(history.Input());
  ASSERT_OK(report);
  absl::StatusOr<ReportSigner> ed = ReportSigner::GenerateEd25519();
  ASSERT_OK(ed);
  absl::StatusOr<ReportVerification> v =
      VerifyComplianceReport(*SignComplianceReport(*report, *ed), *ed->PublicKeyPem());
  ASSERT_OK(v);
  EXPECT_THAT(v->findings, ElementsAre(HasSubstr("checkpoint: the signed note cannot be checked: "
                                                 "checkpoints are signed with ECDSA P-256")));
}

}  // namespace
}  // namespace veu::verifier
