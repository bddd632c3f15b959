// veuctl ek verify: checks an EK certificate against a directory of manufacturer CAs with the
// code the verifier uses at enrolment (common/x509/ek_chain.h).
//
//   veuctl ek verify --cert FILE --roots DIR [--json] [--reject-expired]
//
// FILE may be DER, PEM or a raw NV read (tpm2_nvread -C o 0x01c00002) with the TCG storage
// header and padding. Exit 0 if a signature chain to a root in DIR holds (the chain is printed
// leaf -> root), 1 if not (the reason code and the failing certificate and step are printed),
// 2 for usage errors, an unreadable FILE, or a DIR without usable certificates.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/eventlog/json.h"
#include "common/hex.h"
#include "common/x509/ek_chain.h"
#include "common/x509/trust_store_dir.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

constexpr size_t kMaxCertFileBytes = 64 * 1024;  // NV indices hold at most a few KiB

// JSON string literal of `s` (the same escaping `veuctl eventlog --json` uses).
std::string JsonString(const std::string& s) { return eventlog::JsonString(s); }

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + JsonString(items[i]);
  return out + "]";
}

void PrintJson(const x509::ChainResult& r, const std::optional<x509::EkCertificate>& leaf,
               size_t skipped) {
  std::cout << "{\n  \"accepted\": " << (r.accepted ? "true" : "false") << ",\n"
            << "  \"reason\": " << JsonString(veu::v1::ReasonCode_Name(r.reason)) << ",\n"
            << "  \"detail\": " << JsonString(r.detail) << ",\n  \"chain\": [";
  for (size_t i = 0; i < r.chain.size(); ++i) {
    std::cout << (i ? ",\n" : "\n") << "    {\"subject\": " << JsonString(r.chain[i].subject)
              << ", \"source\": " << JsonString(r.chain[i].source) << "}";
  }
  std::cout << (r.chain.empty() ? "" : "\n  ") << "],\n"
            << "  \"warnings\": " << JsonList(r.warnings) << ",\n"
            << "  \"skipped_root_files\": " << skipped;
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
               const x509::TrustStore& store) {
  if (r.accepted) {
    std::cout << "ACCEPTED: " << r.detail << "\n";
  } else {
    std::cout << "REJECTED: " << veu::v1::ReasonCode_Name(r.reason) << ": " << r.detail << "\n";
  }
  for (size_t i = 0; i < r.chain.size(); ++i) {
    std::cout << "  [" << i << "] " << r.chain[i].subject
              << (r.chain[i].source.empty() ? "" : "  <- " + r.chain[i].source) << "\n";
  }
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
}

int RunEkVerify(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"cert", "roots"}, {"json", "reject-expired"});
  if (!flags.ok()) {
    std::cerr << "veuctl ek verify: " << flags.status().message() << "\n";
    return kExitUsage;
  }
  const std::optional<std::string> cert_path = flags->Get("cert");
  const std::optional<std::string> roots = flags->Get("roots");
  if (!cert_path || !roots || !flags->positional.empty()) {
    std::cerr << "usage: veuctl ek verify --cert FILE --roots DIR [--json] [--reject-expired]\n";
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
  x509::ChainOptions options;
  if (flags->Has("reject-expired")) options.expiry = x509::ExpiryPolicy::kReject;

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
    PrintJson(result, leaf, store->skipped().size());
  } else {
    PrintText(result, leaf, *store);
  }
  return result.accepted ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kEkVerify, "ek verify",
               "ek verify --cert FILE --roots DIR [--json] [--reject-expired]", RunEkVerify);

}  // namespace veu::veuctl
