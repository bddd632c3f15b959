// Reading an EK certificate from what TPMs and tools actually store: DER, PEM, the raw NV
// index contents with the TCG storage header, DER followed by padding.
#ifndef VEU_COMMON_X509_EK_CERTIFICATE_H_
#define VEU_COMMON_X509_EK_CERTIFICATE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "common/x509/certificate.h"

namespace veu::x509 {

// An EK certificate is an X.509 certificate; the alias documents intent at call sites.
using EkCertificate = Certificate;

// NV index of the RSA 2048 EK certificate (TCG EK Credential Profile 2.3, 2.2.1.4).
inline constexpr uint32_t kNvIndexRsaEkCert = 0x01c00002;
inline constexpr uint32_t kNvIndexEccEkCert = 0x01c0000a;

// Larger input is refused before any parsing: NV indices hold a few KiB.
inline constexpr size_t kMaxStoredEkCertificateBytes = 64 * 1024;

// Normalises and parses stored EK certificate bytes:
//   - PEM (exactly one CERTIFICATE block);
//   - the 7-byte TCG PC Client storage header 10 01 00 LL LL 10 02 (stripped, length checked);
//   - DER followed by padding (0x00, 0xff or anything else: the DER's own length decides
//     where the certificate ends; what was cut is recorded in notes());
//   - serial numbers that are not minimal DER (see ParseCertificateDer).
// Fails with InvalidArgument "EK_CERT_MALFORMED: <what, at which byte>" for anything else,
// including truncation and input over kMaxStoredEkCertificateBytes; never reads outside
// `stored_bytes`.
absl::StatusOr<EkCertificate> ParseEkCertificate(std::string_view stored_bytes);

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_EK_CERTIFICATE_H_
