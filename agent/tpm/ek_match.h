// Does a TPM public area hold the key an EK certificate certifies? Pure (OpenSSL parsing only).
#ifndef VEU_AGENT_TPM_EK_MATCH_H_
#define VEU_AGENT_TPM_EK_MATCH_H_

#include <tss2/tss2_tpm2_types.h>

#include <string_view>

#include "absl/status/status.h"

namespace veu::agent {

// OK when `ek_public` is an RSA key with the certificate's modulus and exponent, or an ECC key on
// the certificate's curve with its point. `cert` is the raw EK NV contents: DER, possibly after a
// TCG storage header and/or followed by padding. InvalidArgument when the certificate does not
// parse; FailedPrecondition (message says which part differs) when the keys differ.
absl::Status CheckEkPublicMatchesCertificate(const TPMT_PUBLIC& ek_public, std::string_view cert);

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_EK_MATCH_H_
