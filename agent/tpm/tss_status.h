// absl::Status from a TSS2 return code, with the code decoded for the person reading it.
#ifndef VEU_AGENT_TPM_TSS_STATUS_H_
#define VEU_AGENT_TPM_TSS_STATUS_H_

#include <tss2/tss2_common.h>

#include <string_view>

#include "absl/status/status.h"

namespace veu::agent {

// OK for TSS2_RC_SUCCESS. Otherwise "<what> failed: <Tss2_RC_Decode(rc)> (0x<rc>)" with code:
// Unavailable for TCTI/transport errors and TPM retry/testing responses (retry later),
// NotFound for a handle that does not exist (TPM_RC_HANDLE), ResourceExhausted when the TPM's
// object/session memory is full, InvalidArgument for TSS bad values/sizes, FailedPrecondition
// for any other TPM refusal.
absl::Status TssStatus(std::string_view what, TSS2_RC rc);

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_TSS_STATUS_H_
