// Verification of a TPM2_Quote: the heart of remote attestation, pure and shared by the
// verifier's appraisal and `veuctl quote verify` (exactly the same code).
//
// Nothing inside TPMS_ATTEST is trusted until the AK's signature over its bytes verifies; the
// only way to read the quote's contents (clock, firmware, PCR values) is the VerifiedQuote
// that VerifyQuote returns when every check passed (go-attestation's ParsedQuote ->
// VerifiedQuote idea).
#ifndef VEU_COMMON_TPM_QUOTE_H_
#define VEU_COMMON_TPM_QUOTE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/tpm/check_result.h"
#include "common/tpm/public_key.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::tpm {

// Check IDs, in the order VerifyQuote reports them, with the reason codes each may carry:
//   attest.structure, signature.structure  QUOTE_MALFORMED, QUOTE_TRAILING_BYTES
//   signature.scheme                       QUOTE_SIGNATURE_SCHEME_REFUSED (warn if SHA-1 allowed)
//   signature.valid                        QUOTE_SIGNATURE_INVALID
//   attest.magic                           QUOTE_BAD_MAGIC
//   attest.type                            QUOTE_NOT_A_QUOTE
//   quote.qualifying_data                  QUOTE_QUALIFYING_DATA_MISMATCH, NONCE_MISSING (warn)
//   quote.pcr_selection                    QUOTE_PCR_SELECTION_MISMATCH
//   quote.pcr_values                       QUOTE_PCR_VALUES_INCOMPLETE
//   quote.pcr_digest                       QUOTE_PCR_DIGEST_MISMATCH
inline constexpr char kCheckAttestStructure[] = "attest.structure";
inline constexpr char kCheckSignatureStructure[] = "signature.structure";
inline constexpr char kCheckSignatureScheme[] = "signature.scheme";
inline constexpr char kCheckSignatureValid[] = "signature.valid";
inline constexpr char kCheckAttestMagic[] = "attest.magic";
inline constexpr char kCheckAttestType[] = "attest.type";
inline constexpr char kCheckQualifyingData[] = "quote.qualifying_data";
inline constexpr char kCheckPcrSelection[] = "quote.pcr_selection";
inline constexpr char kCheckPcrValues[] = "quote.pcr_values";
inline constexpr char kCheckPcrDigest[] = "quote.pcr_digest";

// What the agent (or tpm2_quote) produced. Nothing here is trusted.
struct QuoteEvidence {
  std::string attest;                         // marshalled TPMS_ATTEST (contents of TPM2B_ATTEST)
  std::string signature;                      // marshalled TPMT_SIGNATURE
  std::vector<veu::v1::PcrValue> pcr_values;  // reported values; may include unquoted PCRs

  static QuoteEvidence FromProto(const veu::v1::Quote& quote);
};

// What the verifier asked for.
struct QuoteExpectations {
  // Exact extraData expected (our protocol: QualifyingData(nonce, facts)). nullopt means no
  // freshness is checked: the qualifying-data check then passes with a NONCE_MISSING warning
  // (offline tools only; the verifier always sets it).
  std::optional<std::string> qualifying_data;
  // The selection the challenge asked for; the quote must select exactly these PCRs.
  std::vector<veu::v1::PcrSelection> pcr_selection;
  // SHA-1 signatures: refused (QUOTE_SIGNATURE_SCHEME_REFUSED) unless true, then a warning.
  bool allow_sha1 = false;
};

struct ClockInfo {
  uint64_t clock = 0;  // ms the TPM has been powered since its last clear
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
};

// A quote whose every check passed. Only VerifyQuote creates one. Immutable; thread-safe.
class VerifiedQuote {
 public:
  const ClockInfo& clock_info() const { return clock_info_; }
  uint64_t firmware_version() const { return firmware_version_; }
  // TPM2B_NAME contents of the signing key's qualified name.
  const std::string& qualified_signer() const { return qualified_signer_; }
  const std::string& extra_data() const { return extra_data_; }
  uint16_t signature_alg() const { return signature_alg_; }  // TPM_ALG_RSASSA, ...
  uint16_t signature_hash_alg() const { return signature_hash_alg_; }
  const std::vector<veu::v1::PcrSelection>& pcr_selection() const { return pcr_selection_; }
  // The quoted PCRs' values, in the quote's selection order, bound to the signature.
  const std::vector<veu::v1::PcrValue>& pcr_values() const { return pcr_values_; }
  // The value of one quoted PCR, or nullopt if the quote does not cover it.
  std::optional<std::string> pcr(uint16_t hash_alg, uint32_t index) const;

 private:
  friend struct QuoteVerifierAccess;
  VerifiedQuote() = default;

  ClockInfo clock_info_;
  uint64_t firmware_version_ = 0;
  std::string qualified_signer_;
  std::string extra_data_;
  uint16_t signature_alg_ = 0;
  uint16_t signature_hash_alg_ = 0;
  std::vector<veu::v1::PcrSelection> pcr_selection_;
  std::vector<veu::v1::PcrValue> pcr_values_;
};

struct QuoteReport {
  std::vector<CheckResult> checks;        // always every check ID above, in order
  std::optional<VerifiedQuote> verified;  // set iff AllPassed(checks)

  bool accepted() const { return verified.has_value(); }
};

// Runs every quote check (see the IDs above) of `evidence` against `ak` and `expectations`.
// A forged or wrong quote is a report with failed checks, never an error: this cannot fail.
// The pcrDigest is recomputed with the signature's hash algorithm over the reported values
// of the quoted selection, in selection order. Pure; thread-safe (ak is only read).
QuoteReport VerifyQuote(const AkPublicKey& ak, const QuoteEvidence& evidence,
                        const QuoteExpectations& expectations);

// What the verifier stores about a verified quote (veu.v1.QuoteFacts).
veu::v1::QuoteFacts ToQuoteFacts(const VerifiedQuote& quote);

// Our protocol's qualifyingData: SHA-256(nonce || SHA-256(facts_bytes)), binding the facts
// the agent reported to the verifier's fresh nonce. Pure.
std::string QualifyingData(std::string_view nonce, std::string_view facts_bytes);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_QUOTE_H_
