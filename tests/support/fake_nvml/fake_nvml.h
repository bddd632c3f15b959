// libfake-nvml.so: a stand-in for NVIDIA's libnvidia-ml.so.1 in tests, so the agent's real
// dlopen/dlsym path (agent/collectors/nvml_source.cc) runs on machines without a GPU.
//
// It exports exactly the NVML entry points nvml_source.cc looks up, with NVML's C signatures
// (a linker version script hides everything else), and serves the devices described in the
// text file named by the environment variable VEU_FAKE_NVML_DEVICES, read at each
// nvmlInit_v2:
//
//   # comment (whole line); blank lines are ignored
//   driver 550.90.07                  # optional: nvmlSystemGetDriverVersion (default "0.0.0-fake")
//   cc on                             # optional: on|off; without it the CC query is NOT_SUPPORTED
//   0000:18:00.0 1652823054567 GPU-2f6b... "NVIDIA H100 80GB HBM3" 692-2G520-0200-000 96.00.74.00.01
//
// A device line is: pci_bus_id serial uuid name board_part vbios, separated by blanks; a field
// may be double-quoted to hold blanks, and a field of exactly "-" makes that query return
// NVML_ERROR_NOT_SUPPORTED (3) for the device. pci_bus_id is DDDD:BB:DD.F (hex); the fake
// reports it as NVML does, "%08X:%02X:%02X.%X" (e.g. "00000000:18:00.0").
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

namespace veu::testing {

inline constexpr char kFakeNvmlDevicesEnv[] = "VEU_FAKE_NVML_DEVICES";

}  // namespace veu::testing

#endif  // VEU_TESTS_SUPPORT_FAKE_NVML_FAKE_NVML_H_
