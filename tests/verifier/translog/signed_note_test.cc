// C2SP signed notes with ECDSA P-256: what we sign opens, is checkable by plain OpenSSL, and
// every tampering or foreign signature is handled as the spec says.
#include "verifier/translog/signed_note.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "common/crypto/digest.h"
#include "tests/support/status_matchers.h"

namespace veu::translog {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr char kText[] =
    "veu.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1\n";

class SignedNoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = NoteSigner::Generate("veu.example/log");
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_.emplace(*std::move(signer));
    auto verifier = NoteVerifier::FromPublicKeyDer("veu.example/log", signer_->public_key_der());
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_.emplace(*std::move(verifier));
  }

  std::string Sign(const std::string& text) { return signer_->Sign(text).value(); }

  std::optional<NoteSigner> signer_;
  std::optional<NoteVerifier> verifier_;
};

TEST_F(SignedNoteTest, OpensWhatItSigns) {
  const std::string note = Sign(kText);
  EXPECT_THAT(note, StartsWith(std::string(kText) + "\n\xE2\x80\x94 veu.example/log "));
  EXPECT_THAT(verifier_->Open(note), IsOkAndHolds(std::string(kText)));
}

TEST_F(SignedNoteTest, KeyIdIsTheTruncatedHashOfTheDerPublicKey) {
  const std::string hash = crypto::Sha256(signer_->public_key_der());
  const uint32_t want = (uint32_t{static_cast<uint8_t>(hash[0])} << 24) |
                        (uint32_t{static_cast<uint8_t>(hash[1])} << 16) |
                        (uint32_t{static_cast<uint8_t>(hash[2])} << 8) |
                        static_cast<uint8_t>(hash[3]);
  EXPECT_EQ(signer_->key_id(), want);
  EXPECT_EQ(verifier_->key_id(), want);
  // The signature blob starts with the key ID, big-endian.
  const std::string note = Sign(kText);
  const std::string encoded = note.substr(note.rfind(' ') + 1, note.size() - note.rfind(' ') - 2);
  std::string blob;
  ASSERT_TRUE(absl::Base64Unescape(encoded, &blob));
  EXPECT_EQ(blob.substr(0, 4), hash.substr(0, 4));
}

TEST_F(SignedNoteTest, SignatureVerifiesWithPlainOpensslDgst) {
  const std::string note = Sign(kText);
  const std::string encoded = note.substr(note.rfind(' ') + 1, note.size() - note.rfind(' ') - 2);
  std::string blob;
  ASSERT_TRUE(absl::Base64Unescape(encoded, &blob));
  char dir_template[] = "/tmp/veu-note-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  std::ofstream(dir + "/text", std::ios::binary) << kText;
  std::ofstream(dir + "/sig", std::ios::binary) << blob.substr(4);
  std::ofstream(dir + "/pub.der", std::ios::binary) << signer_->public_key_der();
  const std::string command = "openssl dgst -sha256 -verify " + dir +
                              "/pub.der -keyform DER -signature " + dir + "/sig " + dir +
                              "/text >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(SignedNoteTest, RejectsATamperedText) {
  std::string note = Sign(kText);
  note[16] = '9';  // the tree size
  EXPECT_THAT(verifier_->Open(note), StatusIs(kInvalid, HasSubstr("does not verify")));
}

TEST_F(SignedNoteTest, RejectsANoteSignedOnlyByAnotherKeyOfTheSameName) {
  NoteSigner other = NoteSigner::Generate("veu.example/log").value();
  EXPECT_THAT(verifier_->Open(other.Sign(kText).value()),
              StatusIs(kInvalid, HasSubstr("carries no signature of key veu.example/log")));
}

TEST_F(SignedNoteTest, IgnoresSignaturesOfOtherKeysBesideOurs) {
  NoteSigner witness = NoteSigner::Generate("witness.example/w1").value();
  const std::string ours = Sign(kText);
  const std::string theirs = witness.Sign(kText).value();
  // Signature lines of both keys under one text, theirs first.
  const std::string both = theirs + ours.substr(std::string(kText).size() + 1);
  EXPECT_THAT(verifier_->Open(both), IsOkAndHolds(std::string(kText)));
  // A line with our name but a garbage signature of an unknown key ID is ignored too.
  const std::string unknown_id = std::string(kText) + "\n\xE2\x80\x94 veu.example/log AAAAAAE=\n" +
                                 ours.substr(std::string(kText).size() + 1);
  EXPECT_THAT(verifier_->Open(unknown_id), IsOkAndHolds(std::string(kText)));
}

TEST_F(SignedNoteTest, RejectsTheWholeNoteIfOneOfOurSignaturesFails) {
  const std::string ours = Sign(kText);
  const std::string sig_line = ours.substr(std::string(kText).size() + 1);
  std::string bad_line = sig_line;
  bad_line[bad_line.size() - 6] = bad_line[bad_line.size() - 6] == 'A' ? 'B' : 'A';
  EXPECT_THAT(verifier_->Open(std::string(kText) + "\n" + sig_line + bad_line),
              StatusIs(kInvalid, HasSubstr("on signature line 2 does not verify")));
}

TEST_F(SignedNoteTest, RejectsMalformedNotes) {
  const std::string note = Sign(kText);
  const std::string sig_line = note.substr(std::string(kText).size() + 1);
  const std::string text = kText;
  EXPECT_THAT(verifier_->Open(text), StatusIs(kInvalid, HasSubstr("no blank line")));
  EXPECT_THAT(verifier_->Open(text + "\n"), StatusIs(kInvalid, HasSubstr("no signature lines")));
  EXPECT_THAT(verifier_->Open(note.substr(0, note.size() - 1)), StatusIs(kInvalid));
  EXPECT_THAT(verifier_->Open(text + "\n-- veu.example/log AAAA\n"),
              StatusIs(kInvalid, HasSubstr("must start with an em dash")));
  EXPECT_THAT(verifier_->Open(text + "\n\xE2\x80\x94 veu.example/log\n"),
              StatusIs(kInvalid, HasSubstr("no space between key name and signature")));
  EXPECT_THAT(verifier_->Open(text + "\n\xE2\x80\x94 veu.example/log AAA!\n"),
              StatusIs(kInvalid, HasSubstr("not canonical base64")));
  EXPECT_THAT(verifier_->Open("a\tb\n\n" + sig_line),
              StatusIs(kInvalid, HasSubstr("control character 0x09 at byte 1")));
  EXPECT_THAT(verifier_->Open("a\xC0\xAF\n\n" + sig_line),
              StatusIs(kInvalid, HasSubstr("not valid UTF-8 at byte 1")));
  EXPECT_THAT(verifier_->Open(std::string(kMaxNoteBytes + 1, 'a')),
              StatusIs(kInvalid, HasSubstr("the limit is")));
}

TEST_F(SignedNoteTest, RefusesToSignTextsThatWouldNotOpen) {
  EXPECT_THAT(signer_->Sign(""), StatusIs(kInvalid));
  EXPECT_THAT(signer_->Sign("no newline"), StatusIs(kInvalid, HasSubstr("end with a newline")));
  EXPECT_THAT(signer_->Sign("a\n\nb\n"), StatusIs(kInvalid, HasSubstr("blank line")));
  EXPECT_THAT(signer_->Sign("a\rb\n"), StatusIs(kInvalid, HasSubstr("control character")));
}

TEST_F(SignedNoteTest, RoundTripsThePrivateKeyThroughPem) {
  const std::string pem = signer_->PrivateKeyPem().value();
  EXPECT_THAT(pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  NoteSigner again = NoteSigner::FromPrivateKeyPem("veu.example/log", pem).value();
  EXPECT_EQ(again.key_id(), signer_->key_id());
  EXPECT_OK(verifier_->Open(again.Sign(kText).value()).status());
}

TEST(NoteKeyTest, RejectsKeysThatAreNotP256) {
  // A P-384 key from the OpenSSL command line.
  FILE* pipe =
      popen("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 2>/dev/null", "r");
  ASSERT_NE(pipe, nullptr);
  std::string pem;
  char buffer[512];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) pem.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0);
  EXPECT_THAT(NoteSigner::FromPrivateKeyPem("k", pem),
              StatusIs(kInvalid, HasSubstr("curve P-256")));
  EXPECT_THAT(NoteSigner::FromPrivateKeyPem("k", "not a key"),
              StatusIs(kInvalid, HasSubstr("not an unencrypted PEM private key")));
  EXPECT_THAT(NoteVerifier::FromPublicKeyDer("k", "\x30\x03\x02\x01\x01"),
              StatusIs(kInvalid, HasSubstr("not one DER SubjectPublicKeyInfo")));
}

TEST(NoteKeyTest, RefusesEncryptedKeysWithoutPrompting) {
  FILE* pipe = popen(
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc -pass pass:x "
      "2>/dev/null </dev/null",
      "r");
  ASSERT_NE(pipe, nullptr);
  std::string pem;
  char buffer[512];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) pem.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0);
  ASSERT_THAT(pem, HasSubstr("ENCRYPTED"));
  EXPECT_THAT(NoteSigner::FromPrivateKeyPem("k", pem), StatusIs(kInvalid));
}

TEST(NoteKeyTest, RejectsKeyNamesC2spForbids) {
  for (const char* name : {"", "has space", "a+b", "tab\there"}) {
    EXPECT_THAT(NoteSigner::Generate(name), StatusIs(kInvalid)) << name;
  }
}

}  // namespace
}  // namespace veu::translog
