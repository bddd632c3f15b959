// Test helper: software attestation keys and signed TPMS_ATTEST of any shape, so tests can
// craft every kind of good and bad quote without a TPM. Reusable by verifier tests:
// link `veu_tpm_test_support`.
//
//   TestAk ak = TestAk::Make(TestAk::kEccP256);
//   QuoteSpec spec;  spec.extra_data = "nonce";  spec.selection = {Sel(kAlgSha256, {0, 7})};
//   BuiltQuote q = BuildQuote(ak, spec);            // signed, with matching PCR values
//   VerifyQuote(ak.Public(), q.evidence, {...});
#ifndef VEU_TESTS_COMMON_TPM_QUOTE_BUILDER_H_
#define VEU_TESTS_COMMON_TPM_QUOTE_BUILDER_H_

#include <tss2/tss2_tpm2_types.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/digest.h"
#include "common/tpm/public_key.h"
#include "common/tpm/quote.h"
#include "veu/v1/tpm.pb.h"

namespace veu::tpm::testing {

// A software key pair with a TPM public area shaped like a real AK (restricted | sign |
// fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth, nameAlg SHA-256). Key pairs
// are generated once per process per kind and shared (RSA generation is slow).
class TestAk {
 public:
  enum Kind { kRsa2048, kEccP256, kEccP384 };
  // scheme: TPM2_ALG_RSASSA / TPM2_ALG_RSAPSS (RSA) or TPM2_ALG_ECDSA; hash for the scheme.
  static TestAk Make(Kind kind, uint16_t scheme = 0, uint16_t hash = crypto::kAlgSha256);

  TPMT_PUBLIC tpm_public;  // edit freely (attributes, nameAlg) before calling the getters

  std::string Tpm2bPublic() const;  // marshalled TPM2B_PUBLIC of tpm_public
  std::string Name() const;         // nameAlg || H(TPMT_PUBLIC)
  std::string Pem() const;          // SubjectPublicKeyInfo PEM
  AkPublicKey Public() const;       // what a verifier loads (from Tpm2bPublic())
  // Marshalled TPMT_SIGNATURE over `data` with the given scheme and hash (the TPM's way:
  // PSS salt = hash length, ECDSA r/s padded to the field size).
  std::string Sign(const std::string& data, uint16_t sig_alg, uint16_t hash) const;
  EVP_PKEY* key() const { return key_; }
  Kind kind() const { return kind_; }
  uint16_t default_scheme() const;

 private:
  EVP_PKEY* key_ = nullptr;  // owned by the per-process cache
  Kind kind_ = kEccP256;
};

// veu.v1.PcrSelection from a TPM hash algorithm and PCR indices.
veu::v1::PcrSelection Sel(uint16_t hash_alg, std::initializer_list<uint32_t> pcrs);

// Deterministic, distinct values for every PCR of `selection`, in selection order.
std::vector<veu::v1::PcrValue> FakePcrValues(const std::vector<veu::v1::PcrSelection>& selection,
                                             const std::string& salt = "");

struct QuoteSpec {
  uint32_t magic = TPM2_GENERATED_VALUE;
  uint16_t type = TPM2_ST_ATTEST_QUOTE;  // e.g. TPM2_ST_ATTEST_CERTIFY for a non-quote
  std::string extra_data = "qualifying-data";
  std::vector<veu::v1::PcrSelection> selection = {Sel(crypto::kAlgSha256, {0, 1, 2, 3, 7})};
  // Values the pcrDigest is computed over; FakePcrValues(selection) when empty.
  std::vector<veu::v1::PcrValue> pcr_values;
  uint16_t sig_alg = 0;                    // 0: the AK's default scheme
  uint16_t hash_alg = crypto::kAlgSha256;  // signature hash (and pcrDigest hash)
  std::optional<std::string> pcr_digest;   // override the computed pcrDigest
  uint64_t clock = 123456;
  uint32_t reset_count = 3;
  uint32_t restart_count = 1;
  bool safe = true;
  uint64_t firmware_version = 0x0002000100030004;
};

struct BuiltQuote {
  QuoteEvidence evidence;  // attest, signature and pcr_values
  std::string pcr_digest;  // what the attest carries
};

// Marshals TPMS_ATTEST per `spec` with tss2-mu and signs it with `ak`.
BuiltQuote BuildQuote(const TestAk& ak, const QuoteSpec& spec);

}  // namespace veu::tpm::testing

#endif  // VEU_TESTS_COMMON_TPM_QUOTE_BUILDER_H_
