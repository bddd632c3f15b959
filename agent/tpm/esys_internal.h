// Internals shared by esys_tpm.cc and esys_pcr.cc; not part of the agent/tpm API.
#ifndef VEU_AGENT_TPM_ESYS_INTERNAL_H_
#define VEU_AGENT_TPM_ESYS_INTERNAL_H_

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/tpm/esys_tpm.h"

namespace veu::agent {
namespace esys_internal {

// Frees what ESYS allocated for an output parameter.
struct EsysFree {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

inline std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

inline std::string Hex32(uint32_t v) { return absl::StrCat("0x", absl::Hex(v, absl::kZeroPad8)); }

}  // namespace esys_internal

// An ESYS_TR that is flushed (transient objects, sessions) or closed (persistent objects, NV
// indices: only ESYS's metadata is released) when it goes out of scope.
class EsysTpm::Handle {
 public:
  enum class Kind { kFlush, kClose, kNone };
  Handle(ESYS_CONTEXT* ctx, ESYS_TR tr, Kind kind) : ctx_(ctx), tr_(tr), kind_(kind) {}
  static Handle Password() { return Handle(nullptr, ESYS_TR_PASSWORD, Kind::kNone); }
  Handle(Handle&& o) noexcept
      : ctx_(o.ctx_), tr_(std::exchange(o.tr_, ESYS_TR_NONE)), kind_(o.kind_) {}
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (tr_ == ESYS_TR_NONE) return;
    if (kind_ == Kind::kFlush) {
      Esys_FlushContext(ctx_, tr_);
    } else if (kind_ == Kind::kClose) {
      Esys_TR_Close(ctx_, &tr_);
    }
  }
  ESYS_TR get() const { return tr_; }
  // Forgets the handle without flushing or closing (ESYS already released it).
  void Release() { tr_ = ESYS_TR_NONE; }

 private:
  ESYS_CONTEXT* ctx_;
  ESYS_TR tr_;
  Kind kind_;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_ESYS_INTERNAL_H_
