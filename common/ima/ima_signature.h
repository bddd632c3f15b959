// IMA file signatures (the "sig" field of ima-sig, ima-modsig and custom templates): the
// signature_v2_hdr format (type 0x03 EVM_IMA_XATTR_DIGSIG, version 2, hash algorithm, 4-byte
// key id, 2-byte big-endian size, signature) over the file digest, verified with RSA
// (PKCS#1 v1.5) or EC (ECDSA) public keys through OpenSSL.
// Not here: version 3 signatures (ima-sigv2's fs-verity/ima_file_id digests), the appended
// PKCS#7 modsig, and keyring-based key trust (the caller chooses the keys).
#ifndef VEU_COMMON_IMA_IMA_SIGNATURE_H_
#define VEU_COMMON_IMA_IMA_SIGNATURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ima/ima_log.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace veu::ima {

struct VerificationKey {
  uint32_t keyid = 0;  // as the kernel matches it: the certificate's subject key identifier's
                       // last 4 bytes, else the last 4 bytes of SHA-1 of the DER public key
  std::shared_ptr<EVP_PKEY> key;
};

// Every public key and certificate in a PEM text ("PUBLIC KEY", "RSA PUBLIC KEY",
// "CERTIFICATE"). Fails with InvalidArgument when it holds none or one does not parse.
absl::StatusOr<std::vector<VerificationKey>> LoadVerificationKeys(std::string_view pem);

// One DER public key (SubjectPublicKeyInfo) or X.509 certificate, as a runtime policy stores
// it or an ima-buf keyring measurement carries it. Fails with InvalidArgument when it is
// neither.
absl::StatusOr<VerificationKey> LoadVerificationKeyDer(std::string_view der);

enum class SignatureResult {
  kNone,        // the entry carries no signature
  kValid,       // a key with the signature's key id verifies it over the file digest
  kInvalid,     // the key with its id does not verify it
  kUnknownKey,  // no key has its id
  kMalformed,   // not a v2 signature header, or its size disagrees with the field
  kUnsupported, // a version or hash algorithm this code does not verify (version 3)
};
const char* SignatureResultName(SignatureResult r);  // "none", "valid", "invalid", ...

struct SignatureCheck {
  SignatureResult result = SignatureResult::kNone;
  uint32_t keyid = 0;
  std::string detail;
};

// Checks `e.signature` against `keys`. Pure apart from OpenSSL; thread-safe.
SignatureCheck CheckSignature(const Entry& e, const std::vector<VerificationKey>& keys);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_IMA_SIGNATURE_H_
