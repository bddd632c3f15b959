// veuctl ek verify: checks an EK certificate against a directory of manufacturer CAs with the
// code the verifier uses at enrolment (common/x509/ek_chain.h).
//
//   veuctl ek verify --cert FILE --roots DIR [--crl CRLFILE] [--json] [--reject-expired]
//
// FILE may be DER, PEM or a raw NV read (tpm2_nvread -C o 0x01c00002) with the TCG storage
// header and padding. The CRLs in DIR/crls/ are checked, as the verifier does, and CRLFILE
// (DER or PEM, e.g. just downloaded from the vendor) besides. Exit 0 if a signature chain to a
// root in DIR holds and no CRL revokes it (the chain is printed leaf -> root, with the CRLs
// each certificate was checked against), 1 if not (the reason code, e.g. EK_CERT_REVOKED, and
// the failing certificate and step are printed), 2 for usage errors, an unreadable FILE or
// CRLFILE, or a DIR without usable certificates.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/eventlog/json.h"
#include "common/hex.h"
#include "common/x509/crl_set.h"
#include "common/x509/ek_chain.h"
#include "common/x509/trust_store_dir.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

constexpr size_t kMaxCertFileBytes = 64 * 1024;  // NV indices hold at most a few KiB
constexpr char kUsage[] =
    "ek verify --cert FILE --roots DIR [--crl CRLFILE] [--json] [--reject-expired]";

// JSON string literal of `s` (the same escaping `veuctl eventlog --json` uses).
std::string JsonString(const std::string& s) { return eventlog::JsonString(s); }

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + JsonString(items[i]);
  return out + "]";
}

void PrintJson(const x509::ChainResult& r, const std::optional<x509::EkCertificate>& leaf,
               size_t skipped, const x509::CrlSet& crls) {
  std::cout << "{\n  \"accepted\": " << (r.accepted ? "true" : "false") << ",\n"
            << "  \"reason\": " << JsonString(veu::v1::ReasonCode_Name(r.reason)) << ",\n"
            << "  \"detail\": " << JsonString(r.detail) << ",\n  \"chain\": [";
  for (size_t i = 0; i < r.chain.size(); ++i) {
    std::cout << (i ? ",\n" : "\n") << "    {\"subject\": " << JsonString(r.chain[i].subject)
              << ", \"source\": " << JsonString(r.chain[i].source)
              << ", \"crls\": " << JsonList(r.chain[i].crls) << "}";
  }
  std::cout << (r.chain.empty() ? "" : "\n  ") << "],\n"
            << "  \"warnings\": " << JsonList(r.warnings) << ",\n"
            << "  \"skipped_root_files\": " << skipped << ",\n"
            << "  \"revoked\": " << (r.reason == veu::v1::EK_CERT_REVOKED ? "true" : "false")
            << ",\n  \"crls_loaded\": " << crls.crls().size() << ",\n"
            << "  \"skipped_crls\": " << JsonList(crls.skipped());
  if (leaf) {
    std::cout << ",\n  \"spki_sha256\": " << JsonString(ToHex(leaf->spki_sha256()));
    if (auto tpm = leaf->tpm_identity()) {
      std::cout << ",\n  \"tpm\": {\"manufacturer\": " << JsonString(tpm->manufacturer)
                << ", \"model\": " << JsonString(tpm->model)
                << ", \"version\": " << JsonString(tpm->version) << "}";
    }
  }
  std::cout << "\n}\n";
}

void PrintText(const x509::ChainResult& r, const std::optional<x509::EkCertificate>& leaf,
               const x509::TrustStore& store, const x509::CrlSet& crls) {
  if (r.accepted) {
    std::cout << "ACCEPTED: " << r.detail << "\n";
  } else {
    std::cout << "REJECTED: " << veu::v1::ReasonCode_Name(r.reason) << ": " << r.detail << "\n";
  }
  for (size_t i = 0; i < r.chain.size(); ++i) {
    std::cout << "  [" << i << "] " << r.chain[i].subject
              << (r.chain[i].source.empty() ? "" : "  <- " + r.chain[i].source) << "\n";
    if (i + 1 < r.chain.size()) {
      std::cout << "      revocation: "
                << (r.chain[i].crls.empty()
                        ? "not checked (no CRL of its issuer)"
                        : absl::StrCat("checked against ", absl::StrJoin(r.chain[i].crls, ", ")))
                << "\n";
    }
  }
  std::cout << "  CRLs: " << crls.crls().size() << " loaded, " << crls.skipped().size()
            << " skipped\n";
  if (leaf) {
    std::cout << "  EK public key SHA-256 (SubjectPublicKeyInfo): " << ToHex(leaf->spki_sha256())
              << "\n";
    if (auto tpm = leaf->tpm_identity()) {
      std::cout << "  TPM: manufacturer " << tpm->manufacturer << ", model " << tpm->model
                << ", version " << tpm->version << "\n";
    }
  }
  for (const std::string& w : r.warnings) std::cout << "  warning: " << w << "\n";
  if (!store.skipped().empty()) {
    std::cerr << store.skipped().size() << " file(s) in the roots directory were skipped:\n";
    for (const std::string& s : store.skipped()) std::cerr << "  " << s << "\n";
  }
  if (!crls.skipped().empty()) {
    std::cerr << crls.skipped().size() << " CRL file(s) or CRL(s) were not used:\n";
    for (const std::string& s : crls.skipped()) std::cerr << "  " << s << "\n";
  }
}

int RunEkVerify(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"cert", "roots", "crl"}, {"json", "reject-expired"});
  if (!flags.ok()) {
    std::cerr << "veuctl ek verify: " << flags.status().message() << "\n";
    return kExitUsage;
  }
  const std::optional<std::string> cert_path = flags->Get("cert");
  const std::optional<std::string> roots = flags->Get("roots");
  if (!cert_path || !roots || !flags->positional.empty()) {
    std::cerr << "usage: veuctl " << kUsage << "\n";
    return kExitUsage;
  }
  std::ifstream in(*cert_path, std::ios::binary);
  if (!in) {
    std::cerr << "veuctl ek verify: cannot open --cert '" << *cert_path << "'\n";
    return kExitUsage;
  }
  std::string bytes(kMaxCertFileBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > kMaxCertFileBytes) {
    std::cerr << "veuctl ek verify: --cert '" << *cert_path << "' is larger than 64 KiB; "
              << "an EK certificate is a few KiB\n";
    return kExitUsage;
  }
  absl::StatusOr<x509::TrustStore> store = x509::LoadTrustStoreDir(*roots);
  if (!store.ok()) {
    std::cerr << "veuctl ek verify: " << store.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<std::string> extra_crls;
  if (auto crl = flags->Get("crl")) extra_crls.push_back(*crl);
  absl::StatusOr<x509::CrlSet> crls = x509::LoadEkCrls(*roots, *store, extra_crls);
  if (!crls.ok()) {
    std::cerr << "veuctl ek verify: " << crls.status().message() << "\n";
    return kExitUsage;
  }
  x509::ChainOptions options;
  if (flags->Has("reject-expired")) options.expiry = x509::ExpiryPolicy::kReject;
  options.crls = &*crls;

  std::optional<x509::EkCertificate> leaf;
  x509::ChainResult result;
  absl::StatusOr<x509::EkCertificate> parsed = x509::ParseEkCertificate(bytes);
  if (parsed.ok()) {
    leaf = *parsed;
    result = x509::VerifyEkChain(*leaf, *store, absl::Now(), options);
  } else {
    result = x509::VerifyStoredEkCertificate(bytes, *store, absl::Now(), options);
    result.detail = absl::StrCat(*cert_path, ": ", result.detail);
  }
  if (flags->Has("json")) {
    PrintJson(result, leaf, store->skipped().size(), *crls);
  } else {
    PrintText(result, leaf, *store, *crls);
  }
  return result.accepted ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kEkVerify, "ek verify", kUsage, RunEkVerify);

}  // namespace veu::veuctl
