// libfake-nvml.so: a stand-in for NVIDIA's libnvidia-ml.so.1 in tests, so the agent's real
// dlopen/dlsym path (agent/collectors/nvml_source.cc) runs on machines without a GPU.
//
// It exports exactly the NVML entry points nvml_source.cc looks up, with NVML's C signatures
// (a linker version script hides everything else), and serves the devices described in the
// text file named by the environment variable VEU_FAKE_NVML_DEVICES, read at each
// nvmlInit_v2:
//
//   # '#' starts a comment, to the end of the line; blank lines are ignored
//   driver 550.90.07      # optional: nvmlSystemGetDriverVersion (default "0.0.0-fake")
//   cc on                 # optional: on|off; without it the CC query is NOT_SUPPORTED
//   0000:9a:00.0 1652823054567 GPU-2f6b "NVIDIA H100 80GB HBM3" 692-2G520-0200-000 96.00.74.00.01
//
//   attest 0000:9a:00.0 REPORT_FILE CHAIN_FILE   # optional, after its device line
//
// A device line is: pci_bus_id serial uuid name board_part vbios, separated by blanks; a field
// may be double-quoted to hold blanks, and a field of exactly "-" makes that query return
// NVML_ERROR_NOT_SUPPORTED (3) for the device. pci_bus_id is DDDD:BB:DD.F (hex); the fake
// reports it as NVML does, "%08X:%02X:%02X.%X" (e.g. "00000000:18:00.0").
//
// An attest line gives the device a recorded attestation report (hex text, as NVIDIA's samples,
// or raw bytes) and PEM certificate chain, served by nvmlDeviceGetConfComputeGpuAttestationReport
// and nvmlDeviceGetConfComputeGpuCertificate. A recording cannot answer a new nonce: the caller's
// nonce is ignored, so a verifier sees a replay. Devices without one return NOT_SUPPORTED, as a
// Hopper outside confidential-computing mode does.
//
// Errors, as the real library: variable unset or file unreadable -> nvmlInit_v2 returns
// NVML_ERROR_DRIVER_NOT_LOADED (9); a malformed line -> NVML_ERROR_UNKNOWN (999) (and the reason
// on stderr); calls before init -> NVML_ERROR_UNINITIALIZED (1); a buffer too small ->
// NVML_ERROR_INSUFFICIENT_SIZE (7); a null pointer or bad index -> NVML_ERROR_INVALID_ARGUMENT (2).
// Init and shutdown nest (reference count) as in NVML. Thread-safe (one mutex).
//
// CMake: target `fake_nvml`, file libfake-nvml.so; tests get its path as the compile definition
// VEU_FAKE_NVML_PATH (see tests/agent/CMakeLists.txt).
#ifndef VEU_TESTS_SUPPORT_FAKE_NVML_FAKE_NVML_H_
#define VEU_TESTS_SUPPORT_FAKE_NVML_FAKE_NVML_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace veu::testing {

inline constexpr char kFakeNvmlDevicesEnv[] = "VEU_FAKE_NVML_DEVICES";

// Writes `devices` (the format above) to a fresh temporary file and points
// VEU_FAKE_NVML_DEVICES at it, for this process and the processes it starts afterwards; the
// destructor removes the file and unsets the variable. One at a time per process.
class ScopedFakeNvmlDevices {
 public:
  explicit ScopedFakeNvmlDevices(const std::string& devices) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "veu-fake-nvml-XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    if (fd >= 0) close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::trunc) << devices;
    setenv(kFakeNvmlDevicesEnv, path_.c_str(), 1);
  }
  ~ScopedFakeNvmlDevices() {
    unsetenv(kFakeNvmlDevicesEnv);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ScopedFakeNvmlDevices(const ScopedFakeNvmlDevices&) = delete;
  ScopedFakeNvmlDevices& operator=(const ScopedFakeNvmlDevices&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace veu::testing

#endif  // VEU_TESTS_SUPPORT_FAKE_NVML_FAKE_NVML_H_
