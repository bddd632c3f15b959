#include "agent/tpm/esys_tpm.h"

#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/tpm/ek_match.h"
#include "agent/tpm/esys_internal.h"
#include "agent/tpm/tss_status.h"
#include "common/status_macros.h"

// Connection, NV, EK, AK and credential activation. PCRs and quotes are in esys_pcr.cc.
namespace veu::agent {
namespace {

using esys_internal::Bytes;
using esys_internal::EsysPtr;
using esys_internal::Hex32;

constexpr size_t kMaxNvSize = 64 * 1024;

absl::StatusOr<std::string> MarshalPublic(const TPM2B_PUBLIC& pub) {
  uint8_t buf[sizeof(TPM2B_PUBLIC)];
  size_t off = 0;
  RETURN_IF_ERROR(TssStatus("Tss2_MU_TPM2B_PUBLIC_Marshal",
                            Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off)));
  return Bytes(buf, off);
}

bool AkMatchesConfig(const TPMT_PUBLIC& pub, AkAlgorithm alg) {
  TPMT_PUBLIC want = AkTemplate(alg).publicArea;
  if (pub.type != want.type || pub.nameAlg != want.nameAlg) return false;
  if ((pub.objectAttributes & kAkRequiredAttributes) != kAkRequiredAttributes) return false;
  if ((pub.objectAttributes & kAkForbiddenAttributes) != 0) return false;
  if (pub.type == TPM2_ALG_ECC) {
    return pub.parameters.eccDetail.curveID == want.parameters.eccDetail.curveID &&
           pub.parameters.eccDetail.scheme.scheme == want.parameters.eccDetail.scheme.scheme;
  }
  return pub.parameters.rsaDetail.keyBits == want.parameters.rsaDetail.keyBits &&
         pub.parameters.rsaDetail.scheme.scheme == want.parameters.rsaDetail.scheme.scheme;
}

}  // namespace

std::string EkKeyTypeName(EkKeyType type) {
  switch (type) {
    case EkKeyType::kRsa2048:
      return "RSA-2048";
    case EkKeyType::kEccP256:
      return "ECC-P256";
    case EkKeyType::kEccP384:
      return "ECC-P384";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<EsysTpm>> EsysTpm::Open(const EsysTpmOptions& options) {
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(options.tcti.c_str(), &tcti);
  if (rc != TSS2_RC_SUCCESS) {
    return absl::UnavailableError(absl::StrCat(
        TssStatus(absl::StrCat("Tss2_TctiLdr_Initialize(\"", options.tcti, "\")"), rc).message(),
        "; is the TPM present and accessible (check the tcti setting)?"));
  }
  ESYS_CONTEXT* ctx = nullptr;
  rc = Esys_Initialize(&ctx, tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&tcti);
    return absl::UnavailableError(TssStatus("Esys_Initialize", rc).message());
  }
  std::unique_ptr<EsysTpm> tpm(new EsysTpm(options, tcti, ctx));

  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  rc = Esys_GetCapability(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
                          TPM2_PT_NV_BUFFER_MAX, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> cap(raw);
  if (rc != TSS2_RC_SUCCESS) {
    absl::Status s = TssStatus("Esys_GetCapability(TPM_PT_NV_BUFFER_MAX)", rc);
    return absl::UnavailableError(s.message());
  }
  const TPML_TAGGED_TPM_PROPERTY& props = cap->data.tpmProperties;
  if (props.count >= 1 && props.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
      props.tpmProperty[0].value > 0) {
    tpm->nv_buffer_max_ = std::min<uint32_t>(props.tpmProperty[0].value, TPM2_MAX_NV_BUFFER_SIZE);
  }
  return tpm;
}

EsysTpm::~EsysTpm() {
  Esys_Finalize(&ctx_);
  Tss2_TctiLdr_Finalize(&tcti_);
}

absl::StatusOr<bool> EsysTpm::PersistentHandleExists(uint32_t handle) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  TSS2_RC rc = Esys_GetCapability(ctx_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                                  handle, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> cap(raw);
  RETURN_IF_ERROR(TssStatus("Esys_GetCapability(TPM_CAP_HANDLES)", rc));
  return cap->data.handles.count >= 1 && cap->data.handles.handle[0] == handle;
}

absl::StatusOr<std::vector<uint32_t>> EsysTpm::DefinedNvIndices() {
  std::vector<uint32_t> out;
  uint32_t next = TPM2_NV_INDEX_FIRST;
  TPMI_YES_NO more = TPM2_YES;
  while (more == TPM2_YES) {
    TPMS_CAPABILITY_DATA* raw = nullptr;
    TSS2_RC rc = Esys_GetCapability(ctx_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES, &more, &raw);
    EsysPtr<TPMS_CAPABILITY_DATA> cap(raw);
    RETURN_IF_ERROR(TssStatus("Esys_GetCapability(NV indices)", rc));
    const TPML_HANDLE& h = cap->data.handles;
    if (h.count == 0) break;
    for (uint32_t i = 0; i < h.count && i < TPM2_MAX_CAP_HANDLES; ++i) {
      if (h.handle[i] <= TPM2_NV_INDEX_LAST) out.push_back(h.handle[i]);
    }
    next = h.handle[h.count - 1] + 1;
    if (next > TPM2_NV_INDEX_LAST) break;
  }
  return out;
}

absl::StatusOr<std::string> EsysTpm::ReadNv(uint32_t nv_index) {
  const std::string where = absl::StrCat("NV index ", Hex32(nv_index));
  ESYS_TR tr = ESYS_TR_NONE;
  RETURN_IF_ERROR(TssStatus(
      absl::StrCat("Esys_TR_FromTPMPublic(", where, ")"),
      Esys_TR_FromTPMPublic(ctx_, nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr)));
  Handle nv(ctx_, tr, Handle::Kind::kClose);
  TPM2B_NV_PUBLIC* raw_pub = nullptr;
  RETURN_IF_ERROR(TssStatus(absl::StrCat("Esys_NV_ReadPublic(", where, ")"),
                            Esys_NV_ReadPublic(ctx_, nv.get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                               ESYS_TR_NONE, &raw_pub, nullptr)));
  EsysPtr<TPM2B_NV_PUBLIC> pub(raw_pub);
  const size_t size = pub->nvPublic.dataSize;
  if (size > kMaxNvSize) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, " claims ", size, " bytes, more than the ", kMaxNvSize, " allowed"));
  }
  // EK certificate indices are readable with their own (empty) auth; others by the owner.
  const TPMA_NV attrs = pub->nvPublic.attributes;
  ESYS_TR auth = (attrs & TPMA_NV_AUTHREAD) != 0 ? nv.get() : ESYS_TR_RH_OWNER;
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    const auto chunk = static_cast<uint16_t>(std::min<size_t>(nv_buffer_max_, size - out.size()));
    TPM2B_MAX_NV_BUFFER* raw_data = nullptr;
    RETURN_IF_ERROR(TssStatus(
        absl::StrCat("Esys_NV_Read(", where, ", offset ", out.size(), ", size ", chunk, ")"),
        Esys_NV_Read(ctx_, auth, nv.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk,
                     static_cast<uint16_t>(out.size()), &raw_data)));
    EsysPtr<TPM2B_MAX_NV_BUFFER> data(raw_data);
    if (data->size == 0 || data->size > chunk) {
      return absl::InternalError(absl::StrCat("Esys_NV_Read(", where, ") returned ", data->size,
                                              " bytes for a ", chunk, "-byte read"));
    }
    out.append(Bytes(data->buffer, data->size));
  }
  return out;
}

absl::StatusOr<EkCertificate> EsysTpm::ReadEkCertificate() {
  ASSIGN_OR_RETURN(std::vector<uint32_t> defined, DefinedNvIndices());
  for (EkKeyType type : options_.ek_preference) {
    const uint32_t index = EkCertNvIndex(type);
    if (std::find(defined.begin(), defined.end(), index) == defined.end()) continue;
    ASSIGN_OR_RETURN(std::string der, ReadNv(index));
    return EkCertificate{type, index, std::move(der)};
  }
  return absl::NotFoundError(
      "the TPM holds no EK certificate at NV 0x01c00002 (RSA), 0x01c0000a (ECC P-256) or "
      "0x01c00016 (ECC P-384); enrol it with an enrolment token instead");
}

absl::StatusOr<EsysTpm::ResolvedEk> EsysTpm::ResolveEk() {
  if (ek_.has_value()) return *ek_;
  absl::StatusOr<EkCertificate> cert = ReadEkCertificate();
  if (!cert.ok() && !absl::IsNotFound(cert.status())) return cert.status();
  // Without any certificate, the EK of the most preferred type.
  const EkKeyType type = cert.ok()                        ? cert->key_type
                         : options_.ek_preference.empty() ? EkKeyType::kRsa2048
                                                          : options_.ek_preference.front();
  const std::string cert_where =
      cert.ok() ? absl::StrCat("the certificate at NV ", Hex32(cert->nv_index)) : "";

  const uint32_t persistent = EkPersistentHandle(type);
  if (options_.use_persistent_ek && persistent != 0) {
    ASSIGN_OR_RETURN(bool exists, PersistentHandleExists(persistent));
    if (exists) {
      ESYS_TR tr = ESYS_TR_NONE;
      RETURN_IF_ERROR(TssStatus(
          "Esys_TR_FromTPMPublic(EK)",
          Esys_TR_FromTPMPublic(ctx_, persistent, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr)));
      Handle ek(ctx_, tr, Handle::Kind::kClose);
      TPM2B_PUBLIC* raw = nullptr;
      RETURN_IF_ERROR(TssStatus("Esys_ReadPublic(EK)",
                                Esys_ReadPublic(ctx_, ek.get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                                ESYS_TR_NONE, &raw, nullptr, nullptr)));
      EsysPtr<TPM2B_PUBLIC> pub(raw);
      // A persistent key is only our EK if it is the certified key (anyone may evict/replace it).
      if (!cert.ok() || CheckEkPublicMatchesCertificate(pub->publicArea, cert->der).ok()) {
        ek_ = ResolvedEk{type, persistent, *pub};
        return *ek_;
      }
    }
  }
  // Recreate from the default template: deterministic from the endorsement seed.
  TPM2B_PUBLIC tmpl = EkTemplate(type);
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION pcrs{};
  ESYS_TR tr = ESYS_TR_NONE;
  TPM2B_PUBLIC* raw = nullptr;
  RETURN_IF_ERROR(
      TssStatus(absl::StrCat("Esys_CreatePrimary(EK ", EkKeyTypeName(type), ")"),
                Esys_CreatePrimary(ctx_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &sensitive, &tmpl, &outside, &pcrs, &tr, &raw,
                                   nullptr, nullptr, nullptr)));
  Handle ek(ctx_, tr, Handle::Kind::kFlush);
  EsysPtr<TPM2B_PUBLIC> pub(raw);
  if (cert.ok()) {
    absl::Status match = CheckEkPublicMatchesCertificate(pub->publicArea, cert->der);
    if (!match.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the EK created from the TCG default ", EkKeyTypeName(type),
          " template is not the key in ", cert_where, ": ", match.message(),
          "; the EK may use a non-default template (configure another ek_preference)"));
    }
  }
  ek_ = ResolvedEk{type, 0, *pub};
  return *ek_;
}

absl::StatusOr<std::string> EsysTpm::EkPublic() {
  ASSIGN_OR_RETURN(ResolvedEk ek, ResolveEk());
  return MarshalPublic(ek.public_area);
}

absl::StatusOr<EsysTpm::Handle> EsysTpm::LoadEk() {
  ASSIGN_OR_RETURN(ResolvedEk ek, ResolveEk());
  ESYS_TR tr = ESYS_TR_NONE;
  if (ek.persistent_handle != 0) {
    RETURN_IF_ERROR(TssStatus("Esys_TR_FromTPMPublic(EK)",
                              Esys_TR_FromTPMPublic(ctx_, ek.persistent_handle, ESYS_TR_NONE,
                                                    ESYS_TR_NONE, ESYS_TR_NONE, &tr)));
    return Handle(ctx_, tr, Handle::Kind::kClose);
  }
  TPM2B_PUBLIC tmpl = EkTemplate(ek.type);
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION pcrs{};
  RETURN_IF_ERROR(
      TssStatus("Esys_CreatePrimary(EK)",
                Esys_CreatePrimary(ctx_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &sensitive, &tmpl, &outside, &pcrs, &tr, nullptr,
                                   nullptr, nullptr, nullptr)));
  return Handle(ctx_, tr, Handle::Kind::kFlush);
}

// Authorises USER-role use of the EK: the password (empty) when the EK allows it (high-range
// templates set userWithAuth), else a policy session satisfying PolicySecret(TPM_RH_ENDORSEMENT).
absl::StatusOr<EsysTpm::Handle> EsysTpm::EkAuthSession(const TPMT_PUBLIC& ek) {
  if ((ek.objectAttributes & TPMA_OBJECT_USERWITHAUTH) != 0) return Handle::Password();
  TPMT_SYM_DEF symmetric{};
  symmetric.algorithm = TPM2_ALG_NULL;
  ESYS_TR tr = ESYS_TR_NONE;
  RETURN_IF_ERROR(TssStatus(
      "Esys_StartAuthSession(EK policy)",
      Esys_StartAuthSession(ctx_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                            ESYS_TR_NONE, nullptr, TPM2_SE_POLICY, &symmetric, ek.nameAlg, &tr)));
  Handle session(ctx_, tr, Handle::Kind::kFlush);
  // Keep the session alive after use so that our explicit flush is always the one that frees it.
  RETURN_IF_ERROR(TssStatus(
      "Esys_TRSess_SetAttributes",
      Esys_TRSess_SetAttributes(ctx_, session.get(), TPMA_SESSION_CONTINUESESSION, 0xff)));
  TPM2B_TIMEOUT* timeout = nullptr;
  TPMT_TK_AUTH* ticket = nullptr;
  TSS2_RC rc =
      Esys_PolicySecret(ctx_, ESYS_TR_RH_ENDORSEMENT, session.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                        ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, &timeout, &ticket);
  EsysPtr<TPM2B_TIMEOUT> free_timeout(timeout);
  EsysPtr<TPMT_TK_AUTH> free_ticket(ticket);
  RETURN_IF_ERROR(TssStatus("Esys_PolicySecret(TPM_RH_ENDORSEMENT)", rc));
  return session;
}

absl::StatusOr<AkIdentity> EsysTpm::Ak() {
  if (ak_.has_value()) return *ak_;
  const std::string where = absl::StrCat("AK handle ", Hex32(options_.ak_handle));
  ASSIGN_OR_RETURN(bool exists, PersistentHandleExists(options_.ak_handle));
  if (!exists) {
    // First use: create the AK as a child of the EK (as Keylime does) and persist it.
    ASSIGN_OR_RETURN(ResolvedEk resolved, ResolveEk());
    ASSIGN_OR_RETURN(Handle ek, LoadEk());
    TPM2B_PUBLIC tmpl = AkTemplate(options_.ak_algorithm);
    TPM2B_SENSITIVE_CREATE sensitive{};
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION pcrs{};
    TPM2B_PRIVATE* raw_priv = nullptr;
    TPM2B_PUBLIC* raw_pub = nullptr;
    {
      ASSIGN_OR_RETURN(Handle session, EkAuthSession(resolved.public_area.publicArea));
      TSS2_RC rc =
          Esys_Create(ctx_, ek.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &tmpl,
                      &outside, &pcrs, &raw_priv, &raw_pub, nullptr, nullptr, nullptr);
      RETURN_IF_ERROR(TssStatus("Esys_Create(AK under EK)", rc));
    }
    EsysPtr<TPM2B_PRIVATE> priv(raw_priv);
    EsysPtr<TPM2B_PUBLIC> pub(raw_pub);
    ESYS_TR loaded_tr = ESYS_TR_NONE;
    {
      ASSIGN_OR_RETURN(Handle session, EkAuthSession(resolved.public_area.publicArea));
      RETURN_IF_ERROR(
          TssStatus("Esys_Load(AK)", Esys_Load(ctx_, ek.get(), session.get(), ESYS_TR_NONE,
                                               ESYS_TR_NONE, priv.get(), pub.get(), &loaded_tr)));
    }
    Handle loaded(ctx_, loaded_tr, Handle::Kind::kFlush);
    ESYS_TR persistent_tr = ESYS_TR_NONE;
    RETURN_IF_ERROR(TssStatus(
        absl::StrCat("Esys_EvictControl(persist AK at ", Hex32(options_.ak_handle), ")"),
        Esys_EvictControl(ctx_, ESYS_TR_RH_OWNER, loaded.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                          ESYS_TR_NONE, options_.ak_handle, &persistent_tr)));
    Handle persisted(ctx_, persistent_tr, Handle::Kind::kClose);
  }
  ASSIGN_OR_RETURN(Handle ak, LoadAk());
  TPM2B_PUBLIC* raw_pub = nullptr;
  TPM2B_NAME* raw_name = nullptr;
  RETURN_IF_ERROR(TssStatus(absl::StrCat("Esys_ReadPublic(", where, ")"),
                            Esys_ReadPublic(ctx_, ak.get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                            ESYS_TR_NONE, &raw_pub, &raw_name, nullptr)));
  EsysPtr<TPM2B_PUBLIC> pub(raw_pub);
  EsysPtr<TPM2B_NAME> name(raw_name);
  if (!AkMatchesConfig(pub->publicArea, options_.ak_algorithm)) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " holds a key that is not a restricted signing AK of the configured algorithm ",
        "(attributes ", Hex32(pub->publicArea.objectAttributes),
        "); configure another ak_handle or evict it with tpm2_evictcontrol"));
  }
  AkIdentity id;
  ASSIGN_OR_RETURN(id.public_area, MarshalPublic(*pub));
  id.name = Bytes(name->name, name->size);
  if (options_.expected_ak_name.has_value() && *options_.expected_ak_name != id.name) {
    return absl::FailedPreconditionError(
        absl::StrCat(where,
                     " holds a different key than the AK this agent enrolled with (name differs); "
                     "re-enrol the agent"));
  }
  ak_ = id;
  return id;
}

absl::StatusOr<EsysTpm::Handle> EsysTpm::LoadAk() {
  ESYS_TR tr = ESYS_TR_NONE;
  RETURN_IF_ERROR(
      TssStatus(absl::StrCat("Esys_TR_FromTPMPublic(AK ", Hex32(options_.ak_handle), ")"),
                Esys_TR_FromTPMPublic(ctx_, options_.ak_handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                      ESYS_TR_NONE, &tr)));
  return Handle(ctx_, tr, Handle::Kind::kClose);
}

absl::Status EsysTpm::RemoveAk() {
  ak_.reset();
  ASSIGN_OR_RETURN(bool exists, PersistentHandleExists(options_.ak_handle));
  if (!exists) return absl::OkStatus();
  ASSIGN_OR_RETURN(Handle ak, LoadAk());
  ESYS_TR out = ESYS_TR_NONE;
  TSS2_RC rc = Esys_EvictControl(ctx_, ESYS_TR_RH_OWNER, ak.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, options_.ak_handle, &out);
  // On success ESYS has already released the persistent object's metadata.
  if (rc == TSS2_RC_SUCCESS) ak.Release();
  return TssStatus(absl::StrCat("Esys_EvictControl(evict AK at ", Hex32(options_.ak_handle), ")"),
                   rc);
}

absl::StatusOr<std::string> EsysTpm::ActivateCredential(std::string_view credential_blob,
                                                        std::string_view encrypted_secret) {
  TPM2B_ID_OBJECT credential{};
  size_t off = 0;
  TSS2_RC rc =
      Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(reinterpret_cast<const uint8_t*>(credential_blob.data()),
                                        credential_blob.size(), &off, &credential);
  if (rc != TSS2_RC_SUCCESS || off != credential_blob.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("credential blob (", credential_blob.size(),
                     " bytes) is not a marshalled TPM2B_ID_OBJECT with its 2-byte size prefix"));
  }
  TPM2B_ENCRYPTED_SECRET secret{};
  off = 0;
  rc = Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(
      reinterpret_cast<const uint8_t*>(encrypted_secret.data()), encrypted_secret.size(), &off,
      &secret);
  if (rc != TSS2_RC_SUCCESS || off != encrypted_secret.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encrypted secret (", encrypted_secret.size(),
        " bytes) is not a marshalled TPM2B_ENCRYPTED_SECRET with its 2-byte size prefix"));
  }
  RETURN_IF_ERROR(Ak().status());
  ASSIGN_OR_RETURN(ResolvedEk resolved, ResolveEk());
  ASSIGN_OR_RETURN(Handle ak, LoadAk());
  ASSIGN_OR_RETURN(Handle ek, LoadEk());
  ASSIGN_OR_RETURN(Handle session, EkAuthSession(resolved.public_area.publicArea));
  TPM2B_DIGEST* raw = nullptr;
  rc = Esys_ActivateCredential(ctx_, ak.get(), ek.get(), ESYS_TR_PASSWORD, session.get(),
                               ESYS_TR_NONE, &credential, &secret, &raw);
  EsysPtr<TPM2B_DIGEST> cert_info(raw);
  RETURN_IF_ERROR(TssStatus(
      "Esys_ActivateCredential (is the credential made for this TPM's EK and AK name?)", rc));
  return Bytes(cert_info->buffer, cert_info->size);
}

}  // namespace veu::agent
