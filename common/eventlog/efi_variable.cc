#include "common/eventlog/efi_variable.h"

#include "absl/strings/str_format.h"
#include "common/eventlog/byte_reader.h"
#include "common/utf8.h"

namespace veu::eventlog {
namespace {

// Limits that no real variable comes near; they only stop absurd sizes early.
constexpr uint64_t kMaxNameChars = 1024;
constexpr size_t kMaxSignatures = 100000;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

EfiGuid MustGuid(std::string_view text) { return *EfiGuidFromString(text); }

}  // namespace

std::string EfiGuid::ToString() const {
  const auto& b = bytes;
  return absl::StrFormat("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

absl::StatusOr<EfiGuid> EfiGuidFromString(std::string_view text) {
  // Byte i of the canonical text order maps to on-disk position kOrder[i].
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is not a GUID; expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", text));
  }
  EfiGuid guid;
  int byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("'%s' is not a GUID: non-hex character at %d", text, i));
    }
    guid.bytes[kOrder[byte++]] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return guid;
}

EfiGuid EfiGlobalVariableGuid() {
  static const EfiGuid g = MustGuid("8be4df61-93ca-11d2-aa0d-00e098032b8c");
  return g;
}
EfiGuid ImageSecurityDatabaseGuid() {
  static const EfiGuid g = MustGuid("d719b2cb-3d3a-4596-a3bc-dad00e67656f");
  return g;
}
EfiGuid ShimLockGuid() {
  static const EfiGuid g = MustGuid("605dab50-e046-4300-abb6-3dd810dd8b23");
  return g;
}
EfiGuid CertSha256Guid() {
  static const EfiGuid g = MustGuid("c1c41626-504c-4092-aca9-41f936934328");
  return g;
}
EfiGuid CertX509Guid() {
  static const EfiGuid g = MustGuid("a5c059a1-94e4-4aa7-87b5-ab155c2bf072");
  return g;
}

std::string Utf16LeToUtf8(std::string_view bytes, bool stop_at_nul) {
  std::string out;
  out.reserve(bytes.size() / 2);
  size_t i = 0;
  auto unit = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) |
           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 8);
  };
  for (; i + 1 < bytes.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp == 0 && stop_at_nul) return out;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < bytes.size()) {
      uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        AppendUtf8(0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00), &out);
        i += 2;
        continue;
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    AppendUtf8(cp, &out);
  }
  if (i < bytes.size()) AppendUtf8(0xFFFD, &out);
  return out;
}

absl::StatusOr<EfiVariableData> ParseEfiVariableData(std::string_view bytes) {
  ByteReader r(bytes);
  std::string_view guid_bytes;
  uint64_t name_chars = 0;
  uint64_t data_len = 0;
  if (!r.ReadBytes(16, &guid_bytes) || !r.ReadU64(&name_chars) || !r.ReadU64(&data_len)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "UEFI_VARIABLE_DATA is %d bytes, shorter than its 32-byte header", bytes.size()));
  }
  if (name_chars > kMaxNameChars || name_chars * 2 > r.remaining()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "UEFI_VARIABLE_DATA name length %d characters overruns the %d bytes left at offset 16",
        name_chars, r.remaining()));
  }
  std::string_view name;
  r.ReadBytes(static_cast<size_t>(name_chars * 2), &name);
  if (data_len > r.remaining()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("UEFI_VARIABLE_DATA data length %d overruns the %d bytes left at offset %d",
                        data_len, r.remaining(), r.offset()));
  }
  EfiVariableData v;
  std::copy(guid_bytes.begin(), guid_bytes.end(), v.vendor.bytes.begin());
  v.name = Utf16LeToUtf8(name, /*stop_at_nul=*/true);
  v.value_offset = r.offset();
  r.ReadBytes(static_cast<size_t>(data_len), &v.value);
  v.trailing_bytes = r.remaining();
  return v;
}

absl::StatusOr<std::vector<EfiSignature>> ParseSignatureDatabase(std::string_view bytes) {
  std::vector<EfiSignature> out;
  ByteReader r(bytes);
  while (!r.empty()) {
    const size_t list_start = r.offset();
    std::string_view type;
    uint32_t list_size = 0, header_size = 0, sig_size = 0;
    if (!r.ReadBytes(16, &type) || !r.ReadU32(&list_size) || !r.ReadU32(&header_size) ||
        !r.ReadU32(&sig_size)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "EFI_SIGNATURE_LIST at offset %d is truncated inside its 28-byte header", list_start));
    }
    const size_t body = static_cast<size_t>(list_size) < 28 ? 0 : list_size - 28;
    if (list_size < 28 || body > r.remaining() || header_size > body || sig_size < 16 ||
        (body - header_size) % sig_size != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "EFI_SIGNATURE_LIST at offset %d has inconsistent sizes (list %d, header %d, "
          "signature %d, %d bytes available)",
          list_start, list_size, header_size, sig_size, r.remaining() + 28));
    }
    r.Skip(header_size);
    const size_t count = (body - header_size) / sig_size;
    if (out.size() + count > kMaxSignatures) {
      return absl::InvalidArgumentError("signature database holds more than 100000 entries");
    }
    for (size_t i = 0; i < count; ++i) {
      std::string_view owner, data;
      r.ReadBytes(16, &owner);
      r.ReadBytes(sig_size - 16, &data);
      EfiSignature s;
      std::copy(type.begin(), type.end(), s.type.bytes.begin());
      std::copy(owner.begin(), owner.end(), s.owner.bytes.begin());
      s.data = data;
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace veu::eventlog
