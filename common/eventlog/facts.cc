#include "common/eventlog/facts.h"

#include <map>
#include <string>
#include <string_view>

#include "common/crypto/digest.h"
#include "common/eventlog/device_path.h"
#include "common/eventlog/digest_binding.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/findings.h"

namespace veu::eventlog {
namespace {

using veu::v1::MeasuredBootFacts;

// An event's data may be used: its PCR is bound, and its data verified where it can be.
bool Trusted(const VerifiedEventLog& log, const Event& e) {
  if (!log.IsBound(e.pcr) || e.binding == DataBinding::kMismatch) return false;
  return !DigestCoversData(e) || e.binding == DataBinding::kVerified;
}

void AddDigests(const Event& e, google::protobuf::RepeatedPtrField<veu::v1::DigestValue>* out) {
  for (const EventDigest& d : e.digests) {
    veu::v1::DigestValue* v = out->Add();
    v->set_hash_alg(d.alg);
    v->set_digest(std::string(d.digest));
  }
}

std::string AsciiOrUtf16(std::string_view data) {
  // UTF-16LE text has a NUL in its second byte for the ASCII range firmware uses.
  if (data.size() >= 2 && data[1] == '\0') return Utf16LeToUtf8(data, /*stop_at_nul=*/true);
  std::string_view s = data.substr(0, data.find('\0'));
  return std::string(s);
}

void FillSignatureEntry(const EfiGuid& type, const EfiGuid& owner, std::string_view data,
                        veu::v1::EfiSignatureEntry* entry) {
  entry->set_signature_type(type.ToString());
  entry->set_owner(owner.ToString());
  entry->set_sha256(crypto::Sha256(data));
  if (type != CertX509Guid()) entry->set_data(std::string(data));
}

void FillVariable(std::string_view value, veu::v1::SecureBootVariable* v) {
  v->set_present(true);
  v->set_sha256(crypto::Sha256(value));
  auto entries = ParseSignatureDatabase(value);
  if (!entries.ok()) return;  // digest still recorded; entries unknown
  v->set_entry_count(static_cast<uint32_t>(entries->size()));
  for (const EfiSignature& s : *entries)
    FillSignatureEntry(s.type, s.owner, s.data, v->add_entries());
}

bool FlagSet(std::string_view value) { return value.size() == 1 && value[0] == 1; }

void SecureBootVariableFact(const EfiVariableData& var, veu::v1::SecureBootFacts* sb) {
  const bool global = var.vendor == EfiGlobalVariableGuid();
  const bool image_db = var.vendor == ImageSecurityDatabaseGuid();
  if (global && var.name == "SecureBoot") {
    sb->set_evaluated(true);
    sb->set_secure_boot(FlagSet(var.value));
  } else if (global && var.name == "SetupMode") {
    sb->set_setup_mode(FlagSet(var.value));
  } else if (global && var.name == "DeployedMode") {
    sb->set_deployed_mode(FlagSet(var.value));
  } else if (global && var.name == "AuditMode") {
    sb->set_audit_mode(FlagSet(var.value));
  } else if (global && var.name == "PK") {
    FillVariable(var.value, sb->mutable_pk());
  } else if (global && var.name == "KEK") {
    FillVariable(var.value, sb->mutable_kek());
  } else if (image_db && var.name == "db") {
    FillVariable(var.value, sb->mutable_db());
  } else if (image_db && var.name == "dbx") {
    FillVariable(var.value, sb->mutable_dbx());
  }
}

void Authority(const EfiVariableData& var, veu::v1::SecureBootFacts* sb) {
  // Usually an EFI_SIGNATURE_DATA (owner GUID, then the certificate); shim logs the bare DER.
  std::string_view value = var.value;
  EfiGuid owner;
  if (value.size() > 16 && !(value[0] == 0x30 && static_cast<uint8_t>(value[1]) == 0x82)) {
    std::copy(value.begin(), value.begin() + 16, owner.bytes.begin());
    value.remove_prefix(16);
  }
  FillSignatureEntry(CertX509Guid(), owner, value, sb->add_authorities());
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return slash == path.npos ? path : path.substr(slash + 1);
}

// GRUB's file measurements in PCR 9 name the file; the digest covers its content.
void GrubFile(const Event& e, MeasuredBootFacts* facts) {
  std::string path = AsciiOrUtf16(e.data);
  std::string_view base = Basename(path);
  veu::v1::MeasuredFile* target = nullptr;
  if (base.starts_with("vmlinuz") || base.starts_with("bzImage") || base.starts_with("vmlinux")) {
    target = facts->mutable_kernel();
  } else if (base.starts_with("initrd") || base.starts_with("initramfs")) {
    target = facts->mutable_initrd();
  }
  if (target == nullptr) return;
  target->Clear();
  target->set_record(e.record);
  target->set_path(path);
  AddDigests(e, target->mutable_digests());
}

// Kernel command lines: GRUB's "kernel_cmdline: ..." in PCR 8, systemd-boot's UTF-16 text
// in PCR 12 (PCR 8 before v251).
void CommandLine(const Event& e, MeasuredBootFacts* facts) {
  static constexpr std::string_view kPrefixes[] = {"kernel_cmdline: ", "grub_kernel_cmdline "};
  for (std::string_view prefix : kPrefixes) {
    if (e.data.starts_with(prefix)) {
      std::string_view rest = e.data.substr(prefix.size());
      facts->add_kernel_cmdlines(std::string(rest.substr(0, rest.find('\0'))));
      return;
    }
  }
  if (e.data.size() >= 2 && e.data[1] == '\0') {
    facts->add_kernel_cmdlines(Utf16LeToUtf8(e.data, /*stop_at_nul=*/true));
  }
}

}  // namespace

MeasuredBootFacts ExtractFacts(const VerifiedEventLog& log) {
  MeasuredBootFacts facts;
  for (uint32_t pcr : log.bound_pcrs()) facts.add_bound_pcrs(pcr);
  std::map<uint32_t, veu::v1::SeparatorCount> separators;
  bool pcr7_separated = false;
  for (const Event& e : log.log().events()) {
    if (!Trusted(log, e) || e.type == kEvNoAction) continue;
    switch (e.type) {
      case kEvSeparator: {
        veu::v1::SeparatorCount& s = separators[e.pcr];
        s.set_pcr(e.pcr);
        s.set_count(s.count() + 1);
        if (e.data.find_first_not_of('\0') != e.data.npos) s.set_error_value(true);
        if (e.pcr == 7) pcr7_separated = true;
        break;
      }
      case kEvEfiVariableDriverConfig:
        if (e.pcr == 7 && !pcr7_separated) {
          if (auto var = ParseEfiVariableData(e.data); var.ok()) {
            SecureBootVariableFact(*var, facts.mutable_secure_boot());
          }
        }
        break;
      case kEvEfiVariableAuthority:
        if (e.pcr == 7) {
          if (auto var = ParseEfiVariableData(e.data); var.ok()) {
            Authority(*var, facts.mutable_secure_boot());
          }
        }
        break;
      case kEvEfiBootServicesApplication:
        if (e.pcr == 4) {
          veu::v1::BootApplication* app = facts.add_boot_applications();
          app->set_record(e.record);
          app->set_pcr(e.pcr);
          AddDigests(e, app->mutable_digests());
          if (auto image = ParseImageLoadEvent(e.data); image.ok()) {
            app->set_device_path(image->device_path);
          }
        }
        break;
      case kEvSCrtmVersion:
        facts.add_firmware_versions(AsciiOrUtf16(e.data));
        break;
      case kEvIpl:
        if (e.pcr == 9) GrubFile(e, &facts);
        if (e.pcr == 8 || e.pcr == 12) CommandLine(e, &facts);
        break;
      default:
        break;
    }
  }
  for (auto& [pcr, s] : separators) *facts.add_separators() = s;
  for (auto& f : FindStructuralProblems(log.log())) *facts.add_findings() = std::move(f);
  return facts;
}

}  // namespace veu::eventlog
