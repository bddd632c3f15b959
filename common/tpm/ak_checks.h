// Acceptance of an attestation key's public area at enrolment.
#ifndef VEU_COMMON_TPM_AK_CHECKS_H_
#define VEU_COMMON_TPM_AK_CHECKS_H_

#include <string_view>
#include <vector>

#include "common/tpm/check_result.h"

namespace veu::tpm {

// Check IDs, in the order CheckAkPublic reports them.
inline constexpr char kCheckAkStructure[] = "ak.structure";    // AK_PUBLIC_MALFORMED
inline constexpr char kCheckAkAlgorithm[] = "ak.algorithm";    // AK_ALGORITHM_REFUSED
inline constexpr char kCheckAkAttributes[] = "ak.attributes";  // AK_ATTRIBUTES_INVALID
inline constexpr char kCheckAkName[] = "ak.name";              // AK_NAME_MISMATCH

// Checks an AK given as marshalled TPM2B_PUBLIC against the Name the agent claims for it
// (TPM2B_NAME contents: nameAlg || digest). Requires, in order: the bytes are exactly one
// TPM2B_PUBLIC holding a usable key; the key is ECC NIST P-256/P-384 with ECDSA or RSA >= 2048
// bits with RSASSA/RSAPSS, and nameAlg is SHA-256/384/512; the attributes include restricted,
// sign, fixedTPM, fixedParent and sensitiveDataOrigin and exclude decrypt (the detail names
// every offending attribute); the Name matches. Always returns all four results (later ones
// kSkipped after a structure failure). Pure; thread-safe.
std::vector<CheckResult> CheckAkPublic(std::string_view tpm2b_public,
                                       std::string_view claimed_name);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_AK_CHECKS_H_
