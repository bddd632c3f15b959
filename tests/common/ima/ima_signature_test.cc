// IMA v2 file signatures: entries signed here with fresh RSA-2048 and EC P-256 keys (as evmctl
// ima_sign does: signature_v2_hdr over the file digest) verify with their public keys and not
// with a changed digest or another key; the fixtures' real signatures name their key ids; the
// fixtures' malformed one (BAD_SIGNATURES.txt) is malformed; the .ima keyring certificate of
// KEYRINGS.txt gives the key id of its subject key identifier.
#include "common/ima/ima_signature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "tests/common/ima/log_writer.h"
#include "tests/common/ima/signing.h"

namespace veu::ima {
namespace {

using testing::Key;
using testing::NewKey;
using testing::Sign;

std::filesystem::path ImaDir() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima"; }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Entry SignedEntry(const std::string& digest, const std::string& sig) {
  auto log = ParseBinary(testing::BinaryLog(
      {{10, "ima-sig", {testing::DigestNg("sha256", digest), std::string("/usr/bin/x\0", 11), sig}}}));
  EXPECT_TRUE(log.ok()) << log.status();
  return log->entries.at(0);
}

TEST(ImaSignature, RsaAndEcSignaturesVerifyWithTheirKeyAndNotAChangedDigestOrAnotherKey) {
  for (bool ec : {false, true}) {
    const auto key = NewKey(ec);
    const auto other = NewKey(ec);
    auto keys = LoadVerificationKeys(key->pem);
    ASSERT_TRUE(keys.ok()) << keys.status();
    ASSERT_EQ(keys->size(), 1u);
    const uint32_t keyid = (*keys)[0].keyid;
    const std::string digest = crypto::Sha256("/usr/bin/x contents");
    const SignatureCheck good = CheckSignature(SignedEntry(digest, Sign(*key, keyid, digest)), *keys);
    EXPECT_EQ(good.result, SignatureResult::kValid) << ec << good.detail;
    EXPECT_EQ(good.keyid, keyid);
    std::string changed = digest;
    changed[0] ^= 1;
    EXPECT_EQ(CheckSignature(SignedEntry(changed, Sign(*key, keyid, digest)), *keys).result,
              SignatureResult::kInvalid) << ec;
    // Another key presented under the same id does not verify it.
    auto impostor = LoadVerificationKeys(other->pem);
    ASSERT_TRUE(impostor.ok());
    (*impostor)[0].keyid = keyid;
    EXPECT_EQ(CheckSignature(SignedEntry(digest, Sign(*key, keyid, digest)), *impostor).result,
              SignatureResult::kInvalid) << ec;
    // No key with the id.
    EXPECT_EQ(CheckSignature(SignedEntry(digest, Sign(*key, keyid ^ 1, digest)), *keys).result,
              SignatureResult::kUnknownKey) << ec;
  }
}

TEST(ImaSignature, TheFixturesRealSignaturesNameTheirKeysAndTheBadOneIsMalformed) {
  auto keys = LoadVerificationKeys(NewKey(true)->pem);
  ASSERT_TRUE(keys.ok());
  auto valid = ParseAscii(Read(ImaDir() / "keylime-test_ima_ast/valid_entries.txt"));
  ASSERT_TRUE(valid.ok());
  const SignatureCheck rsa = CheckSignature(valid->entries[0], *keys);
  EXPECT_EQ(rsa.result, SignatureResult::kUnknownKey);
  EXPECT_EQ(rsa.keyid, 0xf3452d23u);
  const SignatureCheck ec = CheckSignature(valid->entries[1], *keys);
  EXPECT_EQ(ec.result, SignatureResult::kUnknownKey);
  EXPECT_EQ(ec.keyid, 0x531f4025u);
  EXPECT_EQ(CheckSignature(valid->entries[2], *keys).result, SignatureResult::kNone);  // no signature
  auto bad = ParseAscii(Read(ImaDir() / "keylime-test_ima_verification/BAD_SIGNATURES.txt"));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(CheckSignature(bad->entries[0], *keys).result, SignatureResult::kMalformed);
}

TEST(ImaSignature, AKeyringCertificatesKeyIdIsItsSubjectKeyIdentifier) {
  auto log = ParseAscii(Read(ImaDir() / "keylime-test_ima_verification/KEYRINGS.txt"));
  ASSERT_TRUE(log.ok());
  const Entry& e = log->entries.at(0);
  ASSERT_EQ(e.path, ".ima");
  std::string b64;
  absl::Base64Escape(e.buf, &b64);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  auto keys = LoadVerificationKeys(pem);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].keyid, 0x2cb6058cu);  // SKI b6fb...2cb6058c
  EXPECT_FALSE(LoadVerificationKeys("not a key").ok());
}

}  // namespace
}  // namespace veu::ima
