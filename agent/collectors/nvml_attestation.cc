#include "agent/collectors/nvml_attestation.h"

#include <dlfcn.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/collectors/nvml_abi.h"
#include "common/gpu/gpu_nonce.h"

namespace veu::collectors {
namespace {

using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using CountFn = nvmlReturn_t (*)(unsigned int*);
using HandleFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using DeviceStringFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using ReportFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlConfComputeGpuAttestationReport_t*);
using CertFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlConfComputeGpuCertificate_t*);

constexpr unsigned kMaxDevices = 64;

template <typename Fn>
Fn Sym(void* handle, const char* name) {
  void* p = dlsym(handle, name);
  Fn fn;
  static_assert(sizeof fn == sizeof p);
  std::memcpy(&fn, &p, sizeof fn);
  return fn;
}

}  // namespace

GpuAttestationCollection CollectGpuAttestations(const std::string& library,
                                                const std::string& challenge_nonce) {
  GpuAttestationCollection out;
  void* lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    out.detail = absl::StrCat(library, " could not be loaded: no GPU attestation reports");
    return out;
  }
  auto init = Sym<InitFn>(lib, "nvmlInit_v2");
  auto shutdown = Sym<ShutdownFn>(lib, "nvmlShutdown");
  auto count_fn = Sym<CountFn>(lib, "nvmlDeviceGetCount_v2");
  auto handle_fn = Sym<HandleFn>(lib, "nvmlDeviceGetHandleByIndex_v2");
  auto uuid_fn = Sym<DeviceStringFn>(lib, "nvmlDeviceGetUUID");
  auto report_fn = Sym<ReportFn>(lib, "nvmlDeviceGetConfComputeGpuAttestationReport");
  auto cert_fn = Sym<CertFn>(lib, "nvmlDeviceGetConfComputeGpuCertificate");
  if (init == nullptr || shutdown == nullptr || count_fn == nullptr || handle_fn == nullptr ||
      uuid_fn == nullptr) {
    out.detail = absl::StrCat(library, " lacks the NVML device entry points");
    dlclose(lib);
    return out;
  }
  if (nvmlReturn_t rc = init(); rc != nvml::kSuccess) {
    out.detail = absl::StrFormat("nvmlInit_v2 failed (%d): no GPU attestation reports", rc);
    dlclose(lib);
    return out;
  }
  out.available = true;
  unsigned int count = 0;
  if (count_fn(&count) != nvml::kSuccess) count = 0;
  if (count > kMaxDevices) count = kMaxDevices;
  // The structures are 12 KiB and 9 KiB: on the heap, not the stack.
  auto report = std::make_unique<nvmlConfComputeGpuAttestationReport_t>();
  auto cert = std::make_unique<nvmlConfComputeGpuCertificate_t>();
  for (unsigned i = 0; i < count; ++i) {
    GpuAttestation g;
    nvmlDevice_t dev = nullptr;
    char uuid[96] = {0};
    if (handle_fn(i, &dev) != nvml::kSuccess || uuid_fn(dev, uuid, sizeof uuid) != nvml::kSuccess) {
      g.detail = absl::StrFormat("device %u: no handle or UUID, so no nonce can be bound to it", i);
      out.gpus.push_back(std::move(g));
      continue;
    }
    g.uuid = std::string(uuid, strnlen(uuid, sizeof uuid));
    g.nonce = gpu::DeriveGpuNonce(challenge_nonce, g.uuid);
    if (report_fn == nullptr || cert_fn == nullptr) {
      g.detail = "this driver's NVML has no confidential-computing attestation entry points";
      out.gpus.push_back(std::move(g));
      continue;
    }
    std::memset(report.get(), 0, sizeof *report);
    std::memcpy(report->nonce, g.nonce.data(), sizeof report->nonce);
    const nvmlReturn_t rc = report_fn(dev, report.get());
    if (rc != nvml::kSuccess) {
      g.detail = rc == nvml::kNotSupported
                     ? "the GPU cannot attest (NOT_SUPPORTED: e.g. a Hopper outside CC mode)"
                     : absl::StrFormat("attestation report failed (NVML %d)", rc);
      out.gpus.push_back(std::move(g));
      continue;
    }
    std::memset(cert.get(), 0, sizeof *cert);
    const nvmlReturn_t crc = cert_fn(dev, cert.get());
    if (crc != nvml::kSuccess || report->attestationReportSize > sizeof report->attestationReport ||
        cert->attestationCertChainSize > sizeof cert->attestationCertChain) {
      g.detail = absl::StrFormat("certificate chain failed (NVML %d) or sizes out of range", crc);
      out.gpus.push_back(std::move(g));
      continue;
    }
    g.report.assign(reinterpret_cast<const char*>(report->attestationReport),
                    report->attestationReportSize);
    g.chain_pem.assign(reinterpret_cast<const char*>(cert->attestationCertChain),
                       cert->attestationCertChainSize);
    g.attested = true;
    out.gpus.push_back(std::move(g));
  }
  shutdown();
  dlclose(lib);
  return out;
}

}  // namespace veu::collectors
