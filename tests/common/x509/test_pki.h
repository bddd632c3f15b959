// Certificates made at test time with OpenSSL, to test chain building without fixtures.
#ifndef VEU_TESTS_COMMON_X509_TEST_PKI_H_
#define VEU_TESTS_COMMON_X509_TEST_PKI_H_

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace veu::x509::testing {

using KeyPtr = std::shared_ptr<EVP_PKEY>;

// A fresh EC P-256 key.
KeyPtr NewKey();
// A fresh RSA 2048 key (slower; for RSA-specific cases).
KeyPtr NewRsaKey();

struct CertSpec {
  // Name as (attribute, value) RDNs in order; an RDN with set=true joins the previous one
  // (multi-valued RDN).
  struct Rdn {
    std::string field;
    std::string value;
    bool join_previous = false;
  };
  std::vector<Rdn> subject;
  std::vector<Rdn> issuer;  // must name the signer for a normal certificate
  KeyPtr subject_key;
  KeyPtr signer_key;
  long serial = 1;
  long not_before_days = -1;  // relative to now
  long not_after_days = 365;
  bool ca = true;  // basicConstraints cA
  bool add_basic_constraints = true;
  std::string
      tpm_manufacturer;  // if set, a critical TCG SAN with model "TESTTPM", version "id:0001"
  std::string authority_key_id_hex;  // if set, an AKI with this key id
  // More extensions in OpenSSL config syntax, e.g. {"nameConstraints", "critical,permitted;DNS:x"}.
  std::vector<std::pair<std::string, std::string>> extra_extensions;
  bool sign_rsa_pss = false;  // RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (RSA signer)
};

// Signed DER certificate.
std::string MakeCert(const CertSpec& spec);

// `der` with the values of the issuer's first multi-valued RDN in reverse (non-DER) order,
// re-signed with `signer_key` (ECDSA-SHA256), as some vendors' certificates are encoded.
std::string WithIssuerRdnValuesReversed(const std::string& der, const KeyPtr& signer_key);

// PEM text of a DER certificate.
std::string ToPem(const std::string& der);

struct CrlSpec {
  std::vector<CertSpec::Rdn> issuer;  // must name the signer for a normal CRL
  KeyPtr signer_key;
  std::vector<long> revoked_serials;  // each revoked a day ago
  long reason = -1;                   // CRLReason code on every entry; -1: none
  long this_update_days = -1;         // relative to now
  long next_update_days = 30;
  bool delta = false;                             // adds a critical deltaCRLIndicator
  bool critical_unknown_extension = false;        // adds critical 1.3.6.1.4.1.55555.1
  bool critical_unknown_entry_extension = false;  // the same on every entry
};

// Signed DER CRL (v2).
std::string MakeCrl(const CrlSpec& spec);

// PEM text ("X509 CRL") of a DER CRL.
std::string CrlToPem(const std::string& der);

// A root -> intermediate -> EK leaf set (DER).
struct TestPki {
  KeyPtr root_key, intermediate_key, leaf_key;
  std::string root, intermediate, leaf;
};
TestPki MakePki(const std::string& prefix = "Test");

}  // namespace veu::x509::testing

#endif  // VEU_TESTS_COMMON_X509_TEST_PKI_H_
