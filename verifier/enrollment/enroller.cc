#include "verifier/enrollment/enroller.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/peer_text.h"
#include "verifier/enrollment/revocation.h"
#include "verifier/peer_input.h"

namespace veu::verifier {

using veu::v1::ReasonCode;

absl::Status Refusal(absl::StatusCode code, ReasonCode reason, absl::string_view detail) {
  const std::string prefix = absl::StrCat(veu::v1::ReasonCode_Name(reason), ": ");
  if (absl::StartsWith(detail, prefix)) return absl::Status(code, detail);
  return absl::Status(code, absl::StrCat(prefix, detail));
}

ReasonCode RefusalReason(const absl::Status& status) {
  absl::string_view message = status.message();
  size_t colon = message.find(':');
  if (colon == absl::string_view::npos) return veu::v1::REASON_UNSPECIFIED;
  ReasonCode reason;
  if (!veu::v1::ReasonCode_Parse(std::string(message.substr(0, colon)), &reason)) {
    return veu::v1::REASON_UNSPECIFIED;
  }
  return reason;
}

std::string AgentIdForEk(const std::string& ek_spki_sha256) { return ToHex(ek_spki_sha256); }

Enroller::Enroller(Store* store, const IdentityChecks* checks, absl::Duration activation_timeout,
                   Clock clock)
    : store_(store), checks_(checks), activation_timeout_(activation_timeout),
      clock_(std::move(clock)), refusals_(store, clock_) {}

absl::StatusOr<veu::v1::BeginEnrollmentResponse> Enroller::Begin(
    const veu::v1::BeginEnrollmentRequest& request, std::string_view peer,
    bool* refusal_recorded) {
  if (refusal_recorded != nullptr) *refusal_recorded = false;
  if (absl::Status malformed = ValidateBeginEnrollmentRequest(request); !malformed.ok()) {
    absl::Status refusal = Refusal(absl::StatusCode::kInvalidArgument, veu::v1::REQUEST_MALFORMED,
                                   malformed.message());
    // The site is named only if it is one a site could have (it is the peer's string).
    RecordRefusal(peer, CheckSiteName(request.site()).ok() ? request.site() : "", "", refusal, refusal_recorded);
    return refusal;
  }
  const absl::Time now = clock_();
  VerifiedIdentity identity;
  CheckOutcome outcome = checks_->Verify(request.identity(), now, &identity);
  if (!outcome.ok()) {
    absl::Status refusal =
        Refusal(absl::StatusCode::kPermissionDenied, outcome.reason, outcome.detail);
    RecordRefusal(peer, request.site(), identity.ek_spki_sha256.empty()
                                      ? ""
                                      : AgentIdForEk(identity.ek_spki_sha256),
                  refusal, refusal_recorded);
    return refusal;
  }
  std::string token_sha256;
  if (absl::Status s = Authorise(request, identity, &token_sha256); !s.ok()) {
    RecordRefusal(peer, request.site(), AgentIdForEk(identity.ek_spki_sha256), s, refusal_recorded);
    return s;
  }
  // A revoked EK gets no credential to activate: refused before any secret is made.
  if (absl::Status s = CheckNotRevoked(*store_, AgentIdForEk(identity.ek_spki_sha256));
      !s.ok()) {
    if (RefusalReason(s) == veu::v1::AGENT_REVOKED) {
      RecordRefusal(peer, request.site(), AgentIdForEk(identity.ek_spki_sha256), s,
                    refusal_recorded);
    }
    return s;
  }

  ASSIGN_OR_RETURN(std::string secret, crypto::RandomBytes(32));
  ASSIGN_OR_RETURN(std::string id_bytes, crypto::RandomBytes(16));
  veu::v1::BeginEnrollmentResponse response;
  response.set_enrollment_id(ToHex(id_bytes));
  RETURN_IF_ERROR(checks_->MakeCredential(request.identity().ek_public(),
                                          request.identity().ak_name(), secret,
                                          response.mutable_credential_blob(),
                                          response.mutable_encrypted_secret()));
  const absl::Time deadline = now + activation_timeout_;
  *response.mutable_deadline() = ToProtoTime(deadline);

  absl::MutexLock lock(&mu_);
  DropExpiredLocked(now);
  // Each pending enrolment holds a secret until its deadline; bound what peers can make us hold.
  if (pending_.size() >= kMaxPendingEnrolments) {
    return absl::ResourceExhaustedError(
        "too many enrolments in progress; retry after the activation timeout");
  }
  pending_[response.enrollment_id()] =
      Pending{request, std::move(identity), std::move(secret), std::move(token_sha256), deadline};
  return response;
}

absl::Status Enroller::Authorise(const veu::v1::BeginEnrollmentRequest& request,
                                 const VerifiedIdentity& identity, std::string* token_sha256) {
  absl::StatusOr<veu::v1::Site> site = store_->GetSite(request.site());
  if (absl::IsNotFound(site.status())) {
    return Refusal(absl::StatusCode::kPermissionDenied, veu::v1::ENROLMENT_NOT_AUTHORISED,
                   absl::StrCat("no site named '", request.site(), "'"));
  }
  RETURN_IF_ERROR(site.status());
  ASSIGN_OR_RETURN(bool allowed, store_->IsEkAllowed(request.site(), identity.ek_spki_sha256));
  if (allowed) return absl::OkStatus();
  if (request.enrollment_token().empty()) {
    return Refusal(absl::StatusCode::kPermissionDenied, veu::v1::ENROLMENT_NOT_AUTHORISED,
                   absl::StrCat("EK ", ToHex(identity.ek_spki_sha256).substr(0, 16),
                                "... is not allowed for site '", request.site(),
                                "' and no enrolment token was given; run `veuctl agent allow` "
                                "or `veuctl site token` on the verifier"));
  }
  // The token is only checked here; it is consumed when the credential is activated, so a
  // failed activation does not burn it and two racing enrolments cannot both use it.
  *token_sha256 = crypto::Sha256(request.enrollment_token());
  return absl::OkStatus();
}

absl::StatusOr<veu::v1::CompleteEnrollmentResponse> Enroller::Complete(
    const veu::v1::CompleteEnrollmentRequest& request, std::string_view peer,
    bool* refusal_recorded) {
  if (refusal_recorded != nullptr) *refusal_recorded = false;
  if (absl::Status malformed = ValidateCompleteEnrollmentRequest(request); !malformed.ok()) {
    absl::Status refusal = Refusal(absl::StatusCode::kInvalidArgument, veu::v1::REQUEST_MALFORMED,
                                   malformed.message());
    RecordRefusal(peer, "", "", refusal, refusal_recorded);
    return refusal;
  }
  const absl::Time now = clock_();
  Pending pending;
  {
    absl::MutexLock lock(&mu_);
    DropExpiredLocked(now);
    auto it = pending_.find(request.enrollment_id());
    if (it == pending_.end()) {
      return Refusal(absl::StatusCode::kFailedPrecondition, veu::v1::ACTIVATION_EXPIRED,
                     "no pending enrolment with this id (it expired or was already answered); "
                     "begin again");
    }
    // One answer per credential: a wrong guess cannot be retried.
    pending = std::move(it->second);
    pending_.erase(it);
  }
  const std::string agent_id = AgentIdForEk(pending.identity.ek_spki_sha256);
  if (!crypto::ConstantTimeEquals(request.activated_secret(), pending.secret)) {
    absl::Status refusal =
        Refusal(absl::StatusCode::kPermissionDenied, veu::v1::ACTIVATION_SECRET_MISMATCH,
                "the activated secret is wrong: the AK is not in the TPM that holds this EK");
    RecordRefusal(peer, pending.request.site(), agent_id, refusal, refusal_recorded);
    return refusal;
  }
  if (!pending.token_sha256.empty()) {
    ASSIGN_OR_RETURN(TokenUse use, store_->ConsumeEnrollmentToken(pending.token_sha256,
                                                                  pending.request.site(), now));
    if (use != TokenUse::kConsumed) {
      ReasonCode reason = use == TokenUse::kExpired       ? veu::v1::ENROLMENT_TOKEN_EXPIRED
                          : use == TokenUse::kAlreadyUsed ? veu::v1::ENROLMENT_TOKEN_USED
                                                          : veu::v1::ENROLMENT_TOKEN_INVALID;
      absl::Status refusal = Refusal(absl::StatusCode::kPermissionDenied, reason,
                                     absl::StrCat("enrolment token for site '",
                                                  pending.request.site(), "' not accepted"));
      RecordRefusal(peer, pending.request.site(), agent_id, refusal, refusal_recorded);
      return refusal;
    }
  }

  const veu::v1::TpmPublicIdentity& presented = pending.request.identity();
  veu::v1::AgentRecord agent;
  veu::v1::Event event;
  event.set_agent_id(agent_id);
  event.set_site(pending.request.site());
  *event.mutable_at() = ToProtoTime(now);
  bool re_enrolled = false;
  absl::StatusOr<veu::v1::AgentRecord> known = store_->GetAgent(agent_id);
  if (known.ok()) {
    // Revoked between Begin and now: still refused (re-enrolment must not un-revoke it).
    if (absl::Status revoked = CheckNotRevoked(*known); !revoked.ok()) {
      RecordRefusal(peer, pending.request.site(), agent_id, revoked, refusal_recorded);
      return revoked;
    }
    re_enrolled = true;
    agent = *known;
    event.set_kind(veu::v1::EVENT_RE_ENROLLED);
    event.set_detail(absl::StrCat(
        known->ak_name() == presented.ak_name() ? "same AK" : "new AK replaces AK ",
        known->ak_name() == presented.ak_name() ? "" : ToHex(known->ak_name()).substr(0, 20),
        known->site() == pending.request.site() ? ""
                                                : absl::StrCat("; moved from site ", known->site())));
    // A new AK starts a new clock history: its quotes are checked from here on.
    agent.clear_last_clock();
    agent.clear_last_reset_count();
    agent.clear_last_restart_count();
  } else if (absl::IsNotFound(known.status())) {
    event.set_kind(veu::v1::EVENT_ENROLLED);
    event.set_detail(absl::StrCat("EK chain: ", pending.identity.ek_chain));
  } else {
    return known.status();
  }
  agent.set_agent_id(agent_id);
  agent.set_site(pending.request.site());
  agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  agent.set_ek_certificate(pending.identity.ek_certificate_der);
  agent.set_ek_public(presented.ek_public());
  agent.set_ak_public(presented.ak_public());
  agent.set_ak_name(presented.ak_name());
  agent.set_hostname(pending.request.hostname());
  agent.set_ek_chain(pending.identity.ek_chain);
  agent.mutable_ek_caveats()->Assign(pending.identity.ek_caveats.begin(),
                                     pending.identity.ek_caveats.end());
  *agent.mutable_enrolled_at() = ToProtoTime(now);
  RETURN_IF_ERROR(store_->PutAgent(agent, {event}));

  veu::v1::CompleteEnrollmentResponse response;
  response.set_agent_id(agent_id);
  response.set_re_enrolled(re_enrolled);
  return response;
}

absl::StatusOr<veu::v1::IssueEnrollmentTokenResponse> Enroller::IssueToken(
    const std::string& site, absl::Duration ttl) {
  RETURN_IF_ERROR(store_->GetSite(site).status());
  ASSIGN_OR_RETURN(std::string raw, crypto::RandomBytes(24));
  const std::string token = absl::StrCat("veu1.", ToHex(raw));
  veu::v1::EnrollmentToken record;
  record.set_token_sha256(crypto::Sha256(token));
  record.set_site(site);
  *record.mutable_expires_at() = ToProtoTime(clock_() + ttl);
  RETURN_IF_ERROR(store_->AddEnrollmentToken(record));
  veu::v1::IssueEnrollmentTokenResponse response;
  response.set_token(token);
  *response.mutable_expires_at() = record.expires_at();
  return response;
}

size_t Enroller::pending() const {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  // Entries past their deadline are only erased by the next Begin/Complete; they are expired
  // already and must not count (nor could they ever be completed).
  return static_cast<size_t>(std::count_if(pending_.begin(), pending_.end(), [&](const auto& kv) {
    return !(kv.second.deadline < now);
  }));
}

void Enroller::RecordRefusal(std::string_view peer, const std::string& site,
                             const std::string& agent_id, const absl::Status& why,
                             bool* recorded) {
  veu::v1::Event event;
  event.set_kind(veu::v1::EVENT_ENROLLMENT_REFUSED);
  event.set_site(site);
  event.set_agent_id(agent_id);
  event.set_detail(std::string(why.message()));
  // Aggregated per peer host; losing the audit record of a refusal must not turn the refusal
  // into something else (RefusalLog swallows store errors).
  const bool written = refusals_.Record(PeerHost(peer), std::move(event));
  if (recorded != nullptr) *recorded = written;
}

void Enroller::DropExpiredLocked(absl::Time now) {
  absl::erase_if(pending_, [&](const auto& kv) { return kv.second.deadline < now; });
}

}  // namespace veu::verifier
