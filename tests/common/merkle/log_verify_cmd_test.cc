// `veuctl log verify-inclusion` and `veuctl log verify-consistency`, run as the built binary:
// exit 0 when the proof holds, 1 when it does not, 2 for unusable input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "common/hex.h"
#include "common/merkle/hasher.h"
#include "common/merkle/tree.h"

namespace veu::merkle {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result Veuctl(const std::vector<std::string>& args) {
  std::string command = Quote(VEU_BINARY_DIR "/verifier/veuctl/veuctl");
  for (const auto& arg : args) command += " " + Quote(arg);
  command += " 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string HexList(const std::vector<std::string>& hashes) {
  std::vector<std::string> hex;
  for (const auto& h : hashes) hex.push_back(ToHex(h));
  return absl::StrJoin(hex, ",");
}

// The 8-leaf reference tree of RFC 6962's test vectors (leaf data "", 00, 10, 2021, ...).
class LogVerifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f"}) {
      leaves_.push_back(LeafHash(FromHex(hex).value()));
    }
    for (size_t n = 0; n <= leaves_.size(); ++n) {
      roots_.push_back(ToHex(RootFromLeafHashes(Prefix(n))));
    }
  }

  absl::Span<const std::string> Prefix(uint64_t n) const {
    return absl::MakeConstSpan(leaves_).subspan(0, n);
  }

  Result Inclusion(uint64_t index, uint64_t size, const std::string& root, const std::string& proof,
                   const std::string& leaf_hex = "") {
    return Veuctl({"log", "verify-inclusion", "--leaf-hash",
                   leaf_hex.empty() ? ToHex(leaves_[index]) : leaf_hex, "--index",
                   std::to_string(index), "--tree-size", std::to_string(size), "--root", root,
                   "--proof", proof});
  }
  std::string InclusionProofHex(uint64_t index, uint64_t size) {
    return HexList(InclusionProof(index, Prefix(size)).value());
  }
  std::string ConsistencyProofHex(uint64_t size1, uint64_t size2) {
    return HexList(ConsistencyProof(size1, Prefix(size2)).value());
  }
  Result Consistency(const std::string& size1, const std::string& size2, const std::string& root1,
                     const std::string& root2, const std::string& proof) {
    return Veuctl({"log", "verify-consistency", "--size1", size1, "--size2", size2, "--root1",
                   root1, "--root2", root2, "--proof", proof});
  }

  std::vector<std::string> leaves_;
  std::vector<std::string> roots_;  // hex, by size
};

TEST_F(LogVerifyCommandTest, InclusionThatHoldsExitsZero) {
  // The reference proof for leaf 6 (1-based) of 8, from transparency-dev's proofgen.
  const std::string proof =
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
  const Result r =
      Inclusion(5, 8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", proof);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK: leaf"));
  EXPECT_EQ(Veuctl({"log", "verify-inclusion", "--leaf-hash=" + ToHex(leaves_[5]), "--index=5",
                    "--tree-size=8", "--root=" + roots_[8], "--proof=" + proof})
                .exit_code,
            0);
}

TEST_F(LogVerifyCommandTest, SingleLeafTreeWithEmptyProofExitsZero) {
  const Result r = Inclusion(0, 1, roots_[1], "");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(LogVerifyCommandTest, InclusionThatDoesNotHoldExitsOneWithTheReason) {
  const std::string proof = InclusionProofHex(2, 7);
  const Result wrong_root = Inclusion(2, 7, roots_[6], proof);
  EXPECT_EQ(wrong_root.exit_code, 1) << wrong_root.output;
  EXPECT_THAT(wrong_root.output, HasSubstr("REJECTED: inclusion proof does not hold"));
  EXPECT_EQ(Inclusion(3, 7, roots_[7], proof, ToHex(leaves_[2])).exit_code, 1);  // wrong index
  EXPECT_EQ(Inclusion(2, 7, roots_[7], proof, ToHex(leaves_[3])).exit_code, 1);  // wrong leaf
  EXPECT_EQ(Inclusion(0, 1, roots_[1], ToHex(leaves_[1])).exit_code, 1);         // proof too long
  EXPECT_EQ(Inclusion(2, 7, roots_[7], proof.substr(0, 64)).exit_code, 1);       // too short
  EXPECT_EQ(Inclusion(2, 7, roots_[7], proof).exit_code, 0);
}

TEST_F(LogVerifyCommandTest, IndexNotBelowTreeSizeExitsOne) {
  const Result r = Veuctl({"log", "verify-inclusion", "--leaf-hash", ToHex(leaves_[0]), "--index",
                           "8", "--tree-size", "8", "--root", roots_[8], "--proof", ""});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("leaf index 8 is not in a tree of 8 leaves"));
  EXPECT_EQ(Veuctl({"log", "verify-inclusion", "--leaf-hash", ToHex(leaves_[0]), "--index", "0",
                    "--tree-size", "0", "--root", roots_[0], "--proof", ""})
                .exit_code,
            1);
}

TEST_F(LogVerifyCommandTest, UnusableInclusionInputExitsTwo) {
  const std::string proof = InclusionProofHex(2, 7);
  const std::string leaf = ToHex(leaves_[2]);
  const std::vector<std::vector<std::string>> cases = {
      {"--leaf-hash", "zz" + leaf.substr(2), "--index", "2", "--tree-size", "7", "--root",
       roots_[7], "--proof", proof},
      {"--leaf-hash", leaf.substr(2), "--index", "2", "--tree-size", "7", "--root", roots_[7],
       "--proof", proof},
      {"--leaf-hash", leaf, "--index", "two", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof},
      {"--leaf-hash", leaf, "--index", "-1", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7x", "--root", roots_[7], "--proof",
       proof},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "", "--root", roots_[7], "--proof",
       proof},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "18446744073709551616", "--root",
       roots_[7], "--proof", proof},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7] + "00",
       "--proof", proof},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof + ","},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof + ",abc"},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7]},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof, "--extra", "1"},
      {"--leaf-hash", leaf, "--index", "2", "--tree-size", "7", "--root", roots_[7], "--proof",
       proof, "stray"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> full = {"log", "verify-inclusion"};
    full.insert(full.end(), args.begin(), args.end());
    const Result r = Veuctl(full);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("veuctl log verify-inclusion: "));
  }
}

TEST_F(LogVerifyCommandTest, ConsistencyThatHoldsExitsZero) {
  // The reference proof from 6 to 8 leaves, from transparency-dev's proofgen.
  const Result r = Consistency("6", "8", roots_[6], roots_[8],
                               "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
                               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
                               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK: the tree of size 6"));
  for (uint64_t m = 1; m < 8; ++m) {
    EXPECT_EQ(Consistency(std::to_string(m), "8", roots_[m], roots_[8], ConsistencyProofHex(m, 8))
                  .exit_code,
              0)
        << "from size " << m;
  }
}

TEST_F(LogVerifyCommandTest, ConsistencyEdgeCases) {
  // Equal sizes: empty proof and equal roots hold; anything else does not.
  EXPECT_EQ(Consistency("5", "5", roots_[5], roots_[5], "").exit_code, 0);
  EXPECT_EQ(Consistency("5", "5", roots_[5], roots_[4], "").exit_code, 1);
  EXPECT_EQ(Consistency("5", "5", roots_[5], roots_[5], roots_[5]).exit_code, 1);
  // From the empty tree: empty proof and the empty-tree root hold.
  EXPECT_EQ(Consistency("0", "8", roots_[0], roots_[8], "").exit_code, 0);
  EXPECT_EQ(Consistency("0", "8", roots_[1], roots_[8], "").exit_code, 1);
  EXPECT_EQ(Consistency("0", "8", roots_[0], roots_[8], roots_[8]).exit_code, 1);
  // A log never shrinks.
  const Result shrink = Consistency("8", "6", roots_[8], roots_[6], ConsistencyProofHex(6, 8));
  EXPECT_EQ(shrink.exit_code, 1) << shrink.output;
  EXPECT_THAT(shrink.output, HasSubstr("never shrinks"));
}

TEST_F(LogVerifyCommandTest, ConsistencyThatDoesNotHoldExitsOne) {
  const std::string proof = ConsistencyProofHex(3, 7);
  const Result wrong = Consistency("3", "7", roots_[3], roots_[8], proof);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("REJECTED: consistency proof does not hold"));
  EXPECT_EQ(Consistency("3", "7", roots_[4], roots_[7], proof).exit_code, 1);
  EXPECT_EQ(Consistency("3", "7", roots_[3], roots_[7], "").exit_code, 1);
  EXPECT_EQ(Consistency("3", "7", roots_[3], roots_[7], proof.substr(65)).exit_code, 1);
  EXPECT_EQ(Consistency("3", "7", roots_[3], roots_[7], proof + "," + roots_[1]).exit_code, 1);
}

TEST_F(LogVerifyCommandTest, UnusableConsistencyInputExitsTwo) {
  const std::string proof = ConsistencyProofHex(3, 7);
  for (const Result& r : {Consistency("three", "7", roots_[3], roots_[7], proof),
                          Consistency("3", "+7", roots_[3], roots_[7], proof),
                          Consistency("3", " 7", roots_[3], roots_[7], proof),
                          Consistency("3", "7", roots_[3].substr(1), roots_[7], proof),
                          Consistency("3", "7", roots_[3], "0x" + roots_[7] + "ff", proof),
                          Consistency("3", "7", roots_[3], roots_[7], "g" + proof.substr(1)),
                          Consistency("3", "7", roots_[3], roots_[7], ",")}) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("veuctl log verify-consistency: "));
  }
  EXPECT_EQ(Veuctl({"log", "verify-consistency", "--size1", "3"}).exit_code, 2);
}

}  // namespace
}  // namespace veu::merkle
