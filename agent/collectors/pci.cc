#include "agent/collectors/pci.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

constexpr size_t kMaxAttributeBytes = 64;

std::string Printable(std::string_view s) { return Escaped(s, 32); }

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return !s.empty();
}

v1::CollectionError Error(std::string_view path, const absl::Status& s) {
  v1::CollectionError e;
  e.set_source_path(std::string(path));
  e.set_line(absl::IsInvalidArgument(s) ? 1 : 0);
  e.set_message(std::string(s.message()));
  return e;
}

}  // namespace

absl::StatusOr<uint32_t> ParseSysfsHex(std::string_view text, int digits, std::string_view path) {
  std::string_view body = text;
  if (body.ends_with('\n')) body.remove_suffix(1);
  const bool prefixed = body.starts_with("0x");
  if (prefixed) body.remove_prefix(2);
  if (!prefixed || static_cast<int>(body.size()) != digits) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:1: expected \"0x\" and %d hex digits, found \"%s\"", path, digits, Printable(text)));
  }
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, 16);
  if (ec != std::errc() || end != body.data() + body.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:1: \"%s\" is not hexadecimal", path, Printable(text)));
  }
  return value;
}

absl::StatusOr<int32_t> ParseSysfsInt(std::string_view text, std::string_view path) {
  std::string_view body = text;
  if (body.ends_with('\n')) body.remove_suffix(1);
  int32_t value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, 10);
  if (body.empty() || ec != std::errc() || end != body.data() + body.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:1: expected a decimal integer, found \"%s\"", path, Printable(text)));
  }
  return value;
}

bool IsPciAddress(std::string_view s) {
  // dddd:bb:dd.f
  if (s.size() != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.') return false;
  if (!IsLowerHex(s.substr(0, 4)) || !IsLowerHex(s.substr(5, 2)) || !IsLowerHex(s.substr(8, 2))) {
    return false;
  }
  return s[11] >= '0' && s[11] <= '7';
}

std::string NormalisePciAddress(std::string_view bus_id) {
  std::string lower = ToLower(bus_id);
  const size_t colon = lower.find(':');
  if (colon == std::string::npos || colon < 4 || colon > 8) return "";
  // Keep the low four digits of the domain; NVML pads it to eight.
  const std::string_view domain = std::string_view(lower).substr(0, colon);
  for (size_t i = 0; i + 4 < domain.size(); ++i) {
    if (domain[i] != '0') return "";
  }
  std::string out = std::string(domain.substr(domain.size() - 4)) + lower.substr(colon);
  return IsPciAddress(out) ? out : "";
}

absl::StatusOr<PciScan> ScanPci(const RootFs& fs, const facts::Catalogue& catalogue) {
  auto names = fs.ListDir(kPciDevicesDir);
  if (!names.ok()) return names.status();
  PciScan scan;
  for (const std::string& name : *names) {
    const std::string dir = JoinPath(kPciDevicesDir, name);
    if (!IsPciAddress(name)) {
      v1::CollectionError e;
      e.set_source_path(dir);
      e.set_message(absl::StrFormat("%s: \"%s\" is not a PCI address (dddd:bb:dd.f); skipped",
                                    kPciDevicesDir, Printable(name)));
      scan.errors.push_back(std::move(e));
      continue;
    }
    // Read one attribute, recording the first failure for this device.
    absl::Status failed;
    auto hex = [&](std::string_view attr, int digits) -> uint32_t {
      if (!failed.ok()) return 0;
      const std::string path = JoinPath(dir, attr);
      auto text = fs.ReadFile(path, kMaxAttributeBytes);
      if (!text.ok()) {
        failed = text.status();
        return 0;
      }
      auto v = ParseSysfsHex(*text, digits, path);
      if (!v.ok()) {
        failed = v.status();
        return 0;
      }
      return *v;
    };
    v1::AcceleratorDevice d;
    d.set_pci_address(name);
    d.set_source_path(dir);
    d.set_class_code(hex("class", 6));
    d.set_vendor_id(hex("vendor", 4));
    d.set_device_id(hex("device", 4));
    if (!failed.ok()) {
      scan.errors.push_back(Error(dir, failed));
      continue;
    }
    const bool catalogued = catalogue.Lookup(d.vendor_id(), d.device_id()) != nullptr;
    if (!catalogued && !facts::IsAcceleratorClass(d.class_code())) continue;
    // Subsystem IDs are absent on some bridges and virtual devices; required here since every
    // accelerator function has them.
    d.set_subsystem_vendor_id(hex("subsystem_vendor", 4));
    d.set_subsystem_device_id(hex("subsystem_device", 4));
    const std::string numa_path = JoinPath(dir, "numa_node");
    d.set_numa_node(-1);
    if (failed.ok() && fs.Exists(numa_path)) {
      auto text = fs.ReadFile(numa_path, kMaxAttributeBytes);
      absl::StatusOr<int32_t> numa =
          text.ok() ? ParseSysfsInt(*text, numa_path) : absl::StatusOr<int32_t>(text.status());
      if (numa.ok()) {
        d.set_numa_node(*numa);
      } else {
        failed = numa.status();
      }
    }
    const std::string physfn = JoinPath(dir, "physfn");
    if (fs.Exists(physfn)) {
      d.set_virtual_function(true);
      auto target = fs.ReadLink(physfn);
      if (target.ok()) {
        const std::string pf(target->substr(target->rfind('/') + 1));
        if (IsPciAddress(pf)) d.set_physfn_address(pf);
      }
    }
    if (!failed.ok()) {
      // Keep the device (it is an accelerator) but say what could not be read.
      scan.errors.push_back(Error(dir, failed));
    }
    d.set_identity_source(v1::PCI_IDS_ONLY);
    facts::Classify(catalogue, d);
    scan.devices.push_back(std::move(d));
  }
  return scan;
}

}  // namespace veu::collectors
