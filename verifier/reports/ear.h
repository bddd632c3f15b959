// A site's status as an IETF RATS EAR attestation result (draft-ietf-rats-ear-04), the
// format other relying parties already read: one submodule per node with its ear_status,
// its AR4SI trustworthiness vector, the policy that appraised it, and the VEU control
// results, site and accelerator totals under ear_verifier_claims. Pure.
#ifndef VEU_VERIFIER_REPORTS_EAR_H_
#define VEU_VERIFIER_REPORTS_EAR_H_

#include <google/protobuf/struct.pb.h>

#include <string>

#include "absl/time/time.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

inline constexpr char kEarProfile[] = "tag:ietf.org,2026:rats/ear#04";

// AR4SI tiers (RFC 9334 / draft-ietf-rats-ar4si): none, affirming, warning, contraindicated.
int EarStatusValue(veu::v1::Verdict verdict);       // 0, 2, 32, 96
std::string EarStatusName(veu::v1::Verdict verdict);  // "none", "affirming", ...

// The EAR claims set for `status`, issued at `iat` by `build`.
google::protobuf::Struct SiteStatusToEar(const veu::v1::SiteStatus& status, absl::Time iat,
                                         const std::string& build);

// The same as JSON text.
std::string SiteStatusToEarJson(const veu::v1::SiteStatus& status, absl::Time iat,
                                const std::string& build);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_EAR_H_
