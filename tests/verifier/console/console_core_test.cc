// The console's pure parts: where it may listen and whom it answers, the server-sent event
// framing and the verdict feed, and the JSON the pages lay out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"

#include "common/proto_time.h"
#include "verifier/console/assets.h"
#include "verifier/console/listen_address.h"
#include "verifier/console/timeline.h"
#include "verifier/console/verdict_feed.h"
#include "verifier/console/views.h"

namespace veu::console {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ListenAddressTest, AcceptsLoopbackOnly) {
  absl::StatusOr<ListenAddress> v4 = ParseLoopbackListen("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  EXPECT_EQ(ParseLoopbackListen("localhost:0")->host, "127.0.0.1");
  EXPECT_EQ(ParseLoopbackListen("[::1]:9000")->host, "::1");
  EXPECT_TRUE(ParseLoopbackListen("127.1.2.3:1").ok());
  for (const char* bad : {"0.0.0.0:8080", "10.0.0.1:8080", "[::]:8080", "example.com:80",
                          "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1.example.com:80", "::1:80", "127.0.0:80", "1127.0.0.1:80"}) {
    absl::StatusOr<ListenAddress> r = ParseLoopbackListen(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseLoopbackListen("0.0.0.0:80").status().message()),
              HasSubstr("loopback only"));
}

TEST(ListenAddressTest, AnswersOnlyRequestsAddressedToLoopback) {
  for (const char* ok : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHostHeader(ok)) << ok;
  }
  // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1 arrives with its own Host.
  for (const char* bad : {"", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil:80",
                          "[::1", "127.0.0.1:80:80", "192.168.1.2:8080"}) {
    EXPECT_FALSE(IsLoopbackHostHeader(bad)) << bad;
  }
  EXPECT_TRUE(IsLoopbackOrigin(""));
  EXPECT_TRUE(IsLoopbackOrigin("http://127.0.0.1:8080"));
  EXPECT_FALSE(IsLoopbackOrigin("null"));
  EXPECT_FALSE(IsLoopbackOrigin("https://evil.example"));
  EXPECT_FALSE(IsLoopbackOrigin("http://evil.example"));
}

TEST(VerdictFeedTest, FramesEachLineOfDataAsItsOwnDataLine) {
  EXPECT_EQ(FormatSseEvent(7, "change", "{\"a\":1}"), "id: 7\nevent: change\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(FormatSseEvent(1, "x", "one\r\ntwo\nthree"),
            "id: 1\nevent: x\ndata: one\ndata: two\ndata: three\n\n");
}

TEST(VerdictFeedTest, ReadersGetWhatCameAfterTheirCursorAndWaitForMore) {
  VerdictFeed feed(3);
  EXPECT_TRUE(feed.WaitAfter(0, absl::Milliseconds(20)).empty());
  feed.Publish("a");
  feed.Publish("b");
  std::vector<VerdictFeed::Item> got = feed.WaitAfter(1, absl::Seconds(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 2u);
  EXPECT_EQ(got[0].json, "b");
  // A waiter is woken by the next change, well before its timeout.
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    feed.Publish("c");
  });
  const absl::Time start = absl::Now();
  got = feed.WaitAfter(2, absl::Seconds(10));
  writer.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].json, "c");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // The ring keeps the last three.
  feed.Publish("d");
  got = feed.WaitAfter(0, absl::Seconds(1));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front().json, "b");
  EXPECT_EQ(got.back().seq, 4u);
  feed.Close();
  EXPECT_TRUE(feed.WaitAfter(0, absl::Seconds(10)).empty());
}

veu::v1::AgentStatusSummary Node(const std::string& id, veu::v1::Verdict v, uint64_t tpp,
                                 bool stale = false) {
  veu::v1::AgentStatusSummary n;
  n.mutable_agent()->set_agent_id(id);
  n.mutable_agent()->set_hostname("host-" + id);
  n.mutable_agent()->mutable_last_inventory()->set_reported(tpp > 0);
  n.mutable_agent()->mutable_last_inventory()->set_count(tpp > 0 ? 2 : 0);
  n.mutable_agent()->mutable_last_inventory()->set_tpp(tpp);
  (*n.mutable_agent()->mutable_last_inventory()->mutable_models())["H100 PCIe"] = tpp > 0 ? 2 : 0;
  n.mutable_latest()->set_verdict(v);
  n.set_stale(stale);
  return n;
}

veu::v1::SiteStatus Site(const std::string& name, const std::string& country,
                         const std::string& org, veu::v1::Verdict v) {
  veu::v1::SiteStatus s;
  s.mutable_site()->set_name(name);
  s.mutable_site()->set_country(country);
  s.mutable_site()->set_organisation(org);
  s.set_verdict(v);
  *s.mutable_evaluated_at() = ToProtoTime(absl::FromUnixSeconds(1783000000));
  return s;
}

TEST(ViewsTest, TimesAreUtcWithTheZoneWritten) {
  EXPECT_EQ(UtcTime(absl::FromUnixSeconds(1783000000)), "2026-07-02 13:46:40 UTC");
  EXPECT_EQ(UtcTime(absl::UnixEpoch()), "never");
}

TEST(ViewsTest, FleetCountsSitesByVerdictAndGroupsThemByCountry) {
  std::vector<veu::v1::SiteStatus> sites = {Site("fra2", "DE", "Acme", veu::v1::VERDICT_REJECT),
                                            Site("ams1", "NL", "Acme", veu::v1::VERDICT_ACCEPT),
                                            Site("fra1", "DE", "Acme", veu::v1::VERDICT_STALE)};
  *sites[2].add_agents() = Node("a1", veu::v1::VERDICT_ACCEPT, 100, /*stale=*/true);
  *sites[2].add_agents() = Node("a2", veu::v1::VERDICT_ACCEPT, 100);
  const std::string json =
      FleetJson(sites, {{"gone", absl::PermissionDeniedError("outside scope")}},
                absl::FromUnixSeconds(1783000000));
  EXPECT_THAT(json, HasSubstr("{\"sites\":1,\"verdict\":\"ACCEPT\"}"));
  EXPECT_THAT(json, HasSubstr("{\"sites\":1,\"verdict\":\"REJECT\"}"));
  EXPECT_THAT(json, HasSubstr("{\"sites\":0,\"verdict\":\"WARN\"}"));
  EXPECT_THAT(json, HasSubstr("\"stale_sites\":1"));
  EXPECT_THAT(json, HasSubstr("\"stale_nodes\":1"));
  // DE before NL; fra1 before fra2 within DE.
  EXPECT_LT(json.find("\"DE\""), json.find("\"NL\""));
  EXPECT_LT(json.find("\"fra1\""), json.find("\"fra2\""));
  EXPECT_THAT(json, HasSubstr("\"generated_at\":\"2026-07-02 13:46:40 UTC\""));
  EXPECT_THAT(json, HasSubstr("{\"error\":\"outside scope\",\"site\":\"gone\"}"));
}

TEST(ViewsTest, SiteListsFailedChecksFirstAndJudgesTheInventoryAgainstTheAuthorisation) {
  veu::v1::SiteStatus s = Site("fra1", "DE", "Acme", veu::v1::VERDICT_REJECT);
  s.mutable_site()->set_authorised_accelerators(3);
  *s.add_agents() = Node("a1", veu::v1::VERDICT_REJECT, 100);
  *s.add_agents() = Node("a2", veu::v1::VERDICT_ACCEPT, 100);
  auto* latest = s.mutable_agents(0)->mutable_latest();
  auto* warn = latest->add_checks();
  warn->set_check("nonce.fresh");
  warn->set_status(veu::v1::CHECK_WARN);
  auto* pass = latest->add_checks();
  pass->set_check("quote.signature");
  pass->set_status(veu::v1::CHECK_PASS);
  auto* fail = latest->add_checks();
  fail->set_check("boot.secure_boot");
  fail->set_status(veu::v1::CHECK_FAIL);
  fail->set_reason(veu::v1::REASON_UNSPECIFIED);
  fail->set_detail("SecureBoot is off");
  const std::string json = SiteJson(s, absl::FromUnixSeconds(1783000000));
  EXPECT_LT(json.find("boot.secure_boot"), json.find("nonce.fresh"));
  EXPECT_THAT(json, Not(HasSubstr("quote.signature")));
  EXPECT_THAT(json, HasSubstr("\"detail\":\"SecureBoot is off\""));
  EXPECT_THAT(json, HasSubstr("\"status\":\"FAIL\""));
  EXPECT_THAT(json, HasSubstr("\"accelerators\":4"));
  EXPECT_THAT(json, HasSubstr("\"assessment\":\"above the authorisation\""));
  s.mutable_site()->set_authorised_accelerators(4);
  EXPECT_THAT(SiteJson(s, absl::Now()), HasSubstr("\"assessment\":\"within the authorisation\""));
}

TEST(ViewsTest, OrganisationSharesAreJudgedAgainstThePacksLimits) {
  std::vector<veu::v1::SiteStatus> sites = {Site("us1", "US", "Acme", veu::v1::VERDICT_ACCEPT),
                                            Site("ae1", "AE", "Acme", veu::v1::VERDICT_ACCEPT),
                                            Site("other", "AE", "Other", veu::v1::VERDICT_ACCEPT)};
  *sites[0].add_agents() = Node("a1", veu::v1::VERDICT_ACCEPT, 900);
  *sites[1].add_agents() = Node("a2", veu::v1::VERDICT_ACCEPT, 100);
  *sites[2].add_agents() = Node("a3", veu::v1::VERDICT_ACCEPT, 5000);
  veu::v1::PolicyPack pack;
  pack.set_id("veu-2025");
  pack.set_version("2025.1");
  auto* us = pack.mutable_tiers()->add_countries();
  us->set_iso_code("US");
  us->set_tier(veu::v1::TIER_1);
  auto* ae = pack.mutable_tiers()->add_countries();
  ae->set_iso_code("AE");
  ae->set_tier(veu::v1::TIER_2);
  pack.mutable_caps()->set_uveu_min_tier1_share(0.75);
  pack.mutable_caps()->set_uveu_max_single_non_tier1_share(0.07);
  const std::string judged = OrganisationJson("Acme", sites, &pack, absl::Now());
  EXPECT_THAT(judged, HasSubstr("\"total_tpp\":1000"));  // the other organisation's left out
  EXPECT_THAT(judged, HasSubstr("\"share_permille\":900"));
  EXPECT_THAT(judged, HasSubstr("\"tier1_share_permille\":900"));
  EXPECT_THAT(judged, HasSubstr("\"tier1_share_ok\":true"));
  EXPECT_THAT(judged, HasSubstr("\"single_other_ok\":false"));  // AE at 10 % > 7 %
  EXPECT_THAT(judged, HasSubstr("\"max_single_other_share_permille\":70"));
  const std::string unjudged = OrganisationJson("Acme", sites, nullptr, absl::Now());
  EXPECT_THAT(unjudged, HasSubstr("\"judged\":false"));
  EXPECT_THAT(unjudged, Not(HasSubstr("single_other_ok")));
}

TEST(ViewsTest, AVerdictChangeCarriesItsTimesInUtcAndInMilliseconds) {
  veu::v1::VerdictChange c;
  c.set_site("fra1");
  c.set_previous(veu::v1::VERDICT_NONE);
  c.set_verdict(veu::v1::VERDICT_WARN);
  c.add_failed("boot.secure_boot");
  *c.mutable_at() = ToProtoTime(absl::FromUnixMillis(1783000000123));
  const std::string json = VerdictChangeJson(c, absl::FromUnixMillis(1783000000400));
  EXPECT_THAT(json, HasSubstr("\"at\":\"2026-07-02 13:46:40 UTC\""));
  EXPECT_THAT(json, HasSubstr("\"at_unix_ms\":1783000000123"));
  EXPECT_THAT(json, HasSubstr("\"received_unix_ms\":1783000000400"));
  EXPECT_THAT(json, HasSubstr("\"previous\":\"NONE\""));
  EXPECT_THAT(json, HasSubstr("\"failed\":[\"boot.secure_boot\"]"));
}

TEST(TimelineTest, EachVerdictHoldsUntilTheNextAppraisalAndStalePeriodsCutIn) {
  const absl::Time t = absl::FromUnixSeconds(1783000000);
  veu::v1::ComplianceReport r;
  *r.mutable_period_from() = ToProtoTime(t);
  *r.mutable_period_to() = ToProtoTime(t + absl::Seconds(100));
  r.add_agents()->set_agent_id("a1");
  r.mutable_agents(0)->set_hostname("node-1");
  auto appraisal = [&](int seconds, veu::v1::Verdict v, bool before = false) {
    auto* a = r.add_appraisals();
    a->set_agent_id("a1");
    a->set_before_period(before);
    a->set_verdict(v);
    *a->mutable_appraised_at() = ToProtoTime(t + absl::Seconds(seconds));
  };
  appraisal(-50, veu::v1::VERDICT_REJECT, /*before=*/true);
  appraisal(60, veu::v1::VERDICT_ACCEPT);  // out of order in the file: sorted by time
  appraisal(10, veu::v1::VERDICT_WARN);
  appraisal(20, veu::v1::VERDICT_WARN);
  auto* stale = r.add_stale_periods();
  stale->set_agent_id("a1");
  *stale->mutable_from() = ToProtoTime(t + absl::Seconds(80));
  *stale->mutable_to() = ToProtoTime(t + absl::Seconds(90));
  const std::string json = TimelineJson(r, "rep-1");
  const int64_t ms = absl::ToUnixMillis(t);
  auto seg = [&](int from, int to, const char* v) {
    return absl::StrCat("\"from_ms\":", ms + from * 1000, ",\"to_ms\":", ms + to * 1000,
                        ",\"verdict\":\"", v, "\"");
  };
  EXPECT_THAT(json, HasSubstr(seg(0, 10, "REJECT")));   // the anchor holds from the start
  EXPECT_THAT(json, HasSubstr(seg(10, 60, "WARN")));    // two WARNs merged
  EXPECT_THAT(json, HasSubstr(seg(60, 80, "ACCEPT")));
  EXPECT_THAT(json, HasSubstr(seg(80, 90, "STALE")));
  EXPECT_THAT(json, HasSubstr(seg(90, 100, "ACCEPT")));
  EXPECT_THAT(json, HasSubstr("\"changes\":2"));
  EXPECT_THAT(json, HasSubstr("\"hostname\":\"node-1\""));
  EXPECT_THAT(json, HasSubstr("\"report_id\":\"rep-1\""));
}

TEST(AssetsTest, EveryPageIsEmbeddedAndNothingElseIsServed) {
  for (const char* page : {"/", "/site", "/organisation", "/live", "/reports", "/fleet.html"}) {
    std::optional<Asset> a = FindAsset(page);
    ASSERT_TRUE(a.has_value()) << page;
    EXPECT_THAT(a->content_type, HasSubstr("text/html"));
    EXPECT_THAT(std::string(a->body), HasSubstr("<script src=\"/console.js\""));
    // Nothing from elsewhere: no URL with a scheme in a page.
    EXPECT_THAT(std::string(a->body), Not(HasSubstr("://")));
  }
  EXPECT_THAT(FindAsset("/console.js")->content_type, HasSubstr("javascript"));
  EXPECT_THAT(FindAsset("/console.css")->content_type, HasSubstr("text/css"));
  EXPECT_FALSE(FindAsset("/console").has_value());
  EXPECT_FALSE(FindAsset("/../etc/passwd").has_value());
  EXPECT_FALSE(FindAsset("/nothing.html").has_value());
}

}  // namespace
}  // namespace veu::console
