// The agent's offline quotes as the verifier reads them: TakeOfflineQuote with a SoftwareTpm
// (real keys, real TPMS_ATTEST) into an in-memory spool, then CheckOfflineChain over what an
// upload would carry. No TPM device, no files, no network.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agent/agent.h"
#include "agent/attestation_client.h"
#include "agent/offline_spool.h"
#include "agent/tpm/software_tpm.h"
#include "common/crypto/digest.h"
#include "common/tpm/public_key.h"
#include "verifier/appraisal/offline_chain.h"

namespace veu::agent {
namespace {

using ::testing::HasSubstr;

class MemoryFile final : public SpoolFile {
 public:
  absl::StatusOr<std::string> Read() override {
    if (bytes.empty()) return absl::NotFoundError("none");
    return bytes;
  }
  absl::Status Append(std::string_view b) override {
    bytes.append(b);
    return absl::OkStatus();
  }
  absl::Status Replace(std::string_view b) override {
    bytes.assign(b);
    return absl::OkStatus();
  }
  std::string bytes;
};

TEST(OfflineQuoteTest, TheAgentsChainIsWhatTheVerifierAccepts) {
  absl::StatusOr<SoftwareEkCa> ca = SoftwareEkCa::Create("test EK CA");
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<std::unique_ptr<SoftwareTpm>> tpm = SoftwareTpm::Create(*ca, 1);
  ASSERT_TRUE(tpm.ok()) << tpm.status();
  absl::StatusOr<std::unique_ptr<OfflineSpool>> spool =
      OfflineSpool::Open(std::make_unique<MemoryFile>(), SpoolLimits{});
  ASSERT_TRUE(spool.ok());
  const std::string anchor = crypto::Sha256("the quote that answered the last verifier nonce");
  ASSERT_TRUE((*spool)->SetAnchor(anchor).ok());

  ReportSource source;
  source.facts = [] { return veu::v1::Facts(); };
  source.event_log = [] { return std::string("an event log"); };
  const veu::v1::PcrSelection selection = DefaultOfflineSelection();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(TakeOfflineQuote(**tpm, source, selection,
                                 absl::FromUnixSeconds(1'800'000'000 + 30 * i), **spool)
                    .ok());
  }
  ASSERT_EQ((*spool)->quotes().size(), 3u);
  EXPECT_EQ((*spool)->quotes()[0].previous(), anchor);
  const std::vector<veu::v1::OfflineUpload> upload = (*spool)->Batches();
  ASSERT_EQ(upload.size(), 1u);

  absl::StatusOr<AkIdentity> ak = (*tpm)->Ak();
  ASSERT_TRUE(ak.ok());
  absl::StatusOr<tpm::AkPublicKey> ak_public = tpm::LoadAkPublic(ak->public_area);
  ASSERT_TRUE(ak_public.ok()) << ak_public.status();
  verifier::OfflineChainInput in;
  in.ak = &*ak_public;
  in.anchor.attest_sha256 = anchor;
  in.anchor.clock = {0, 1, 0, true};
  in.pcr_selection = {selection};
  const std::vector<veu::v1::OfflineQuote> quotes(upload[0].quotes().begin(),
                                                  upload[0].quotes().end());
  verifier::OfflineChainReport report = verifier::CheckOfflineChain(in, quotes);
  EXPECT_TRUE(report.continuous()) << report.Summary();
  EXPECT_THAT(report.Summary(), HasSubstr("offline, continuous: 3 quotes, 3 verified"));

  // After the verifier acknowledged the upload, the next offline quote chains to the tip.
  ASSERT_TRUE((*spool)->Acknowledged().ok());
  EXPECT_EQ((*spool)->previous(), report.tip_attest_sha256);
}

}  // namespace
}  // namespace veu::agent
