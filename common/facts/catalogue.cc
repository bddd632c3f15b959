#include "common/facts/catalogue.h"

#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"

namespace veu::facts {
namespace {

uint32_t Key(uint32_t vendor_id, uint32_t device_id) {
  return (vendor_id & 0xffffu) << 16 | (device_id & 0xffffu);
}

// Declared densities are written with two decimals; accept that much rounding.
constexpr double kDensityTolerance = 0.01;

absl::Status CheckRow(const v1::AcceleratorModel& m, const v1::Eccn3A090Thresholds& t, int index) {
  const std::string where = absl::StrFormat("catalogue row %d (model \"%s\")", index, m.model());
  if (m.model().empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("catalogue row %d has no model name; add `model: \"...\"`", index));
  }
  if (m.pci_ids().empty()) {
    return absl::InvalidArgumentError(where + " lists no pci_ids; a row must be matchable");
  }
  if (m.source().empty()) {
    return absl::InvalidArgumentError(where + " has no source; every figure must cite one");
  }
  auto tpp = ComputeTpp(m);
  if (!tpp.ok()) {
    return absl::InvalidArgumentError(where + ": " + std::string(tpp.status().message()));
  }
  // A peak that gives the TPP must say what was published and how the dense figure follows
  // (where two precisions tie, one is enough).
  const v1::PrecisionPeak* deciding = nullptr;
  bool stated = false;
  for (const v1::PrecisionPeak& p : m.peaks()) {
    if (p.dense_tops() * p.bit_length() != *tpp) continue;
    if (deciding == nullptr) deciding = &p;
    stated |= !p.published().empty();
  }
  if (!stated) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: peak %s gives the TPP but has no `published` (the figure as its source states it, "
        "and how dense_tops follows from it)",
        where, deciding->precision()));
  }
  if (m.memory_bandwidth_gbps() < 0 || !std::isfinite(m.memory_bandwidth_gbps()) ||
      (m.memory_bandwidth_gbps() > 0 && m.memory_bandwidth_source().empty())) {
    return absl::InvalidArgumentError(
        where + ": memory_bandwidth_gbps must be a positive published figure with a "
                "memory_bandwidth_source (leave both unset when none is published)");
  }
  const uint64_t rounded = static_cast<uint64_t>(std::floor(*tpp + 1e-6));
  if (m.tpp() != rounded) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s declares tpp %d but its peaks give %d (max of dense_tops x bit_length); "
        "correct the declared figure or the peaks",
        where, m.tpp(), rounded));
  }
  const double density = PerformanceDensity(*tpp, m.die_area_mm2());
  if (std::fabs(density - m.performance_density()) > kDensityTolerance) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s declares performance_density %.2f but tpp / die_area_mm2 is %.2f",
                        where, m.performance_density(), density));
  }
  const std::string_view eccn = Classify3A090(*tpp, m.die_area_mm2(), t);
  if (m.eccn() != eccn) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s declares eccn \"%s\" but the 3A090 thresholds give \"%s\"", where, m.eccn(), eccn));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<double> ComputeTpp(const v1::AcceleratorModel& model) {
  if (model.peaks().empty()) {
    return absl::InvalidArgumentError("no dense peak figures (peaks) to compute TPP from");
  }
  double best = 0;
  for (const v1::PrecisionPeak& p : model.peaks()) {
    if (!std::isfinite(p.dense_tops()) || p.dense_tops() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("peak %s has dense_tops %g; it must be a positive number", p.precision(),
                          p.dense_tops()));
    }
    if (p.bit_length() < 1 || p.bit_length() > 64) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "peak %s has bit_length %d; it must be 1..64", p.precision(), p.bit_length()));
    }
    best = std::max(best, p.dense_tops() * p.bit_length());
  }
  return best;
}

double PerformanceDensity(double tpp, double die_area_mm2) {
  if (!(die_area_mm2 > 0)) return 0;
  return tpp / die_area_mm2;
}

std::string_view Classify3A090(double tpp, double die_area_mm2, const v1::Eccn3A090Thresholds& t) {
  if (tpp >= static_cast<double>(t.tpp_min())) return kEccn3A090a;
  if (tpp < static_cast<double>(t.tpp_dense_min())) return kEccnNot3A090a;
  if (!(die_area_mm2 > 0)) return kEccnUndetermined;
  return PerformanceDensity(tpp, die_area_mm2) >= t.density_min() ? kEccn3A090a : kEccnNot3A090a;
}

absl::StatusOr<Catalogue> Catalogue::Create(const v1::AcceleratorCatalogue& data) {
  Catalogue c(data);
  // No threshold lives in code: the rule changes, and a pack that omits them must not be judged
  // against figures nobody chose for it.
  const v1::Eccn3A090Thresholds& t = c.data_.thresholds();
  if (!c.data_.has_thresholds() || t.tpp_min() == 0 || t.tpp_dense_min() == 0 ||
      !(t.density_min() > 0) || t.h100_equivalent_tpp() == 0) {
    return absl::InvalidArgumentError(
        "catalogue.thresholds needs tpp_min, tpp_dense_min, density_min and h100_equivalent_tpp "
        "(the ECCN 3A090.a thresholds of the rule the pack encodes); none is built in");
  }
  for (int i = 0; i < c.data_.models_size(); ++i) {
    const v1::AcceleratorModel& m = c.data_.models(i);
    if (absl::Status s = CheckRow(m, c.data_.thresholds(), i); !s.ok()) return s;
    for (const v1::PciId& id : m.pci_ids()) {
      if (id.vendor_id() > 0xffff || id.device_id() > 0xffff) {
        return absl::InvalidArgumentError(
            absl::StrFormat("catalogue model \"%s\" has PCI ID %x:%x; IDs are 16-bit", m.model(),
                            id.vendor_id(), id.device_id()));
      }
      auto [it, inserted] = c.by_pci_id_.try_emplace(Key(id.vendor_id(), id.device_id()),
                                                     Entry{i, id.virtual_function()});
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "PCI ID %04x:%04x is claimed by both \"%s\" and \"%s\"; an ID must name one model",
            id.vendor_id(), id.device_id(), c.data_.models(it->second.model_index).model(),
            m.model()));
      }
    }
  }
  return c;
}

const v1::AcceleratorModel* Catalogue::Lookup(uint32_t vendor_id, uint32_t device_id,
                                              bool* is_virtual_function) const {
  auto it = by_pci_id_.find(Key(vendor_id, device_id));
  if (it == by_pci_id_.end()) return nullptr;
  if (is_virtual_function != nullptr) *is_virtual_function = it->second.virtual_function;
  return &data_.models(it->second.model_index);
}

bool IsAcceleratorClass(uint32_t class_code) {
  const uint32_t base_sub = class_code >> 8;  // drop the programming interface
  return (base_sub >> 8) == 0x03 || base_sub == 0x1200 || base_sub == 0x0b40;
}

bool IsAcceleratorVendor(uint32_t vendor_id) {
  switch (vendor_id) {
    case 0x10de:  // NVIDIA
    case 0x1002:  // AMD (ATI)
    case 0x1da3:  // Habana Labs (Intel)
    case 0x8086:  // Intel (Data Center GPU Max / Flex)
    case 0x19e5:  // Huawei (Ascend)
    case 0x1e52:  // Tenstorrent
      return true;
    default:
      return false;
  }
}

void Classify(const Catalogue& catalogue, v1::AcceleratorDevice& device) {
  bool vf_id = false;
  const v1::AcceleratorModel* m = catalogue.Lookup(device.vendor_id(), device.device_id(), &vf_id);
  if (m != nullptr) {
    device.set_role(v1::ACCELERATOR_KNOWN);
    device.set_model(m->model());
    device.set_tpp(m->tpp());
    device.set_eccn(m->eccn());
    if (vf_id) device.set_virtual_function(true);
    return;
  }
  device.set_model(std::string(kUnknownModel));
  device.set_tpp(0);
  device.set_eccn(std::string(kEccnUnknown));
  const uint32_t base_sub = device.class_code() >> 8;
  const bool display_only = base_sub == 0x0300 || base_sub == 0x0380;
  device.set_role(display_only && !IsAcceleratorVendor(device.vendor_id())
                      ? v1::DISPLAY_ONLY
                      : v1::ACCELERATOR_UNKNOWN);
}

v1::AcceleratorTotals Totals(
    const google::protobuf::RepeatedPtrField<v1::AcceleratorDevice>& devices) {
  absl::flat_hash_set<std::string> listed;
  for (const auto& d : devices) listed.insert(d.pci_address());
  v1::AcceleratorTotals t;
  for (const auto& d : devices) {
    if (d.role() != v1::ACCELERATOR_KNOWN && d.role() != v1::ACCELERATOR_UNKNOWN) continue;
    if (d.virtual_function()) {
      t.set_virtual_function_count(t.virtual_function_count() + 1);
      if (!d.physfn_address().empty() && listed.contains(d.physfn_address())) continue;
    }
    t.set_count(t.count() + 1);
    if (d.role() == v1::ACCELERATOR_KNOWN) {
      t.set_tpp(t.tpp() + d.tpp());
    } else {
      t.set_unknown_count(t.unknown_count() + 1);
    }
  }
  return t;
}

}  // namespace veu::facts
