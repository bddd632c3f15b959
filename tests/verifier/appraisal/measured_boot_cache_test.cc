// MeasuredBootCache gives what AppraiseMeasuredBoot gives (less the Secure Boot entry lists,
// counted instead), computes each distinct input once, and stays within its capacity.
#include "verifier/appraisal/measured_boot_cache.h"

#include <gtest/gtest.h>

#include "tests/verifier/appraisal/appraisal_fixture.h"

namespace veu::verifier {
namespace {

using testing::kLogFixture;
using testing::ReadFixture;
using testing::ReplayedSha256;

TEST(MeasuredBootCache, HitGivesTheSameResultAsTheDirectAppraisal) {
  const std::string log = ReadFixture(absl::StrCat("eventlogs/", kLogFixture));
  const std::vector<veu::v1::PcrValue> pcrs = ReplayedSha256(log);
  MeasuredBootCache cache(4);
  const MeasuredBootResult direct = AppraiseMeasuredBoot(log, pcrs, {});
  const MeasuredBootResult first = cache.Appraise(log, pcrs, {});
  const MeasuredBootResult second = cache.Appraise(log, pcrs, {});
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 1u);
  ASSERT_TRUE(direct.replayed);
  veu::v1::MeasuredBootFacts expected = direct.facts;
  for (auto* v : {expected.mutable_secure_boot()->mutable_pk(),
                  expected.mutable_secure_boot()->mutable_kek(),
                  expected.mutable_secure_boot()->mutable_db(),
                  expected.mutable_secure_boot()->mutable_dbx()}) {
    EXPECT_EQ(v->entry_count(), static_cast<uint32_t>(v->entries_size()));
    v->clear_entries();
  }
  for (const MeasuredBootResult* r : {&first, &second}) {
    EXPECT_EQ(r->replayed, direct.replayed);
    EXPECT_EQ(r->facts.SerializeAsString(), expected.SerializeAsString())
        << "the facts, less the Secure Boot entry lists";
    ASSERT_EQ(r->checks.size(), direct.checks.size());
    for (size_t i = 0; i < r->checks.size(); ++i) {
      EXPECT_EQ(r->checks[i].SerializeAsString(), direct.checks[i].SerializeAsString());
    }
  }
}

TEST(MeasuredBootCache, OtherPcrValuesAreAnotherInputNotAHit) {
  const std::string log = ReadFixture(absl::StrCat("eventlogs/", kLogFixture));
  std::vector<veu::v1::PcrValue> pcrs = ReplayedSha256(log);
  MeasuredBootCache cache(4);
  EXPECT_TRUE(cache.Appraise(log, pcrs, {}).replayed);
  pcrs[0].set_digest(std::string(32, 'x'));  // a quote whose PCR 0 the log does not replay to
  EXPECT_FALSE(cache.Appraise(log, pcrs, {}).replayed);
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST(MeasuredBootCache, EvictsTheLeastRecentlyUsedBeyondItsCapacity) {
  const std::string log = ReadFixture(absl::StrCat("eventlogs/", kLogFixture));
  std::vector<veu::v1::PcrValue> pcrs = ReplayedSha256(log);
  MeasuredBootCache cache(1);
  cache.Appraise(log, pcrs, {});
  veu::v1::ReferenceValues refs;
  refs.set_name("class-b");
  cache.Appraise(log, pcrs, refs);  // evicts the first
  cache.Appraise(log, pcrs, {});
  EXPECT_EQ(cache.misses(), 3u);
}

}  // namespace
}  // namespace veu::verifier
