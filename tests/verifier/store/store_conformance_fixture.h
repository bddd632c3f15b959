// Helpers and the fixture shared by the Store conformance suites (store_conformance_test.h,
// store_records_conformance_test.h); also used on their own by tests that need a store with
// sites and agents in it.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_FIXTURE_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto/digest.h"
#include "tests/support/status_matchers.h"
#include "verifier/store/store.h"

namespace veu::verifier::testing {

using ::testing::HasSubstr;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

inline google::protobuf::Timestamp Ts(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

inline veu::v1::Site MakeSite(const std::string& name) {
  veu::v1::Site site;
  site.set_name(name);
  site.set_organisation("Example Compute GmbH");
  site.set_country("DE");
  *site.mutable_created_at() = Ts(1700000000);
  return site;
}

inline veu::v1::AgentRecord MakeAgent(const std::string& id, const std::string& site) {
  veu::v1::AgentRecord agent;
  agent.set_agent_id(id);
  agent.set_site(site);
  agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  agent.set_hostname(id + ".example");
  agent.set_ak_name(std::string("\x00\x0b", 2) + crypto::Sha256(id));
  *agent.mutable_enrolled_at() = Ts(1700000000);
  return agent;
}

inline veu::v1::Event MakeEvent(veu::v1::EventKind kind, const std::string& agent_id,
                                const std::string& site, int64_t at_seconds) {
  veu::v1::Event event;
  event.set_kind(kind);
  event.set_agent_id(agent_id);
  event.set_site(site);
  *event.mutable_at() = Ts(at_seconds);
  event.set_detail(absl::StrCat("event at ", at_seconds));
  return event;
}

// A consistent commit: appraisal `id` of `agent` at time `at_seconds`, with the agent record
// updated the way the appraiser would (last_seen, last_verdict, last_clock).
inline AppraisalCommit MakeCommit(const std::string& id, const veu::v1::AgentRecord& agent,
                                  int64_t at_seconds,
                                  veu::v1::Verdict verdict = veu::v1::VERDICT_ACCEPT) {
  AppraisalCommit commit;
  commit.appraisal.set_id(id);
  commit.appraisal.set_agent_id(agent.agent_id());
  commit.appraisal.set_site(agent.site());
  *commit.appraisal.mutable_appraised_at() = Ts(at_seconds);
  commit.appraisal.set_verdict(verdict);
  commit.appraisal.set_policy_version("test-1");
  commit.evidence = "evidence of " + id;
  commit.challenge = "challenge of " + id;
  commit.agent = agent;
  *commit.agent.mutable_last_seen() = Ts(at_seconds);
  commit.agent.set_last_verdict(verdict);
  commit.agent.set_last_clock(static_cast<uint64_t>(at_seconds) * 1000);
  return commit;
}

inline veu::v1::EnrollmentToken MakeToken(const std::string& secret, const std::string& site,
                                          int64_t expires_seconds) {
  veu::v1::EnrollmentToken token;
  token.set_token_sha256(crypto::Sha256(secret));
  token.set_site(site);
  *token.mutable_expires_at() = Ts(expires_seconds);
  return token;
}

inline EventFilter Filter(const std::string& agent_id, const std::string& site = "",
                          uint32_t limit = 100) {
  EventFilter filter;
  filter.agent_id = agent_id;
  filter.site = site;
  filter.limit = limit;
  return filter;
}

MATCHER_P(ProtoEq, expected, "equals " + expected.ShortDebugString()) {
  *result_listener << "is " << arg.ShortDebugString();
  return arg.SerializeAsString() == expected.SerializeAsString();
}

// An agent record as written: record_version is the store's own count of writes, set on every
// read (compare-and-set), so it is left out of the comparison; the suites that care about it
// check it on its own.
MATCHER_P(AgentRecordEq, expected, "equals " + expected.ShortDebugString()) {
  veu::v1::AgentRecord read = arg;
  read.clear_record_version();
  *result_listener << "is " << read.ShortDebugString();
  return read.SerializeAsString() == expected.SerializeAsString();
}

// What every conformance suite starts from: a fresh store of the backend, reopenable.
template <typename Backend>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Reopen()); }

  // Closes the store (if open) and opens the same database again.
  void Reopen() {
    store_.reset();
    auto opened = backend_.Open();
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }

  // Adds site `name` and returns an agent enrolled there.
  veu::v1::AgentRecord Enrolled(const std::string& agent_id, const std::string& site) {
    if (!store_->GetSite(site).ok()) {
      EXPECT_OK(store_->AddSite(MakeSite(site)));
    }
    veu::v1::AgentRecord agent = MakeAgent(agent_id, site);
    EXPECT_OK(store_->PutAgent(agent, {}));
    return agent;
  }

  std::vector<std::string> AppraisalIds(const std::string& agent_id, uint32_t limit = 0) {
    std::vector<std::string> ids;
    auto listed = store_->ListAppraisals(agent_id, limit, /*with_evidence=*/false);
    EXPECT_OK(listed);
    if (!listed.ok()) return ids;
    for (const auto& stored : *listed) ids.push_back(stored.appraisal().id());
    return ids;
  }

  std::vector<std::string> EventDetails(const EventFilter& filter) {
    std::vector<std::string> details;
    auto listed = store_->ListEvents(filter);
    EXPECT_OK(listed);
    if (!listed.ok()) return details;
    for (const auto& event : *listed) details.push_back(event.detail());
    return details;
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
};

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_FIXTURE_H_
