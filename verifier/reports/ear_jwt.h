// A site's EAR (ear.h) as a signed JWT, RFC 7519 in RFC 7515 compact serialisation:
//
//   base64url(header) "." base64url(payload) "." base64url(signature)
//
// header    = {"alg":"ES256","typ":"JWT"}
// payload   = the EAR claims of SiteStatusToEar, in RFC 8785 canonical form (jcs.h)
// signature = ES256 (RFC 7518 §3.4): ECDSA P-256 SHA-256 over the ASCII "header.payload",
//             as the 64 bytes r || s, not DER.
// base64url without padding. The key is the verifier's report key (report_signer.h), which
// must be ECDSA P-256. Pure; thread-safe.
#ifndef VEU_VERIFIER_REPORTS_EAR_JWT_H_
#define VEU_VERIFIER_REPORTS_EAR_JWT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/reports/report_signer.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

// The signed EAR JWT of `status`. FailedPrecondition for an Ed25519 signer; InvalidArgument
// if a claim holds a number that is not an integer within 2^53 (JWT readers would round it).
// With `regulation`, the claims carry it as SiteStatusToEar does ("veu_regulation").
absl::StatusOr<std::string> EarJwt(const v1::SiteStatus& status, absl::Time iat,
                                   const std::string& build, const ReportSigner& signer,
                                   const v1::RegulationStatement* regulation = nullptr);

// The payload JSON of `jwt` if it is a compact JWS with exactly the header above, canonical
// base64url parts, and an ES256 signature by `key` that verifies. InvalidArgument saying which
// of these does not hold otherwise. (For tests and relying parties; it does not judge claims.)
absl::StatusOr<std::string> VerifyEarJwt(std::string_view jwt, const ReportSignatureVerifier& key);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_EAR_JWT_H_
