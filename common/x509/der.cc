#include "common/x509/der.h"

#include "absl/strings/str_cat.h"

namespace veu::x509 {

absl::StatusOr<Tlv> ReadTlv(std::string_view in, size_t offset) {
  if (offset >= in.size() || in.size() - offset < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DER element at byte ", offset, " is truncated: need a tag and a length, have ",
        offset < in.size() ? in.size() - offset : 0, " bytes"));
  }
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(in[i]); };
  Tlv tlv;
  tlv.tag = byte(offset);
  if ((tlv.tag & 0x1f) == 0x1f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DER element at byte ", offset, " uses a multi-byte tag, which X.509 never needs"));
  }
  size_t header = 2;
  size_t length = byte(offset + 1);
  if (length == 0x80) {
    return absl::InvalidArgumentError(
        absl::StrCat("DER element at byte ", offset,
                     " has an indefinite length (BER), not allowed in a certificate"));
  }
  if (length > 0x80) {
    const size_t n = length & 0x7f;
    if (n > 4) {
      return absl::InvalidArgumentError(absl::StrCat("DER element at byte ", offset, " has a ", n,
                                                     "-byte length field; at most 4 allowed"));
    }
    if (in.size() - offset < 2 + n) {
      return absl::InvalidArgumentError(
          absl::StrCat("DER element at byte ", offset, " is truncated inside its length field"));
    }
    length = 0;
    for (size_t i = 0; i < n; ++i) length = (length << 8) | byte(offset + 2 + i);
    header += n;
    tlv.minimal_length = length >= 0x80 && byte(offset + 2) != 0;
  }
  if (in.size() - offset - header < length) {
    return absl::InvalidArgumentError(absl::StrCat("DER element at byte ", offset, " declares ",
                                                   length, " bytes of contents but only ",
                                                   in.size() - offset - header, " remain"));
  }
  tlv.whole = in.substr(offset, header + length);
  tlv.value = in.substr(offset + header, length);
  return tlv;
}

absl::StatusOr<std::vector<Tlv>> ReadChildren(std::string_view contents) {
  std::vector<Tlv> children;
  size_t offset = 0;
  while (offset < contents.size()) {
    absl::StatusOr<Tlv> child = ReadTlv(contents, offset);
    if (!child.ok()) return child.status();
    offset += child->whole.size();
    children.push_back(*child);
  }
  return children;
}

std::string EncodeHeader(uint8_t tag, size_t length) {
  std::string out(1, static_cast<char>(tag));
  if (length < 0x80) {
    out.push_back(static_cast<char>(length));
    return out;
  }
  std::string be;
  for (size_t l = length; l > 0; l >>= 8) be.insert(be.begin(), static_cast<char>(l & 0xff));
  out.push_back(static_cast<char>(0x80 | be.size()));
  return out + be;
}

namespace {
size_t RedundantLeadingBytes(std::string_view v) {
  size_t skip = 0;
  while (skip + 1 < v.size()) {
    const auto b0 = static_cast<uint8_t>(v[skip]);
    const auto b1 = static_cast<uint8_t>(v[skip + 1]);
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xff && (b1 & 0x80) != 0)) {
      ++skip;
    } else {
      break;
    }
  }
  return skip;
}
}  // namespace

bool IsNonMinimalInteger(const Tlv& integer) {
  return integer.tag == kTagInteger && RedundantLeadingBytes(integer.value) > 0;
}

std::string MinimalInteger(const Tlv& integer) {
  std::string_view v = integer.value.substr(RedundantLeadingBytes(integer.value));
  return EncodeHeader(kTagInteger, v.size()) + std::string(v);
}

}  // namespace veu::x509
