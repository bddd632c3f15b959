#include "common/eventlog/device_path.h"

#include "absl/strings/str_format.h"
#include "common/eventlog/byte_reader.h"
#include "common/eventlog/efi_variable.h"
#include "common/hex.h"
#include "common/status_macros.h"

namespace veu::eventlog {
namespace {

constexpr size_t kMaxNodes = 256;

std::string GuidAt(std::string_view b) {
  EfiGuid g;
  for (size_t i = 0; i < 16 && i < b.size(); ++i) g.bytes[i] = static_cast<uint8_t>(b[i]);
  return g.ToString();
}

// Renders one node from its body (the bytes after its 4-byte header).
std::string NodeText(uint8_t type, uint8_t subtype, std::string_view body) {
  ByteReader r(body);
  uint8_t u8a = 0, u8b = 0;
  uint16_t u16a = 0, u16b = 0;
  uint32_t u32a = 0, u32b = 0;
  uint64_t u64a = 0, u64b = 0;
  switch (type << 8 | subtype) {
    case 0x0101:  // PCI
      if (r.ReadU8(&u8a) && r.ReadU8(&u8b)) return absl::StrFormat("Pci(0x%x,0x%x)", u8b, u8a);
      break;
    case 0x0103:  // Memory mapped
      if (r.ReadU32(&u32a) && r.ReadU64(&u64a) && r.ReadU64(&u64b)) {
        return absl::StrFormat("MemoryMapped(0x%x,0x%x,0x%x)", u32a, u64a, u64b);
      }
      break;
    case 0x0104:
      if (body.size() >= 16) return "VenHw(" + GuidAt(body) + ")";
      break;
    case 0x0201:  // ACPI
      if (r.ReadU32(&u32a) && r.ReadU32(&u32b)) {
        if (u32a == 0x0A0341D0) return absl::StrFormat("PciRoot(0x%x)", u32b);
        if (u32a == 0x0A0841D0) return absl::StrFormat("PcieRoot(0x%x)", u32b);
        return absl::StrFormat("Acpi(0x%08x,0x%x)", u32a, u32b);
      }
      break;
    case 0x0302:  // SCSI
      if (r.ReadU16(&u16a) && r.ReadU16(&u16b))
        return absl::StrFormat("Scsi(0x%x,0x%x)", u16a, u16b);
      break;
    case 0x0305:  // USB
      if (r.ReadU8(&u8a) && r.ReadU8(&u8b)) return absl::StrFormat("USB(0x%x,0x%x)", u8a, u8b);
      break;
    case 0x030A:
      if (body.size() >= 16) return "VenMsg(" + GuidAt(body) + ")";
      break;
    case 0x030B:  // MAC
      if (body.size() >= 32) return "MAC(" + ToHex(body.substr(0, 6)) + ")";
      break;
    case 0x0312:  // SATA
      if (uint16_t lun = 0; r.ReadU16(&u16a) && r.ReadU16(&u16b) && r.ReadU16(&lun)) {
        return absl::StrFormat("Sata(0x%x,0x%x,0x%x)", u16a, u16b, lun);
      }
      break;
    case 0x0317:  // NVMe
      if (r.ReadU32(&u32a) && body.size() >= 12) {
        return absl::StrFormat("NVMe(0x%x,%s)", u32a, ToHex(body.substr(4, 8)));
      }
      break;
    case 0x0318:  // URI
      return "Uri(" + std::string(body) + ")";
    case 0x0401:  // Hard drive
      // Partition number, start, size, 16-byte signature, format (2 = GPT), signature type.
      if (r.ReadU32(&u32a) && r.ReadU64(&u64a) && r.ReadU64(&u64b) && body.size() >= 38) {
        const uint8_t format = static_cast<uint8_t>(body[36]);
        const uint8_t sig_type = static_cast<uint8_t>(body[37]);
        std::string sig = sig_type == 2 ? GuidAt(body.substr(20, 16))
                                        : absl::StrFormat("0x%s", ToHex(body.substr(20, 4)));
        return absl::StrFormat("HD(%d,%s,%s,0x%x,0x%x)", u32a, format == 2 ? "GPT" : "MBR", sig,
                               u64a, u64b);
      }
      break;
    case 0x0402:
      return "CDROM(" + ToHex(body.substr(0, 4)) + ")";
    case 0x0403:
      if (body.size() >= 16) return "VenMedia(" + GuidAt(body) + ")";
      break;
    case 0x0404:  // File path
      return Utf16LeToUtf8(body, /*stop_at_nul=*/true);
    case 0x0406:
      if (body.size() >= 16) return "FvFile(" + GuidAt(body) + ")";
      break;
    case 0x0407:
      if (body.size() >= 16) return "Fv(" + GuidAt(body) + ")";
      break;
    case 0x0408:  // Relative offset range
      if (r.ReadU32(&u32a) && r.ReadU64(&u64a) && r.ReadU64(&u64b)) {
        return absl::StrFormat("Offset(0x%x,0x%x)", u64a, u64b);
      }
      break;
    default:
      break;
  }
  return absl::StrFormat("Path(%d,%d,%s)", type, subtype, ToHex(body));
}

}  // namespace

absl::StatusOr<std::string> DevicePathToText(std::string_view bytes) {
  std::string out;
  ByteReader r(bytes);
  bool separator_due = false;
  for (size_t nodes = 0; !r.empty(); ++nodes) {
    const size_t at = r.offset();
    uint8_t type = 0, subtype = 0;
    uint16_t length = 0;
    if (nodes >= kMaxNodes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("device path has more than %d nodes", kMaxNodes));
    }
    if (!r.ReadU8(&type) || !r.ReadU8(&subtype) || !r.ReadU16(&length) || length < 4 ||
        length - 4u > r.remaining()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "device path node at offset %d is truncated or declares a bad length (%d)", at, length));
    }
    std::string_view body;
    r.ReadBytes(length - 4u, &body);
    if (type == 0x7F) {  // End of instance (0x01) or of the whole path (0xFF).
      if (subtype == 0xFF) break;
      out += ",";
      separator_due = false;
      continue;
    }
    if (separator_due) out += "/";
    out += NodeText(type, subtype, body);
    separator_due = true;
  }
  return out;
}

absl::StatusOr<ImageLoadEvent> ParseImageLoadEvent(std::string_view data) {
  ByteReader r(data);
  ImageLoadEvent e;
  uint64_t path_length = 0;
  if (!r.ReadU64(&e.image_location) || !r.ReadU64(&e.image_length) ||
      !r.ReadU64(&e.link_time_address) || !r.ReadU64(&path_length)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "UEFI_IMAGE_LOAD_EVENT is %d bytes, shorter than its 32-byte header", data.size()));
  }
  if (path_length > r.remaining()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "UEFI_IMAGE_LOAD_EVENT device path length %d overruns the %d bytes left at offset 32",
        path_length, r.remaining()));
  }
  std::string_view path;
  r.ReadBytes(static_cast<size_t>(path_length), &path);
  ASSIGN_OR_RETURN(e.device_path, DevicePathToText(path));
  return e;
}

}  // namespace veu::eventlog
