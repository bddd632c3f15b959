#include "common/x509/ek_certificate.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "common/x509/der.h"

namespace veu::x509 {
namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("EK_CERT_MALFORMED: ", what));
}

uint8_t Byte(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

std::string DescribePadding(std::string_view tail) {
  bool all_same = true;
  for (char c : tail) all_same = all_same && c == tail[0];
  if (all_same) return absl::StrFormat("%d bytes of 0x%02x", tail.size(), Byte(tail, 0));
  return absl::StrFormat("%d bytes (mixed values, first 0x%02x)", tail.size(), Byte(tail, 0));
}

}  // namespace

absl::StatusOr<EkCertificate> ParseEkCertificate(std::string_view stored) {
  if (stored.empty()) return Malformed("the input is empty");
  if (stored.size() > kMaxStoredEkCertificateBytes) {
    return Malformed(absl::StrCat("the input is ", stored.size(),
                                  " bytes; an EK certificate is at most ",
                                  kMaxStoredEkCertificateBytes));
  }
  const size_t first_text = stored.find_first_not_of(" \t\r\n");
  if (first_text != std::string_view::npos && stored.substr(first_text, 10) == "-----BEGIN") {
    ASSIGN_OR_RETURN(std::vector<Certificate> certs, ParseCertificateFile(stored));
    if (certs.size() != 1) {
      return Malformed(absl::StrCat("the PEM text holds ", certs.size(),
                                    " certificates; give the EK certificate on its own"));
    }
    return certs[0];
  }

  std::vector<std::string> notes;
  std::string_view der = stored;
  // TCG PC Client Platform TPM Profile: TCG_PCCLIENT_STORED_CERT { tag 0x1001, certType 0
  // (full), certSize (2 bytes, big-endian) } followed by TCG_FULL_CERT { tag 0x1002, cert }.
  if (stored.size() >= 2 && Byte(stored, 0) == 0x10 && Byte(stored, 1) == 0x01) {
    if (stored.size() < 7)
      return Malformed("TCG storage header (10 01 ...) is cut short: need 7 bytes");
    if (Byte(stored, 2) != 0x00) {
      return Malformed(absl::StrFormat(
          "TCG storage header at byte 2 says certType %d; only 0 (full certificate) exists",
          Byte(stored, 2)));
    }
    if (Byte(stored, 5) != 0x10 || Byte(stored, 6) != 0x02) {
      return Malformed("TCG storage header bytes 5-6 are not the TCG_FULL_CERT tag 10 02");
    }
    const size_t cert_size = (static_cast<size_t>(Byte(stored, 3)) << 8) | Byte(stored, 4);
    if (cert_size < 2 || cert_size - 2 > stored.size() - 7) {
      return Malformed(absl::StrCat("TCG storage header declares ", cert_size,
                                    " bytes (tag included) but ", stored.size() - 5, " follow it"));
    }
    der = stored.substr(7, cert_size - 2);
    notes.push_back("removed the 7-byte TCG storage header (10 01 00 .. .. 10 02)");
  }

  if (der.empty() || Byte(der, 0) != kTagSequence) {
    return Malformed(absl::StrFormat(
        "first byte is 0x%02x, not a SEQUENCE (0x30): neither DER, PEM nor a TCG NV blob",
        der.empty() ? 0 : Byte(der, 0)));
  }
  absl::StatusOr<Tlv> outer = ReadTlv(der);
  if (!outer.ok()) return Malformed(outer.status().message());
  if (outer->whole.size() < der.size()) {
    const std::string_view tail = der.substr(outer->whole.size());
    notes.push_back(absl::StrCat("ignored ", DescribePadding(tail),
                                 " after the certificate's DER end at byte ", outer->whole.size()));
  }
  return ParseCertificateDer(outer->whole, std::move(notes));
}

}  // namespace veu::x509
