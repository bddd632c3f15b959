// UEFI device paths (UEFI 2.10, chapter 10) as carried by EV_EFI_BOOT_SERVICES_APPLICATION
// and friends in UEFI_IMAGE_LOAD_EVENT, rendered in the UEFI text form.
#ifndef VEU_COMMON_EVENTLOG_DEVICE_PATH_H_
#define VEU_COMMON_EVENTLOG_DEVICE_PATH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::eventlog {

// Text form of a device path, e.g.
// "PciRoot(0x0)/Pci(0x1,0x1)/HD(1,GPT,<guid>,0x800,0x100000)/\EFI\BOOT\BOOTX64.EFI".
// Nodes we do not name print as Path(type,subtype,hex). Fails with InvalidArgument naming
// the offset if a node's length is below 4 or overruns the input. Pure.
absl::StatusOr<std::string> DevicePathToText(std::string_view bytes);

struct ImageLoadEvent {
  uint64_t image_location = 0;
  uint64_t image_length = 0;
  uint64_t link_time_address = 0;
  std::string device_path;  // text form; empty if the event carries none
};

// Decodes UEFI_IMAGE_LOAD_EVENT (TCG PFP 10.2.3). InvalidArgument if truncated or if the
// device path length overruns the data. Pure.
absl::StatusOr<ImageLoadEvent> ParseImageLoadEvent(std::string_view data);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_DEVICE_PATH_H_
