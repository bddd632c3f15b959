#include "common/gpu/device_chain.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/gpu/spdm_report.h"
#include "common/hex.h"
#include "common/x509/der.h"

namespace veu::gpu {
namespace {

constexpr size_t kMaxChainCerts = 16;
constexpr size_t kFwidSize = 48;

X509Ptr Own(X509* x) { return X509Ptr(x, X509_free); }

std::string Rfc2253(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n > 0 ? static_cast<size_t>(n) : 0);
  BIO_free(bio);
  return out;
}

std::string CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return "";
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

DeviceArch ArchFromLeafCn(absl::string_view cn) {
  if (absl::StartsWith(cn, "GH1")) return DeviceArch::kHopper;
  if (absl::StartsWith(cn, "GB")) return DeviceArch::kBlackwell;
  if (absl::StartsWith(cn, "LS_10") || absl::StartsWith(cn, "LS10")) return DeviceArch::kNvSwitch;
  return DeviceArch::kUnknown;
}

bool IsP384Key(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &len) != 1) return false;
  return std::string_view(group, len) == "secp384r1";
}

// The value of the extension with this dotted OID, or nullopt.
std::optional<std::string> ExtensionValue(X509* cert, const char* oid) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  if (obj == nullptr) return std::nullopt;
  const int i = X509_get_ext_by_OBJ(cert, obj, -1);
  ASN1_OBJECT_free(obj);
  if (i < 0) return std::nullopt;
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

// DiceTcbInfo ::= SEQUENCE { ..., fwids [6] IMPLICIT SEQUENCE OF FWID, ... }
// FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }
absl::StatusOr<std::string> FirstTcbInfoFwid(std::string_view tcb_info) {
  absl::StatusOr<x509::Tlv> seq = x509::ReadTlv(tcb_info);
  if (!seq.ok() || seq->tag != x509::kTagSequence || seq->whole.size() != tcb_info.size()) {
    return absl::InvalidArgumentError("the leaf's TcbInfo (2.23.133.5.4.1.1) is not one SEQUENCE");
  }
  absl::StatusOr<std::vector<x509::Tlv>> fields = x509::ReadChildren(seq->value);
  if (!fields.ok()) return absl::InvalidArgumentError("the leaf's TcbInfo fields overrun it");
  for (const x509::Tlv& f : *fields) {
    if (f.tag != 0xa6) continue;
    absl::StatusOr<std::vector<x509::Tlv>> fwids = x509::ReadChildren(f.value);
    if (!fwids.ok() || fwids->empty()) {
      return absl::InvalidArgumentError("the leaf's TcbInfo has an empty or malformed FWID list");
    }
    absl::StatusOr<std::vector<x509::Tlv>> parts = x509::ReadChildren((*fwids)[0].value);
    if ((*fwids)[0].tag != x509::kTagSequence || !parts.ok() || parts->size() != 2 ||
        (*parts)[0].tag != x509::kTagOid || (*parts)[1].tag != x509::kTagOctetString) {
      return absl::InvalidArgumentError("the leaf's first FWID is not {hashAlg, digest}");
    }
    return std::string((*parts)[1].value);
  }
  return std::string();
}

std::string VerifyErrorText(X509_STORE_CTX* ctx) {
  const int err = X509_STORE_CTX_get_error(ctx);
  const int depth = X509_STORE_CTX_get_error_depth(ctx);
  X509* at = X509_STORE_CTX_get_current_cert(ctx);
  return absl::StrCat(X509_verify_cert_error_string(err), " (error ", err, " at depth ", depth,
                      at != nullptr ? absl::StrCat(", ", Rfc2253(X509_get_subject_name(at))) : "",
                      ")");
}

}  // namespace

const char* DeviceArchName(DeviceArch arch) {
  switch (arch) {
    case DeviceArch::kHopper: return "HOPPER";
    case DeviceArch::kBlackwell: return "BLACKWELL";
    case DeviceArch::kNvSwitch: return "NVSWITCH";
    case DeviceArch::kUnknown: break;
  }
  return "UNKNOWN";
}

DeviceArch DeviceArchFromName(std::string_view name) {
  const std::string n = absl::AsciiStrToUpper(absl::string_view(name.data(), name.size()));
  if (n == "HOPPER") return DeviceArch::kHopper;
  if (n == "BLACKWELL") return DeviceArch::kBlackwell;
  if (n == "NVSWITCH" || n == "LS10" || n == "LS_10") return DeviceArch::kNvSwitch;
  return DeviceArch::kUnknown;
}

absl::StatusOr<std::vector<X509Ptr>> ParsePemChain(std::string_view pem) {
  std::vector<X509Ptr> certs;
  if (pem.size() > (1u << 20)) {
    return ReasonError(Reason::kChainMalformed, "certificate chain file exceeds 1 MiB");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf failed");
  while (true) {
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    certs.push_back(Own(x));
    if (certs.size() > kMaxChainCerts) break;
  }
  BIO_free(bio);
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(err) == PEM_R_NO_START_LINE || err == 0;
  ERR_clear_error();
  if (certs.empty() || !clean_end || certs.size() > kMaxChainCerts) {
    return ReasonError(Reason::kChainMalformed,
                       certs.empty() ? std::string("no PEM CERTIFICATE block found")
                                     : absl::StrCat("certificate chain: block ", certs.size() + 1,
                                                    " is not a readable certificate, or more than ",
                                                    kMaxChainCerts, " certificates"));
  }
  return certs;
}

PathResult VerifyCertPath(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& roots,
                          absl::Time at, Reason untrusted_reason, Reason expired_reason) {
  PathResult out;
  out.reason = untrusted_reason;
  if (chain.empty()) {
    out.detail = "no certificates";
    return out;
  }
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  if (store != nullptr && untrusted != nullptr && ctx != nullptr) {
    for (const X509Ptr& root : roots) X509_STORE_add_cert(store, root.get());
    for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
    if (X509_STORE_CTX_init(ctx, store, chain[0].get(), untrusted) == 1) {
      X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
      X509_VERIFY_PARAM_set_time(param, absl::ToTimeT(at));
      X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
      out.ok = X509_verify_cert(ctx) == 1;
      if (!out.ok) {
        const int err = X509_STORE_CTX_get_error(ctx);
        if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
          out.reason = expired_reason;
        }
        out.detail = VerifyErrorText(ctx);
      } else {
        out.reason = Reason::kNone;
        out.detail = absl::StrCat(sk_X509_num(X509_STORE_CTX_get0_chain(ctx)),
                                  " certificates to the pinned root, valid at ",
                                  absl::FormatTime(absl::RFC3339_sec, at, absl::UTCTimeZone()));
      }
    } else {
      out.detail = "X509_STORE_CTX_init failed";
    }
  } else {
    out.detail = "out of memory building the certificate store";
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  ERR_clear_error();
  return out;
}

absl::StatusOr<DeviceChainResult> VerifyDeviceChain(std::string_view chain_pem,
                                                    std::string_view root_pem, absl::Time at) {
  absl::StatusOr<std::vector<X509Ptr>> roots = ParsePemChain(root_pem);
  if (!roots.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pinned device root unreadable: ", roots.status().message()));
  }
  DeviceChainResult r;
  absl::StatusOr<std::vector<X509Ptr>> chain = ParsePemChain(chain_pem);
  if (!chain.ok()) {
    r.checks.push_back(Check::Fail("chain.path", Reason::kChainMalformed,
                                   std::string(chain.status().message())));
    return r;
  }
  r.leaf = (*chain)[0];
  r.leaf_subject = Rfc2253(X509_get_subject_name(r.leaf.get()));
  r.arch = ArchFromLeafCn(CommonName(r.leaf.get()));
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(r.leaf.get()), nullptr);
  if (serial != nullptr) {
    char* hex = BN_bn2hex(serial);
    char* dec = BN_bn2dec(serial);
    if (hex != nullptr) r.leaf_serial_hex = hex;
    if (dec != nullptr) r.leaf_serial_decimal = dec;
    OPENSSL_free(hex);
    OPENSSL_free(dec);
    BN_free(serial);
  }

  bool leaf_ok = true;
  if (X509_check_ca(r.leaf.get()) != 0) {
    leaf_ok = false;
    r.checks.push_back(Check::Fail(
        "chain.leaf", Reason::kChainUntrusted,
        absl::StrCat("the first certificate (", r.leaf_subject,
                     ") is a CA, not a device's attestation leaf: the chain lacks its leaf")));
  } else if (!IsP384Key(r.leaf.get())) {
    leaf_ok = false;
    r.checks.push_back(Check::Fail("chain.leaf", Reason::kLeafKeyUnusable,
                                   absl::StrCat("the leaf (", r.leaf_subject,
                                                ") has no EC P-384 key")));
  } else {
    r.checks.push_back(Check::Pass("chain.leaf", r.leaf_subject));
  }

  const PathResult path =
      VerifyCertPath(*chain, *roots, at, Reason::kChainUntrusted, Reason::kChainExpired);
  r.checks.push_back(path.ok ? Check::Pass("chain.path", path.detail)
                             : Check::Fail("chain.path", path.reason, path.detail));
  const bool path_ok = path.ok;
  r.checks.push_back(Check::NotEvaluated(
      "chain.ocsp", Reason::kOcspNotEvaluated,
      "no OCSP response was given for the device chain; revocation is not evaluated"));
  r.trusted = leaf_ok && path_ok;
  return r;
}

absl::StatusOr<std::string> LeafFwid(X509* leaf, DeviceArch arch) {
  switch (arch) {
    case DeviceArch::kHopper:
    case DeviceArch::kNvSwitch: {
      std::optional<std::string> ext = ExtensionValue(leaf, "2.23.133.5.4.1");
      if (!ext.has_value()) return std::string();
      if (ext->size() < kFwidSize) {
        return absl::InvalidArgumentError("the leaf's 2.23.133.5.4.1 is shorter than an FWID");
      }
      return ext->substr(ext->size() - kFwidSize);
    }
    case DeviceArch::kBlackwell: {
      std::optional<std::string> ext = ExtensionValue(leaf, "2.23.133.5.4.1.1");
      if (!ext.has_value()) return std::string();
      return FirstTcbInfoFwid(*ext);
    }
    case DeviceArch::kUnknown: break;
  }
  return absl::InvalidArgumentError(
      "the leaf names no known architecture (GH1xx, GBxxx, LS_10), so no FWID rule applies");
}

Check CheckFwid(std::string_view report_fwid, X509* leaf, DeviceArch arch) {
  if (report_fwid.empty()) {
    return Check::NotEvaluated("chain.fwid", Reason::kNoFwidInReport,
                               "the report carries no FWID (older firmware): nothing to compare");
  }
  if (leaf == nullptr) {
    return Check::Fail("chain.fwid", Reason::kFwidMissingInLeaf, "no leaf certificate");
  }
  absl::StatusOr<std::string> cert_fwid = LeafFwid(leaf, arch);
  if (!cert_fwid.ok()) {
    return Check::Fail("chain.fwid", Reason::kFwidMismatch, std::string(cert_fwid.status().message()));
  }
  if (cert_fwid->empty()) {
    return Check::Fail("chain.fwid", Reason::kFwidMissingInLeaf,
                       absl::StrCat("the report has FWID ", ToHex(report_fwid), "; the ",
                                    DeviceArchName(arch), " leaf carries none"));
  }
  if (*cert_fwid != report_fwid) {
    return Check::Fail("chain.fwid", Reason::kFwidMismatch,
                       absl::StrCat("report FWID ", ToHex(report_fwid), " != leaf FWID ",
                                    ToHex(*cert_fwid), " (", DeviceArchName(arch), " rule)"));
  }
  return Check::Pass("chain.fwid", absl::StrCat(ToHex(report_fwid), " (", DeviceArchName(arch),
                                                " rule)"));
}

}  // namespace veu::gpu
