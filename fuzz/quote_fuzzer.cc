// libFuzzer target for every parser in common/tpm: TPM structures, AK loading and checks, the
// tpm2-tools PCR file, and VerifyQuote end to end. Seeded with tests/common/tpm/testdata/swtpm/.
// Build and run: fuzz/run.sh quote (sources common/tpm/*.cc plus common/hex.cc,
// common/crypto/{digest,random}.cc, linked with tss2-mu, OpenSSL and the tpm.proto code).
#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/tpm/ak_checks.h"
#include "common/tpm/public_key.h"
#include "common/tpm/quote.h"
#include "common/tpm/structures.h"
#include "common/tpm/tpm2_tools_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace veu::tpm;  // NOLINT: fuzzer entry point
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)UnmarshalAttest(in);
  (void)UnmarshalSignature(in);
  (void)UnmarshalTpmtPublic(in);
  (void)UnmarshalPcrSelection(in);
  (void)ParseTpm2ToolsPcrs(in);
  (void)CheckAkPublic(in, "");
  (void)LoadAkPublic(in);

  // End to end: the input split into attest | signature at its first byte's value.
  static const AkPublicKey* ak = [] {
    auto* key = new AkPublicKey;
    key->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    return key;
  }();
  if (size > 1) {
    const size_t cut = 1 + std::min<size_t>(data[0] * 2u, size - 1);
    QuoteEvidence evidence{std::string(in.substr(1, cut - 1)), std::string(in.substr(cut)), {}};
    QuoteExpectations expect;
    (void)VerifyQuote(*ak, evidence, expect);
  }
  return 0;
}
