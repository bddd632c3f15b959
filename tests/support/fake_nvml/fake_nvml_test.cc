// The fake NVML behaves as fake_nvml.h says, seen through dlopen/dlsym as the agent sees it.
#include "tests/support/fake_nvml/fake_nvml.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace veu::testing {
namespace {

using nvmlDevice_t = struct nvmlDevice_st*;
struct PciInfo {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
struct CcState {
  unsigned int environment, ccFeature, devToolsMode;
};

class FakeNvmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(VEU_FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    file_ = (std::filesystem::temp_directory_path() /
             ("fake-nvml-" + std::to_string(getpid()) + ".txt"))
                .string();
  }
  void TearDown() override {
    unsetenv(kFakeNvmlDevicesEnv);
    std::filesystem::remove(file_);
    if (handle_ != nullptr) dlclose(handle_);
  }
  void WriteDevices(const std::string& text) {
    std::ofstream(file_, std::ios::trunc) << text;
    setenv(kFakeNvmlDevicesEnv, file_.c_str(), 1);
  }
  template <typename Fn>
  Fn Sym(const char* name) {
    void* p = dlsym(handle_, name);
    EXPECT_NE(p, nullptr) << name;
    Fn fn;
    std::memcpy(&fn, &p, sizeof fn);
    return fn;
  }
  int Init() { return Sym<int (*)()>("nvmlInit_v2")(); }
  int Shutdown() { return Sym<int (*)()>("nvmlShutdown")(); }
  int Count(unsigned* n) { return Sym<int (*)(unsigned*)>("nvmlDeviceGetCount_v2")(n); }
  nvmlDevice_t Handle(unsigned i) {
    nvmlDevice_t d = nullptr;
    EXPECT_EQ(Sym<int (*)(unsigned, nvmlDevice_t*)>("nvmlDeviceGetHandleByIndex_v2")(i, &d), 0);
    return d;
  }
  int DeviceString(const char* fn, nvmlDevice_t d, std::string* out, unsigned len = 96) {
    char buf[96] = {};
    int rc = Sym<int (*)(nvmlDevice_t, char*, unsigned)>(fn)(d, buf, len);
    *out = buf;
    return rc;
  }

  void* handle_ = nullptr;
  std::string file_;
};

TEST_F(FakeNvmlTest, ServesTheDevicesOfTheFileInNvmlFormat) {
  WriteDevices(
      "# an HGX node\n"
      "driver 550.90.07\n"
      "cc on\n"
      "0000:9a:00.0 1652823054567 GPU-2f6b8a1c \"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 "
      "96.00.74.00.01   # trailing comment\n"
      "\n"
      "0000:18:00.0 1652823054999 GPU-77 - 692-2G520-0200-000 96.00.74.00.01\n");
  ASSERT_EQ(Init(), 0);
  unsigned n = 0;
  ASSERT_EQ(Count(&n), 0);
  ASSERT_EQ(n, 2u);

  PciInfo pci{};
  ASSERT_EQ(Sym<int (*)(nvmlDevice_t, PciInfo*)>("nvmlDeviceGetPciInfo_v3")(Handle(0), &pci), 0);
  EXPECT_STREQ(pci.busId, "00000000:9A:00.0");
  EXPECT_STREQ(pci.busIdLegacy, "0000:9A:00.0");
  EXPECT_EQ(pci.bus, 0x9au);
  std::string s;
  EXPECT_EQ(DeviceString("nvmlDeviceGetSerial", Handle(0), &s), 0);
  EXPECT_EQ(s, "1652823054567");
  EXPECT_EQ(DeviceString("nvmlDeviceGetName", Handle(0), &s), 0);
  EXPECT_EQ(s, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(DeviceString("nvmlDeviceGetVbiosVersion", Handle(0), &s), 0);
  EXPECT_EQ(s, "96.00.74.00.01");
  EXPECT_EQ(DeviceString("nvmlDeviceGetUUID", Handle(1), &s), 0);
  EXPECT_EQ(s, "GPU-77");
  EXPECT_EQ(DeviceString("nvmlDeviceGetName", Handle(1), &s), 3);  // "-": NOT_SUPPORTED
  EXPECT_EQ(DeviceString("nvmlDeviceGetSerial", Handle(0), &s, 5), 7);  // INSUFFICIENT_SIZE

  char version[80] = {};
  EXPECT_EQ(Sym<int (*)(char*, unsigned)>("nvmlSystemGetDriverVersion")(version, sizeof version),
            0);
  EXPECT_STREQ(version, "550.90.07");
  CcState cc{};
  EXPECT_EQ(Sym<int (*)(CcState*)>("nvmlSystemGetConfComputeState")(&cc), 0);
  EXPECT_EQ(cc.ccFeature, 1u);
  EXPECT_EQ(Shutdown(), 0);
  EXPECT_EQ(Count(&n), 1);  // UNINITIALIZED after the last shutdown
}

TEST_F(FakeNvmlTest, InitAndShutdownNestLikeNvml) {
  WriteDevices("0000:01:00.0 s u n b v\n");
  ASSERT_EQ(Init(), 0);
  ASSERT_EQ(Init(), 0);
  EXPECT_EQ(Shutdown(), 0);
  unsigned n = 0;
  EXPECT_EQ(Count(&n), 0);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(Shutdown(), 0);
  EXPECT_EQ(Shutdown(), 1);
}

TEST_F(FakeNvmlTest, WithoutTheCcLineTheCcQueryIsNotSupported) {
  WriteDevices("0000:01:00.0 s u n b v\n");
  ASSERT_EQ(Init(), 0);
  CcState cc{};
  EXPECT_EQ(Sym<int (*)(CcState*)>("nvmlSystemGetConfComputeState")(&cc), 3);
  EXPECT_EQ(Shutdown(), 0);
}

TEST_F(FakeNvmlTest, MissingVariableOrFileIsDriverNotLoaded) {
  unsetenv(kFakeNvmlDevicesEnv);
  EXPECT_EQ(Init(), 9);
  setenv(kFakeNvmlDevicesEnv, "/nonexistent/fake-nvml-devices", 1);
  EXPECT_EQ(Init(), 9);
  const char* (*error_string)(int) = Sym<const char* (*)(int)>("nvmlErrorString");
  EXPECT_STREQ(error_string(9), "Driver Not Loaded");
  unsigned n = 0;
  EXPECT_EQ(Count(&n), 1);
}

TEST_F(FakeNvmlTest, MalformedLinesFailInit) {
  for (const char* bad : {"0000:01:00.0 s u n b\n",            // five fields
                          "0000:01:00.0 s u n b v extra\n",    // seven
                          "01:00 s u n b v\n",                 // not a bus id
                          "0000:01:00.9 s u n b v\n",          // function > 7
                          "0000:01:00.0 s u \"unterminated b v\n",
                          "cc maybe\n",
                          "attest 0000:01:00.0 /nonexistent /nonexistent\n",  // no such device
                          "0000:01:00.0 s u n b v\nattest 0000:01:00.0 /nonexistent /nonexistent\n"}) {
    WriteDevices(bad);
    EXPECT_EQ(Init(), 999) << bad;
  }
}

// The agent must not work with the fake only because of a symbol the vendor library lacks.
TEST(FakeNvmlExportsTest, ExportsExactlyTheNvmlEntryPointsTheAgentUses) {
  FILE* nm = popen("nm -D --defined-only " VEU_FAKE_NVML_PATH, "r");
  ASSERT_NE(nm, nullptr);
  std::set<std::string> exported;
  char line[512];
  while (std::fgets(line, sizeof line, nm) != nullptr) {
    std::string l(line);
    const size_t sp = l.find_last_of(' ');
    std::string name = l.substr(sp + 1);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
    if (name.find('@') != std::string::npos) name.resize(name.find('@'));
    // The version node nm lists with --version-script: not a function anyone can call.
    if (l.find(" A ") == std::string::npos) exported.insert(name);
  }
  ASSERT_EQ(pclose(nm), 0) << "nm failed";
  EXPECT_THAT(exported,
              ::testing::UnorderedElementsAre(
                  "nvmlInit_v2", "nvmlShutdown", "nvmlErrorString", "nvmlSystemGetDriverVersion",
                  "nvmlSystemGetConfComputeState", "nvmlDeviceGetCount_v2",
                  "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetPciInfo_v3",
                  "nvmlDeviceGetSerial", "nvmlDeviceGetUUID", "nvmlDeviceGetName",
                  "nvmlDeviceGetBoardPartNumber", "nvmlDeviceGetVbiosVersion",
                  "nvmlDeviceGetConfComputeGpuAttestationReport",
                  "nvmlDeviceGetConfComputeGpuCertificate"));
}

}  // namespace
}  // namespace veu::testing
