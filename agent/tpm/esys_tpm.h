// Tpm over the TSS2 Enhanced System API and the TCTI loader: the same code talks to
// /dev/tpmrm0 in production and to swtpm in tests.
#ifndef VEU_AGENT_TPM_ESYS_TPM_H_
#define VEU_AGENT_TPM_ESYS_TPM_H_

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/tpm/templates.h"
#include "agent/tpm/tpm.h"

namespace veu::agent {

struct EsysTpmOptions {
  // TCTI configuration for Tss2_TctiLdr_Initialize, e.g. "device:/dev/tpmrm0",
  // "swtpm:host=127.0.0.1,port=2321".
  std::string tcti = "device:/dev/tpmrm0";
  // Which EK certificate (and so which EK) to use when several exist; first present wins.
  std::vector<EkKeyType> ek_preference = {EkKeyType::kRsa2048, EkKeyType::kEccP256,
                                          EkKeyType::kEccP384};
  // Use the EK at its TCG persistent handle when it matches the certificate; when false (or when
  // absent) the EK is recreated from the default template each time it is needed.
  bool use_persistent_ek = true;
  AkAlgorithm ak_algorithm = AkAlgorithm::kEccP256;
  // Where the AK lives across restarts (owner-authorised EvictControl; empty owner auth).
  // 0x81010002 would be TCG-reserved (ECC P-256 EK), so the AK lives in the owner range.
  uint32_t ak_handle = 0x81000100;
  // When set (the AK name recorded at enrolment), Ak() fails with FailedPrecondition if the key
  // at ak_handle has another name, instead of silently attesting with a different key.
  std::optional<std::string> expected_ak_name;
};

// Not thread-safe: use from one thread at a time. swtpm serves one connection at a time, so
// while an EsysTpm is open on a swtpm no other client (tpm2-tools, a second EsysTpm) gets through.
// Every transient object and session it creates is flushed before the method returns.
class EsysTpm : public Tpm {
 public:
  // Connects through the TCTI loader and reads the TPM's NV buffer size. Unavailable (with the
  // decoded TSS RC) when the TPM cannot be reached.
  static absl::StatusOr<std::unique_ptr<EsysTpm>> Open(const EsysTpmOptions& options);
  ~EsysTpm() override;
  EsysTpm(const EsysTpm&) = delete;
  EsysTpm& operator=(const EsysTpm&) = delete;

  absl::StatusOr<EkCertificate> ReadEkCertificate() override;
  absl::StatusOr<std::string> EkPublic() override;
  absl::StatusOr<AkIdentity> Ak() override;
  absl::StatusOr<std::string> ActivateCredential(std::string_view credential_blob,
                                                 std::string_view encrypted_secret) override;
  absl::StatusOr<std::vector<veu::v1::PcrValue>> ReadPcrs(
      const veu::v1::PcrSelection& selection) override;
  absl::StatusOr<veu::v1::Quote> Quote(std::string_view qualifying_data,
                                       const veu::v1::PcrSelection& selection) override;
  absl::Status ExtendPcr(uint32_t pcr, const std::map<uint16_t, std::string>& digests) override;

  // Whole contents of NV index `nv_index`, read in TPM_PT_NV_BUFFER_MAX chunks. NotFound (with
  // the decoded RC) when the index is not defined.
  absl::StatusOr<std::string> ReadNv(uint32_t nv_index);

  // Evicts the AK from ak_handle (no-op when absent), e.g. when the agent is re-enrolled.
  absl::Status RemoveAk();

 private:
  class Handle;
  struct ResolvedEk {
    EkKeyType type;
    uint32_t persistent_handle;  // 0: recreate from template
    TPM2B_PUBLIC public_area;
  };

  EsysTpm(const EsysTpmOptions& options, TSS2_TCTI_CONTEXT* tcti, ESYS_CONTEXT* ctx)
      : options_(options), tcti_(tcti), ctx_(ctx) {}

  absl::StatusOr<bool> PersistentHandleExists(uint32_t handle);
  absl::StatusOr<std::vector<uint32_t>> DefinedNvIndices();
  absl::StatusOr<ResolvedEk> ResolveEk();
  absl::StatusOr<Handle> LoadEk();
  absl::StatusOr<Handle> EkAuthSession(const TPMT_PUBLIC& ek);
  absl::StatusOr<Handle> LoadAk();
  absl::StatusOr<std::vector<veu::v1::PcrValue>> ReadPcrsOnce(
      const veu::v1::PcrSelection& selection);

  EsysTpmOptions options_;
  TSS2_TCTI_CONTEXT* tcti_;
  ESYS_CONTEXT* ctx_;
  uint32_t nv_buffer_max_ = 512;
  std::optional<ResolvedEk> ek_;
  std::optional<AkIdentity> ak_;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_ESYS_TPM_H_
