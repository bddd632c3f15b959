#include "agent/collectors/nvml_source.h"

#include <dlfcn.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/collectors/nvml_abi.h"
#include "agent/collectors/pci.h"

namespace veu::collectors {
namespace {

// The entry points of NVIDIA's nvml.h that are used; types and codes are in nvml_abi.h.

using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using CountFn = nvmlReturn_t (*)(unsigned int*);
using HandleFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using PciInfoFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlPciInfo_t*);
using DeviceStringFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using SystemStringFn = nvmlReturn_t (*)(char*, unsigned int);
using CcStateFn = nvmlReturn_t (*)(nvmlConfComputeSystemState_t*);

constexpr unsigned kMaxDevices = 64;
constexpr unsigned kStringBuffer = 128;  // >= every NVML_*_BUFFER_SIZE used here

class Library {
 public:
  explicit Library(const std::string& name)
      : handle_(dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  bool loaded() const { return handle_ != nullptr; }

  template <typename Fn>
  Fn Get(const char* symbol) const {
    void* p = dlsym(handle_, symbol);
    Fn fn;
    static_assert(sizeof fn == sizeof p);
    std::memcpy(&fn, &p, sizeof fn);  // object -> function pointer, as POSIX allows
    return fn;
  }

 private:
  void* handle_;
};

std::string SafeString(const char* buf, size_t size) {
  return std::string(buf, strnlen(buf, size));
}

}  // namespace

GpuReport NvmlGpuInventorySource::Query() {
  GpuReport report;
  v1::NvmlStatus& st = report.status;
  dlerror();
  Library lib(library_);
  if (!lib.loaded()) {
    const char* err = dlerror();
    st.set_available(false);
    st.set_detail(absl::StrCat(
        library_, " could not be loaded (", std::string(err != nullptr ? err : "unknown error"),
        "): accelerator identity is from PCI IDs only, which can be spoofed; no serials or "
        "UUIDs, so site binding of chips cannot be checked"));
    return report;
  }
  auto init = lib.Get<InitFn>("nvmlInit_v2");
  auto shutdown = lib.Get<ShutdownFn>("nvmlShutdown");
  auto error_string = lib.Get<ErrorStringFn>("nvmlErrorString");
  auto count_fn = lib.Get<CountFn>("nvmlDeviceGetCount_v2");
  auto handle_fn = lib.Get<HandleFn>("nvmlDeviceGetHandleByIndex_v2");
  auto pci_fn = lib.Get<PciInfoFn>("nvmlDeviceGetPciInfo_v3");
  if (init == nullptr || shutdown == nullptr || count_fn == nullptr || handle_fn == nullptr ||
      pci_fn == nullptr) {
    st.set_detail(absl::StrCat(library_,
                               " lacks nvmlInit_v2/nvmlDeviceGetCount_v2/"
                               "nvmlDeviceGetHandleByIndex_v2/nvmlDeviceGetPciInfo_v3 (driver "
                               "too old?): identity from PCI IDs only"));
    return report;
  }
  auto describe = [&](nvmlReturn_t rc) -> std::string {
    const char* s = error_string != nullptr ? error_string(rc) : nullptr;
    return s != nullptr ? absl::StrFormat("%s (%d)", s, rc) : absl::StrFormat("NVML error %d", rc);
  };
  if (nvmlReturn_t rc = init(); rc != nvml::kSuccess) {
    st.set_detail(absl::StrCat("nvmlInit_v2 failed: ", describe(rc),
                               "; is the NVIDIA driver loaded? identity from PCI IDs only"));
    return report;
  }
  st.set_available(true);
  std::vector<std::string> problems;
  char buf[kStringBuffer];
  if (auto fn = lib.Get<SystemStringFn>("nvmlSystemGetDriverVersion"); fn != nullptr) {
    std::memset(buf, 0, sizeof buf);
    if (fn(buf, sizeof buf) == nvml::kSuccess) st.set_driver_version(SafeString(buf, sizeof buf));
  }
  if (auto fn = lib.Get<CcStateFn>("nvmlSystemGetConfComputeState"); fn != nullptr) {
    nvmlConfComputeSystemState_t cc{};
    if (fn(&cc) == nvml::kSuccess) {
      st.set_confidential_computing_known(true);
      st.set_confidential_computing_on(cc.ccFeature == nvml::kCcFeatureEnabled);
    }
  }
  if (!st.confidential_computing_known()) {
    problems.push_back("confidential-computing state not reported by this driver");
  }
  unsigned int count = 0;
  if (nvmlReturn_t rc = count_fn(&count); rc != nvml::kSuccess) {
    problems.push_back(absl::StrCat("nvmlDeviceGetCount_v2: ", describe(rc)));
    count = 0;
  }
  if (count > kMaxDevices) {
    problems.push_back(
        absl::StrFormat("NVML reports %u devices; only the first %u are read", count, kMaxDevices));
    count = kMaxDevices;
  }
  struct Field {
    const char* symbol;
    std::string* (v1::GpuIdentity::*field)();
  };
  const Field fields[] = {
      {"nvmlDeviceGetSerial", &v1::GpuIdentity::mutable_serial},
      {"nvmlDeviceGetUUID", &v1::GpuIdentity::mutable_uuid},
      {"nvmlDeviceGetBoardPartNumber", &v1::GpuIdentity::mutable_board_part_number},
      {"nvmlDeviceGetVbiosVersion", &v1::GpuIdentity::mutable_vbios_version},
      {"nvmlDeviceGetName", &v1::GpuIdentity::mutable_name},
  };
  for (unsigned i = 0; i < count; ++i) {
    nvmlDevice_t dev = nullptr;
    if (nvmlReturn_t rc = handle_fn(i, &dev); rc != nvml::kSuccess) {
      problems.push_back(absl::StrFormat("device %u: handle: %s", i, describe(rc)));
      continue;
    }
    v1::GpuIdentity id;
    nvmlPciInfo_t pci{};
    if (nvmlReturn_t rc = pci_fn(dev, &pci); rc == nvml::kSuccess) {
      id.set_pci_bus_id(NormalisePciAddress(SafeString(pci.busId, sizeof pci.busId)));
    } else {
      problems.push_back(absl::StrFormat("device %u: PCI info: %s", i, describe(rc)));
    }
    for (const Field& f : fields) {
      auto fn = lib.Get<DeviceStringFn>(f.symbol);
      if (fn == nullptr) continue;
      std::memset(buf, 0, sizeof buf);
      if (nvmlReturn_t rc = fn(dev, buf, sizeof buf); rc == nvml::kSuccess) {
        *(id.*f.field)() = SafeString(buf, sizeof buf);
      } else {
        problems.push_back(absl::StrFormat("device %u: %s: %s", i, f.symbol, describe(rc)));
      }
    }
    report.gpus.push_back(std::move(id));
  }
  shutdown();
  st.set_detail(absl::StrJoin(problems, "; "));
  return report;
}

}  // namespace veu::collectors
