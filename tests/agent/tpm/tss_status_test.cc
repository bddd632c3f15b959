#include "agent/tpm/tss_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tss2/tss2_tpm2_types.h>

#include "tests/support/status_matchers.h"

namespace veu::agent {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

TEST(TssStatusTest, SuccessIsOk) { EXPECT_OK(TssStatus("Esys_Quote", TSS2_RC_SUCCESS)); }

TEST(TssStatusTest, MissingHandleIsNotFoundWithDecodedCode) {
  EXPECT_THAT(TssStatus("Esys_NV_ReadPublic", TPM2_RC_HANDLE | TPM2_RC_1),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("Esys_NV_ReadPublic failed"), HasSubstr("tpm:handle(1)"),
                             HasSubstr("0x0000018b"))));
}

TEST(TssStatusTest, TctiFailureIsUnavailable) {
  EXPECT_THAT(TssStatus("Esys_Initialize", TSS2_TCTI_RC_IO_ERROR),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("tcti")));
}

TEST(TssStatusTest, TpmRetryIsUnavailable) {
  EXPECT_THAT(TssStatus("Esys_Quote", TPM2_RC_RETRY), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(TssStatusTest, FullObjectMemoryIsResourceExhaustedWithAHint) {
  EXPECT_THAT(TssStatus("Esys_Load", TPM2_RC_OBJECT_MEMORY),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("0x00000902"), HasSubstr("tpm2_flushcontext"))));
}

TEST(TssStatusTest, TpmParameterErrorIsFailedPrecondition) {
  EXPECT_THAT(TssStatus("Esys_ActivateCredential", TPM2_RC_INTEGRITY | TPM2_RC_P | TPM2_RC_1),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("tpm:parameter(1)")));
}

}  // namespace
}  // namespace veu::agent
