// EsysTpm's PCR operations: read, quote, extend.
#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/tpm/esys_internal.h"
#include "agent/tpm/esys_tpm.h"
#include "agent/tpm/tss_status.h"
#include "common/crypto/digest.h"
#include "common/status_macros.h"

namespace veu::agent {
namespace {

using esys_internal::Bytes;
using esys_internal::EsysPtr;
using esys_internal::Hex32;

constexpr int kQuoteAttempts = 3;
constexpr uint32_t kMaxPcr = 23;

absl::StatusOr<TPML_PCR_SELECTION> ToTpmSelection(const veu::v1::PcrSelection& selection) {
  if (crypto::DigestSize(static_cast<uint16_t>(selection.hash_alg())) == 0 ||
      selection.hash_alg() > 0xFFFF) {
    return absl::InvalidArgumentError(
        absl::StrCat("PCR selection names unknown hash algorithm ", Hex32(selection.hash_alg())));
  }
  TPML_PCR_SELECTION sel{};
  sel.count = 1;
  sel.pcrSelections[0].hash = static_cast<TPMI_ALG_HASH>(selection.hash_alg());
  sel.pcrSelections[0].sizeofSelect = 3;
  for (int i = 0; i < selection.pcrs_size(); ++i) {
    uint32_t pcr = selection.pcrs(i);
    if (pcr > kMaxPcr) {
      return absl::InvalidArgumentError(
          absl::StrCat("PCR index ", pcr, " out of range 0..", kMaxPcr));
    }
    if (i > 0 && pcr <= selection.pcrs(i - 1)) {
      return absl::InvalidArgumentError("PCR selection must be ascending without duplicates");
    }
    sel.pcrSelections[0].pcrSelect[pcr / 8] |= static_cast<uint8_t>(1u << (pcr % 8));
  }
  return sel;
}

uint16_t SignatureHash(const TPMT_SIGNATURE& sig) {
  switch (sig.sigAlg) {
    case TPM2_ALG_RSASSA:
      return sig.signature.rsassa.hash;
    case TPM2_ALG_RSAPSS:
      return sig.signature.rsapss.hash;
    case TPM2_ALG_ECDSA:
      return sig.signature.ecdsa.hash;
    default:
      return TPM2_ALG_NULL;
  }
}

}  // namespace

absl::StatusOr<std::vector<veu::v1::PcrValue>> EsysTpm::ReadPcrs(
    const veu::v1::PcrSelection& selection) {
  return ReadPcrsOnce(selection);
}

absl::StatusOr<std::vector<veu::v1::PcrValue>> EsysTpm::ReadPcrsOnce(
    const veu::v1::PcrSelection& selection) {
  ASSIGN_OR_RETURN(TPML_PCR_SELECTION remaining, ToTpmSelection(selection));
  const std::string bank = crypto::HashAlgName(static_cast<uint16_t>(selection.hash_alg()));
  std::vector<veu::v1::PcrValue> values;
  values.reserve(static_cast<size_t>(selection.pcrs_size()));
  while (values.size() < static_cast<size_t>(selection.pcrs_size())) {
    uint32_t counter = 0;
    TPML_PCR_SELECTION* raw_sel = nullptr;
    TPML_DIGEST* raw_digests = nullptr;
    TSS2_RC rc = Esys_PCR_Read(ctx_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &remaining, &counter,
                               &raw_sel, &raw_digests);
    EsysPtr<TPML_PCR_SELECTION> read(raw_sel);
    EsysPtr<TPML_DIGEST> digests(raw_digests);
    RETURN_IF_ERROR(TssStatus(absl::StrCat("Esys_PCR_Read(", bank, ")"), rc));
    uint32_t used = 0;
    for (uint32_t s = 0; s < read->count && s < TPM2_NUM_PCR_BANKS; ++s) {
      const TPMS_PCR_SELECTION& got = read->pcrSelections[s];
      if (got.hash != selection.hash_alg()) continue;
      for (uint32_t pcr = 0; pcr <= kMaxPcr && pcr / 8 < got.sizeofSelect; ++pcr) {
        const uint8_t bit = static_cast<uint8_t>(1u << (pcr % 8));
        if ((got.pcrSelect[pcr / 8] & bit) == 0) continue;
        if ((remaining.pcrSelections[0].pcrSelect[pcr / 8] & bit) == 0 || used >= digests->count) {
          return absl::InternalError("TPM2_PCR_Read returned PCRs that were not asked for");
        }
        remaining.pcrSelections[0].pcrSelect[pcr / 8] &= static_cast<uint8_t>(~bit);
        veu::v1::PcrValue v;
        v.set_hash_alg(selection.hash_alg());
        v.set_index(pcr);
        v.set_digest(Bytes(digests->digests[used].buffer, digests->digests[used].size));
        values.push_back(std::move(v));
        ++used;
      }
    }
    if (used == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the TPM returned no values for PCR bank ", bank,
                       "; the bank is probably not active (see tpm2_getcap pcrs)"));
    }
  }
  std::sort(
      values.begin(), values.end(),
      [](const veu::v1::PcrValue& a, const veu::v1::PcrValue& b) { return a.index() < b.index(); });
  return values;
}

absl::StatusOr<veu::v1::Quote> EsysTpm::Quote(std::string_view qualifying_data,
                                              const veu::v1::PcrSelection& selection) {
  TPM2B_DATA extra{};
  if (qualifying_data.size() > sizeof(extra.buffer)) {
    return absl::InvalidArgumentError(absl::StrCat("qualifying data is ", qualifying_data.size(),
                                                   " bytes; the TPM accepts at most ",
                                                   sizeof(extra.buffer)));
  }
  extra.size = static_cast<uint16_t>(qualifying_data.size());
  std::memcpy(extra.buffer, qualifying_data.data(), qualifying_data.size());
  if (selection.pcrs_size() == 0) {
    return absl::InvalidArgumentError("a quote needs at least one PCR in its selection");
  }
  ASSIGN_OR_RETURN(TPML_PCR_SELECTION sel, ToTpmSelection(selection));
  RETURN_IF_ERROR(Ak().status());
  ASSIGN_OR_RETURN(Handle ak, LoadAk());

  for (int attempt = 1; attempt <= kQuoteAttempts; ++attempt) {
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme (SHA-256)
    TPM2B_ATTEST* raw_attest = nullptr;
    TPMT_SIGNATURE* raw_sig = nullptr;
    TSS2_RC rc = Esys_Quote(ctx_, ak.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &extra,
                            &scheme, &sel, &raw_attest, &raw_sig);
    EsysPtr<TPM2B_ATTEST> attest(raw_attest);
    EsysPtr<TPMT_SIGNATURE> sig(raw_sig);
    RETURN_IF_ERROR(TssStatus("Esys_Quote", rc));
    ASSIGN_OR_RETURN(std::vector<veu::v1::PcrValue> values, ReadPcrsOnce(selection));

    // Keep the values only if they are the ones quoted (no extend slipped in between).
    TPMS_ATTEST parsed{};
    size_t off = 0;
    RETURN_IF_ERROR(TssStatus(
        "Tss2_MU_TPMS_ATTEST_Unmarshal(quote)",
        Tss2_MU_TPMS_ATTEST_Unmarshal(attest->attestationData, attest->size, &off, &parsed)));
    if (parsed.type != TPM2_ST_ATTEST_QUOTE) {
      return absl::InternalError("TPM2_Quote returned an attestation that is not a quote");
    }
    std::string concat;
    for (const veu::v1::PcrValue& v : values) concat += v.digest();
    ASSIGN_OR_RETURN(std::string digest, crypto::Hash(SignatureHash(*sig), {concat}));
    const TPM2B_DIGEST& quoted = parsed.attested.quote.pcrDigest;
    if (Bytes(quoted.buffer, quoted.size) != digest) continue;

    uint8_t sig_buf[sizeof(TPMT_SIGNATURE)];
    size_t sig_len = 0;
    RETURN_IF_ERROR(
        TssStatus("Tss2_MU_TPMT_SIGNATURE_Marshal",
                  Tss2_MU_TPMT_SIGNATURE_Marshal(sig.get(), sig_buf, sizeof(sig_buf), &sig_len)));
    veu::v1::Quote quote;
    quote.set_attest(Bytes(attest->attestationData, attest->size));
    quote.set_signature(Bytes(sig_buf, sig_len));
    for (veu::v1::PcrValue& v : values) *quote.add_pcr_values() = std::move(v);
    return quote;
  }
  return absl::UnavailableError(absl::StrCat("PCRs changed during each of ", kQuoteAttempts,
                                             " quote attempts; retry when extends have settled"));
}

absl::Status EsysTpm::ExtendPcr(uint32_t pcr, const std::map<uint16_t, std::string>& digests) {
  if (pcr > kMaxPcr) {
    return absl::InvalidArgumentError(
        absl::StrCat("PCR index ", pcr, " out of range 0..", kMaxPcr));
  }
  if (digests.empty() || digests.size() > TPM2_NUM_PCR_BANKS) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExtendPcr needs 1..", TPM2_NUM_PCR_BANKS, " digests, got ", digests.size()));
  }
  TPML_DIGEST_VALUES values{};
  for (const auto& [alg, digest] : digests) {
    const size_t want = crypto::DigestSize(alg);
    if (want == 0 || digest.size() != want || want > sizeof(TPMU_HA)) {
      return absl::InvalidArgumentError(absl::StrCat("digest for ", crypto::HashAlgName(alg),
                                                     " is ", digest.size(), " bytes, expected ",
                                                     want));
    }
    TPMT_HA& ha = values.digests[values.count++];
    ha.hashAlg = alg;
    std::memcpy(&ha.digest, digest.data(), digest.size());
  }
  return TssStatus(absl::StrCat("Esys_PCR_Extend(PCR ", pcr, ")"),
                   Esys_PCR_Extend(ctx_, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &values));
}

}  // namespace veu::agent
