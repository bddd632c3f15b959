// EsysTpm against a freshly provisioned swtpm per test, cross-checked with tpm2-tools 5.4
// (tpm2_makecredential, tpm2_checkquote, tpm2_pcrread) and openssl.
#include "agent/tpm/esys_tpm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "tests/support/status_matchers.h"
#include "tests/support/swtpm_process.h"

namespace veu::agent {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::veu::testing::IsOk;
using ::veu::testing::StatusIs;
using ::veu::testing::SwtpmOptions;
using ::veu::testing::SwtpmProcess;

struct CommandResult {
  int exit_code;
  std::string output;
};

// Runs `cmd` through the shell, capturing stdout and stderr.
CommandResult RunShell(const std::string& cmd) {
  CommandResult r{-1, ""};
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) r.output.append(buf, n);
  int status = pclose(f);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

v1::PcrSelection Selection(uint16_t alg, std::initializer_list<uint32_t> pcrs) {
  v1::PcrSelection s;
  s.set_hash_alg(alg);
  for (uint32_t p : pcrs) s.add_pcrs(p);
  return s;
}

TPM2B_PUBLIC UnmarshalPublic(const std::string& bytes) {
  TPM2B_PUBLIC pub{};
  size_t off = 0;
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Unmarshal(reinterpret_cast<const uint8_t*>(bytes.data()),
                                           bytes.size(), &off, &pub),
            TSS2_RC_SUCCESS);
  EXPECT_EQ(off, bytes.size());
  return pub;
}

class EsysTpmTest : public ::testing::Test {
 protected:
  void StartSwtpm(const SwtpmOptions& options = {}) {
    auto swtpm = SwtpmProcess::Start(options);
    ASSERT_OK(swtpm.status());
    swtpm_ = std::move(*swtpm);
  }
  void SetUp() override { StartSwtpm(); }

  // Opens (or reopens) the TPM. Only one client at a time gets through to swtpm, so close it
  // (tpm_.reset()) before running tpm2-tools against the same TPM.
  void Open(EsysTpmOptions options = {}) {
    tpm_.reset();
    options.tcti = swtpm_->Tcti();
    auto tpm = EsysTpm::Open(options);
    ASSERT_OK(tpm.status());
    tpm_ = std::move(*tpm);
  }

  std::string Path(const std::string& name) const { return swtpm_->TempDir() + "/" + name; }

  std::unique_ptr<SwtpmProcess> swtpm_;
  std::unique_ptr<EsysTpm> tpm_;
};

TEST_F(EsysTpmTest, ReadsRsaEkCertificateThatChainsToTheSwtpmCa) {
  Open();
  auto cert = tpm_->ReadEkCertificate();
  ASSERT_OK(cert.status());
  EXPECT_EQ(cert->key_type, EkKeyType::kRsa2048);
  EXPECT_EQ(cert->nv_index, 0x01c00002u);
  WriteFile(Path("ek.der"), cert->der);
  CommandResult r = RunShell(absl::StrCat("openssl x509 -inform DER -in ", Path("ek.der"), " -out ",
                                          Path("ek.pem"), " && openssl verify -CAfile ",
                                          swtpm_->CaDir(), "/root.pem -untrusted ", swtpm_->CaDir(),
                                          "/intermediate.pem ", Path("ek.pem")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(EsysTpmTest, ReadsEccP384EkCertificateWhenPreferred) {
  EsysTpmOptions options;
  options.ek_preference = {EkKeyType::kEccP256, EkKeyType::kEccP384};
  Open(options);
  auto cert = tpm_->ReadEkCertificate();
  ASSERT_OK(cert.status());
  EXPECT_EQ(cert->key_type, EkKeyType::kEccP384);
  EXPECT_EQ(cert->nv_index, 0x01c00016u);
}

TEST_F(EsysTpmTest, EkPublicIsTheKeyInTheEkCertificate) {
  // Persistent EK (swtpm_setup leaves it at 0x81010001) and the one recreated from template L-1
  // must both be the certified key, and so equal.
  Open();
  auto persistent = tpm_->EkPublic();
  ASSERT_OK(persistent.status());
  EsysTpmOptions from_template;
  from_template.use_persistent_ek = false;
  Open(from_template);
  auto recreated = tpm_->EkPublic();
  ASSERT_OK(recreated.status());
  EXPECT_EQ(*persistent, *recreated);

  auto cert = tpm_->ReadEkCertificate();
  ASSERT_OK(cert.status());
  WriteFile(Path("ek.der"), cert->der);
  WriteFile(Path("ek.pub"), *recreated);
  // Independent check: the modulus openssl sees in the certificate is the TPM's.
  CommandResult cert_mod =
      RunShell(absl::StrCat("openssl x509 -inform DER -in ", Path("ek.der"), " -noout -modulus"));
  ASSERT_EQ(cert_mod.exit_code, 0) << cert_mod.output;
  TPM2B_PUBLIC pub = UnmarshalPublic(*recreated);
  EXPECT_EQ(pub.publicArea.type, TPM2_ALG_RSA);
  std::string modulus(reinterpret_cast<const char*>(pub.publicArea.unique.rsa.buffer),
                      pub.publicArea.unique.rsa.size);
  std::string want = cert_mod.output.substr(cert_mod.output.find('=') + 1);
  want.erase(want.find_last_not_of("\n") + 1);
  EXPECT_EQ(absl::AsciiStrToLower(want), ToHex(modulus));
}

TEST_F(EsysTpmTest, EccP384EkFromHighRangeTemplateIsTheCertifiedKey) {
  EsysTpmOptions options;
  options.ek_preference = {EkKeyType::kEccP384};
  Open(options);
  auto persistent = tpm_->EkPublic();
  ASSERT_OK(persistent.status());
  options.use_persistent_ek = false;
  Open(options);
  auto recreated = tpm_->EkPublic();
  ASSERT_OK(recreated.status());
  EXPECT_EQ(*persistent, *recreated);
  EXPECT_EQ(UnmarshalPublic(*recreated).publicArea.parameters.eccDetail.curveID,
            TPM2_ECC_NIST_P384);
}

TEST_F(EsysTpmTest, AkHasRequiredAttributesAndSurvivesReopen) {
  Open();
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  TPM2B_PUBLIC pub = UnmarshalPublic(ak->public_area);
  const TPMA_OBJECT required = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
                               TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                               TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
  EXPECT_EQ(pub.publicArea.objectAttributes & required, required);
  EXPECT_EQ(pub.publicArea.objectAttributes & TPMA_OBJECT_DECRYPT, 0u);
  EXPECT_EQ(pub.publicArea.type, TPM2_ALG_ECC);
  EXPECT_EQ(pub.publicArea.parameters.eccDetail.scheme.scheme, TPM2_ALG_ECDSA);

  // Name = nameAlg || SHA-256(TPMT_PUBLIC).
  ASSERT_GE(ak->public_area.size(), 2u);
  EXPECT_EQ(ak->name, std::string("\x00\x0b", 2) + crypto::Sha256(ak->public_area.substr(2)));

  EsysTpmOptions again;
  again.expected_ak_name = ak->name;
  Open(again);
  auto reopened = tpm_->Ak();
  ASSERT_OK(reopened.status());
  EXPECT_EQ(reopened->name, ak->name);
  EXPECT_EQ(reopened->public_area, ak->public_area);
}

TEST_F(EsysTpmTest, RejectsPersistedAkThatIsNotTheEnrolledOne) {
  Open();
  ASSERT_OK(tpm_->Ak().status());
  EsysTpmOptions options;
  options.expected_ak_name = std::string("\x00\x0b", 2) + std::string(32, 'x');
  Open(options);
  EXPECT_THAT(tpm_->Ak(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("re-enrol")));
}

TEST_F(EsysTpmTest, RefusesToUseAnEkAsAk) {
  EsysTpmOptions options;
  options.ak_handle = 0x81010001;  // the RSA EK: a decryption key, not a signing key
  Open(options);
  EXPECT_THAT(tpm_->Ak(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("not a restricted signing AK")));
}

TEST_F(EsysTpmTest, CreatesRsaAkWhenConfigured) {
  EsysTpmOptions options;
  options.ak_algorithm = AkAlgorithm::kRsa2048;
  options.ak_handle = 0x81010003;
  Open(options);
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  TPM2B_PUBLIC pub = UnmarshalPublic(ak->public_area);
  EXPECT_EQ(pub.publicArea.type, TPM2_ALG_RSA);
  EXPECT_EQ(pub.publicArea.parameters.rsaDetail.scheme.scheme, TPM2_ALG_RSASSA);
  EXPECT_OK(tpm_->RemoveAk());
}

// Makes a credential for the TPM's EK and AK name with tpm2-tools (software only, --tcti none).
struct Credential {
  std::string blob;
  std::string secret;
};
Credential MakeCredential(const std::string& dir, const std::string& ek_public,
                          const std::string& ak_name, const std::string& secret) {
  WriteFile(dir + "/mc_ek.pub", ek_public);
  WriteFile(dir + "/mc_secret", secret);
  CommandResult r =
      RunShell(absl::StrCat("tpm2_makecredential --tcti none -u ", dir, "/mc_ek.pub -s ", dir,
                            "/mc_secret -n ", ToHex(ak_name), " -o ", dir, "/mc_cred.out"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // tpm2-tools file: magic (4) version (4), then TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
  std::string out = ReadFile(dir + "/mc_cred.out");
  if (out.size() < 10) {
    ADD_FAILURE() << "credential file too short";
    return {};
  }
  size_t id_size = (static_cast<uint8_t>(out[8]) << 8) | static_cast<uint8_t>(out[9]);
  return {out.substr(8, 2 + id_size), out.substr(10 + id_size)};
}

TEST_F(EsysTpmTest, ActivatesCredentialMadeForItsEkAndAk) {
  Open();
  auto ek = tpm_->EkPublic();
  auto ak = tpm_->Ak();
  ASSERT_OK(ek.status());
  ASSERT_OK(ak.status());
  const std::string secret = "0123456789abcdef0123456789abcdef";
  Credential c = MakeCredential(swtpm_->TempDir(), *ek, ak->name, secret);
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret), ::veu::testing::IsOkAndHolds(secret));
  // Sessions and objects were flushed: a second activation still has room.
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret), ::veu::testing::IsOkAndHolds(secret));
}

TEST_F(EsysTpmTest, ActivatesCredentialWithP384Ek) {
  EsysTpmOptions options;
  options.ek_preference = {EkKeyType::kEccP384};
  Open(options);
  auto ek = tpm_->EkPublic();
  auto ak = tpm_->Ak();
  ASSERT_OK(ek.status());
  ASSERT_OK(ak.status());
  Credential c = MakeCredential(swtpm_->TempDir(), *ek, ak->name, "p384 secret");
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret),
              ::veu::testing::IsOkAndHolds(std::string("p384 secret")));
}

TEST_F(EsysTpmTest, RefusesCredentialMadeForAnotherAkName) {
  Open();
  auto ek = tpm_->EkPublic();
  auto ak = tpm_->Ak();
  ASSERT_OK(ek.status());
  ASSERT_OK(ak.status());
  std::string other_name = ak->name;
  other_name.back() ^= 0x01;
  Credential c = MakeCredential(swtpm_->TempDir(), *ek, other_name, "secret");
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("Esys_ActivateCredential"), HasSubstr("tpm:"))));
}

TEST_F(EsysTpmTest, RejectsMalformedCredentialBlobs) {
  Open();
  EXPECT_THAT(tpm_->ActivateCredential(std::string("\x00\x10\x01", 3), std::string("\x00\x00", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("TPM2B_ID_OBJECT")));
  EXPECT_THAT(
      tpm_->ActivateCredential(std::string("\x00\x01\x01", 3), std::string("\x00\x00\x00", 3)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("TPM2B_ENCRYPTED_SECRET")));
}

TEST_F(EsysTpmTest, ExtendPcrChangesBothBanksAsTheSpecSays) {
  Open();
  const std::string d1 = crypto::Hash(crypto::kAlgSha1, {"event"}).value();
  const std::string d256 = crypto::Sha256("event");
  ASSERT_OK(tpm_->ExtendPcr(16, {{crypto::kAlgSha1, d1}, {crypto::kAlgSha256, d256}}));
  auto v256 = tpm_->ReadPcrs(Selection(crypto::kAlgSha256, {16}));
  auto v1 = tpm_->ReadPcrs(Selection(crypto::kAlgSha1, {16}));
  ASSERT_OK(v256.status());
  ASSERT_OK(v1.status());
  ASSERT_THAT(*v256, SizeIs(1));
  ASSERT_THAT(*v1, SizeIs(1));
  EXPECT_EQ((*v256)[0].digest(), crypto::Sha256(std::string(32, '\0') + d256));
  EXPECT_EQ((*v1)[0].digest(), crypto::Hash(crypto::kAlgSha1, {std::string(20, '\0'), d1}).value());
  EXPECT_EQ((*v256)[0].index(), 16u);
}

TEST_F(EsysTpmTest, RejectsDigestOfTheWrongSize) {
  Open();
  EXPECT_THAT(tpm_->ExtendPcr(16, {{crypto::kAlgSha256, "short"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected 32")));
  EXPECT_THAT(tpm_->ExtendPcr(24, {{crypto::kAlgSha256, std::string(32, 'a')}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EsysTpmTest, ReadPcrsEqualsTpm2Pcrread) {
  Open();
  ASSERT_OK(tpm_->ExtendPcr(10, {{crypto::kAlgSha256, crypto::Sha256("a")}}));
  ASSERT_OK(tpm_->ExtendPcr(23, {{crypto::kAlgSha256, crypto::Sha256("b")}}));
  // 12 PCRs: more than the 8 one TPM2_PCR_Read returns, so this also covers the loop.
  auto values =
      tpm_->ReadPcrs(Selection(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 7, 9, 10, 16, 17, 23}));
  ASSERT_OK(values.status());
  ASSERT_THAT(*values, SizeIs(12));
  std::string ours;
  for (const auto& v : *values) ours += v.digest();
  tpm_.reset();
  CommandResult r =
      RunShell(absl::StrCat("tpm2_pcrread --tcti ", swtpm_->Tcti(),
                            " sha256:0,1,2,3,4,5,7,9,10,16,17,23 -o ", Path("pcrs.bin")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ToHex(ours), ToHex(ReadFile(Path("pcrs.bin"))));
  EXPECT_EQ((*values)[11].index(), 23u);
}

TEST_F(EsysTpmTest, ReadPcrsRejectsBadSelections) {
  Open();
  EXPECT_THAT(tpm_->ReadPcrs(Selection(0x0099, {0})), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tpm_->ReadPcrs(Selection(crypto::kAlgSha256, {24})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tpm_->ReadPcrs(Selection(crypto::kAlgSha256, {3, 1})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // swtpm here has sha1 and sha256 banks only.
  EXPECT_THAT(tpm_->ReadPcrs(Selection(crypto::kAlgSha384, {0})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not active")));
}

// tpm2-tools' "serialized" PCR file (what tpm2_quote -o writes): the raw host-order structs
// TPML_PCR_SELECTION, UINT32 n, then n TPML_DIGEST of at most 8 digests each. (Its plain
// "values" format is not read correctly by tpm2_checkquote 5.4 for more than a few PCRs.)
std::string SerializedPcrs(const v1::Quote& quote, uint16_t alg) {
  TPML_PCR_SELECTION sel{};
  sel.count = 1;
  sel.pcrSelections[0].hash = alg;
  sel.pcrSelections[0].sizeofSelect = 3;
  std::vector<TPML_DIGEST> chunks;
  for (const auto& v : quote.pcr_values()) {
    sel.pcrSelections[0].pcrSelect[v.index() / 8] |= static_cast<uint8_t>(1u << (v.index() % 8));
    if (chunks.empty() || chunks.back().count == 8) chunks.push_back(TPML_DIGEST{});
    TPM2B_DIGEST& d = chunks.back().digests[chunks.back().count++];
    d.size = static_cast<uint16_t>(v.digest().size());
    memcpy(d.buffer, v.digest().data(), v.digest().size());
  }
  const auto n = static_cast<uint32_t>(chunks.size());
  std::string out(reinterpret_cast<const char*>(&sel), sizeof(sel));
  out.append(reinterpret_cast<const char*>(&n), sizeof(n));
  out.append(reinterpret_cast<const char*>(chunks.data()), chunks.size() * sizeof(TPML_DIGEST));
  return out;
}

// Writes what tpm2_checkquote needs (AK public as PEM via tpm2_print) and runs it.
CommandResult CheckQuote(const std::string& dir, const AkIdentity& ak, const v1::Quote& quote,
                         const std::string& nonce, uint16_t alg) {
  WriteFile(dir + "/ak.pub", ak.public_area);
  WriteFile(dir + "/attest.bin", quote.attest());
  WriteFile(dir + "/sig.bin", quote.signature());
  WriteFile(dir + "/pcrs.bin", SerializedPcrs(quote, alg));
  CommandResult pem = RunShell(
      absl::StrCat("tpm2_print -t TPM2B_PUBLIC -f pem ", dir, "/ak.pub > ", dir, "/ak.pem"));
  if (pem.exit_code != 0) return pem;
  return RunShell(absl::StrCat("tpm2_checkquote -u ", dir, "/ak.pem -m ", dir, "/attest.bin -s ",
                               dir, "/sig.bin -f ", dir, "/pcrs.bin -g sha256 -q ",
                               nonce.empty() ? "''" : ToHex(nonce)));
}

TEST_F(EsysTpmTest, QuoteWithEccAkPassesTpm2Checkquote) {
  Open();
  ASSERT_OK(tpm_->ExtendPcr(16, {{crypto::kAlgSha256, crypto::Sha256("x")}}));
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  const std::string nonce = crypto::Sha256("nonce");
  auto quote = tpm_->Quote(nonce, Selection(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7, 16}));
  ASSERT_OK(quote.status());
  ASSERT_THAT(quote->pcr_values(), SizeIs(9));
  EXPECT_EQ(quote->pcr_values(8).index(), 16u);
  CommandResult r = CheckQuote(swtpm_->TempDir(), *ak, *quote, nonce, crypto::kAlgSha256);
  EXPECT_EQ(r.exit_code, 0) << r.output;

  // A different nonce must not verify (tpm2_checkquote really checks).
  CommandResult wrong =
      CheckQuote(swtpm_->TempDir(), *ak, *quote, crypto::Sha256("other"), crypto::kAlgSha256);
  EXPECT_NE(wrong.exit_code, 0);
}

TEST_F(EsysTpmTest, QuoteWithRsaAkPassesTpm2Checkquote) {
  EsysTpmOptions options;
  options.ak_algorithm = AkAlgorithm::kRsa2048;
  Open(options);
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  const std::string nonce = "short nonce";
  auto quote = tpm_->Quote(nonce, Selection(crypto::kAlgSha1, {0, 7}));
  ASSERT_OK(quote.status());
  CommandResult r = CheckQuote(swtpm_->TempDir(), *ak, *quote, nonce, crypto::kAlgSha1);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(EsysTpmTest, QuoteRejectsOversizedQualifyingDataAndEmptySelection) {
  Open();
  EXPECT_THAT(tpm_->Quote("n", Selection(crypto::kAlgSha256, {})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one PCR")));
  EXPECT_THAT(tpm_->Quote(std::string(65, 'n'), Selection(crypto::kAlgSha256, {0})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 64")));
}

TEST_F(EsysTpmTest, MissingNvIndexErrorCarriesDecodedReturnCode) {
  Open();
  EXPECT_THAT(tpm_->ReadNv(0x01c00099),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("0x01c00099"), HasSubstr("tpm:handle(1)"),
                             HasSubstr("0x0000018b"))));
}

TEST_F(EsysTpmTest, UnreachableTpmIsUnavailable) {
  const int port = swtpm_->port();
  swtpm_.reset();  // nothing listens there any more
  EsysTpmOptions options;
  options.tcti = absl::StrCat("swtpm:host=127.0.0.1,port=", port);
  EXPECT_THAT(EsysTpm::Open(options), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(EsysTpmTest, AkAndPcrsBehaveAcrossTpmReboot) {
  Open();
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  ASSERT_OK(tpm_->ExtendPcr(16, {{crypto::kAlgSha256, crypto::Sha256("boot")}}));
  tpm_.reset();
  ASSERT_OK(swtpm_->Restart());
  Open();
  auto again = tpm_->Ak();
  ASSERT_OK(again.status());
  EXPECT_EQ(again->name, ak->name);
  auto pcr = tpm_->ReadPcrs(Selection(crypto::kAlgSha256, {16}));
  ASSERT_OK(pcr.status());
  EXPECT_EQ((*pcr)[0].digest(), std::string(32, '\0'));
}

TEST_F(EsysTpmTest, FlushesEveryTransientObjectAndSession) {
  // swtpm has no resource manager and only 3 object slots: a leak per call would fail quickly.
  EsysTpmOptions options;
  options.use_persistent_ek = false;  // EK recreated (transient) for every use
  Open(options);
  auto ek = tpm_->EkPublic();
  auto ak = tpm_->Ak();
  ASSERT_OK(ek.status());
  ASSERT_OK(ak.status());
  Credential c = MakeCredential(swtpm_->TempDir(), *ek, ak->name, "again and again");
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(tpm_->ActivateCredential(c.blob, c.secret).status()) << "iteration " << i;
    ASSERT_OK(tpm_->Quote("n", Selection(crypto::kAlgSha256, {0})).status()) << "iteration " << i;
  }
  tpm_.reset();
  CommandResult r = RunShell(absl::StrCat("tpm2_getcap --tcti ", swtpm_->Tcti(),
                                          " handles-transient && tpm2_getcap --tcti ",
                                          swtpm_->Tcti(), " handles-loaded-session"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "handles left behind";
}

class EsysTpmWithoutEkCertTest : public EsysTpmTest {
 protected:
  void SetUp() override {
    SwtpmOptions options;
    options.create_ek_cert = false;
    StartSwtpm(options);
  }
};

TEST_F(EsysTpmWithoutEkCertTest, ReportsMissingCertificateButStillAttests) {
  Open();
  EXPECT_THAT(tpm_->ReadEkCertificate(), StatusIs(absl::StatusCode::kNotFound));
  auto ek = tpm_->EkPublic();  // RSA EK recreated from template L-1 (no persistent EK)
  ASSERT_OK(ek.status());
  EXPECT_EQ(UnmarshalPublic(*ek).publicArea.type, TPM2_ALG_RSA);
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  Credential c = MakeCredential(swtpm_->TempDir(), *ek, ak->name, "no cert");
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret),
              ::veu::testing::IsOkAndHolds(std::string("no cert")));
}

// Stores `data` in a new NV index readable with its own empty auth, as EK certificates are.
void DefineNv(const std::string& tcti, const std::string& dir, uint32_t index,
              const std::string& data) {
  WriteFile(dir + "/nv.bin", data);
  CommandResult r = RunShell(
      absl::StrCat("tpm2_nvdefine --tcti ", tcti, " 0x", absl::Hex(index), " -C o -s ", data.size(),
                   " -a 'ownerread|ownerwrite|authread|authwrite|no_da' && tpm2_nvwrite --tcti ",
                   tcti, " 0x", absl::Hex(index), " -C o -i ", dir, "/nv.bin"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// An X.509 certificate for the public key in `key_pem`, from a throwaway EC CA (DER).
std::string CertifyKey(const std::string& dir, const std::string& key_pem_path) {
  CommandResult r = RunShell(absl::StrCat(
      "cd ", dir,
      " && openssl ecparam -name prime256v1 -genkey -noout -out ca.key"
      " && openssl req -new -x509 -key ca.key -subj /CN=test-ek-ca -days 2 -out ca.pem"
      " && openssl req -new -key ca.key -subj /CN=ek -out ek.csr"
      " && openssl x509 -req -in ek.csr -force_pubkey ",
      key_pem_path,
      " -CA ca.pem -CAkey ca.key -set_serial 7 -days 2 -outform DER -out ek_cert.der"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return ReadFile(dir + "/ek_cert.der");
}

TEST_F(EsysTpmWithoutEkCertTest, ReadsNvIndexLargerThanOneNvReadInChunks) {
  // swtpm: TPM_PT_NV_BUFFER_MAX is 1024 and an index holds at most 2048 bytes.
  std::string data;
  for (int i = 0; i < 2000; ++i) data.push_back(static_cast<char>(i * 7 + i / 256));
  DefineNv(swtpm_->Tcti(), swtpm_->TempDir(), 0x01500010, data);
  Open();
  auto read = tpm_->ReadNv(0x01500010);
  ASSERT_OK(read.status());
  EXPECT_EQ(read->size(), data.size());
  EXPECT_TRUE(*read == data) << "NV contents differ";
}

TEST_F(EsysTpmWithoutEkCertTest, UsesEccP256EkFromTemplateL2MatchingItsCertificate) {
  EsysTpmOptions options;
  options.ek_preference = {EkKeyType::kEccP256, EkKeyType::kRsa2048};
  Open(options);
  auto ek = tpm_->EkPublic();  // no certificate yet: the preferred type from its template
  ASSERT_OK(ek.status());
  TPM2B_PUBLIC pub = UnmarshalPublic(*ek);
  EXPECT_EQ(pub.publicArea.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
  EXPECT_EQ(pub.publicArea.objectAttributes, 0x000300B2u);
  tpm_.reset();

  const std::string dir = swtpm_->TempDir();
  WriteFile(dir + "/ek.pub", *ek);
  CommandResult pem = RunShell(
      absl::StrCat("tpm2_print -t TPM2B_PUBLIC -f pem ", dir, "/ek.pub > ", dir, "/ek.pem"));
  ASSERT_EQ(pem.exit_code, 0) << pem.output;
  const std::string cert = CertifyKey(dir, dir + "/ek.pem");
  ASSERT_FALSE(cert.empty());
  DefineNv(swtpm_->Tcti(), dir, 0x01c0000a, cert);

  Open(options);
  auto read = tpm_->ReadEkCertificate();
  ASSERT_OK(read.status());
  EXPECT_EQ(read->key_type, EkKeyType::kEccP256);
  EXPECT_EQ(read->der, cert);
  EXPECT_THAT(tpm_->EkPublic(), ::veu::testing::IsOkAndHolds(*ek));
  auto ak = tpm_->Ak();
  ASSERT_OK(ak.status());
  Credential c = MakeCredential(dir, *ek, ak->name, "p256 secret");
  EXPECT_THAT(tpm_->ActivateCredential(c.blob, c.secret),
              ::veu::testing::IsOkAndHolds(std::string("p256 secret")));
}

TEST_F(EsysTpmWithoutEkCertTest, RejectsEkCertificateForAnotherKey) {
  const std::string dir = swtpm_->TempDir();
  CommandResult key =
      RunShell(absl::StrCat("cd ", dir,
                            " && openssl ecparam -name prime256v1 -genkey -noout -out other.key"
                            " && openssl ec -in other.key -pubout -out other.pem"));
  ASSERT_EQ(key.exit_code, 0) << key.output;
  DefineNv(swtpm_->Tcti(), dir, 0x01c0000a, CertifyKey(dir, dir + "/other.pem"));
  EsysTpmOptions options;
  options.ek_preference = {EkKeyType::kEccP256};
  Open(options);
  EXPECT_THAT(tpm_->EkPublic(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         AllOf(HasSubstr("is not the key in the certificate at NV "
                                                         "0x01c0000a"),
                                               HasSubstr("point differs"))));
}

}  // namespace
}  // namespace veu::agent
