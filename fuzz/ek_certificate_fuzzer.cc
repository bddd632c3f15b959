// libFuzzer target: EK certificate bytes as an agent could send them. Nothing may crash, read
// out of bounds or leak, whatever the bytes; a certificate that parses must survive every
// accessor and a self-signature check. Seeded with fixtures/ekcerts/leaves.
// Build and run: fuzz/run.sh ek_certificate (clang-14, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/x509/crl_set.h"
#include "common/x509/ek_certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<veu::x509::EkCertificate> cert = veu::x509::ParseEkCertificate(bytes);
  if (cert.ok()) {
    (void)cert->DisplayName();
    (void)cert->tpm_identity();
    (void)cert->not_after();
    (void)veu::x509::VerifySignedBy(*cert, cert->public_key());
    (void)veu::x509::NamesMatch(cert->issuer_der(), cert->subject_der());
  }
  (void)veu::x509::ParseCertificateFile(bytes);
  static const veu::x509::TrustStore kNoCas;
  (void)veu::x509::CrlSet::FromFiles({{"input", std::string(bytes)}}, kNoCas);
  return 0;
}
