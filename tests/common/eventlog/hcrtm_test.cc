// H-CRTM: a platform whose hardware CRTM measures itself with _TPM_Hash_Start/_TPM_Hash_End
// before TPM2_Startup starts PCR 0 at 0...04 (TPM 2.0 Part 4, _TPM_Hash_End; TCG PC Client
// PFP, PCR 0 initialisation), not at zero or the StartupLocality.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/binding.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/json.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/common/eventlog/log_builder.h"
#include "tests/common/eventlog/real_shaped_logs.h"

namespace veu::eventlog {
namespace {

using ::testing::HasSubstr;
using testing::Hash;
using testing::LogBuilder;

constexpr uint16_t kSha1 = crypto::kAlgSha1;
constexpr uint16_t kSha256 = crypto::kAlgSha256;

UnverifiedEventLog Parse(const std::string& bytes) {
  auto log = ParseEventLog(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  return *std::move(log);
}

// PCR 0 of bank `alg` as a TPM computes it: from `start` (0...0 || locality), extended by
// each digest in turn. Written out here, independent of Replay.
std::string Chain(uint16_t alg, uint8_t locality, const std::vector<std::string>& measured) {
  std::string pcr(crypto::DigestSize(alg), '\0');
  pcr.back() = static_cast<char>(locality);
  for (const std::string& m : measured) pcr = Hash(alg, pcr + Hash(alg, m));
  return pcr;
}

std::string HcrtmLog() {
  return LogBuilder()
      .AddMeasuring(0, kEvEfiHcrtmEvent, "HCRTM", "the CRTM's own code")
      .Add(0, kEvSCrtmVersion, "v1.0")
      .Separators()
      .Build();
}

TEST(Hcrtm, ReplayStartsPcr0AtLocalityFourWhenTheLogBeginsWithAnHcrtmEvent) {
  const UnverifiedEventLog log = Parse(HcrtmLog());
  EXPECT_TRUE(StartsWithHcrtm(log));
  EXPECT_EQ(Pcr0InitialLocality(log), 4);
  const PcrValues pcrs = Replay(log);
  for (uint16_t alg : {kSha1, kSha256}) {
    EXPECT_EQ(pcrs.at(alg).at(0), Chain(alg, 4,
                                        {"the CRTM's own code", "v1.0", std::string(4, '\0')}))
        << crypto::HashAlgName(alg);
  }
  // Everything else starts at zero as before.
  EXPECT_EQ(pcrs.at(kSha256).at(1), Chain(kSha256, 0, {std::string(4, '\0')}));
}

TEST(Hcrtm, AStartupLocalityEventDoesNotOverrideTheHcrtm) {
  // TPM2_Startup after an H-CRTM keeps PCR 0; firmware may still log StartupLocality 4 (or,
  // wrongly, 3): PCR 0 began at 4 either way.
  for (uint8_t locality : {3, 4}) {
    LogBuilder b;
    b.StartupLocality(locality).AddMeasuring(0, kEvEfiHcrtmEvent, "HCRTM", "crtm");
    const UnverifiedEventLog log = Parse(b.Build());
    EXPECT_EQ(Pcr0InitialLocality(log), 4);
    EXPECT_EQ(Replay(log).at(kSha256).at(0), Chain(kSha256, 4, {"crtm"}));
  }
}

TEST(Hcrtm, WithoutHcrtmTheStartupLocalityStillSetsPcr0) {
  const UnverifiedEventLog log = Parse(LogBuilder().StartupLocality(3).Add(0, kEvPostCode, "x").Build());
  EXPECT_FALSE(StartsWithHcrtm(log));
  EXPECT_EQ(Pcr0InitialLocality(log), 3);
  EXPECT_EQ(Replay(log).at(kSha256).at(0), Chain(kSha256, 3, {"x"}));
}

TEST(Hcrtm, AnHcrtmEventAfterOtherPcr0EventsIsAFindingAndNotALocalityChange) {
  const UnverifiedEventLog log = Parse(LogBuilder()
                                           .Add(0, kEvSCrtmVersion, "v1.0")
                                           .AddMeasuring(0, kEvEfiHcrtmEvent, "HCRTM", "crtm")
                                           .Build());
  EXPECT_EQ(Pcr0InitialLocality(log), 0);
  const auto findings = FindStructuralProblems(log);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].reason(), veu::v1::EVENTLOG_UNEXPECTED_EVENT_TYPE);
  EXPECT_EQ(findings[0].record(), 2u);
  EXPECT_THAT(findings[0].detail(), HasSubstr("H-CRTM"));
}

TEST(Hcrtm, AWellPlacedHcrtmEventIsNoFinding) {
  EXPECT_THAT(FindStructuralProblems(Parse(HcrtmLog())), ::testing::IsEmpty());
}

TEST(Hcrtm, ARealLogWithAnHcrtmSequenceBindsToTheTpmsPcrsAndNotToAZeroStart) {
  const std::string base = testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin");
  const UnverifiedEventLog plain = Parse(base);
  const UnverifiedEventLog log = Parse(testing::WithHcrtm(base, "crtm"));
  ASSERT_TRUE(StartsWithHcrtm(log));
  // What the TPM holds: PCR 0 began at 0...04 and took the H-CRTM digest first, then the
  // same events as before; PCRs 1-7 are untouched.
  PcrValues quoted = Replay(plain);
  std::vector<std::string> pcr0_digests = {Hash(kSha256, "crtm")};
  for (const Event& e : plain.events()) {
    if (e.pcr == 0 && e.type != kEvNoAction) pcr0_digests.emplace_back(*e.DigestFor(kSha256));
  }
  std::string pcr0(32, '\0');
  pcr0.back() = 4;
  for (const std::string& d : pcr0_digests) pcr0 = Hash(kSha256, pcr0 + d);
  quoted[kSha256][0] = pcr0;
  for (auto it = quoted.begin(); it != quoted.end();) {  // a quote of the sha256 bank only
    it = it->first == kSha256 ? std::next(it) : quoted.erase(it);
  }
  BindingOutcome bound = BindToQuote(log, quoted);
  ASSERT_TRUE(bound.verified.has_value()) << bound.check.detail();
  EXPECT_EQ(bound.check.status(), veu::v1::CHECK_PASS);
  // One changed byte of the H-CRTM digest and PCR 0 no longer replays.
  BindingOutcome changed = BindToQuote(Parse(testing::WithHcrtm(base, "crtm2")), quoted);
  EXPECT_FALSE(changed.verified.has_value());
  EXPECT_EQ(changed.mismatch_pcr, 0u);
}

TEST(Hcrtm, ExtendOperationsLeaveTheHcrtmToTheTpm) {
  const UnverifiedEventLog log = Parse(HcrtmLog());
  const std::vector<ExtendOperation> ops = ExtendOperations(log);
  ASSERT_FALSE(ops.empty());
  EXPECT_NE(ops.front().record, 1u) << "the H-CRTM event (record 1) is no PCR extend";
  // A TPM that did the H-CRTM sequence, then these extends, holds the replayed values.
  PcrValues manual;
  for (uint16_t alg : {kSha1, kSha256}) {
    manual[alg][0] = std::string(crypto::DigestSize(alg), '\0');
    manual[alg][0].back() = 4;
    manual[alg][0] = Hash(alg, manual[alg][0] + Hash(alg, "the CRTM's own code"));
  }
  for (const ExtendOperation& op : ops) {
    std::string& pcr = manual[op.alg][op.pcr];
    if (pcr.empty()) pcr.assign(crypto::DigestSize(op.alg), '\0');
    pcr = Hash(op.alg, pcr + op.digest);
  }
  EXPECT_EQ(manual, Replay(log));
}

TEST(Hcrtm, JsonSaysPcr0StartsFromTheHcrtm) {
  const UnverifiedEventLog log = Parse(HcrtmLog());
  const std::string json = EventLogToJson(log, Replay(log), FindStructuralProblems(log));
  EXPECT_THAT(json, HasSubstr("\"pcr0_initial_locality\": 4"));
  EXPECT_THAT(json, HasSubstr("\"hcrtm\": true"));
}

}  // namespace
}  // namespace veu::eventlog
