#include "common/tpm/quote.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/tpm/signature.h"
#include "common/tpm/structures.h"

namespace veu::tpm {

// The one place allowed to build a VerifiedQuote.
struct QuoteVerifierAccess {
  static VerifiedQuote Make(const TPMS_ATTEST& attest, uint16_t sig_alg, uint16_t hash_alg,
                            std::vector<veu::v1::PcrSelection> selection,
                            std::vector<veu::v1::PcrValue> values) {
    VerifiedQuote q;
    q.clock_info_ = {attest.clockInfo.clock, attest.clockInfo.resetCount,
                     attest.clockInfo.restartCount, attest.clockInfo.safe == TPM2_YES};
    q.firmware_version_ = attest.firmwareVersion;
    q.qualified_signer_.assign(reinterpret_cast<const char*>(attest.qualifiedSigner.name),
                               attest.qualifiedSigner.size);
    q.extra_data_.assign(reinterpret_cast<const char*>(attest.extraData.buffer),
                         attest.extraData.size);
    q.signature_alg_ = sig_alg;
    q.signature_hash_alg_ = hash_alg;
    q.pcr_selection_ = std::move(selection);
    q.pcr_values_ = std::move(values);
    return q;
  }
};

namespace {

using PcrKey = std::pair<uint32_t, uint32_t>;  // (hash_alg, index)

CheckResult Pass(const char* id, std::string detail) {
  return {id, CheckStatus::kPass, veu::v1::REASON_UNSPECIFIED, std::move(detail)};
}
CheckResult Fail(const char* id, veu::v1::ReasonCode reason, std::string detail) {
  return {id, CheckStatus::kFail, reason, std::move(detail)};
}
CheckResult Warn(const char* id, veu::v1::ReasonCode reason, std::string detail) {
  return {id, CheckStatus::kWarn, reason, std::move(detail)};
}
void SkipRest(std::vector<CheckResult>& checks, std::initializer_list<const char*> ids,
              const std::string& why) {
  for (const char* id : ids) {
    checks.push_back({id, CheckStatus::kSkipped, veu::v1::REASON_UNSPECIFIED,
                      absl::StrCat("not evaluated: ", why)});
  }
}

CheckResult StructureCheck(const char* id, const absl::Status& status) {
  if (status.ok()) return Pass(id, "parsed exactly");
  return Fail(
      id, IsTrailingBytesError(status) ? veu::v1::QUOTE_TRAILING_BYTES : veu::v1::QUOTE_MALFORMED,
      std::string(status.message()));
}

std::set<PcrKey> SelectionSet(const std::vector<veu::v1::PcrSelection>& selection) {
  std::set<PcrKey> out;
  for (const auto& bank : selection) {
    for (uint32_t pcr : bank.pcrs()) out.insert({bank.hash_alg(), pcr});
  }
  return out;
}

std::string KeysToString(const std::set<PcrKey>& keys) {
  std::vector<std::string> parts;
  for (const auto& [alg, pcr] : keys) {
    parts.push_back(absl::StrCat(crypto::HashAlgName(static_cast<uint16_t>(alg)), ":", pcr));
  }
  return absl::StrJoin(parts, ",");
}

CheckResult CheckScheme(const TPMT_SIGNATURE& sig, bool allow_sha1) {
  const uint16_t hash = SignatureHashAlg(sig);
  const std::string what =
      absl::StrFormat("%s with %s", SignatureAlgName(sig.sigAlg), crypto::HashAlgName(hash));
  if (sig.sigAlg != TPM2_ALG_RSASSA && sig.sigAlg != TPM2_ALG_RSAPSS &&
      sig.sigAlg != TPM2_ALG_ECDSA) {
    return Fail(kCheckSignatureScheme, veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED,
                absl::StrFormat("signature algorithm 0x%04x (%s) is refused; an AK must sign "
                                "with RSASSA, RSAPSS or ECDSA",
                                sig.sigAlg, SignatureAlgName(sig.sigAlg)));
  }
  if (hash == crypto::kAlgSha1) {
    if (!allow_sha1) {
      return Fail(kCheckSignatureScheme, veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED,
                  absl::StrCat(what,
                               " is refused: SHA-1 is collision-prone; make the AK with "
                               "a SHA-256 (or stronger) scheme"));
    }
    return Warn(kCheckSignatureScheme, veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED,
                absl::StrCat(what, " accepted here, but the verifier refuses SHA-1 signatures"));
  }
  if (hash != crypto::kAlgSha256 && hash != crypto::kAlgSha384 && hash != crypto::kAlgSha512) {
    return Fail(kCheckSignatureScheme, veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED,
                absl::StrCat(what, " is refused; use SHA-256, SHA-384 or SHA-512"));
  }
  return Pass(kCheckSignatureScheme, what);
}

}  // namespace

QuoteEvidence QuoteEvidence::FromProto(const veu::v1::Quote& quote) {
  return {quote.attest(), quote.signature(),
          std::vector<veu::v1::PcrValue>(quote.pcr_values().begin(), quote.pcr_values().end())};
}

std::optional<std::string> VerifiedQuote::pcr(uint16_t hash_alg, uint32_t index) const {
  for (const auto& v : pcr_values_) {
    if (v.hash_alg() == hash_alg && v.index() == index) return v.digest();
  }
  return std::nullopt;
}

QuoteReport VerifyQuote(const AkPublicKey& ak, const QuoteEvidence& evidence,
                        const QuoteExpectations& expectations) {
  QuoteReport report;
  auto& checks = report.checks;

  // 1. Structure. Parsing is not trusting: nothing parsed is acted on before step 3.
  absl::StatusOr<TPMS_ATTEST> attest = UnmarshalAttest(evidence.attest);
  absl::StatusOr<TPMT_SIGNATURE> sig = UnmarshalSignature(evidence.signature);
  checks.push_back(StructureCheck(kCheckAttestStructure, attest.status()));
  checks.push_back(StructureCheck(kCheckSignatureStructure, sig.status()));
  if (!attest.ok() || !sig.ok()) {
    SkipRest(checks,
             {kCheckSignatureScheme, kCheckSignatureValid, kCheckAttestMagic, kCheckAttestType,
              kCheckQualifyingData, kCheckPcrSelection, kCheckPcrValues, kCheckPcrDigest},
             "the quote did not parse");
    return report;
  }

  // 2-3. Scheme policy, then the signature over the exact attest bytes.
  checks.push_back(CheckScheme(*sig, expectations.allow_sha1));
  bool signature_ok = false;
  if (checks.back().status == CheckStatus::kFail) {
    SkipRest(checks, {kCheckSignatureValid}, "the signature scheme is refused");
  } else if (ak.key == nullptr) {
    checks.push_back(
        Fail(kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID, "no AK public key was given"));
  } else {
    absl::Status s = VerifyTpmSignature(ak.key.get(), *sig, evidence.attest);
    if (s.ok()) {
      signature_ok = true;
      checks.push_back(Pass(kCheckSignatureValid, "AK signature over TPMS_ATTEST verifies"));
    } else {
      checks.push_back(
          Fail(kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID, std::string(s.message())));
    }
  }
  if (!signature_ok) {
    SkipRest(checks,
             {kCheckAttestMagic, kCheckAttestType, kCheckQualifyingData, kCheckPcrSelection,
              kCheckPcrValues, kCheckPcrDigest},
             "the quote's contents are untrusted until its signature verifies");
    return report;
  }

  // 4. From here on the attest bytes are the AK's own words.
  if (attest->magic != TPM2_GENERATED_VALUE) {
    checks.push_back(Fail(kCheckAttestMagic, veu::v1::QUOTE_BAD_MAGIC,
                          absl::StrFormat("magic is 0x%08x, not TPM_GENERATED_VALUE 0xff544347: "
                                          "the TPM did not produce this structure itself "
                                          "(CVE-2024-29038)",
                                          attest->magic)));
  } else {
    checks.push_back(Pass(kCheckAttestMagic, "TPM_GENERATED_VALUE"));
  }
  const bool is_quote = attest->type == TPM2_ST_ATTEST_QUOTE;
  if (!is_quote) {
    checks.push_back(Fail(kCheckAttestType, veu::v1::QUOTE_NOT_A_QUOTE,
                          absl::StrFormat("attestation type is 0x%04x, not TPM_ST_ATTEST_QUOTE "
                                          "0x8018 (e.g. a certify signed by the same AK)",
                                          attest->type)));
  } else {
    checks.push_back(Pass(kCheckAttestType, "TPM_ST_ATTEST_QUOTE"));
  }

  const std::string extra(reinterpret_cast<const char*>(attest->extraData.buffer),
                          attest->extraData.size);
  if (!expectations.qualifying_data.has_value()) {
    checks.push_back(Warn(kCheckQualifyingData, veu::v1::NONCE_MISSING,
                          absl::StrFormat("no expected qualifying data was given, so freshness "
                                          "is unproven (quote carries %d byte(s): %s)",
                                          extra.size(), ToHex(extra))));
  } else if (!crypto::ConstantTimeEquals(extra, *expectations.qualifying_data)) {
    checks.push_back(Fail(kCheckQualifyingData, veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH,
                          absl::StrFormat("extraData %s differs from the expected %s: the quote "
                                          "answers another challenge or is replayed",
                                          ToHex(extra), ToHex(*expectations.qualifying_data))));
  } else {
    checks.push_back(Pass(kCheckQualifyingData, "extraData equals the expected value"));
  }

  if (!is_quote) {
    SkipRest(checks, {kCheckPcrSelection, kCheckPcrValues, kCheckPcrDigest},
             "the attestation is not a quote");
    return report;
  }

  // 5. PCR selection: exactly the challenge's, in both directions (CVE-2024-29039).
  const TPMS_QUOTE_INFO& info = attest->attested.quote;
  const std::vector<veu::v1::PcrSelection> quoted = FromTpml(info.pcrSelect);
  const std::set<PcrKey> quoted_set = SelectionSet(quoted);
  const std::set<PcrKey> expected_set = SelectionSet(expectations.pcr_selection);
  std::set<PcrKey> missing, extra_pcrs;
  std::set_difference(expected_set.begin(), expected_set.end(), quoted_set.begin(),
                      quoted_set.end(), std::inserter(missing, missing.end()));
  std::set_difference(quoted_set.begin(), quoted_set.end(), expected_set.begin(),
                      expected_set.end(), std::inserter(extra_pcrs, extra_pcrs.end()));
  if (!missing.empty() || !extra_pcrs.empty()) {
    checks.push_back(Fail(
        kCheckPcrSelection, veu::v1::QUOTE_PCR_SELECTION_MISMATCH,
        absl::StrFormat("quoted selection %s differs from the expected %s (not quoted: [%s]; "
                        "quoted but not expected: [%s])",
                        SelectionToString(quoted), SelectionToString(expectations.pcr_selection),
                        KeysToString(missing), KeysToString(extra_pcrs))));
  } else {
    checks.push_back(Pass(kCheckPcrSelection, SelectionToString(quoted)));
  }

  // 6. Reported values: one well-sized value per quoted PCR.
  std::map<PcrKey, std::string> reported;
  std::vector<std::string> problems;
  for (const auto& v : evidence.pcr_values) {
    const size_t want = crypto::DigestSize(static_cast<uint16_t>(v.hash_alg()));
    const std::string where =
        absl::StrCat(crypto::HashAlgName(static_cast<uint16_t>(v.hash_alg())), ":", v.index());
    if (want == 0 || v.hash_alg() > 0xffff || v.digest().size() != want) {
      problems.push_back(absl::StrFormat("%s has a %d-byte value", where, v.digest().size()));
      continue;
    }
    auto [it, inserted] = reported.emplace(PcrKey{v.hash_alg(), v.index()}, v.digest());
    if (!inserted && it->second != v.digest()) {
      problems.push_back(absl::StrCat(where, " is reported twice with different values"));
    }
  }
  std::set<PcrKey> absent;
  for (const auto& key : quoted_set) {
    if (!reported.count(key)) absent.insert(key);
  }
  if (!absent.empty())
    problems.push_back(absl::StrCat("no value for [", KeysToString(absent), "]"));
  if (!problems.empty()) {
    checks.push_back(Fail(kCheckPcrValues, veu::v1::QUOTE_PCR_VALUES_INCOMPLETE,
                          absl::StrCat("reported PCR values do not cover the quote: ",
                                       absl::StrJoin(problems, "; "))));
    SkipRest(checks, {kCheckPcrDigest}, "the reported PCR values are incomplete");
    return report;
  }
  checks.push_back(
      Pass(kCheckPcrValues, absl::StrFormat("%d quoted PCR value(s) reported", quoted_set.size())));

  // 7. pcrDigest = H_sigHash(values in the quote's selection order).
  const uint16_t hash_alg = SignatureHashAlg(*sig);
  std::string concatenated;
  std::vector<veu::v1::PcrValue> values;
  for (const auto& bank : quoted) {
    for (uint32_t pcr : bank.pcrs()) {
      const std::string& digest = reported.at({bank.hash_alg(), pcr});
      concatenated += digest;
      veu::v1::PcrValue v;
      v.set_hash_alg(bank.hash_alg());
      v.set_index(pcr);
      v.set_digest(digest);
      values.push_back(std::move(v));
    }
  }
  absl::StatusOr<std::string> computed = crypto::Hash(hash_alg, {concatenated});
  const std::string quoted_digest(reinterpret_cast<const char*>(info.pcrDigest.buffer),
                                  info.pcrDigest.size);
  if (!computed.ok() || *computed != quoted_digest) {
    checks.push_back(
        Fail(kCheckPcrDigest, veu::v1::QUOTE_PCR_DIGEST_MISMATCH,
             absl::StrFormat("pcrDigest %s in the quote != %s(reported values) = %s: the reported "
                             "PCR values are not the ones the TPM quoted",
                             ToHex(quoted_digest), crypto::HashAlgName(hash_alg),
                             computed.ok() ? ToHex(*computed) : "(cannot compute)")));
  } else {
    checks.push_back(Pass(kCheckPcrDigest, absl::StrCat("pcrDigest ", ToHex(quoted_digest))));
  }

  if (AllPassed(checks)) {
    report.verified =
        QuoteVerifierAccess::Make(*attest, sig->sigAlg, hash_alg, quoted, std::move(values));
  }
  return report;
}

veu::v1::QuoteFacts ToQuoteFacts(const VerifiedQuote& quote) {
  veu::v1::QuoteFacts out;
  out.set_clock(quote.clock_info().clock);
  out.set_reset_count(quote.clock_info().reset_count);
  out.set_restart_count(quote.clock_info().restart_count);
  out.set_safe(quote.clock_info().safe);
  out.set_firmware_version(quote.firmware_version());
  out.set_qualified_signer(quote.qualified_signer());
  out.set_signature_alg(quote.signature_alg());
  out.set_signature_hash(quote.signature_hash_alg());
  return out;
}

std::string QualifyingData(std::string_view nonce, std::string_view facts_bytes) {
  const std::string facts_digest = crypto::Sha256(facts_bytes);
  return crypto::Sha256(std::string(nonce) + facts_digest);
}

}  // namespace veu::tpm
