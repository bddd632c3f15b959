#include "common/tpm/structures.h"

#include <tss2/tss2_mu.h>

#include <set>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crypto/digest.h"
#include "common/status_macros.h"

namespace veu::tpm {
namespace {

constexpr char kTrailingPayload[] = "veu.tpm/trailing-bytes";

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Runs a tss2-mu unmarshal function over all of `bytes`.
template <typename T, typename Fn>
absl::StatusOr<T> UnmarshalExact(Fn fn, std::string_view bytes, std::string_view what) {
  T out{};
  size_t offset = 0;
  TSS2_RC rc = fn(Bytes(bytes), bytes.size(), &offset, &out);
  if (rc != TSS2_RC_SUCCESS) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is malformed: tss2-mu could not unmarshal it (rc 0x%x) at or after byte offset %d "
        "of %d; check that the file holds the TPM's marshalled %s and nothing else",
        what, rc, offset, bytes.size(), what));
  }
  if (offset != bytes.size()) {
    absl::Status status = absl::InvalidArgumentError(
        absl::StrFormat("%s has %d trailing byte(s) after the structure ends at byte offset %d; "
                        "refusing ambiguous input",
                        what, bytes.size() - offset, offset));
    status.SetPayload(kTrailingPayload, absl::Cord("1"));
    return status;
  }
  return out;
}

template <typename T, typename Fn>
absl::StatusOr<std::string> MarshalAny(Fn fn, const T& value, std::string_view what) {
  std::string out(sizeof(T) + 16, '\0');
  size_t offset = 0;
  TSS2_RC rc = fn(&value, reinterpret_cast<uint8_t*>(out.data()), out.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrFormat("could not marshal %s (tss2-mu rc 0x%x)", what, rc));
  }
  out.resize(offset);
  return out;
}

}  // namespace

absl::StatusOr<TPMS_ATTEST> UnmarshalAttest(std::string_view bytes) {
  return UnmarshalExact<TPMS_ATTEST>(Tss2_MU_TPMS_ATTEST_Unmarshal, bytes, "TPMS_ATTEST");
}

absl::StatusOr<TPMT_SIGNATURE> UnmarshalSignature(std::string_view bytes) {
  return UnmarshalExact<TPMT_SIGNATURE>(Tss2_MU_TPMT_SIGNATURE_Unmarshal, bytes, "TPMT_SIGNATURE");
}

absl::StatusOr<TPMT_PUBLIC> UnmarshalTpm2bPublic(std::string_view bytes) {
  ASSIGN_OR_RETURN(TPM2B_PUBLIC pub, UnmarshalExact<TPM2B_PUBLIC>(Tss2_MU_TPM2B_PUBLIC_Unmarshal,
                                                                  bytes, "TPM2B_PUBLIC"));
  // tss2-mu checks the inner size against the bytes consumed; double-check for safety.
  if (static_cast<size_t>(pub.size) + 2 != bytes.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "TPM2B_PUBLIC size field says %d bytes but %d follow it", pub.size, bytes.size() - 2));
  }
  return pub.publicArea;
}

absl::StatusOr<TPMT_PUBLIC> UnmarshalTpmtPublic(std::string_view bytes) {
  return UnmarshalExact<TPMT_PUBLIC>(Tss2_MU_TPMT_PUBLIC_Unmarshal, bytes, "TPMT_PUBLIC");
}

absl::StatusOr<TPML_PCR_SELECTION> UnmarshalPcrSelection(std::string_view bytes) {
  return UnmarshalExact<TPML_PCR_SELECTION>(Tss2_MU_TPML_PCR_SELECTION_Unmarshal, bytes,
                                            "TPML_PCR_SELECTION");
}

bool IsTrailingBytesError(const absl::Status& status) {
  return status.GetPayload(kTrailingPayload).has_value();
}

absl::StatusOr<std::string> MarshalTpmtPublic(const TPMT_PUBLIC& pub) {
  return MarshalAny(Tss2_MU_TPMT_PUBLIC_Marshal, pub, "TPMT_PUBLIC");
}

absl::StatusOr<std::string> MarshalTpm2bPublic(const TPMT_PUBLIC& pub) {
  TPM2B_PUBLIC wrapped{};
  wrapped.publicArea = pub;  // size 0: tss2-mu computes it
  return MarshalAny(Tss2_MU_TPM2B_PUBLIC_Marshal, wrapped, "TPM2B_PUBLIC");
}

absl::StatusOr<std::string> MarshalAttest(const TPMS_ATTEST& attest) {
  return MarshalAny(Tss2_MU_TPMS_ATTEST_Marshal, attest, "TPMS_ATTEST");
}

absl::StatusOr<std::string> MarshalSignature(const TPMT_SIGNATURE& signature) {
  return MarshalAny(Tss2_MU_TPMT_SIGNATURE_Marshal, signature, "TPMT_SIGNATURE");
}

absl::StatusOr<std::string> ObjectName(const TPMT_PUBLIC& pub) {
  if (crypto::DigestSize(pub.nameAlg) == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "public area has nameAlg 0x%04x, which is not a hash algorithm we can compute",
        pub.nameAlg));
  }
  ASSIGN_OR_RETURN(std::string marshalled, MarshalTpmtPublic(pub));
  ASSIGN_OR_RETURN(std::string digest, crypto::Hash(pub.nameAlg, {marshalled}));
  std::string name;
  name.push_back(static_cast<char>(pub.nameAlg >> 8));
  name.push_back(static_cast<char>(pub.nameAlg & 0xff));
  return name + digest;
}

std::vector<veu::v1::PcrSelection> FromTpml(const TPML_PCR_SELECTION& selection) {
  std::vector<veu::v1::PcrSelection> out;
  const uint32_t banks = std::min<uint32_t>(selection.count, TPM2_NUM_PCR_BANKS);
  for (uint32_t b = 0; b < banks; ++b) {
    const TPMS_PCR_SELECTION& s = selection.pcrSelections[b];
    veu::v1::PcrSelection bank;
    bank.set_hash_alg(s.hash);
    const unsigned bytes = std::min<unsigned>(s.sizeofSelect, TPM2_PCR_SELECT_MAX);
    for (unsigned i = 0; i < bytes * 8; ++i) {
      if (s.pcrSelect[i / 8] & (1u << (i % 8))) bank.add_pcrs(i);
    }
    out.push_back(std::move(bank));
  }
  return out;
}

absl::StatusOr<TPML_PCR_SELECTION> ToTpml(const std::vector<veu::v1::PcrSelection>& selection) {
  if (selection.size() > TPM2_NUM_PCR_BANKS) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PCR selection has %d banks; a TPM accepts at most %d", selection.size(),
                        TPM2_NUM_PCR_BANKS));
  }
  TPML_PCR_SELECTION out{};
  out.count = static_cast<uint32_t>(selection.size());
  for (size_t b = 0; b < selection.size(); ++b) {
    const auto& bank = selection[b];
    if (crypto::DigestSize(static_cast<uint16_t>(bank.hash_alg())) == 0 ||
        bank.hash_alg() > 0xffff) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "PCR selection bank %d has unknown hash algorithm 0x%04x", b, bank.hash_alg()));
    }
    TPMS_PCR_SELECTION& s = out.pcrSelections[b];
    s.hash = static_cast<TPMI_ALG_HASH>(bank.hash_alg());
    s.sizeofSelect = 3;  // PCRs 0-23, what every PC client TPM has
    int64_t previous = -1;
    for (uint32_t pcr : bank.pcrs()) {
      if (pcr >= TPM2_MAX_PCRS || static_cast<int64_t>(pcr) <= previous) {
        return absl::InvalidArgumentError(
            absl::StrFormat("PCR selection bank %s: index %d is out of range or not ascending",
                            crypto::HashAlgName(s.hash), pcr));
      }
      previous = pcr;
      if (pcr >= 24) s.sizeofSelect = 4;
      s.pcrSelect[pcr / 8] = static_cast<BYTE>(s.pcrSelect[pcr / 8] | (1u << (pcr % 8)));
    }
  }
  return out;
}

std::string SelectionToString(const std::vector<veu::v1::PcrSelection>& selection) {
  if (selection.empty()) return "(none)";
  std::vector<std::string> banks;
  for (const auto& bank : selection) {
    banks.push_back(absl::StrCat(crypto::HashAlgName(static_cast<uint16_t>(bank.hash_alg())), ":",
                                 absl::StrJoin(bank.pcrs(), ",")));
  }
  return absl::StrJoin(banks, "+");
}

}  // namespace veu::tpm
