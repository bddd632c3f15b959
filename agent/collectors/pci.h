// PCI enumeration from sysfs (/sys/bus/pci/devices/*): the accelerator-relevant functions,
// with IDs, class, NUMA node and SR-IOV VF marking, classified against the catalogue.
#ifndef VEU_AGENT_COLLECTORS_PCI_H_
#define VEU_AGENT_COLLECTORS_PCI_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collectors/root_fs.h"
#include "common/facts/catalogue.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

inline constexpr std::string_view kPciDevicesDir = "/sys/bus/pci/devices";

// Parses a sysfs hex attribute as the kernel writes it: "0x" then exactly `digits` hex digits,
// then an optional newline ("0x10de\n", class "0x030200\n"). InvalidArgument naming
// `path`:1 and what was found otherwise.
absl::StatusOr<uint32_t> ParseSysfsHex(std::string_view text, int digits, std::string_view path);

// Parses a sysfs decimal attribute such as numa_node ("-1\n", "0\n"), within int32.
absl::StatusOr<int32_t> ParseSysfsInt(std::string_view text, std::string_view path);

// True for "dddd:bb:dd.f" (hex domain:bus:device.function, lowercase as sysfs names them).
bool IsPciAddress(std::string_view s);

// NVML's "00000000:17:00.0" (or any domain width, any case) -> sysfs form "0000:17:00.0";
// empty if it is not a PCI address.
std::string NormalisePciAddress(std::string_view bus_id);

struct PciScan {
  std::vector<v1::AcceleratorDevice> devices;  // accelerator-class or catalogued functions
  std::vector<v1::CollectionError> errors;     // functions whose attributes did not parse
};

// Lists every PCI function under /sys/bus/pci/devices and keeps those of an accelerator class
// (display, processing accelerator, co-processor) or with catalogued IDs, classified with
// facts::Classify. A function whose attributes are missing or malformed is reported in
// `errors` with its path (never silently dropped). NotFound if the directory is absent.
absl::StatusOr<PciScan> ScanPci(const RootFs& fs, const facts::Catalogue& catalogue);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_PCI_H_
