#include "agent/tpm/tss_status.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tpm2_types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace veu::agent {

absl::Status TssStatus(std::string_view what, TSS2_RC rc) {
  if (rc == TSS2_RC_SUCCESS) return absl::OkStatus();
  std::string msg = absl::StrFormat("%s failed: %s (0x%08x)", what, Tss2_RC_Decode(rc), rc);
  const TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
  const TSS2_RC base = rc & 0xFFFF;
  if (layer == TSS2_TCTI_RC_LAYER || base == TSS2_BASE_RC_IO_ERROR ||
      base == TSS2_BASE_RC_TRY_AGAIN || base == TSS2_BASE_RC_NO_CONNECTION) {
    return absl::UnavailableError(msg);
  }
  if (layer == TSS2_TPM_RC_LAYER) {
    if ((rc & TPM2_RC_FMT1) != 0) {
      if ((rc & (TPM2_RC_FMT1 | 0x3F)) == TPM2_RC_HANDLE) return absl::NotFoundError(msg);
      return absl::FailedPreconditionError(msg);
    }
    if (rc == TPM2_RC_OBJECT_MEMORY || rc == TPM2_RC_SESSION_MEMORY || rc == TPM2_RC_MEMORY ||
        rc == TPM2_RC_OBJECT_HANDLES || rc == TPM2_RC_SESSION_HANDLES) {
      return absl::ResourceExhaustedError(
          absl::StrCat(msg,
                       "; the TPM's object/session slots are full (without a resource "
                       "manager, another client may have leaked handles: tpm2_flushcontext)"));
    }
    if (rc == TPM2_RC_RETRY || rc == TPM2_RC_YIELDED || rc == TPM2_RC_TESTING ||
        rc == TPM2_RC_NV_RATE || rc == TPM2_RC_NV_UNAVAILABLE) {
      return absl::UnavailableError(msg);
    }
    return absl::FailedPreconditionError(msg);
  }
  if (base == TSS2_BASE_RC_BAD_VALUE || base == TSS2_BASE_RC_BAD_SIZE ||
      base == TSS2_BASE_RC_INSUFFICIENT_BUFFER || base == TSS2_BASE_RC_BAD_REFERENCE) {
    return absl::InvalidArgumentError(msg);
  }
  return absl::InternalError(msg);
}

}  // namespace veu::agent
