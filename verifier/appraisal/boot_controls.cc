#include "verifier/appraisal/boot_controls.h"

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/check_result.h"
#include "common/facts/control_params.h"

namespace veu::verifier {
namespace {

veu::v1::CheckResult Result(const veu::v1::Control& control, veu::v1::CheckStatus status,
                            veu::v1::ReasonCode reason, std::string detail) {
  return MakeCheckResult(control.id(), status, reason, std::move(detail));
}

bool IsMeasuredBootCheck(const std::string& id) {
  return id.rfind("eventlog.", 0) == 0 || id.rfind("refvalue", 0) == 0 ||
         id.rfind("secureboot.", 0) == 0 || id == "kernel.cmdline" || id == "firmware.version";
}

veu::v1::CheckResult MeasuredBoot(const veu::v1::Control& control,
                                  const std::vector<veu::v1::CheckResult>& checks,
                                  const veu::v1::MeasuredBootFacts* mb) {
  facts::ParamReader params(control);
  const facts::MeasuredBootParams p = facts::ReadMeasuredBootParams(params);
  if (!params.error().ok()) {
    return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                  std::string(params.error().message()));
  }
  bool replayed = false;
  bool any = false;
  for (const auto& c : checks) {
    if (!IsMeasuredBootCheck(c.check())) continue;
    any = true;
    if (c.status() == veu::v1::CHECK_FAIL) {
      return Result(control, veu::v1::CHECK_FAIL, veu::v1::CONTROL_FAILED,
                    c.check() + ": " + c.detail());
    }
    if (c.check() == "eventlog.replay" && c.status() == veu::v1::CHECK_PASS) replayed = true;
  }
  for (const auto& c : checks) {
    if (IsMeasuredBootCheck(c.check()) && c.status() != veu::v1::CHECK_PASS) {
      return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                    c.check() + ": " + c.detail());
    }
  }
  if (!any || !replayed) {
    return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                  "no event log replayed to the quote");
  }
  // The control names the PCRs whose events it vouches for: each must be bound to the quote.
  std::vector<uint32_t> unbound;
  for (uint32_t pcr : p.pcrs) {
    bool bound = false;
    if (mb != nullptr) {
      for (uint32_t b : mb->bound_pcrs()) bound |= b == pcr;
    }
    if (!bound) unbound.push_back(pcr);
  }
  if (!unbound.empty()) {
    return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                  absl::StrFormat("PCR %s not bound to the verified quote; the control covers "
                                  "PCRs %s",
                                  absl::StrJoin(unbound, ","), absl::StrJoin(p.pcrs, ",")));
  }
  return Result(control, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                absl::StrFormat("event log replays to the quoted PCRs (%s bound; reference "
                                "values for bank %s); structural and reference checks pass",
                                absl::StrJoin(p.pcrs, ","), p.bank));
}

veu::v1::CheckResult SecureBoot(const veu::v1::Control& control,
                                const veu::v1::MeasuredBootFacts* mb) {
  facts::ParamReader params(control);
  facts::ReadSecureBootParams(params);  // `require: enabled`, the only requirement it knows
  if (!params.error().ok()) {
    return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                  std::string(params.error().message()));
  }
  if (mb == nullptr || !mb->secure_boot().evaluated()) {
    return Result(control, veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
                  "Secure Boot state unknown: PCR 7 not bound to a verified quote");
  }
  const auto& sb = mb->secure_boot();
  if (!sb.secure_boot() || sb.setup_mode()) {
    return Result(control, veu::v1::CHECK_FAIL, veu::v1::SECURE_BOOT_DISABLED,
                  sb.setup_mode() ? "platform is in Secure Boot setup mode"
                                  : "SecureBoot variable is off in the verified log");
  }
  return Result(control, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                "SecureBoot on, not in setup mode (verified log, PCR 7)");
}

}  // namespace

std::vector<veu::v1::CheckResult> EvaluateBootControls(
    const veu::v1::PolicyPack& pack, const std::vector<veu::v1::CheckResult>& checks_so_far,
    const veu::v1::MeasuredBootFacts* measured_boot) {
  std::vector<veu::v1::CheckResult> out;
  for (const veu::v1::Control& control : pack.controls()) {
    switch (control.check()) {
      case veu::v1::MEASURED_BOOT:
        out.push_back(MeasuredBoot(control, checks_so_far, measured_boot));
        break;
      case veu::v1::SECURE_BOOT:
        out.push_back(SecureBoot(control, measured_boot));
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace veu::verifier
