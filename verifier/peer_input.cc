#include "verifier/peer_input.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/peer_text.h"

namespace veu::verifier {
namespace {

absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

// Prefixes a check's message with the message and field it is about.
absl::Status In(std::string_view message, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(Av(message), ".", status.message()));
}

absl::Status BoundBytes(std::string_view field, size_t size, size_t max) {
  if (size <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Av(field), ": ", size, " bytes, at most ", max, " allowed"));
}

absl::Status BoundIdentity(const veu::v1::TpmPublicIdentity& identity) {
  if (absl::Status s = BoundBytes("identity.ek_certificate", identity.ek_certificate().size(),
                                  kMaxEkCertificateBytes);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          BoundBytes("identity.ek_public", identity.ek_public().size(), kMaxTpmPublicBytes);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          BoundBytes("identity.ak_public", identity.ak_public().size(), kMaxTpmPublicBytes);
      !s.ok()) {
    return s;
  }
  return BoundBytes("identity.ak_name", identity.ak_name().size(), kMaxTpmNameBytes);
}

}  // namespace

absl::Status ValidateBeginEnrollmentRequest(const veu::v1::BeginEnrollmentRequest& request) {
  constexpr std::string_view kMessage = "BeginEnrollmentRequest";
  // The check messages already start with the field's name ("site name: ..."); name the proto
  // field so a client author sees which one.
  if (absl::Status s = CheckSiteName(request.site()); !s.ok()) {
    return In(kMessage, absl::InvalidArgumentError(absl::StrCat("site (", s.message(), ")")));
  }
  if (absl::Status s = CheckHostname(request.hostname()); !s.ok()) {
    return In(kMessage, absl::InvalidArgumentError(absl::StrCat("hostname (", s.message(), ")")));
  }
  if (absl::Status s = CheckEnrollmentToken(request.enrollment_token()); !s.ok()) {
    return In(kMessage,
              absl::InvalidArgumentError(absl::StrCat("enrollment_token (", s.message(), ")")));
  }
  return In(kMessage, BoundIdentity(request.identity()));
}

absl::Status ValidateCompleteEnrollmentRequest(const veu::v1::CompleteEnrollmentRequest& request) {
  constexpr std::string_view kMessage = "CompleteEnrollmentRequest";
  if (absl::Status s =
          BoundBytes("enrollment_id", request.enrollment_id().size(), kMaxEnrollmentIdBytes);
      !s.ok()) {
    return In(kMessage, s);
  }
  return In(kMessage, BoundBytes("activated_secret", request.activated_secret().size(),
                                 kMaxActivatedSecretBytes));
}

absl::Status ValidateAgentHello(const veu::v1::AgentHello& hello) {
  constexpr std::string_view kMessage = "AgentHello";
  if (absl::Status s = CheckAgentId(hello.agent_id()); !s.ok()) {
    return In(kMessage, absl::InvalidArgumentError(absl::StrCat("agent_id (", s.message(), ")")));
  }
  if (absl::Status s = BoundBytes("ak_name", hello.ak_name().size(), kMaxTpmNameBytes); !s.ok()) {
    return In(kMessage, s);
  }
  if (absl::Status s = CheckAgentVersion(hello.agent_version()); !s.ok()) {
    return In(kMessage,
              absl::InvalidArgumentError(absl::StrCat("agent_version (", s.message(), ")")));
  }
  return absl::OkStatus();
}

}  // namespace veu::verifier
