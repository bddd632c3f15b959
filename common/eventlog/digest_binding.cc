#include "common/eventlog/digest_binding.h"

#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "common/crypto/digest.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/hasher.h"

namespace veu::eventlog {
namespace {

using Forms = absl::InlinedVector<std::string_view, 4>;

std::string_view StripTrailingNuls(std::string_view s, size_t unit) {
  while (s.size() >= unit && s.substr(s.size() - unit).find_first_not_of('\0') == s.npos) {
    s.remove_suffix(unit);
  }
  return s;
}

// GRUB logs "grub_cmd: CMD" (GRUB >= 2.04; "grub_cmd CMD" in Fedora's older patches) but
// hashes only CMD, and likewise for the kernel command line.
constexpr std::string_view kGrubPrefixes[] = {"grub_cmd: ", "kernel_cmdline: ", "grub_cmd ",
                                              "grub_kernel_cmdline "};

// The byte strings the digest may legitimately cover for this event.
// `storage` keeps forms that are not views of the data alive.
Forms AcceptedForms(const Event& e, LogFormat format, std::string* storage) {
  Forms forms{e.data};
  if (IsEfiVariableEvent(e.type)) {
    // EDK2 before 2019 hashed only VariableData for Boot####, and firmware of the SHA-1 log
    // era did so for every variable. Shim records authorities with one byte more than it
    // hashed. Neither form lets the data say more than was measured: the name and GUID of
    // a value-only form are checked against the event type by the findings.
    if (e.type == kEvEfiVariableAuthority && !e.data.empty()) {
      forms.push_back(e.data.substr(0, e.data.size() - 1));
    }
    if (e.type == kEvEfiVariableBoot || format == LogFormat::kLegacySha1) {
      auto var = ParseEfiVariableData(e.data);
      if (var.ok()) forms.push_back(var->value);
    }
  } else if (e.type == kEvIpl) {
    std::string_view text = e.data;
    for (std::string_view prefix : kGrubPrefixes) {
      if (text.starts_with(prefix)) {
        text.remove_prefix(prefix.size());
        break;
      }
    }
    // GRUB appends a NUL it did not hash; systemd-boot logs UTF-16 text whose terminating
    // NUL character it hashes or not, depending on the version.
    forms.push_back(StripTrailingNuls(text, 1));
    forms.push_back(StripTrailingNuls(text, 2));
    // systemd-boot before v251 hashed the whole UTF-16 string with its NUL character but
    // logged one byte less.
    if (e.data.size() % 2 == 1 && e.data.back() == '\0') {
      storage->assign(e.data);
      storage->push_back('\0');
      forms.push_back(*storage);
    }
  }
  return forms;
}

}  // namespace

bool DigestCoversData(const Event& e) {
  switch (e.type) {
    case kEvSeparator:
    case kEvSCrtmVersion:
    case kEvAction:
    case kEvEfiAction:
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableBoot:
    case kEvEfiVariableBoot2:
    case kEvEfiVariableAuthority:
    case kEvEfiGptEvent:
    case kEvOmitBootDeviceEvents:
      return true;
    case kEvIpl:
      // PCR 8: GRUB commands and kernel command line; PCR 12: systemd-boot command line.
      // Elsewhere (PCR 9 files, PCR 14 MOK lists, PCR 4 boot records) the digest covers
      // content that the event only names.
      return e.pcr == 8 || e.pcr == 12;
    default:
      return false;
  }
}

DataBinding BindDigestToData(const Event& e, LogFormat format) {
  if (!DigestCoversData(e)) return DataBinding::kNotApplicable;
  std::string storage;
  const Forms forms = AcceptedForms(e, format, &storage);
  bool any_known = false;
  for (const EventDigest& d : e.digests) {
    if (crypto::DigestSize(d.alg) == 0) continue;
    any_known = true;
    bool matched = false;
    for (std::string_view form : forms) {
      if (DigestMatches(d.alg, d.digest, form)) {
        matched = true;
        break;
      }
    }
    if (!matched) return DataBinding::kMismatch;
  }
  return any_known ? DataBinding::kVerified : DataBinding::kNotApplicable;
}

}  // namespace veu::eventlog
