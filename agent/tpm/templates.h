// TPM2B_PUBLIC templates for the keys the agent creates. Pure data, no TPM access.
#ifndef VEU_AGENT_TPM_TEMPLATES_H_
#define VEU_AGENT_TPM_TEMPLATES_H_

#include <tss2/tss2_tpm2_types.h>

#include <cstdint>

#include "agent/tpm/tpm.h"

namespace veu::agent {

enum class AkAlgorithm {
  kEccP256,  // ECDSA-SHA256 (default: small, fast to create)
  kRsa2048,  // RSASSA-PKCS1v1_5-SHA256
};

// NV index of the EK certificate and TCG-reserved persistent handle of the EK of `type`
// (0 when no handle is used for that type: 0x81010002 is our AK's default).
uint32_t EkCertNvIndex(EkKeyType type);
uint32_t EkPersistentHandle(EkKeyType type);

// The TCG EK Credential Profile 2.0 default EK template: L-1 (RSA-2048), L-2 (ECC P-256) or
// H-3 (ECC P-384, high range). Creating a primary in the endorsement hierarchy from it yields
// the key the manufacturer certified.
TPM2B_PUBLIC EkTemplate(EkKeyType type);

// The AK template: restricted|sign|fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth,
// nameAlg SHA-256, no policy, signing scheme fixed to SHA-256 so quotes cannot use another hash.
TPM2B_PUBLIC AkTemplate(AkAlgorithm algorithm);

// Attributes every AK must have, and those it must not have (decrypt, adminWithPolicy).
inline constexpr TPMA_OBJECT kAkRequiredAttributes =
    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
inline constexpr TPMA_OBJECT kAkForbiddenAttributes =
    TPMA_OBJECT_DECRYPT | TPMA_OBJECT_ADMINWITHPOLICY;

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_TEMPLATES_H_
