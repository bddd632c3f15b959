#include "common/eventlog/findings.h"

#include <array>
#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"

namespace veu::eventlog {
namespace {

using veu::v1::EventLogFinding;

EventLogFinding Finding(const Event& e, veu::v1::ReasonCode reason, std::string detail) {
  EventLogFinding f;
  f.set_record(e.record);
  f.set_pcr(e.pcr);
  f.set_event_type(e.type);
  f.set_reason(reason);
  for (const EventDigest& d : e.digests) {
    if (crypto::DigestSize(d.alg) == 0) continue;
    veu::v1::DigestValue* v = f.add_digests();
    v->set_hash_alg(d.alg);
    v->set_digest(std::string(d.digest));
  }
  f.set_detail(absl::StrFormat("record %d (PCR %d, %s): %s", e.record, e.pcr, EventTypeName(e.type),
                               detail));
  return f;
}

// Secure Boot configuration variables and the GUID each must carry (UEFI 2.10, 3.3 and 32.6).
bool IsGlobalSecureBootName(std::string_view n) {
  return n == "SecureBoot" || n == "PK" || n == "KEK" || n == "SetupMode" || n == "DeployedMode" ||
         n == "AuditMode";
}
bool IsImageSecurityName(std::string_view n) {
  return n == "db" || n == "dbx" || n == "dbt" || n == "dbr";
}
bool IsBootVariableName(std::string_view n) {
  if (n == "BootOrder" || n == "BootNext" || n == "BootCurrent") return true;
  if (n.size() != 8 || !n.starts_with("Boot")) return false;
  for (char c : n.substr(4)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Types the profile allows after the separator in PCRs where firmware keeps measuring.
bool AllowedAfterSeparator(uint32_t pcr, uint32_t type) {
  switch (pcr) {
    case 1:  // Handoff tables, boot variables and (one PC client) DeployedMode/AuditMode
             // measured late by real firmware.
      return type == kEvEfiHandoffTables || type == kEvEfiHandoffTables2 ||
             type == kEvEfiVariableBoot || type == kEvEfiVariableBoot2 ||
             type == kEvEfiVariableDriverConfig || type == kEvPlatformConfigFlags;
    case 4:  // Boot applications loaded by the boot manager and the loaders it starts
             // (BIOS: "Calling INT 19h" actions and the IPL code).
      return type == kEvEfiBootServicesApplication || type == kEvEfiAction || type == kEvAction ||
             type == kEvIpl || type == kEvCompactHash;
    case 5:  // ExitBootServices, GPT reads by loaders (BIOS: the partition table read).
      return type == kEvEfiAction || type == kEvAction || type == kEvEfiGptEvent ||
             type == kEvEfiGptEvent2 || type == kEvIplPartitionData;
    default:
      return false;
  }
}

void CheckVariable(const Event& e, std::vector<EventLogFinding>* out) {
  auto var = ParseEfiVariableData(e.data);
  if (!var.ok()) {
    out->push_back(
        Finding(e, veu::v1::EVENTLOG_VARIABLE_MISMATCH, std::string(var.status().message())));
    return;
  }
  const bool global = var->vendor == EfiGlobalVariableGuid();
  if ((IsGlobalSecureBootName(var->name) || IsBootVariableName(var->name)) && !global) {
    out->push_back(Finding(e, veu::v1::EVENTLOG_VARIABLE_MISMATCH,
                           absl::StrFormat("variable '%s' is under GUID %s, not the EFI global "
                                           "variable GUID",
                                           var->name, var->vendor.ToString())));
  } else if (IsImageSecurityName(var->name) && var->vendor != ImageSecurityDatabaseGuid() &&
             e.type != kEvEfiVariableAuthority) {
    out->push_back(Finding(e, veu::v1::EVENTLOG_VARIABLE_MISMATCH,
                           absl::StrFormat("variable '%s' is under GUID %s, not the image "
                                           "security database GUID",
                                           var->name, var->vendor.ToString())));
  } else if ((e.type == kEvEfiVariableBoot || e.type == kEvEfiVariableBoot2) &&
             !IsBootVariableName(var->name)) {
    out->push_back(Finding(e, veu::v1::EVENTLOG_VARIABLE_MISMATCH,
                           absl::StrFormat("boot variable event names '%s', which is not "
                                           "BootOrder or Boot####",
                                           var->name)));
  } else if (e.type == kEvEfiVariableDriverConfig && e.pcr == 7 && global &&
             !IsGlobalSecureBootName(var->name)) {
    out->push_back(
        Finding(e, veu::v1::EVENTLOG_VARIABLE_MISMATCH,
                absl::StrFormat("'%s' is not a Secure Boot configuration variable", var->name)));
  }
}

bool IsSecureBootConfig(const Event& e) {
  auto var = ParseEfiVariableData(e.data);
  return var.ok() && (IsGlobalSecureBootName(var->name) || IsImageSecurityName(var->name));
}

}  // namespace

std::vector<EventLogFinding> FindStructuralProblems(const UnverifiedEventLog& log) {
  std::vector<EventLogFinding> out;
  std::array<bool, 8> separated{};
  bool pcr0_extended = false;
  for (const Event& e : log.events()) {
    if (e.type == kEvEfiHcrtmEvent && (e.pcr != 0 || pcr0_extended)) {
      out.push_back(Finding(e, veu::v1::EVENTLOG_UNEXPECTED_EVENT_TYPE,
                            "an H-CRTM measurement is made before TPM2_Startup, so it can only "
                            "be PCR 0's first event"));
    }
    if (e.pcr == 0 && e.type != kEvNoAction) pcr0_extended = true;
    if (e.binding == DataBinding::kMismatch) {
      out.push_back(Finding(e, veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH,
                            "the event data does not hash to the event's digest, so it is not "
                            "what was measured"));
    }
    if (IsEfiVariableEvent(e.type)) CheckVariable(e, &out);
    if (e.pcr == 7 && !IsEfiVariableEvent(e.type) && e.type != kEvEfiAction &&
        e.type != kEvSeparator && e.type != kEvNoAction) {
      out.push_back(Finding(e, veu::v1::EVENTLOG_UNEXPECTED_EVENT_TYPE,
                            "PCR 7 holds only Secure Boot variables, authorities, EFI actions "
                            "and its separator"));
    }
    if (e.pcr >= separated.size() || e.type == kEvNoAction) continue;
    if (e.type == kEvSeparator) {
      if (separated[e.pcr]) {
        out.push_back(Finding(e, veu::v1::EVENTLOG_SEPARATOR_REPEATED,
                              "a second separator; firmware measures exactly one per PCR"));
      }
      separated[e.pcr] = true;
      continue;
    }
    if (!separated[e.pcr]) continue;
    if (e.pcr == 7) {
      if (e.type == kEvEfiVariableDriverConfig && IsSecureBootConfig(e)) {
        out.push_back(Finding(e, veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR,
                              "Secure Boot configuration measured after PCR 7's separator"));
      }
    } else if (!AllowedAfterSeparator(e.pcr, e.type)) {
      out.push_back(Finding(e, veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR,
                            absl::StrFormat("measured after PCR %d's separator", e.pcr)));
    }
  }
  return out;
}

}  // namespace veu::eventlog
