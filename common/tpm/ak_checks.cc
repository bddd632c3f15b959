#include "common/tpm/ak_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/tpm/public_key.h"
#include "common/tpm/structures.h"

namespace veu::tpm {
namespace {

CheckResult Pass(const char* id, std::string detail) {
  return {id, CheckStatus::kPass, veu::v1::REASON_UNSPECIFIED, std::move(detail)};
}
CheckResult Fail(const char* id, veu::v1::ReasonCode reason, std::string detail) {
  return {id, CheckStatus::kFail, reason, std::move(detail)};
}
CheckResult Skipped(const char* id) {
  return {id, CheckStatus::kSkipped, veu::v1::REASON_UNSPECIFIED,
          "not evaluated: the AK public area did not parse"};
}

CheckResult CheckAlgorithm(const TPMT_PUBLIC& pub) {
  if (pub.nameAlg != crypto::kAlgSha256 && pub.nameAlg != crypto::kAlgSha384 &&
      pub.nameAlg != crypto::kAlgSha512) {
    return Fail(kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
                absl::StrFormat("AK nameAlg is %s; only sha256, sha384 and sha512 are accepted",
                                crypto::HashAlgName(pub.nameAlg)));
  }
  if (pub.type == TPM2_ALG_ECC) {
    const auto& ecc = pub.parameters.eccDetail;
    if (ecc.curveID != TPM2_ECC_NIST_P256 && ecc.curveID != TPM2_ECC_NIST_P384) {
      return Fail(kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
                  absl::StrFormat("AK is ECC on curve 0x%04x; only NIST P-256 and P-384 are "
                                  "accepted",
                                  ecc.curveID));
    }
    if (ecc.scheme.scheme != TPM2_ALG_ECDSA) {
      return Fail(kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
                  absl::StrFormat("AK is ECC with signing scheme 0x%04x; only ECDSA is accepted",
                                  ecc.scheme.scheme));
    }
    return Pass(kCheckAkAlgorithm, "ECC NIST curve with ECDSA");
  }
  if (pub.type == TPM2_ALG_RSA) {
    const auto& rsa = pub.parameters.rsaDetail;
    if (rsa.keyBits < 2048) {
      return Fail(kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
                  absl::StrFormat("AK is RSA-%d; at least 2048 bits are required", rsa.keyBits));
    }
    if (rsa.scheme.scheme != TPM2_ALG_RSASSA && rsa.scheme.scheme != TPM2_ALG_RSAPSS) {
      return Fail(kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
                  absl::StrFormat("AK is RSA with scheme 0x%04x; only RSASSA and RSAPSS are "
                                  "accepted",
                                  rsa.scheme.scheme));
    }
    return Pass(kCheckAkAlgorithm, absl::StrFormat("RSA-%d", rsa.keyBits));
  }
  return Fail(
      kCheckAkAlgorithm, veu::v1::AK_ALGORITHM_REFUSED,
      absl::StrFormat("AK has type 0x%04x; only RSA and ECC signing keys are accepted", pub.type));
}

CheckResult CheckAttributes(const TPMT_PUBLIC& pub) {
  struct Required {
    TPMA_OBJECT bit;
    const char* name;
  };
  static constexpr Required kRequired[] = {
      {TPMA_OBJECT_RESTRICTED, "restricted"},
      {TPMA_OBJECT_SIGN_ENCRYPT, "sign"},
      {TPMA_OBJECT_FIXEDTPM, "fixedTPM"},
      {TPMA_OBJECT_FIXEDPARENT, "fixedParent"},
      {TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitiveDataOrigin"},
  };
  std::vector<std::string> problems;
  for (const auto& r : kRequired) {
    if ((pub.objectAttributes & r.bit) == 0) problems.push_back(absl::StrCat(r.name, " is clear"));
  }
  if (pub.objectAttributes & TPMA_OBJECT_DECRYPT) problems.push_back("decrypt is set");
  if (!problems.empty()) {
    return Fail(kCheckAkAttributes, veu::v1::AK_ATTRIBUTES_INVALID,
                absl::StrFormat("AK attributes 0x%08x are not those of a TPM-resident "
                                "attestation key: %s",
                                pub.objectAttributes, absl::StrJoin(problems, ", ")));
  }
  return Pass(kCheckAkAttributes,
              "restricted, sign, fixedTPM, fixedParent, sensitiveDataOrigin; no decrypt");
}

}  // namespace

std::vector<CheckResult> CheckAkPublic(std::string_view tpm2b_public,
                                       std::string_view claimed_name) {
  std::vector<CheckResult> out;
  absl::StatusOr<TPMT_PUBLIC> pub = UnmarshalTpm2bPublic(tpm2b_public);
  absl::Status key_status = absl::OkStatus();
  if (pub.ok()) key_status = PublicKeyFromTpmt(*pub).status();
  if (!pub.ok() || !key_status.ok()) {
    out.push_back(Fail(kCheckAkStructure, veu::v1::AK_PUBLIC_MALFORMED,
                       std::string(pub.ok() ? key_status.message() : pub.status().message())));
    out.push_back(Skipped(kCheckAkAlgorithm));
    out.push_back(Skipped(kCheckAkAttributes));
    out.push_back(Skipped(kCheckAkName));
    return out;
  }
  out.push_back(Pass(kCheckAkStructure, "one TPM2B_PUBLIC holding a usable public key"));
  out.push_back(CheckAlgorithm(*pub));
  out.push_back(CheckAttributes(*pub));
  absl::StatusOr<std::string> name = ObjectName(*pub);
  if (!name.ok()) {
    out.push_back(Fail(kCheckAkName, veu::v1::AK_NAME_MISMATCH,
                       absl::StrCat("cannot compute the AK's Name: ", name.status().message())));
  } else if (!crypto::ConstantTimeEquals(*name, claimed_name)) {
    out.push_back(Fail(kCheckAkName, veu::v1::AK_NAME_MISMATCH,
                       absl::StrFormat("claimed AK name %s differs from the public area's Name "
                                       "%s (nameAlg || H(TPMT_PUBLIC))",
                                       ToHex(claimed_name), ToHex(*name))));
  } else {
    out.push_back(Pass(kCheckAkName, absl::StrCat("Name ", ToHex(*name))));
  }
  return out;
}

}  // namespace veu::tpm
