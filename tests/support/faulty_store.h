// FaultyStore: a Store that forwards every call to a real one, except the writes a test tells
// it to fail. It is the Store seam through which tests prove the promises that only hold when
// the database misbehaves: a result is acknowledged only after it is committed, and a
// regulator call is refused when its access record cannot be written.
//
// Thread-safe (the switches are atomics; the wrapped store is thread-safe by contract).
#ifndef VEU_TESTS_SUPPORT_FAULTY_STORE_H_
#define VEU_TESTS_SUPPORT_FAULTY_STORE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "verifier/store/store.h"

namespace veu::testing {

class FaultyStore final : public verifier::Store {
 public:
  explicit FaultyStore(verifier::Store* real) : real_(real) {}

  // While set, appraisal commits fail Unavailable and store nothing.
  void FailCommits(bool fail) { fail_commits_ = fail; }
  // While set, AppendAccessRecord fails Unavailable and records nothing.
  void FailAccessRecords(bool fail) { fail_access_records_ = fail; }
  // Commits refused so far (each appraisal of a refused group counts once).
  uint64_t commits_refused() const { return commits_refused_; }
  uint64_t access_records_refused() const { return access_records_refused_; }

  absl::Status AddSite(const veu::v1::Site& site) override { return real_->AddSite(site); }
  absl::StatusOr<veu::v1::Site> GetSite(const std::string& name) override {
    return real_->GetSite(name);
  }
  absl::StatusOr<std::vector<veu::v1::Site>> ListSites() override { return real_->ListSites(); }
  absl::Status AddEkAllowance(const veu::v1::EkAllowance& allowance) override {
    return real_->AddEkAllowance(allowance);
  }
  absl::StatusOr<bool> IsEkAllowed(const std::string& site,
                                   const std::string& ek_public_sha256) override {
    return real_->IsEkAllowed(site, ek_public_sha256);
  }
  absl::Status AddEnrollmentToken(const veu::v1::EnrollmentToken& token) override {
    return real_->AddEnrollmentToken(token);
  }
  absl::StatusOr<verifier::TokenUse> ConsumeEnrollmentToken(const std::string& token_sha256,
                                                            const std::string& site,
                                                            absl::Time now) override {
    return real_->ConsumeEnrollmentToken(token_sha256, site, now);
  }
  absl::StatusOr<veu::v1::AgentRecord> GetAgent(const std::string& agent_id) override {
    return real_->GetAgent(agent_id);
  }
  absl::StatusOr<std::vector<veu::v1::AgentRecord>> ListAgents(const std::string& site) override {
    return real_->ListAgents(site);
  }
  absl::Status PutAgent(const veu::v1::AgentRecord& agent,
                        const std::vector<veu::v1::Event>& events) override {
    return real_->PutAgent(agent, events);
  }
  absl::Status RevokeAgent(const veu::v1::Revocation& revocation,
                           const veu::v1::Event& event) override {
    return real_->RevokeAgent(revocation, event);
  }
  absl::Status ReinstateAgent(const std::string& agent_id, const veu::v1::Event& event) override {
    return real_->ReinstateAgent(agent_id, event);
  }

  absl::Status CommitAppraisal(const verifier::AppraisalCommit& commit) override {
    if (fail_commits_) {
      ++commits_refused_;
      return Refused("commit");
    }
    return real_->CommitAppraisal(commit);
  }
  std::vector<absl::Status> CommitAppraisals(
      const std::vector<verifier::AppraisalCommit>& commits) override {
    if (fail_commits_) {
      commits_refused_ += commits.size();
      return std::vector<absl::Status>(commits.size(), Refused("group commit"));
    }
    return real_->CommitAppraisals(commits);
  }

  absl::StatusOr<std::vector<verifier::SiteInventoryTotals>> ListSiteInventoryTotals() override {
    return real_->ListSiteInventoryTotals();
  }
  absl::StatusOr<verifier::AppraisalPage> ListAppraisalPage(
      const verifier::AppraisalQuery& query) override {
    return real_->ListAppraisalPage(query);
  }
  absl::StatusOr<veu::v1::Appraisal> LatestAppraisal(const std::string& agent_id) override {
    return real_->LatestAppraisal(agent_id);
  }
  absl::Status PutReferenceValues(const veu::v1::ReferenceValues& refs) override {
    return real_->PutReferenceValues(refs);
  }
  absl::StatusOr<veu::v1::ReferenceValues> GetReferenceValues(const std::string& name) override {
    return real_->GetReferenceValues(name);
  }
  absl::StatusOr<std::vector<veu::v1::AcceleratorSighting>> ListSightings(
      const std::vector<std::string>& identities) override {
    return real_->ListSightings(identities);
  }
  absl::StatusOr<std::vector<veu::v1::Diversion>> ListDiversions(
      const verifier::DiversionFilter& filter) override {
    return real_->ListDiversions(filter);
  }
  absl::StatusOr<veu::v1::Diversion> ResolveDiversion(int64_t id, const std::string& note,
                                                      absl::Time now) override {
    return real_->ResolveDiversion(id, note, now);
  }
  absl::StatusOr<std::vector<verifier::LogEntry>> ListSiteAppraisals(
      const verifier::SitePeriod& period) override {
    return real_->ListSiteAppraisals(period);
  }
  absl::StatusOr<verifier::LogEntry> LastAppraisalBefore(const std::string& agent_id,
                                                         absl::Time before) override {
    return real_->LastAppraisalBefore(agent_id, before);
  }

  absl::StatusOr<int64_t> AppendAccessRecord(const veu::v1::AccessRecord& record) override {
    if (fail_access_records_) {
      ++access_records_refused_;
      return Refused("access record");
    }
    return real_->AppendAccessRecord(record);
  }
  absl::StatusOr<std::vector<veu::v1::AccessRecord>> ListAccessRecords(uint32_t limit) override {
    return real_->ListAccessRecords(limit);
  }
  absl::Status PutPolicyPack(const veu::v1::PolicyPack& pack) override {
    return real_->PutPolicyPack(pack);
  }
  absl::StatusOr<veu::v1::PolicyPack> GetPolicyPack(const std::string& version) override {
    return real_->GetPolicyPack(version);
  }
  absl::StatusOr<int64_t> AppendEvent(const veu::v1::Event& event) override {
    return real_->AppendEvent(event);
  }
  absl::StatusOr<std::vector<veu::v1::Event>> ListEvents(
      const verifier::EventFilter& filter) override {
    return real_->ListEvents(filter);
  }
  absl::StatusOr<verifier::EvidenceDropped> DropEvidence(const verifier::EvidenceRetention& retention,
                                                         absl::Time now,
                                                         uint32_t max_appraisals) override {
    return real_->DropEvidence(retention, now, max_appraisals);
  }
  absl::Status CheckWritable() override {
    if (fail_commits_) return Refused("write probe");
    return real_->CheckWritable();
  }

 private:
  static absl::Status Refused(const char* what) {
    return absl::UnavailableError(absl::StrCat("injected fault: ", what, " refused"));
  }

  verifier::Store* const real_;
  std::atomic<bool> fail_commits_{false};
  std::atomic<bool> fail_access_records_{false};
  std::atomic<uint64_t> commits_refused_{0};
  std::atomic<uint64_t> access_records_refused_{0};
};

}  // namespace veu::testing

#endif  // VEU_TESTS_SUPPORT_FAULTY_STORE_H_
