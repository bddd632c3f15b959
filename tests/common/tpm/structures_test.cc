// Specification of the structure helpers, against real swtpm output.
#include "common/tpm/structures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/crypto/digest.h"
#include "tests/common/tpm/quote_builder.h"

namespace veu::tpm {
namespace {

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(VEU_SOURCE_DIR) + "/tests/common/tpm/testdata/swtpm/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ObjectName, MatchesTheNameTpm2CreateakReported) {
  for (const char* kind : {"ecc", "rsa"}) {
    auto pub = UnmarshalTpm2bPublic(ReadTestdata(std::string("ak_") + kind + ".pub"));
    ASSERT_TRUE(pub.ok()) << pub.status();
    auto name = ObjectName(*pub);
    ASSERT_TRUE(name.ok());
    EXPECT_EQ(*name, ReadTestdata(std::string("ak_") + kind + ".name")) << kind;
  }
}

TEST(UnmarshalAttest, ReadsRealQuote) {
  auto attest = UnmarshalAttest(ReadTestdata("ecc_quote.msg"));
  ASSERT_TRUE(attest.ok()) << attest.status();
  EXPECT_EQ(attest->magic, TPM2_GENERATED_VALUE);
  EXPECT_EQ(attest->type, TPM2_ST_ATTEST_QUOTE);
  EXPECT_EQ(attest->extraData.size, 8);
  EXPECT_EQ(SelectionToString(FromTpml(attest->attested.quote.pcrSelect)),
            "sha256:0,1,2,3,4,5,6,7,8,9+sha1:0,5");
}

TEST(UnmarshalAttest, SaysWhereTrailingBytesStart) {
  auto r = UnmarshalAttest(ReadTestdata("ecc_quote.msg") + "zz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTrailingBytesError(r.status()));
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("offset 127"));
  auto truncated = UnmarshalAttest(ReadTestdata("ecc_quote.msg").substr(0, 50));
  ASSERT_FALSE(truncated.ok());
  EXPECT_FALSE(IsTrailingBytesError(truncated.status()));
}

TEST(UnmarshalSignature, ReadsRealSignaturesAndRejectsTruncations) {
  for (const char* f : {"ecc_quote.sig", "rsa_quote.sig"}) {
    const std::string sig = ReadTestdata(f);
    ASSERT_TRUE(UnmarshalSignature(sig).ok()) << f;
    for (size_t len = 0; len < sig.size(); ++len) {
      ASSERT_FALSE(UnmarshalSignature(sig.substr(0, len)).ok()) << f << " " << len;
    }
  }
}

TEST(UnmarshalTpm2bPublic, NeverAcceptsTruncatedOrPaddedAreas) {
  const std::string pub = ReadTestdata("ek_rsa.pub");
  ASSERT_TRUE(UnmarshalTpm2bPublic(pub).ok());
  for (size_t len = 0; len < pub.size(); ++len) {
    ASSERT_FALSE(UnmarshalTpm2bPublic(pub.substr(0, len)).ok()) << len;
  }
  EXPECT_FALSE(UnmarshalTpm2bPublic(pub + '\0').ok());
  // Bare TPMT_PUBLIC = TPM2B_PUBLIC without the size prefix.
  EXPECT_TRUE(UnmarshalTpmtPublic(pub.substr(2)).ok());
}

TEST(PcrSelection, ConvertsBetweenBitmapAndListForms) {
  std::vector<veu::v1::PcrSelection> sel = {testing::Sel(crypto::kAlgSha256, {0, 7, 23, 31}),
                                            testing::Sel(crypto::kAlgSha1, {})};
  auto tpml = ToTpml(sel);
  ASSERT_TRUE(tpml.ok());
  EXPECT_EQ(tpml->pcrSelections[0].sizeofSelect, 4);
  EXPECT_EQ(SelectionToString(FromTpml(*tpml)), "sha256:0,7,23,31+sha1:");
  EXPECT_FALSE(ToTpml({testing::Sel(crypto::kAlgSha256, {7, 3})}).ok());
  EXPECT_FALSE(ToTpml({testing::Sel(crypto::kAlgSha256, {32})}).ok());
  EXPECT_FALSE(ToTpml({testing::Sel(0x1234, {1})}).ok());
}

}  // namespace
}  // namespace veu::tpm
