// A regulator who already holds a signed checkpoint checks that a later report extends it:
// against a real verifier, agent and swtpm, `veuctl log checkpoint` over the regulator API is
// saved, the log grows, `veuctl report fetch --since-checkpoint` embeds a consistency proof,
// and `veuctl report verify --earlier-checkpoint` accepts it, refuses an edited earlier note,
// and refuses a report that carries no proof.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The tree size of a C2SP checkpoint note (its second line); 0 if it is not one.
uint64_t NoteSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  uint64_t size = 0;
  if (lines.size() < 3 || !absl::SimpleAtoi(lines[1], &size)) return 0;
  return size;
}

class ConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
    ASSERT_OK(created.status());
    d_ = *std::move(created);
    VerifierOptions options;
    options.regulator_api = true;
    options.extra_args = {"--checkpoint-interval", "1"};
    ASSERT_OK(d_->StartVerifier(options));
    ASSERT_OK(d_->MakeClientCertificate("reg-de", "regulator", {"country:DE"}));
    start_ = absl::Now() - absl::Minutes(1);
    ASSERT_OK(d_->AddSiteAndStartAgent("fra1"));  // country DE
  }

  // `veuctl log checkpoint` over the regulator API as the DE regulator: the signed note.
  std::string Checkpoint() {
    std::vector<std::string> args = {"log", "checkpoint"};
    for (const auto& f : d_->RegulatorFlags("reg-de")) args.push_back(f);
    RunResult r = d_->Veuctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // A checkpoint note of a tree larger than `size`, polled until one is published.
  std::string CheckpointLargerThan(uint64_t size) {
    std::string note;
    const bool got = WaitFor(
        [&] {
          note = Checkpoint();
          return NoteSize(note) > size;
        },
        absl::Seconds(40));
    EXPECT_TRUE(got) << "no checkpoint beyond tree size " << size << ":\n"
                     << note << d_->VerifierLog() << d_->AgentLog();
    return note;
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = d_->dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // `veuctl report fetch fra1 --from START [--since-checkpoint NOTE] -o FILE` as the DE regulator.
  RunResult Fetch(const std::string& out, const std::string& since_note = "") {
    std::vector<std::string> args = {
        "report", "fetch", "fra1", "--from",
        absl::FormatTime(absl::RFC3339_sec, start_, absl::UTCTimeZone()), "-o", out};
    if (!since_note.empty()) {
      args.push_back("--since-checkpoint");
      args.push_back(since_note);
    }
    for (const auto& f : d_->RegulatorFlags("reg-de")) args.push_back(f);
    return d_->Veuctl(args);
  }

  RunResult Verify(const std::string& report, const std::string& earlier_note) {
    return d_->Veuctl({"report", "verify", report, "--verifier-key", d_->log_public_key(),
                       "--earlier-checkpoint", earlier_note});
  }

  // The regulator's checkpoint from a first appraisal, then a report from a larger tree that
  // proves it extends that one.
  void FetchReportSinceAnOldCheckpoint() {
    old_note_text_ = CheckpointLargerThan(0);
    ASSERT_GT(NoteSize(old_note_text_), 0u);
    old_note_ = Write("old.note", old_note_text_);
    // More appraisals, and a checkpoint that covers them.
    const std::string newer = CheckpointLargerThan(NoteSize(old_note_text_));
    ASSERT_GT(NoteSize(newer), NoteSize(old_note_text_));
    report_ = d_->dir() + "/r.json";
    RunResult fetched = Fetch(report_, old_note_);
    ASSERT_EQ(fetched.exit_code, 0) << fetched.out << fetched.err << d_->VerifierLog();
  }

  std::unique_ptr<Deployment> d_;
  absl::Time start_;
  std::string old_note_text_;
  std::string old_note_;
  std::string report_;
};

TEST_F(ConsistencyTest, AReportProvesItExtendsTheRegulatorsEarlierCheckpoint) {
  ASSERT_NO_FATAL_FAILURE(FetchReportSinceAnOldCheckpoint());
  const std::string text = ReadFile(report_);
  EXPECT_THAT(text, HasSubstr("consistency"));
  RunResult verified = Verify(report_, old_note_);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("OK:"));
  EXPECT_THAT(verified.out, HasSubstr("extends the earlier checkpoint"));
}

TEST_F(ConsistencyTest, AnEditedEarlierCheckpointIsRefused) {
  ASSERT_NO_FATAL_FAILURE(FetchReportSinceAnOldCheckpoint());
  std::vector<std::string> lines = absl::StrSplit(old_note_text_, '\n');
  ASSERT_GE(lines.size(), 5u) << old_note_text_;

  // A tree size that was never signed.
  std::vector<std::string> resized = lines;
  resized[1] = absl::StrCat(NoteSize(old_note_text_) + 1);
  // A root hash that was never signed: one base64 character of it changed (not the padding).
  std::vector<std::string> rerooted = lines;
  ASSERT_GE(rerooted[2].size(), 4u);
  rerooted[2][0] = rerooted[2][0] == 'A' ? 'B' : 'A';

  for (const auto& [what, edited] : {std::pair{"size", resized}, std::pair{"root", rerooted}}) {
    const std::string note_text = absl::StrJoin(edited, "\n");
    ASSERT_NE(note_text, old_note_text_);
    const std::string note = Write(absl::StrCat("edited-", what, ".note"), note_text);
    RunResult refused = Verify(report_, note);
    EXPECT_EQ(refused.exit_code, 1) << what << ":\n" << refused.out << refused.err;
    EXPECT_THAT(refused.out, HasSubstr("REJECTED")) << what;
    // The finding names the earlier checkpoint and why: its signature no longer holds.
    EXPECT_THAT(refused.out, AllOf(HasSubstr("earlier checkpoint"), HasSubstr("does not verify")))
        << what << ":\n" << refused.out;
    EXPECT_THAT(refused.out, Not(HasSubstr("extends the earlier checkpoint"))) << what;
  }
}

TEST_F(ConsistencyTest, AReportWithoutAConsistencyProofCannotShowItExtendsACheckpoint) {
  ASSERT_NO_FATAL_FAILURE(FetchReportSinceAnOldCheckpoint());
  const std::string plain = d_->dir() + "/plain.json";
  RunResult fetched = Fetch(plain);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.out << fetched.err;
  // On its own the report holds...
  RunResult alone = d_->Veuctl({"report", "verify", plain, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  // ...but it cannot answer for a checkpoint the regulator holds.
  RunResult refused = Verify(plain, old_note_);
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("no consistency proof")) << refused.out;
  EXPECT_THAT(refused.out,
              HasSubstr(absl::StrCat("earlier checkpoint's tree size ", NoteSize(old_note_text_))));
}

}  // namespace
}  // namespace veu::testing
