// Keylime runtime policies read into veu.v1.RuntimePolicy, and policies learned from logs, as
// specifications over the fixtures: every `keylime-policy create runtime` policy imports and the
// one with a digest of no known length is refused naming its path; Keylime's own test policy
// passes its measurements and keyring entry; what is not carried over is a note; learning
// refuses a log whose template hash does not recompute; every form of policy file is read.
#include "common/ima/keylime_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/ima/runtime_appraisal.h"
#include "common/ima/runtime_policy.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/ima/log_writer.h"
#include "tests/common/ima/signing.h"
#include "tests/support/status_matchers.h"

namespace veu::ima {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

std::filesystem::path ImaDir() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima"; }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The Keylime policy inside RUNTIME_POLICY_TEST.json (the fixture wraps it with its source).
std::string KeylimeTestPolicy() {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  Read(ImaDir() / "keylime-test_ima_verification/RUNTIME_POLICY_TEST.json"), &s)
                  .ok());
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(s.fields().at("policy"), &out).ok());
  return out;
}

RuntimeAppraisal Appraise(const v1::RuntimePolicy& policy, const std::string& ascii_fixture) {
  auto log = ParseAscii(Read(ImaDir() / ascii_fixture));
  EXPECT_TRUE(log.ok()) << log.status();
  auto index = RuntimePolicyIndex::Build(policy);
  EXPECT_TRUE(index.ok()) << index.status();
  return RuntimeAppraiser(*index).Appraise(*log);
}

TEST(KeylimePolicyImport, EveryCreatedRuntimePolicyImportsWithItsDigest) {
  for (const char* alg : {"sha1", "sha256", "sha384", "sha512", "sm3_256"}) {
    const std::string text = Read(ImaDir() / "keylime-create-runtime-policy" / (std::string("policy-") + alg));
    auto imported = ImportKeylimePolicy(text, alg);
    ASSERT_TRUE(imported.ok()) << alg << ": " << imported.status();
    ASSERT_EQ(imported->policy.files_size(), 1) << alg;
    EXPECT_EQ(imported->policy.files(0).digests_size(), 1);
    EXPECT_EQ(imported->policy.log_hash_alg(), "sha1");
    EXPECT_THAT(imported->policy.source(), HasSubstr("generator 3"));
    // The digest's hex is the policy's, lowercase.
    EXPECT_THAT(text, HasSubstr(imported->policy.files(0).digests(0)));
    EXPECT_THAT(imported->notes, ::testing::IsEmpty()) << alg;
  }
}

TEST(KeylimePolicyImport, RefusesADigestOfNoKnownAlgorithmNamingItsPath) {
  EXPECT_THAT(ImportKeylimePolicy(Read(ImaDir() / "keylime-create-runtime-policy/policy-unknown"), "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("digests[\"/rootfs_data\"]: digest of 31 bytes")));
}

TEST(KeylimePolicyImport, KeylimesTestPolicyPassesItsMeasurementsAndKeyringEntry) {
  auto imported = ImportKeylimePolicy(KeylimeTestPolicy(), "RUNTIME_POLICY_TEST");
  ASSERT_TRUE(imported.ok()) << imported.status();
  const v1::RuntimePolicy& p = imported->policy;
  EXPECT_EQ(p.files_size(), 6);
  ASSERT_EQ(p.keyrings_size(), 1);
  EXPECT_EQ(p.keyrings(0).keyring(), ".ima");
  const RuntimeAppraisal m = Appraise(p, "keylime-test_ima_verification/MEASUREMENTS.txt");
  EXPECT_EQ(m.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(m.by_digest, 3u);
  const RuntimeAppraisal k = Appraise(p, "keylime-test_ima_verification/KEYRINGS.txt");
  EXPECT_EQ(k.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(k.by_keyring, 1u);
  // And an empty one fails them, as Keylime's test says.
  EXPECT_EQ(Appraise(v1::RuntimePolicy(), "keylime-test_ima_verification/MEASUREMENTS.txt").verdict,
            RuntimeVerdict::kFail);
}

TEST(KeylimePolicyImport, RefusesWhatIsNotAVersionOnePolicy) {
  EXPECT_THAT(ImportKeylimePolicy("[1, 2]", "x").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ImportKeylimePolicy("{\"digests\": {}}", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no \"meta\"")));
  EXPECT_THAT(ImportKeylimePolicy("{\"meta\": {\"version\": 2}}", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("meta.version")));
  EXPECT_THAT(ImportKeylimePolicy("{\"meta\": {\"version\": 1}, \"digests\": {\"/a\": \"00\"}}", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a list")));
  EXPECT_THAT(ImportKeylimePolicy("{\"meta\": {\"version\": 1}, \"excludes\": [\"/tmp/(\"]}", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("excludes[0]")));
}

TEST(KeylimePolicyImport, AGeneratorNumberBeyondAnyIntegerIsReadNotCast) {
  // Found by runtime_policy_fuzzer: a cast of this double to int was undefined behaviour.
  auto imported = ImportKeylimePolicy(
      "{\"meta\": {\"version\": 1, \"generator\": 3" + std::string(90, '5') + "}}", "x");
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_THAT(imported->policy.source(), HasSubstr("generator 3.5555"));
}

TEST(KeylimePolicyImport, WhatIsNotCarriedOverIsANote) {
  auto imported = ImportKeylimePolicy(
      "{\"meta\": {\"version\": 1}, \"future\": 1, \"ima\": {\"dm_policy\": {\"table_load\": {}}}}", "x");
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_THAT(imported->notes, Contains(HasSubstr("\"future\" not imported")));
  EXPECT_THAT(imported->notes, Contains(HasSubstr("dm_policy not imported")));
}

TEST(KeylimePolicyImport, VerificationKeysAsKeylimeSerialisesThemVerifySignatures) {
  const auto key = testing::NewKey(true);
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key->pkey, &der);
  const std::string spki(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  const std::string keyrings = "{\"meta\": {\"version\": 1}, \"keyrings\": {\".ima\": {\"meta\": "
                               "{\"version\": 1}, \"pubkeys\": [\"" + absl::Base64Escape(spki) + "\"]}}}";
  google::protobuf::Value as_string;
  as_string.set_string_value(keyrings);
  std::string quoted;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(as_string, &quoted).ok());
  auto imported = ImportKeylimePolicy("{\"meta\": {\"version\": 1}, \"verification-keys\": " + quoted + "}", "x");
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->policy.verification_keys_size(), 1);
  EXPECT_EQ(imported->policy.verification_keys(0).keyring(), ".ima");

  auto index = RuntimePolicyIndex::Build(imported->policy);
  ASSERT_TRUE(index.ok()) << index.status();
  const uint32_t keyid = (*index)->keys().at(0).keyid;
  const std::string d = crypto::Sha256("signed file");
  auto log = ParseBinary(testing::BinaryLog({{10, "ima-sig",
      {testing::DigestNg("sha256", d), std::string("/usr/bin/s\0", 11), testing::Sign(*key, keyid, d)}}}));
  ASSERT_TRUE(log.ok()) << log.status();
  const RuntimeAppraisal a = RuntimeAppraiser(*index).Appraise(*log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(a.by_signature, 1u);

  EXPECT_THAT(ImportKeylimePolicy("{\"meta\": {\"version\": 1}, \"verification-keys\": \"{}\"}", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no \"pubkeys\"")));
}

TEST(LearnRuntimePolicy, ALearnedPolicyPassesTheLogItCameFromAndNotesBootAggregate) {
  auto log = ParseAscii(Read(ImaDir() / "rust-keylime/ascii_runtime_measurements"));
  ASSERT_TRUE(log.ok());
  auto learned = LearnRuntimePolicy(*log, "node-1");
  ASSERT_TRUE(learned.ok()) << learned.status();
  EXPECT_THAT(learned->policy.source(), HasSubstr("node-1 (826 entries)"));
  EXPECT_THAT(learned->notes, Contains(HasSubstr("boot_aggregate")));
  auto index = RuntimePolicyIndex::Build(learned->policy);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(RuntimeAppraiser(*index).Appraise(*log).verdict, RuntimeVerdict::kPass);
}

TEST(LearnRuntimePolicy, KeyringsAndBuffersAreLearnedAsExpectations) {
  auto keyrings = ParseAscii(Read(ImaDir() / "keylime-test_ima_verification/KEYRINGS.txt"));
  ASSERT_TRUE(keyrings.ok());
  auto k = LearnRuntimePolicy(*keyrings, "k");
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(k->policy.keyrings_size(), 1);
  EXPECT_EQ(k->policy.keyrings(0).keyring(), ".ima");
  EXPECT_EQ(k->policy.keyrings(0).digests(0), "a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4a6b1a42257065f3d5a");
  auto dm = ParseAscii(Read(ImaDir() / "keylime-test_ima_dm/dm_entries.txt"));
  ASSERT_TRUE(dm.ok());
  auto b = LearnRuntimePolicy(*dm, "dm");
  ASSERT_TRUE(b.ok());
  EXPECT_GT(b->policy.buffers_size(), 0);
  EXPECT_EQ(b->policy.files_size(), 0);
  auto index = RuntimePolicyIndex::Build(b->policy);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(RuntimeAppraiser(*index).Appraise(*dm).verdict, RuntimeVerdict::kPass);
}

TEST(LearnRuntimePolicy, RefusesALogWhoseTemplateHashDoesNotRecompute) {
  auto log = ParseAscii(Read(ImaDir() / "keylime-test_ima_verification/BAD_SIGNATURES.txt"));
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(LearnRuntimePolicy(*log, "bad").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("record " + std::to_string(log->bad_template_hashes.at(0)))));
}

TEST(LearnRuntimePolicy, LeavesViolationsOutAndSaysSo) {
  auto log = ParseBinary(Read(ImaDir() / "tpm2-tss/sml-ima-sha1-invalidated.bin"));
  ASSERT_TRUE(log.ok()) << log.status();
  auto learned = LearnRuntimePolicy(*log, "v");
  ASSERT_TRUE(learned.ok());
  EXPECT_EQ(learned->policy.files_size(), 0);
  EXPECT_THAT(learned->notes, Contains(HasSubstr("1 violation(s)")));
}

TEST(RuntimePolicyFile, ReadsKeylimeJsonTextprotoAndBinaryAndRefusesOtherBytes) {
  auto json = ParseRuntimePolicyFile("  " + KeylimeTestPolicy(), "k.json");
  ASSERT_TRUE(json.ok()) << json.status();
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(json->policy, &text));
  auto from_text = ParseRuntimePolicyFile(text, "p.txtpb");
  ASSERT_TRUE(from_text.ok()) << from_text.status();
  EXPECT_EQ(from_text->policy.SerializeAsString(), json->policy.SerializeAsString());
  auto from_binary = ParseRuntimePolicyFile(json->policy.SerializeAsString(), "p.bin");
  ASSERT_TRUE(from_binary.ok()) << from_binary.status();
  EXPECT_EQ(from_binary->policy.files_size(), 6);
  EXPECT_THAT(ParseRuntimePolicyFile("files { nonsense: 1 }", "bad").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neither Keylime JSON")));
}

}  // namespace
}  // namespace veu::ima
