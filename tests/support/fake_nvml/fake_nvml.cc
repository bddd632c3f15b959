// libfake-nvml.so: see fake_nvml.h for the device file format and the error codes.
// NVML's types and return codes come from agent/collectors/nvml_abi.h, as the agent's own.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/collectors/nvml_abi.h"
#include "tests/support/fake_nvml/fake_nvml.h"

namespace {

using ::veu::collectors::nvml::kDriverNotLoaded;
using ::veu::collectors::nvml::kInsufficientSize;
using ::veu::collectors::nvml::kInvalidArgument;
using ::veu::collectors::nvml::kNotSupported;
using ::veu::collectors::nvml::kSuccess;
using ::veu::collectors::nvml::kUninitialized;
using ::veu::collectors::nvml::kUnknown;

// nullopt = the query for this field returns NOT_SUPPORTED ("-" in the file).
using Field = std::optional<std::string>;

struct Device {
  unsigned domain = 0, bus = 0, dev = 0, fn = 0;
  Field serial, uuid, name, board_part, vbios;
  std::optional<std::string> report;     // raw bytes, from an attest line
  std::optional<std::string> chain_pem;
};

struct Config {
  std::string driver = "0.0.0-fake";
  std::optional<bool> cc;  // nullopt: the CC query is NOT_SUPPORTED
  std::vector<Device> devices;
};

std::mutex g_mu;
int g_init_count = 0;   // NVML's init/shutdown nest
// Read at the first nvmlInit_v2 and kept until the next one after a full shutdown; device
// handles are pointers into config.devices, as NVML's are pointers to its own records.
Config g_config;

// Splits on blanks; "..." groups a field with blanks. False on an unterminated quote.
bool Tokenize(const std::string& line, std::vector<std::string>* out) {
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
      ++i;
      continue;
    }
    std::string tok;
    if (line[i] == '"') {
      const size_t end = line.find('"', i + 1);
      if (end == std::string::npos) return false;
      tok = line.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
        tok += line[i++];
      }
    }
    out->push_back(tok);
  }
  return true;
}

bool ParseBusId(const std::string& s, Device* d) {
  char tail = 0;
  if (std::sscanf(s.c_str(), "%x:%x:%x.%x%c", &d->domain, &d->bus, &d->dev, &d->fn, &tail) != 4) {
    return false;
  }
  return d->domain <= 0xffff && d->bus <= 0xff && d->dev <= 0x1f && d->fn <= 7;
}

Field AsField(const std::string& s) { return s == "-" ? Field() : Field(s); }

std::optional<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Hex text (NVIDIA's sample form) to bytes; anything else is taken as raw bytes.
std::string ReportBytes(const std::string& file) {
  std::string hex;
  for (char c : file) {
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return file;
    hex.push_back(c);
  }
  if (hex.size() % 2 != 0) return file;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// "attest BUS REPORT CHAIN": attaches a recording to the device with that bus id.
bool Attest(const std::vector<std::string>& t, Config* config) {
  Device want;
  if (!ParseBusId(t[1], &want)) return false;
  for (Device& d : config->devices) {
    if (d.domain == want.domain && d.bus == want.bus && d.dev == want.dev && d.fn == want.fn) {
      std::optional<std::string> report = ReadAll(t[2]);
      std::optional<std::string> chain = ReadAll(t[3]);
      if (!report.has_value() || !chain.has_value()) return false;
      d.report = ReportBytes(*report);
      d.chain_pem = *chain;
      return true;
    }
  }
  return false;
}

// Reads the device file into *out; the return is what nvmlInit_v2 returns.
nvmlReturn_t Load(Config* out) {
  const char* path = std::getenv(veu::testing::kFakeNvmlDevicesEnv);
  if (path == nullptr) return kDriverNotLoaded;
  std::ifstream in(path);
  if (!in) return kDriverNotLoaded;
  Config config;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::vector<std::string> t;
    const bool ok = Tokenize(line, &t);
    if (ok && t.empty()) continue;
    bool good = ok;
    if (good && t[0] == "driver" && t.size() == 2) {
      config.driver = t[1];
    } else if (good && t[0] == "cc" && t.size() == 2 && (t[1] == "on" || t[1] == "off")) {
      config.cc = t[1] == "on";
    } else if (good && t[0] == "attest" && t.size() == 4) {
      good = Attest(t, &config);
    } else if (good && t.size() == 6) {
      Device d;
      good = ParseBusId(t[0], &d);
      d.serial = AsField(t[1]);
      d.uuid = AsField(t[2]);
      d.name = AsField(t[3]);
      d.board_part = AsField(t[4]);
      d.vbios = AsField(t[5]);
      if (good) config.devices.push_back(std::move(d));
    } else {
      good = false;
    }
    if (!good) {
      std::fprintf(stderr,
                   "fake NVML: %s:%d: expected 'pci_bus_id serial uuid name board_part vbios', "
                   "'driver VERSION', 'cc on|off' or 'attest BUS REPORT CHAIN' (readable files, after the "
                   "device line)\n",
                   path, lineno);
      return kUnknown;
    }
  }
  *out = std::move(config);
  return kSuccess;
}

const Device* FromHandle(nvmlDevice_t handle) {
  const auto* d = reinterpret_cast<const Device*>(handle);
  for (const Device& h : g_config.devices) {
    if (&h == d) return d;
  }
  return nullptr;
}

nvmlReturn_t CopyString(const std::string& value, char* buf, unsigned int length) {
  if (buf == nullptr) return kInvalidArgument;
  if (value.size() + 1 > length) return kInsufficientSize;
  std::memcpy(buf, value.c_str(), value.size() + 1);
  return kSuccess;
}

nvmlReturn_t DeviceString(nvmlDevice_t handle, Field Device::*field, char* buf,
                          unsigned int length) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  const Device* d = FromHandle(handle);
  if (d == nullptr) return kInvalidArgument;
  if (!(d->*field).has_value()) return kNotSupported;
  return CopyString(*(d->*field), buf, length);
}

}  // namespace

extern "C" {

nvmlReturn_t nvmlInit_v2(void) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count > 0) {
    ++g_init_count;
    return kSuccess;
  }
  try {
    Config config;
    if (nvmlReturn_t rc = Load(&config); rc != kSuccess) return rc;
    g_config = std::move(config);  // count was 0: no handle of the old config is in use
  } catch (...) {
    return kUnknown;
  }
  g_init_count = 1;
  return kSuccess;
}

nvmlReturn_t nvmlShutdown(void) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  --g_init_count;
  return kSuccess;
}

const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case kSuccess: return "Success";
    case kUninitialized: return "Uninitialized";
    case kInvalidArgument: return "Invalid Argument";
    case kNotSupported: return "Not Supported";
    case kInsufficientSize: return "Insufficient Size";
    case kDriverNotLoaded: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  return CopyString(g_config.driver, version, length);
}

nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t* state) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  if (state == nullptr) return kInvalidArgument;
  if (!g_config.cc.has_value()) return kNotSupported;
  state->environment = 0;  // NVML_CC_SYSTEM_ENVIRONMENT_UNAVAILABLE: not claimed by the fake
  state->ccFeature = *g_config.cc ? 1 : 0;
  state->devToolsMode = 0;
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* device_count) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  if (device_count == nullptr) return kInvalidArgument;
  *device_count = static_cast<unsigned int>(g_config.devices.size());
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  if (device == nullptr || index >= g_config.devices.size()) return kInvalidArgument;
  *device = reinterpret_cast<nvmlDevice_t>(&g_config.devices[index]);
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  const Device* d = FromHandle(device);
  if (d == nullptr || pci == nullptr) return kInvalidArgument;
  std::memset(pci, 0, sizeof *pci);
  std::snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.%X", d->domain,
                d->bus, d->dev, d->fn);
  std::snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.%X", d->domain, d->bus, d->dev,
                d->fn);
  pci->domain = d->domain;
  pci->bus = d->bus;
  pci->device = d->dev;
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char* serial, unsigned int length) {
  return DeviceString(device, &Device::serial, serial, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
  return DeviceString(device, &Device::uuid, uuid, length);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  return DeviceString(device, &Device::name, name, length);
}

nvmlReturn_t nvmlDeviceGetBoardPartNumber(nvmlDevice_t device, char* part_number,
                                          unsigned int length) {
  return DeviceString(device, &Device::board_part, part_number, length);
}

nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char* version, unsigned int length) {
  return DeviceString(device, &Device::vbios, version, length);
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(
    nvmlDevice_t device, nvmlConfComputeGpuAttestationReport_t* report) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  const Device* d = FromHandle(device);
  if (d == nullptr || report == nullptr) return kInvalidArgument;
  if (!d->report.has_value()) return kNotSupported;
  if (d->report->size() > sizeof report->attestationReport) return kInsufficientSize;
  // report->nonce is the caller's; a recording cannot honour it.
  report->isCecAttestationReportPresent = 0;
  report->cecAttestationReportSize = 0;
  report->attestationReportSize = static_cast<unsigned int>(d->report->size());
  std::memcpy(report->attestationReport, d->report->data(), d->report->size());
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(nvmlDevice_t device,
                                                    nvmlConfComputeGpuCertificate_t* cert) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_init_count == 0) return kUninitialized;
  const Device* d = FromHandle(device);
  if (d == nullptr || cert == nullptr) return kInvalidArgument;
  if (!d->chain_pem.has_value()) return kNotSupported;
  if (d->chain_pem->size() > sizeof cert->attestationCertChain) return kInsufficientSize;
  cert->certChainSize = 0;
  cert->attestationCertChainSize = static_cast<unsigned int>(d->chain_pem->size());
  std::memcpy(cert->attestationCertChain, d->chain_pem->data(), d->chain_pem->size());
  return kSuccess;
}

}  // extern "C"
