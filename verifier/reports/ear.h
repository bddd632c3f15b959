// A site's status as an IETF RATS EAR attestation result (draft-ietf-rats-ear-04), the
// format other relying parties already read: one submodule per node with its ear_status,
// its AR4SI trustworthiness vector, the policy that appraised it, and the VEU control
// results, site and accelerator totals under ear_verifier_claims. Pure.
//
// With the verifier's regulation statement (policy.proto RegulationStatement) the EAR carries it
// as the private top-level claim "veu_regulation": the rule, its status (e.g. "rescinded
// 2025-05, replacement pending"), its sources, which paragraphs rest on primary text, and each
// control's basis; each control entry of a submodule then names its text_source, and `proxy`
// when the check only approximates its clause.
#ifndef VEU_VERIFIER_REPORTS_EAR_H_
#define VEU_VERIFIER_REPORTS_EAR_H_

#include <google/protobuf/struct.pb.h>

#include <string>

#include "absl/time/time.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

inline constexpr char kEarProfile[] = "tag:ietf.org,2026:rats/ear#04";

// AR4SI tiers (RFC 9334 / draft-ietf-rats-ar4si): none, affirming, warning, contraindicated.
int EarStatusValue(veu::v1::Verdict verdict);       // 0, 2, 32, 96
std::string EarStatusName(veu::v1::Verdict verdict);  // "none", "affirming", ...

// The EAR claims set for `status`, issued at `iat` by `build`.
google::protobuf::Struct SiteStatusToEar(const veu::v1::SiteStatus& status, absl::Time iat,
                                         const std::string& build,
                                         const veu::v1::RegulationStatement* regulation = nullptr);

// The same as JSON text.
std::string SiteStatusToEarJson(const veu::v1::SiteStatus& status, absl::Time iat,
                                const std::string& build,
                                const veu::v1::RegulationStatement* regulation = nullptr);

// The "veu_regulation" claim of `regulation`.
google::protobuf::Struct RegulationClaim(const veu::v1::RegulationStatement& regulation);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_EAR_H_
