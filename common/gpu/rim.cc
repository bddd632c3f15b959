#include "common/gpu/rim.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <cstring>
#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/gpu/device_chain.h"
#include "common/hex.h"

namespace veu::gpu {
namespace {

constexpr char kSwidNs[] = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr char kDsigNs[] = "http://www.w3.org/2000/09/xmldsig#";
constexpr size_t kMaxMeasurements = 4096;
constexpr size_t kMaxAlternatives = 64;

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

std::string Text(const xmlChar* s) { return s == nullptr ? "" : reinterpret_cast<const char*>(s); }

// xmlsec/libxml2 print errors to stderr by default; a verifier reports through checks instead.
void Quiet(const char*, int, const char*, const char*, const char*, int, const char*) {}
void QuietXml(void*, const char*, ...) {}

bool InitOnce() {
  static bool ok = [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, QuietXml);
    if (xmlSecInit() < 0) return false;
    if (xmlSecCheckVersion() != 1) return false;
    if (xmlSecCryptoAppInit(nullptr) < 0) return false;
    if (xmlSecCryptoInit() < 0) return false;
    xmlSecErrorsSetCallback(Quiet);
    return true;
  }();
  return ok;
}

struct DocFree { void operator()(xmlDoc* d) const { xmlFreeDoc(d); } };
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

bool Is(const xmlNode* n, const char* name, const char* ns) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(n->ns->href), ns) == 0;
}

std::vector<xmlNode*> Children(xmlNode* parent, const char* name, const char* ns) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent == nullptr ? nullptr : parent->children; c != nullptr; c = c->next) {
    if (Is(c, name, ns)) out.push_back(c);
  }
  return out;
}

std::string Attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, X(name));
  std::string out = Text(v);
  xmlFree(v);
  return out;
}

// An attribute by local name in any namespace (NVIDIA writes Hash0.. in the xmlenc#sha384
// namespace under whatever prefix).
std::optional<std::string> AnyNsAttr(xmlNode* n, const std::string& name) {
  for (xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (Text(a->name) == name) {
      xmlChar* v = xmlNodeGetContent(reinterpret_cast<xmlNode*>(a));
      std::string out = Text(v);
      xmlFree(v);
      return out;
    }
  }
  return std::nullopt;
}

absl::StatusOr<Rim> ReadSwid(xmlNode* root) {
  Rim rim;
  rim.tag_id = Attr(root, "tagId");
  std::vector<xmlNode*> meta = Children(root, "Meta", kSwidNs);
  std::vector<xmlNode*> payload = Children(root, "Payload", kSwidNs);
  if (meta.size() != 1 || payload.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("the SWID tag has ", meta.size(), " Meta and ",
                                                   payload.size(), " Payload elements, not one each"));
  }
  rim.product = Attr(meta[0], "product");
  rim.edition = Attr(meta[0], "edition");
  rim.colloquial_version = Attr(meta[0], "colloquialVersion");
  for (xmlNode* r : Children(payload[0], "Resource", kSwidNs)) {
    if (Attr(r, "type") != "Measurement") continue;
    GoldenMeasurement m;
    uint32_t alternatives = 0;
    const std::string active = Attr(r, "active");
    if (!absl::SimpleAtoi(Attr(r, "index"), &m.index) ||
        !absl::SimpleAtoi(Attr(r, "alternatives"), &alternatives) ||
        !absl::SimpleAtoi(Attr(r, "size"), &m.size) || (active != "True" && active != "False") ||
        alternatives == 0 || alternatives > kMaxAlternatives || m.size == 0 || m.size > 1024) {
      return absl::InvalidArgumentError(absl::StrCat(
          "RIM Resource '", Attr(r, "name"), "' (line ", xmlGetLineNo(r),
          ") lacks a valid index, active, alternatives (1-", kMaxAlternatives, ") or size"));
    }
    m.active = active == "True";
    for (uint32_t j = 0; j < alternatives; ++j) {
      std::optional<std::string> hex = AnyNsAttr(r, absl::StrCat("Hash", j));
      absl::StatusOr<std::string> bytes =
          hex.has_value() ? FromHex(*hex) : absl::InvalidArgumentError("missing");
      if (!bytes.ok() || bytes->size() != m.size) {
        return absl::InvalidArgumentError(absl::StrCat("RIM measurement index ", m.index, " (line ",
                                                       xmlGetLineNo(r), "): Hash", j,
                                                       " is missing or not ", m.size, " bytes of hex"));
      }
      m.alternatives.push_back(std::move(*bytes));
    }
    for (const GoldenMeasurement& seen : rim.measurements) {
      if (seen.index == m.index) {
        return absl::InvalidArgumentError(
            absl::StrCat("RIM measurement index ", m.index, " appears twice"));
      }
    }
    rim.measurements.push_back(std::move(m));
    if (rim.measurements.size() > kMaxMeasurements) {
      return absl::InvalidArgumentError("RIM has too many measurements");
    }
  }
  return rim;
}

// The X509Certificate elements of the signature's KeyInfo, in document order.
absl::StatusOr<std::vector<X509Ptr>> KeyInfoCertificates(xmlNode* signature) {
  std::vector<X509Ptr> out;
  for (xmlNode* ki : Children(signature, "KeyInfo", kDsigNs)) {
    for (xmlNode* data : Children(ki, "X509Data", kDsigNs)) {
      for (xmlNode* c : Children(data, "X509Certificate", kDsigNs)) {
        xmlChar* content = xmlNodeGetContent(c);
        std::string b64 = Text(content);
        xmlFree(content);
        std::string compact;
        for (char ch : b64) {
          if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') compact.push_back(ch);
        }
        std::string der;
        if (!absl::Base64Unescape(compact, &der)) {
          return absl::InvalidArgumentError("a KeyInfo X509Certificate is not base64");
        }
        const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (x == nullptr || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
          X509_free(x);
          ERR_clear_error();
          return absl::InvalidArgumentError("a KeyInfo X509Certificate is not one DER certificate");
        }
        out.push_back(X509Ptr(x, X509_free));
      }
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("the signature's KeyInfo has no certificate");
  return out;
}

// xmlsec verification of the enveloped signature with `key`, allowing exactly NVIDIA's
// algorithms and one same-document reference (URI="") covering the whole tag.
Check VerifyXmlSignature(xmlNode* signature, EVP_PKEY* key, const std::string& check_name) {
  xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(nullptr);
  if (ctx == nullptr) return Check::Fail(check_name, Reason::kRimSignatureInvalid, "xmlsec context");
  std::string problem;
  EVP_PKEY_up_ref(key);
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(key);
  xmlSecKeyPtr sign_key = data != nullptr ? xmlSecKeyCreate() : nullptr;
  if (data == nullptr || sign_key == nullptr || xmlSecKeySetValue(sign_key, data) < 0) {
    if (data == nullptr) EVP_PKEY_free(key);
    problem = "the signing certificate's key cannot be used by xmlsec";
  } else {
    ctx->signKey = sign_key;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    const bool enabled =
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14N11Id) >= 0 &&
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha384Id) >= 0 &&
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) >= 0 &&
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14N11Id) >= 0 &&
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha384Id) >= 0;
    if (!enabled) {
      problem = "xmlsec lacks C14N 1.1, ECDSA-SHA384 or SHA-384";
    } else if (xmlSecDSigCtxVerify(ctx, signature) < 0) {
      problem = "the signature does not use inclusive C14N 1.1 / ECDSA-SHA384 / SHA-384 with "
                "one enveloped reference to the whole document, or cannot be processed";
    } else if (ctx->status != xmlSecDSigStatusSucceeded) {
      problem = "the signature or the digest of the signed document does not verify (edited "
                "after signing, or signed by another key)";
    } else if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1) {
      problem = "the signature has more than one reference";
    }
  }
  xmlSecDSigCtxDestroy(ctx);
  ERR_clear_error();
  if (!problem.empty()) return Check::Fail(check_name, Reason::kRimSignatureInvalid, problem);
  return Check::Pass(check_name, "enveloped XML signature, inclusive C14N 1.1, ECDSA-SHA384");
}

}  // namespace

absl::StatusOr<RimAppraisal> VerifyRim(std::string_view xml, std::string_view rim_root_pem,
                                       absl::Time at, std::string name) {
  absl::StatusOr<std::vector<X509Ptr>> roots = ParsePemChain(rim_root_pem);
  if (!roots.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pinned RIM root unreadable: ", roots.status().message()));
  }
  if (!InitOnce()) return absl::InternalError("libxml2/xmlsec1 (OpenSSL) failed to initialise");
  RimAppraisal a;
  a.name = name;
  const std::string prefix = absl::StrCat("rim.", name, ".");
  auto fail_format = [&](const std::string& why) {
    a.checks.push_back(Check::Fail(prefix + "format", Reason::kRimMalformed, why));
    return a;
  };
  if (xml.size() > kMaxRimSize) return fail_format("RIM larger than 4 MiB");
  // No network, no DTD loading, no entity substitution.
  DocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "rim.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR));
  xmlNode* root = doc != nullptr ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !Is(root, "SoftwareIdentity", kSwidNs)) {
    return fail_format("not an XML SWID tag (SoftwareIdentity of ISO/IEC 19770-2:2015)");
  }
  std::vector<xmlNode*> sigs = Children(root, "Signature", kDsigNs);
  if (sigs.size() != 1 ||
      xmlSecFindNode(root, X("Signature"), X(kDsigNs)) != sigs[0]) {
    return fail_format(absl::StrCat("expected one enveloped ds:Signature under the SWID tag, found ",
                                    sigs.size(), " there"));
  }
  absl::StatusOr<Rim> rim = ReadSwid(root);
  if (!rim.ok()) return fail_format(std::string(rim.status().message()));
  a.rim = std::move(*rim);
  a.checks.push_back(Check::Pass(prefix + "format",
                                 absl::StrCat(a.rim->edition, " ", a.rim->product, " ",
                                              a.rim->colloquial_version, ", ",
                                              a.rim->measurements.size(), " measurements")));

  absl::StatusOr<std::vector<X509Ptr>> certs = KeyInfoCertificates(sigs[0]);
  if (!certs.ok()) {
    a.checks.push_back(Check::Fail(prefix + "chain", Reason::kRimChainUntrusted,
                                   std::string(certs.status().message())));
    return a;
  }
  X509* signer = (*certs)[0].get();
  {
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(signer), buf, sizeof(buf));
    a.rim->signer_subject = buf;
  }
  const PathResult path =
      VerifyCertPath(*certs, *roots, at, Reason::kRimChainUntrusted, Reason::kRimExpired);
  a.checks.push_back(path.ok ? Check::Pass(prefix + "chain", path.detail)
                             : Check::Fail(prefix + "chain", path.reason,
                                           absl::StrCat("RIM signer ", a.rim->signer_subject, ": ",
                                                        path.detail)));
  EVP_PKEY* key = X509_get0_pubkey(signer);
  const Check sig = key != nullptr
                        ? VerifyXmlSignature(sigs[0], key, prefix + "signature")
                        : Check::Fail(prefix + "signature", Reason::kRimSignatureInvalid,
                                      "the signing certificate has no usable key");
  a.checks.push_back(sig);
  a.checks.push_back(Check::NotEvaluated(
      prefix + "ocsp", Reason::kOcspNotEvaluated,
      "no OCSP response was given for the RIM signing chain; revocation is not evaluated"));
  a.verified_ = path.ok && sig.status == CheckStatus::kPassed;
  return a;
}

}  // namespace veu::gpu
