// A minimal, bounds-checked DER reader: just enough to find where a certificate ends, to take
// the exact bytes a signature covers (tbsCertificate), and to repair the encodings OpenSSL
// refuses. Everything else about X.509 is left to OpenSSL.
#ifndef VEU_COMMON_X509_DER_H_
#define VEU_COMMON_X509_DER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/views.h"

namespace veu::x509 {

inline constexpr uint8_t kTagInteger = 0x02;
inline constexpr uint8_t kTagBitString = 0x03;
inline constexpr uint8_t kTagOctetString = 0x04;
inline constexpr uint8_t kTagOid = 0x06;
inline constexpr uint8_t kTagSequence = 0x30;
inline constexpr uint8_t kTagSet = 0x31;

// One tag-length-value element. Views point into the input given to ReadTlv.
struct Tlv {
  uint8_t tag = 0;             // single-byte tags only (all X.509 needs)
  std::string_view whole;      // header and value: the exact bytes as encoded
  std::string_view value;      // contents only
  bool minimal_length = true;  // false if the length used more bytes than DER allows
};

// Reads the element starting at `in[offset]`. Requires a definite length of at most 4 bytes
// that fits inside `in`. Fails with InvalidArgument naming the byte offset otherwise.
absl::StatusOr<Tlv> ReadTlv(std::string_view in, size_t offset = 0);
// The result views `in`: a temporary string would leave it dangling (compile error instead).
template <TemporaryString S>
absl::StatusOr<Tlv> ReadTlv(S&&, size_t offset = 0) = delete;

// Splits the contents of a constructed element into its children, in order. Fails with
// InvalidArgument (offset relative to `contents`) if a child runs past the end.
absl::StatusOr<std::vector<Tlv>> ReadChildren(std::string_view contents);
template <TemporaryString S>
absl::StatusOr<std::vector<Tlv>> ReadChildren(S&&) = delete;

// DER header (tag and minimal length) for `length` bytes of contents.
std::string EncodeHeader(uint8_t tag, size_t length);

// True if `integer` (a whole INTEGER TLV) uses more leading 0x00/0xff bytes than DER allows.
bool IsNonMinimalInteger(const Tlv& integer);

// The same INTEGER with redundant leading bytes removed (value unchanged).
std::string MinimalInteger(const Tlv& integer);

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_DER_H_
