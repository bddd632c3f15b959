#include "common/gpu/report_verify.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "common/hex.h"

namespace veu::gpu {

bool VerifyP384Signature(EVP_PKEY* key, std::string_view message, std::string_view signature) {
  if (key == nullptr || signature.size() != kP384SignatureSize) return false;
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* ecdsa = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(sig, 48, nullptr);
  BIGNUM* s = BN_bin2bn(sig + 48, 48, nullptr);
  if (ecdsa == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
    ECDSA_SIG_free(ecdsa);
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(ecdsa, &der);
  ECDSA_SIG_free(ecdsa);
  bool ok = false;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (der_len > 0 && md != nullptr &&
      EVP_DigestVerifyInit(md, nullptr, EVP_sha384(), nullptr, key) == 1) {
    ok = EVP_DigestVerify(md, der, static_cast<size_t>(der_len),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
  }
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

absl::StatusOr<ReportAppraisal> VerifyReport(const ReportInput& in) {
  ReportAppraisal a;
  absl::StatusOr<DeviceChainResult> chain = VerifyDeviceChain(in.chain_pem, in.device_root_pem, in.at);
  if (!chain.ok()) return chain.status();
  a.chain = std::move(*chain);

  absl::StatusOr<SpdmReport> parsed = ParseSpdmReport(in.report);
  if (!parsed.ok()) {
    a.checks.push_back(Check::Fail("report.structure", ReasonOf(parsed.status()),
                                   std::string(parsed.status().message())));
  } else {
    a.report = std::move(*parsed);
    const SpdmReport& r = *a.report;
    a.checks.push_back(CheckReportStructure(r));
    a.checks.push_back(CheckNonce(r, in.expected_nonce));

    // The signature as defined: the last 96 bytes over everything before them. When bytes
    // trail the parsed signature the two readings differ; say what the parsed offset gives.
    EVP_PKEY* key = a.chain.leaf != nullptr ? X509_get0_pubkey(a.chain.leaf.get()) : nullptr;
    if (key == nullptr) {
      a.checks.push_back(Check::Fail("report.signature", Reason::kLeafKeyUnusable,
                                     "no leaf certificate key to check the signature with"));
    } else if (VerifyP384Signature(key, r.before_last96, r.last96_signature)) {
      a.checks.push_back(Check::Pass(
          "report.signature",
          absl::StrCat("ECDSA P-384/SHA-384 over ", r.before_last96.size(), " bytes by ",
                       a.chain.leaf_subject)));
    } else {
      std::string detail = absl::StrCat("the last 96 bytes are not a signature by ",
                                        a.chain.leaf_subject, " over the ",
                                        r.before_last96.size(), " bytes before them");
      if (!r.trailing.empty() && VerifyP384Signature(key, r.signed_bytes, r.signature)) {
        absl::StrAppend(&detail, "; the signature at the parsed offset ", r.signed_bytes.size(),
                        " verifies, but ", r.trailing.size(),
                        " unsigned byte(s) follow it (see report.structure)");
      }
      a.checks.push_back(Check::Fail("report.signature", Reason::kSignatureInvalid, detail));
    }

    absl::StatusOr<OpaqueData> opaque = DecodeOpaqueData(r.opaque_data);
    if (!opaque.ok()) {
      a.checks.push_back(Check::Fail("report.opaque_data", Reason::kOpaqueDataMalformed,
                                     std::string(opaque.status().message())));
    } else {
      a.opaque = std::move(*opaque);
      a.checks.push_back(Check::Pass(
          "report.opaque_data",
          absl::StrCat("driver ", a.opaque->driver_version.empty() ? "-" : a.opaque->driver_version,
                       ", VBIOS ", a.opaque->vbios_version)));
    }
  }

  for (const Check& c : a.chain.checks) a.checks.push_back(c);
  DeviceArch arch = a.chain.arch;
  if (in.claimed_arch != DeviceArch::kUnknown && a.chain.leaf != nullptr &&
      in.claimed_arch != a.chain.arch) {
    a.checks.push_back(Check::Fail(
        "chain.arch", Reason::kChainUntrusted,
        absl::StrCat("the evidence says ", DeviceArchName(in.claimed_arch), "; the leaf (",
                     a.chain.leaf_subject, ") is ", DeviceArchName(a.chain.arch))));
  }
  if (a.opaque.has_value()) {
    a.checks.push_back(CheckFwid(a.opaque->fwid, a.chain.leaf.get(), arch));
  } else if (a.report.has_value()) {
    a.checks.push_back(Check::Fail("chain.fwid", Reason::kOpaqueDataMalformed,
                                   "the report's opaque data did not decode; its FWID is unknown"));
  }
  a.verified_ = a.report.has_value() && a.opaque.has_value() && a.chain.trusted &&
                NoneFailed(a.checks);
  return a;
}

}  // namespace veu::gpu
