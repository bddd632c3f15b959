#include "common/gpu/rim_compare.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hex.h"

namespace veu::gpu {
namespace {

std::string Lower(const std::string& s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

// Compares one RIM's active entries; appends mismatches and missing blocks.
void Compare(const SpdmReport& report, bool nvdec0_disabled, const Rim& rim, size_t* compared,
             std::vector<std::string>* mismatched, std::vector<std::string>* missing) {
  for (const GoldenMeasurement& m : rim.measurements) {
    if (!m.active) continue;
    if (m.index == kNvdec0RimIndex && nvdec0_disabled) continue;
    const MeasurementBlock* b =
        m.index < 255 ? report.Block(static_cast<uint8_t>(m.index + 1)) : nullptr;
    if (b == nullptr) {
      missing->push_back(absl::StrCat(m.index));
      continue;
    }
    ++*compared;
    bool match = false;
    for (const std::string& alt : m.alternatives) match = match || alt == b->value;
    if (!match) {
      mismatched->push_back(absl::StrCat(m.index, " (block ", m.index + 1, " = ",
                                         ToHex(b->value).substr(0, 16), "...)"));
    }
  }
}

}  // namespace

std::vector<Check> CompareGolden(const SpdmReport& report, const OpaqueData& od, bool is_switch,
                                 const NamedRim& driver, const NamedRim& vbios, bool rim_failed) {
  std::vector<Check> out;
  if (driver.rim != nullptr && vbios.rim != nullptr) {
    std::map<uint32_t, bool> driver_active;
    for (const GoldenMeasurement& m : driver.rim->measurements) {
      if (m.active) driver_active[m.index] = true;
    }
    std::vector<std::string> both;
    for (const GoldenMeasurement& m : vbios.rim->measurements) {
      if (m.active && driver_active.count(m.index) > 0) both.push_back(absl::StrCat(m.index));
    }
    if (!both.empty()) {
      out.push_back(Check::Fail("measurements.conflict", Reason::kRimConflict,
                                absl::StrCat("the driver and VBIOS RIMs both measure index ",
                                             absl::StrJoin(both, ", "))));
      return out;
    }
    out.push_back(Check::Pass("measurements.conflict", "driver and VBIOS RIMs cover distinct indices"));
  }

  const bool nvdec0_disabled = od.nvdec0_status.has_value() && *od.nvdec0_status == kNvdec0Disabled;
  auto judge = [&](const char* kind, const NamedRim& rim) {
    if (rim.rim == nullptr) {
      out.push_back(Check::NotEvaluated(
          kind, Reason::kNoRim,
          rim_failed ? "no verified RIM for this component (a given RIM was refused: see its checks)"
                     : "no RIM was given for this component"));
      return;
    }
    size_t compared = 0;
    std::vector<std::string> mismatched, missing;
    Compare(report, nvdec0_disabled, *rim.rim, &compared, &mismatched, &missing);
    if (!missing.empty()) {
      out.push_back(Check::Fail(kind, Reason::kRimMissingBlock,
                                absl::StrCat("the report has no block for RIM index ",
                                             absl::StrJoin(missing, ", "))));
    } else if (!mismatched.empty()) {
      out.push_back(Check::Fail(kind, Reason::kRimMismatch,
                                absl::StrCat(mismatched.size(), " of ", compared, " active ",
                                             rim.name, " measurements differ: index ",
                                             absl::StrJoin(mismatched, ", "))));
    } else {
      out.push_back(Check::Pass(kind, absl::StrCat(compared, " active measurements of ", rim.name,
                                                   " match", nvdec0_disabled ? " (index 35 skipped: NVDEC0 disabled)" : "")));
    }
  };
  if (!is_switch) judge("measurements.driver", driver);
  judge("measurements.vbios", vbios);
  if (is_switch && driver.rim != nullptr) {
    out.push_back(Check::Fail("measurements.driver", Reason::kRimWrongTarget,
                              "an NVSwitch has no driver RIM"));
  }
  return out;
}

std::vector<Check> CompareWithRims(const ReportAppraisal& report,
                                   const std::vector<RimAppraisal>& rims) {
  std::vector<Check> out;
  const bool is_switch = report.chain.arch == DeviceArch::kNvSwitch;
  if (!report.verified() || !report.report.has_value() || !report.opaque.has_value()) {
    for (const char* kind : {"measurements.driver", "measurements.vbios"}) {
      if (is_switch && std::string(kind) == "measurements.driver") continue;
      out.push_back(Check::NotEvaluated(kind, Reason::kReportUnverified,
                                        "the report failed a check; its measurements are not used"));
    }
    return out;
  }
  const OpaqueData& od = *report.opaque;
  const RimAppraisal* driver = nullptr;
  const RimAppraisal* vbios = nullptr;
  bool rim_failed = false;
  for (const RimAppraisal& r : rims) {
    const std::string name = absl::StrCat("rim.", r.name, ".target");
    if (!r.verified() || !r.rim.has_value()) {
      rim_failed = true;  // its own failed check says why
      continue;
    }
    const std::string v = Lower(r.rim->colloquial_version);
    const RimAppraisal** slot = nullptr;
    if (!od.driver_version.empty() && v == Lower(od.driver_version)) slot = &driver;
    if (!od.vbios_version.empty() && v == Lower(od.vbios_version)) slot = &vbios;
    if (slot == nullptr) {
      out.push_back(Check::Fail(
          name, Reason::kRimWrongTarget,
          absl::StrCat("the RIM is for version ", r.rim->colloquial_version, "; the report has driver ",
                       od.driver_version.empty() ? "-" : od.driver_version, ", VBIOS ",
                       od.vbios_version)));
      rim_failed = true;
      continue;
    }
    if (*slot != nullptr) {
      out.push_back(Check::Fail(name, Reason::kRimConflict,
                                absl::StrCat("a second RIM for ", r.rim->colloquial_version,
                                             " (the first is ", (*slot)->name, ")")));
      rim_failed = true;
      continue;
    }
    *slot = &r;
    out.push_back(Check::Pass(name, absl::StrCat(slot == &driver ? "driver " : "VBIOS ",
                                                 r.rim->colloquial_version)));
  }

  std::vector<Check> golden = CompareGolden(
      *report.report, od, is_switch,
      driver != nullptr ? NamedRim{&*driver->rim, driver->name} : NamedRim{},
      vbios != nullptr ? NamedRim{&*vbios->rim, vbios->name} : NamedRim{}, rim_failed);
  out.insert(out.end(), golden.begin(), golden.end());
  return out;
}

}  // namespace veu::gpu
