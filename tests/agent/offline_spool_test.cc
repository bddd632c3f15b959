// The offline spool: bounded, ordered, durable through a file seam; unreadable entries refused
// one by one with a reason and the rest kept. In memory (MemorySpoolFile) but for the last
// tests, which use the real file in a temporary directory.
#include "agent/offline_spool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/spool_file.h"
#include "agent/spool_format.h"
#include "common/crypto/digest.h"

namespace veu::agent {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The file as bytes in memory, shared with the test so it can cut and corrupt it.
class MemorySpoolFile final : public SpoolFile {
 public:
  explicit MemorySpoolFile(std::shared_ptr<std::string> bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<std::string> Read() override {
    if (!exists_()) return absl::NotFoundError("no spool");
    return *bytes_;
  }
  absl::Status Append(std::string_view b) override {
    ++appends;
    bytes_->append(b);
    return absl::OkStatus();
  }
  absl::Status Replace(std::string_view b) override {
    ++replaces;
    bytes_->assign(b);
    return absl::OkStatus();
  }
  int appends = 0, replaces = 0;

 private:
  bool exists_() const { return !bytes_->empty(); }
  std::shared_ptr<std::string> bytes_;
};

veu::v1::OfflineQuote Quote(int n, size_t facts_size = 16) {
  veu::v1::OfflineQuote q;
  q.mutable_quote()->set_attest(absl::StrCat("attest #", n));
  q.mutable_quote()->set_signature("sig");
  q.set_facts(std::string(facts_size, static_cast<char>('a' + n % 26)));
  q.set_previous(crypto::Sha256(absl::StrCat("attest #", n - 1)));
  return q;
}

std::vector<std::string> Attests(const OfflineSpool& s) {
  std::vector<std::string> out;
  for (const auto& q : s.quotes()) out.push_back(q.quote().attest());
  return out;
}

class OfflineSpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<OfflineSpool> Open(SpoolLimits limits = {}) {
    auto file = std::make_unique<MemorySpoolFile>(bytes_);
    last_file_ = file.get();
    absl::StatusOr<std::unique_ptr<OfflineSpool>> s = OfflineSpool::Open(std::move(file), limits);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  // Offsets of each frame in the file.
  std::shared_ptr<std::string> bytes_ = std::make_shared<std::string>();
  MemorySpoolFile* last_file_ = nullptr;
};

TEST_F(OfflineSpoolTest, QuotesSurviveAReopenInOrderAndChain) {
  auto s = Open();
  ASSERT_TRUE(s->SetAnchor(crypto::Sha256("online")).ok());
  EXPECT_EQ(s->previous(), crypto::Sha256("online"));
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s->Append(Quote(i)).ok());
  EXPECT_EQ(last_file_->appends, 3) << "each quote is one appended, synced frame";
  EXPECT_EQ(s->previous(), crypto::Sha256("attest #3"));

  auto again = Open();
  EXPECT_THAT(Attests(*again), ElementsAre("attest #1", "attest #2", "attest #3"));
  EXPECT_EQ(again->anchor(), crypto::Sha256("online"));
  EXPECT_EQ(again->previous(), crypto::Sha256("attest #3"));
  EXPECT_THAT(again->refusals(), IsEmpty());
  EXPECT_EQ(again->bytes(), bytes_->size());
}

TEST_F(OfflineSpoolTest, AFullSpoolDropsTheOldestAndSaysHowMany) {
  auto s = Open({.max_entries = 3});
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(s->Append(Quote(i)).ok());
  EXPECT_THAT(Attests(*s), ElementsAre("attest #3", "attest #4", "attest #5"));
  EXPECT_EQ(s->dropped(), 2u);
  auto again = Open({.max_entries = 3});
  EXPECT_EQ(again->dropped(), 2u) << "the count is in the file, not only in memory";
  EXPECT_THAT(Attests(*again), ElementsAre("attest #3", "attest #4", "attest #5"));
  const auto batches = again->Batches();
  ASSERT_THAT(batches, SizeIs(1));
  EXPECT_EQ(batches[0].dropped(), 2u);
  EXPECT_TRUE(batches[0].last());
}

TEST_F(OfflineSpoolTest, TheByteBoundDropsToo) {
  const size_t frame = EncodeQuoteFrame(Quote(1, 1000)).size();
  // Room for two quotes and the dropped-count frame, not three quotes.
  const size_t bound = 2 * frame + EncodeDroppedFrame(0).size();
  auto s = Open({.max_entries = 100, .max_bytes = bound});
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(s->Append(Quote(i, 1000)).ok());
  EXPECT_THAT(Attests(*s), ElementsAre("attest #3", "attest #4"));
  EXPECT_EQ(s->dropped(), 2u);
  EXPECT_LE(bytes_->size(), bound);
}

TEST_F(OfflineSpoolTest, ATruncatedTailIsRefusedAndTheRestKept) {
  auto s = Open();
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s->Append(Quote(i)).ok());
  bytes_->resize(bytes_->size() - 20);  // a crash in the middle of the last append
  auto again = Open();
  EXPECT_THAT(Attests(*again), ElementsAre("attest #1", "attest #2"));
  ASSERT_THAT(again->refusals(), SizeIs(1));
  EXPECT_THAT(again->refusals()[0], HasSubstr("truncated frame"));
  // The file was rewritten clean with the refusal kept as a note: a second open refuses
  // nothing new and still reports it.
  auto third = Open();
  EXPECT_THAT(Attests(*third), ElementsAre("attest #1", "attest #2"));
  ASSERT_THAT(third->refusals(), SizeIs(1));
  EXPECT_THAT(third->refusals()[0], HasSubstr("truncated frame"));
  EXPECT_THAT(third->Batches().back().unreadable(), SizeIs(1));
}

TEST_F(OfflineSpoolTest, ACorruptEntryIsRefusedWithItsOffsetAndTheOthersKept) {
  auto s = Open();
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(s->Append(Quote(i)).ok());
  const size_t frame = EncodeQuoteFrame(Quote(1)).size();
  (*bytes_)[frame + 20] ^= 0x01;  // a flipped bit inside the second frame's payload
  auto again = Open();
  EXPECT_THAT(Attests(*again), ElementsAre("attest #1", "attest #3", "attest #4"));
  ASSERT_THAT(again->refusals(), SizeIs(1));
  EXPECT_THAT(again->refusals()[0],
              AllOf(HasSubstr(absl::StrCat("offset ", frame)), HasSubstr("SHA-256 mismatch")));
}

TEST_F(OfflineSpoolTest, GarbageAndACorruptLengthAreSkippedToTheNextFrame) {
  auto s = Open();
  ASSERT_TRUE(s->Append(Quote(1)).ok());
  bytes_->append("garbage that is no frame");
  std::string bad = EncodeQuoteFrame(Quote(2));
  bad[5] = '\x7f';  // length byte: claims ~2 GB
  bytes_->append(bad);
  bytes_->append(EncodeQuoteFrame(Quote(3)));
  auto again = Open();
  EXPECT_THAT(Attests(*again), ElementsAre("attest #1", "attest #3"));
  ASSERT_THAT(again->refusals(), SizeIs(2));
  EXPECT_THAT(again->refusals()[0], HasSubstr("bad magic"));
  EXPECT_THAT(again->refusals()[1], HasSubstr("over the limit"));
}

TEST_F(OfflineSpoolTest, EveryTruncationDecodesToAPrefixWithoutReadingPastTheEnd) {
  std::string file = EncodeAnchorFrame(crypto::Sha256("a"));
  std::vector<size_t> boundaries = {0, file.size()};
  for (int i = 1; i <= 3; ++i) {
    file += EncodeQuoteFrame(Quote(i));
    boundaries.push_back(file.size());
  }
  for (size_t n = 0; n <= file.size(); ++n) {
    const std::string cut = file.substr(0, n);  // exactly n bytes: ASan sees any overread
    DecodedSpool d = DecodeSpool(cut);
    ASSERT_LE(d.quotes.size(), 3u);
    for (size_t i = 0; i < d.quotes.size(); ++i) {
      EXPECT_EQ(d.quotes[i].quote().attest(), absl::StrCat("attest #", i + 1));
    }
    const bool at_boundary =
        std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    EXPECT_EQ(d.refused.size(), at_boundary ? 0u : 1u) << "cut at " << n;
  }
  EXPECT_THAT(DecodeSpool(file).refused, IsEmpty());
}

TEST_F(OfflineSpoolTest, AnAcknowledgedUploadLeavesOnlyItsTipAsTheAnchor) {
  auto s = Open({.max_entries = 2});
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s->Append(Quote(i)).ok());
  ASSERT_TRUE(s->Acknowledged().ok());
  EXPECT_TRUE(s->empty());
  EXPECT_EQ(s->anchor(), crypto::Sha256("attest #3"));
  EXPECT_EQ(s->previous(), crypto::Sha256("attest #3"));
  auto again = Open();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(again->anchor(), crypto::Sha256("attest #3"));
}

TEST_F(OfflineSpoolTest, ANewAnchorIsRefusedWhileAnUploadIsPending) {
  auto s = Open();
  ASSERT_TRUE(s->Append(Quote(1)).ok());
  EXPECT_EQ(s->SetAnchor(crypto::Sha256("online")).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(OfflineSpoolTest, BatchesKeepTheOrderAndStayNearTheirSize) {
  auto s = Open({.max_entries = 100, .max_bytes = 1 << 20, .batch_bytes = 2500});
  for (int i = 1; i <= 7; ++i) ASSERT_TRUE(s->Append(Quote(i, 1000)).ok());
  const auto batches = s->Batches();
  ASSERT_THAT(batches, SizeIs(4));  // 2 + 2 + 2 + 1 quotes of ~1.1 kB each
  std::vector<std::string> order;
  for (size_t b = 0; b < batches.size(); ++b) {
    EXPECT_EQ(batches[b].last(), b + 1 == batches.size());
    for (const auto& q : batches[b].quotes()) order.push_back(q.quote().attest());
  }
  EXPECT_THAT(order, ElementsAre("attest #1", "attest #2", "attest #3", "attest #4",
                                 "attest #5", "attest #6", "attest #7"));
}

TEST(PosixSpoolFileTest, AppendsAndReplacesARealFile) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("veu-spool-test-", ::getpid());
  std::filesystem::create_directories(dir);
  PosixSpoolFile file((dir / "offline.spool").string());
  EXPECT_EQ(file.Read().status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(file.Append("one").ok());
  ASSERT_TRUE(file.Append("two").ok());
  EXPECT_EQ(*file.Read(), "onetwo");
  ASSERT_TRUE(file.Replace("three").ok());
  EXPECT_EQ(*file.Read(), "three");
  EXPECT_FALSE(std::filesystem::exists(dir / "offline.spool.tmp"));
  EXPECT_EQ(std::filesystem::status(dir / "offline.spool").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  PosixSpoolFile nowhere((dir / "missing" / "offline.spool").string());
  absl::Status s = nowhere.Append("x");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("missing/offline.spool"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace veu::agent
