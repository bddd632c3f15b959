#include "agent/tpm/templates.h"

#include <cstring>

namespace veu::agent {
namespace {

// PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256: the L-1/L-2 authPolicy (EK profile B.3.2).
constexpr uint8_t kPolicyASha256[] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
    0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
// PolicyB with SHA-384: PolicyOR(PolicyA, PolicyC), the H-3 authPolicy (EK profile B.4).
constexpr uint8_t kPolicyBSha384[] = {
    0xB2, 0x6E, 0x7D, 0x28, 0xD1, 0x1A, 0x50, 0xBC, 0x53, 0xD8, 0x82, 0xBC, 0xF5, 0xFD, 0x3A, 0x1A,
    0x07, 0x41, 0x48, 0xBB, 0x35, 0xD3, 0xB4, 0xE4, 0xCB, 0x1C, 0x0A, 0xD9, 0xBD, 0xE4, 0x19, 0xCA,
    0xCB, 0x47, 0xBA, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0F, 0x9F, 0xC0, 0x00, 0xF3, 0xF8, 0x0E, 0x12};

constexpr TPMA_OBJECT kEkLowRangeAttributes =
    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
    TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;

template <size_t N>
void SetPolicy(TPM2B_DIGEST& policy, const uint8_t (&digest)[N]) {
  static_assert(N <= sizeof(policy.buffer));
  policy.size = N;
  std::memcpy(policy.buffer, digest, N);
}

}  // namespace

uint32_t EkCertNvIndex(EkKeyType type) {
  switch (type) {
    case EkKeyType::kRsa2048:
      return 0x01c00002;
    case EkKeyType::kEccP256:
      return 0x01c0000a;
    case EkKeyType::kEccP384:
      return 0x01c00016;
  }
  return 0;
}

uint32_t EkPersistentHandle(EkKeyType type) {
  switch (type) {
    case EkKeyType::kRsa2048:
      return 0x81010001;
    case EkKeyType::kEccP256:
      return 0;
    case EkKeyType::kEccP384:
      return 0x81010016;
  }
  return 0;
}

TPM2B_PUBLIC EkTemplate(EkKeyType type) {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  switch (type) {
    case EkKeyType::kRsa2048:
      p.type = TPM2_ALG_RSA;
      p.nameAlg = TPM2_ALG_SHA256;
      p.objectAttributes = kEkLowRangeAttributes;
      SetPolicy(p.authPolicy, kPolicyASha256);
      p.parameters.rsaDetail.symmetric = {TPM2_ALG_AES, {.aes = 128}, {.aes = TPM2_ALG_CFB}};
      p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
      p.parameters.rsaDetail.keyBits = 2048;
      p.parameters.rsaDetail.exponent = 0;
      p.unique.rsa.size = 256;  // zeros
      break;
    case EkKeyType::kEccP256:
      p.type = TPM2_ALG_ECC;
      p.nameAlg = TPM2_ALG_SHA256;
      p.objectAttributes = kEkLowRangeAttributes;
      SetPolicy(p.authPolicy, kPolicyASha256);
      p.parameters.eccDetail.symmetric = {TPM2_ALG_AES, {.aes = 128}, {.aes = TPM2_ALG_CFB}};
      p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
      p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
      p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
      p.unique.ecc.x.size = 32;  // zeros
      p.unique.ecc.y.size = 32;
      break;
    case EkKeyType::kEccP384:
      p.type = TPM2_ALG_ECC;
      p.nameAlg = TPM2_ALG_SHA384;
      p.objectAttributes = kEkLowRangeAttributes | TPMA_OBJECT_USERWITHAUTH;
      SetPolicy(p.authPolicy, kPolicyBSha384);
      p.parameters.eccDetail.symmetric = {TPM2_ALG_AES, {.aes = 256}, {.aes = TPM2_ALG_CFB}};
      p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
      p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
      p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
      p.unique.ecc.x.size = 0;  // high-range templates leave unique empty
      p.unique.ecc.y.size = 0;
      break;
  }
  return t;
}

TPM2B_PUBLIC AkTemplate(AkAlgorithm algorithm) {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = kAkRequiredAttributes;
  switch (algorithm) {
    case AkAlgorithm::kEccP256:
      p.type = TPM2_ALG_ECC;
      p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
      p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
      p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
      p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
      p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
      break;
    case AkAlgorithm::kRsa2048:
      p.type = TPM2_ALG_RSA;
      p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
      p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
      p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
      p.parameters.rsaDetail.keyBits = 2048;
      p.parameters.rsaDetail.exponent = 0;
      break;
  }
  return t;
}

}  // namespace veu::agent
