// Specification of the tpm2-tools file readers, against real tpm2-tools 5.4 output.
#include "common/tpm/tpm2_tools_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/tpm/quote.h"
#include "common/tpm/structures.h"
#include "tests/common/tpm/quote_builder.h"

namespace veu::tpm {
namespace {

using crypto::kAlgSha1;
using crypto::kAlgSha256;
using testing::Sel;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(VEU_SOURCE_DIR) + "/tests/common/tpm/testdata/swtpm/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ParseTpm2ToolsPcrs, ReadsTwoBanksSpreadOverTwoDigestLists) {
  auto pcrs = ParseTpm2ToolsPcrs(ReadTestdata("ecc_quote.pcrs"));
  ASSERT_TRUE(pcrs.ok()) << pcrs.status();
  EXPECT_EQ(SelectionToString(pcrs->selection), "sha256:0,1,2,3,4,5,6,7,8,9+sha1:0,5");
  ASSERT_EQ(pcrs->values.size(), 12u);
  // tpm2_pcrextend 0:sha256=aa..aa on a fresh TPM: SHA-256(zeros || aa..aa).
  const std::string aa(32, '\xaa');
  EXPECT_EQ(pcrs->values[0].digest(), crypto::Sha256(std::string(32, '\0') + aa));
  EXPECT_EQ(pcrs->values[1].digest(), std::string(32, '\0'));
  EXPECT_EQ(pcrs->values[11].hash_alg(), kAlgSha1);
  EXPECT_EQ(pcrs->values[11].index(), 5u);
  EXPECT_EQ(pcrs->values[11].digest(),
            *crypto::Hash(kAlgSha1, {std::string(20, '\0'), std::string(20, '\xbb')}));
}

TEST(ParseTpm2ToolsPcrs, RoundTripsThroughSerialize) {
  Tpm2ToolsPcrs in;
  in.selection = {Sel(kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 23}), Sel(kAlgSha1, {0, 7})};
  in.values = testing::FakePcrValues(in.selection);
  auto bytes = SerializeTpm2ToolsPcrs(in);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 132u + 4 + 2 * 532);
  auto out = ParseTpm2ToolsPcrs(*bytes);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(SelectionToString(out->selection), SelectionToString(in.selection));
  ASSERT_EQ(out->values.size(), in.values.size());
  for (size_t i = 0; i < in.values.size(); ++i) {
    EXPECT_EQ(out->values[i].digest(), in.values[i].digest()) << i;
  }
}

TEST(ParseTpm2ToolsPcrs, AcceptsBigEndianLayout) {
  std::string le = ReadTestdata("rsa_quote.pcrs");
  auto want = ParseTpm2ToolsPcrs(le);
  ASSERT_TRUE(want.ok());
  std::string be = le;
  auto swap = [&](size_t at, int n) { std::reverse(be.begin() + at, be.begin() + at + n); };
  swap(0, 4);
  for (size_t b = 0; b < 16; ++b) swap(4 + 8 * b, 2);
  swap(132, 4);
  swap(136, 4);
  for (size_t d = 0; d < 8; ++d) swap(140 + 66 * d, 2);
  auto got = ParseTpm2ToolsPcrs(be);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->values.size(), want->values.size());
  EXPECT_EQ(got->values[2].digest(), want->values[2].digest());
}

TEST(ParseTpm2ToolsPcrs, RejectsEveryTruncationAndExtension) {
  const std::string file = ReadTestdata("ecc_quote.pcrs");
  for (size_t len = 0; len < file.size(); len += 7) {
    EXPECT_FALSE(ParseTpm2ToolsPcrs(file.substr(0, len)).ok()) << len;
  }
  EXPECT_FALSE(ParseTpm2ToolsPcrs(file + "x").ok());
}

TEST(ParseTpm2ToolsPcrs, RejectsMoreValuesThanSelectedPcrs) {
  std::string file = ReadTestdata("rsa_quote.pcrs");
  file[136] = 4;  // first list claims 4 digests for a 3-PCR selection
  auto r = ParseTpm2ToolsPcrs(file);
  EXPECT_FALSE(r.ok());
}

TEST(ParseTpm2ToolsPcrs, RejectsDigestSizeNotMatchingBank) {
  std::string file = ReadTestdata("rsa_quote.pcrs");
  file[140] = 20;  // first sha256 value claims 20 bytes
  auto r = ParseTpm2ToolsPcrs(file);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("sha256:0"));
}

TEST(Tpm2ToolsFiles, RealTpm2QuoteOutputVerifiesWithBothAkForms) {
  for (const char* kind : {"ecc", "rsa"}) {
    const std::string prefix = kind;
    auto pcrs = ParseTpm2ToolsPcrs(ReadTestdata(prefix + "_quote.pcrs"));
    ASSERT_TRUE(pcrs.ok()) << pcrs.status();
    QuoteEvidence evidence{ReadTestdata(prefix + "_quote.msg"), ReadTestdata(prefix + "_quote.sig"),
                           pcrs->values};
    QuoteExpectations expect;
    expect.qualifying_data = *FromHex(prefix == "ecc" ? "0102030405060708" : "aabbccdd");
    expect.pcr_selection = pcrs->selection;
    for (const std::string& ak_name : {"ak_" + prefix + ".pem", "ak_" + prefix + ".pub"}) {
      auto ak = LoadAkPublic(ReadTestdata(ak_name));
      ASSERT_TRUE(ak.ok()) << ak.status();
      QuoteReport r = VerifyQuote(*ak, evidence, expect);
      EXPECT_TRUE(r.accepted()) << ak_name << ": " << FirstFailure(r.checks)->detail;
    }
  }
}

TEST(Tpm2ToolsFiles, CredentialFileHasTpm2ToolsHeader) {
  EXPECT_EQ(ToHex(Tpm2ToolsCredentialFile(std::string("\x00\x01"
                                                      "A",
                                                      3),
                                          std::string("\x00\x01"
                                                      "B",
                                                      3))),
            "badcc0de00000001000141000142");
}

}  // namespace
}  // namespace veu::tpm
