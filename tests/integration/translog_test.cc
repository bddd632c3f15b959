// The transparency log end to end: real agent appraisals land in the verifier's log, and
// `veuctl log prove` verifies one against the signed checkpoint with the published key, and
// refuses when the checkpoint is checked with another key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"
#include "verifier/service/transparency.h"
#include "verifier/translog/signed_note.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

// The value of the first "key": "value" pair after `from` in JSON text.
std::string JsonField(const std::string& json, const std::string& key, size_t from = 0) {
  const std::string needle = "\"" + key + "\": \"";
  const size_t at = json.find(needle, from);
  if (at == std::string::npos) return "";
  const size_t begin = at + needle.size();
  return json.substr(begin, json.find('"', begin) - begin);
}

TEST(TranslogIntegrationTest, AgentAppraisalsAreProvablyInTheSignedLog) {
  absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
  ASSERT_OK(created.status());
  Deployment& d = **created;
  VerifierOptions options;
  options.extra_args = {"--checkpoint-interval", "1", "--log-origin", "veu.test/log"};
  ASSERT_OK(d.StartVerifier(options));
  const std::string pub = d.dir() + "/log-key.pem.pub";  // default: beside the database
  ASSERT_TRUE(std::filesystem::exists(pub)) << d.VerifierLog();
  EXPECT_EQ(
      std::filesystem::status(d.dir() + "/log-key.pem").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  absl::StatusOr<std::string> token = d.AddSiteWithToken("fra1");
  ASSERT_OK(token.status());
  ASSERT_OK(d.StartAgent("fra1", *token));
  ASSERT_TRUE(WaitFor([&] { return d.AppraisalCount() >= 2; }, absl::Seconds(20)))
      << d.VerifierLog() << d.AgentLog();

  RunResult agents = d.Veuctl({"agents", "--json"});
  ASSERT_EQ(agents.exit_code, 0) << agents.err;
  const std::string agent_id = JsonField(agents.out, "agent_id");
  ASSERT_FALSE(agent_id.empty()) << agents.out;
  RunResult history = d.Veuctl({"history", agent_id, "--json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const std::string appraisal_id = JsonField(history.out, "id");
  ASSERT_FALSE(appraisal_id.empty()) << history.out;

  // The appraisal is in the log at once; a checkpoint covering it follows within a second.
  RunResult prove;
  ASSERT_TRUE(WaitFor(
      [&] {
        prove = d.Veuctl({"log", "prove", appraisal_id, "--verifier-key", pub});
        return prove.exit_code == 0;
      },
      absl::Seconds(5)))
      << prove.out << prove.err << d.VerifierLog();
  EXPECT_THAT(prove.out, HasSubstr("OK: appraisal " + appraisal_id));

  RunResult checkpoint = d.Veuctl({"log", "checkpoint"});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  EXPECT_TRUE(absl::StartsWith(checkpoint.out, "veu.test/log\n")) << checkpoint.out;
  EXPECT_THAT(checkpoint.out, HasSubstr("\xE2\x80\x94 veu.test/log "));

  // Another key: the checkpoint does not verify, so nothing is proven.
  absl::StatusOr<translog::NoteSigner> other = translog::NoteSigner::Generate("veu.test/log");
  ASSERT_OK(other.status());
  absl::StatusOr<std::string> other_pem = verifier::PublicKeyPemFromDer(other->public_key_der());
  ASSERT_OK(other_pem.status());
  const std::string other_pub = d.dir() + "/other.pub";
  std::ofstream(other_pub) << *other_pem;
  RunResult forged = d.Veuctl({"log", "prove", appraisal_id, "--verifier-key", other_pub});
  EXPECT_EQ(forged.exit_code, 1) << forged.out << forged.err;
  EXPECT_THAT(forged.out, HasSubstr("REJECTED"));
  // Why (issue 17): the checkpoint, not the proof, fails, because no signature of that key is on it.
  EXPECT_THAT(forged.out, HasSubstr("the checkpoint does not verify with " + other_pub));
  EXPECT_THAT(forged.out, HasSubstr("carries no signature of key veu.test/log")) << forged.out;

  // An unknown appraisal is not in the log; no key is bad usage.
  EXPECT_EQ(d.Veuctl({"log", "prove", "no-such-appraisal", "--verifier-key", pub}).exit_code, 1);
  EXPECT_EQ(d.Veuctl({"log", "prove", appraisal_id}).exit_code, 2);
}

}  // namespace
}  // namespace veu::testing
