// Specification of where a binary looks for the files VEU Attest ships (common/install_paths.h).
#include "common/install_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const InstallLayout kLayout{"/usr/share/veu-attest", "/etc/veu-attest", "/var/lib",
                            "/home/dev/veu/build", "/home/dev/veu/deploy"};

TEST(ShippedFileCandidatesTest, AnInstalledBinaryTriesBesideItselfThenThePrefixNeverTheSource) {
  EXPECT_THAT(ShippedFileCandidates(kShippedPolicyPack, "/opt/veu/sbin/veu-agent", kLayout),
              ElementsAre("/opt/veu/share/veu-attest/policies/veu-2025.textproto",
                          "/usr/share/veu-attest/policies/veu-2025.textproto"));
}

TEST(ShippedFileCandidatesTest, AtTheConfiguredPrefixThePathIsTriedOnce) {
  EXPECT_THAT(ShippedFileCandidates(kShippedPolicyPack, "/usr/sbin/veu-agent", kLayout),
              ElementsAre("/usr/share/veu-attest/policies/veu-2025.textproto"));
}

TEST(ShippedFileCandidatesTest, ABinaryInsideItsBuildTreeFallsBackToTheSourceTree) {
  EXPECT_THAT(ShippedFileCandidates(kShippedPolicyPack, "/home/dev/veu/build/agent/veu-agent",
                                    kLayout),
              ElementsAre("/home/dev/veu/build/share/veu-attest/policies/veu-2025.textproto",
                          "/usr/share/veu-attest/policies/veu-2025.textproto",
                          "/home/dev/veu/deploy/policies/veu-2025.textproto"));
}

TEST(ShippedFileCandidatesTest, ASiblingDirectorySharingTheBuildDirsPrefixIsNotTheBuildTree) {
  EXPECT_THAT(ShippedFileCandidates("x", "/home/dev/veu/build-old/agent/veu-agent", kLayout),
              ElementsAre("/home/dev/veu/build-old/share/veu-attest/x", "/usr/share/veu-attest/x"));
}

TEST(ShippedFileCandidatesTest, AnUnknownExecutableTriesOnlyThePrefix) {
  EXPECT_THAT(ShippedFileCandidates("x", "", kLayout), ElementsAre("/usr/share/veu-attest/x"));
}

TEST(FindShippedFileTest, ThisTestBinaryInTheBuildTreeFindsTheShippedPack) {
  absl::StatusOr<std::string> found = FindShippedFile(kShippedPolicyPack);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, HasSubstr("policies/veu-2025.textproto"));
}

TEST(FindShippedFileTest, AMissingFileIsNotFoundAndNamesEveryPathTried) {
  absl::StatusOr<std::string> found = FindShippedFile("policies/no-such-pack.textproto");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(found.status().message()),
              HasSubstr(CompiledInstallLayout().data_dir + "/policies/no-such-pack.textproto"));
}

}  // namespace
}  // namespace veu
