// Accelerator catalogue: PCI IDs -> model -> TPP and ECCN 3A090 class. Pure: the rows come
// from the policy pack (deploy/policies/*.textproto); nothing here reads files.
#ifndef VEU_COMMON_FACTS_CATALOGUE_H_
#define VEU_COMMON_FACTS_CATALOGUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "veu/v1/inventory.pb.h"
#include "veu/v1/policy.pb.h"

namespace veu::facts {

inline constexpr std::string_view kEccn3A090a = "3A090.a";
inline constexpr std::string_view kEccnNot3A090a = "not-3A090.a";
// TPP is between the two thresholds and the die area is unknown, so density cannot decide.
inline constexpr std::string_view kEccnUndetermined = "undetermined";
inline constexpr std::string_view kEccnUnknown = "unknown";  // device not in the catalogue
inline constexpr std::string_view kUnknownModel = "unknown";

// TPP = max over `model.peaks` of dense_tops x bit_length (the datasheet dense figure is
// already 2 x MacTOPS), unrounded. InvalidArgument if there are no peaks or a peak has a
// non-positive or non-finite figure or a bit length outside 1..64.
absl::StatusOr<double> ComputeTpp(const v1::AcceleratorModel& model);

// TPP / die area in mm^2; 0 when the die area is unknown (<= 0).
double PerformanceDensity(double tpp, double die_area_mm2);

// kEccn3A090a, kEccnNot3A090a or kEccnUndetermined (die area unknown and only the density
// rule could make the part 3A090.a).
std::string_view Classify3A090(double tpp, double die_area_mm2,
                               const v1::Eccn3A090Thresholds& thresholds);

// A validated, indexed catalogue. Immutable after Create; safe to share between threads.
class Catalogue {
 public:
  // Recomputes every row's TPP (rounded down), density and ECCN and rejects the catalogue
  // (InvalidArgument naming the model) if a declared figure disagrees, a row lacks a model
  // name, PCI IDs or source, the peak giving its TPP has no `published` figure, a bandwidth has
  // no source, or two rows claim the same vendor:device. Thresholds come only from `data`: a
  // catalogue without all four is refused (no figure is built in).
  static absl::StatusOr<Catalogue> Create(const v1::AcceleratorCatalogue& data);

  // The row for vendor:device, or nullptr. `*is_virtual_function` (if given) is set when
  // the ID is the model's SR-IOV VF ID.
  const v1::AcceleratorModel* Lookup(uint32_t vendor_id, uint32_t device_id,
                                     bool* is_virtual_function = nullptr) const;

  const std::string& version() const { return data_.version(); }
  const v1::Eccn3A090Thresholds& thresholds() const { return data_.thresholds(); }
  const v1::AcceleratorCatalogue& data() const { return data_; }

 private:
  struct Entry {
    int model_index;
    bool virtual_function;
  };
  explicit Catalogue(v1::AcceleratorCatalogue data) : data_(std::move(data)) {}
  v1::AcceleratorCatalogue data_;
  absl::flat_hash_map<uint32_t, Entry> by_pci_id_;  // key: vendor << 16 | device
};

// Fills role, model, tpp and eccn of `device` from its PCI IDs. A device of an accelerator
// class or vendor that is not catalogued becomes ACCELERATOR_UNKNOWN with model "unknown",
// never dropped; a plain display controller of another vendor becomes DISPLAY_ONLY.
void Classify(const Catalogue& catalogue, v1::AcceleratorDevice& device);

// True for PCI classes that can carry compute: display (0x03xx), processing accelerator
// (0x1200) and co-processor (0x0b40). `class_code` is the 24-bit sysfs class.
bool IsAcceleratorClass(uint32_t class_code);

// True for vendors that ship data-center accelerators (NVIDIA, AMD, Habana, Intel, ...).
bool IsAcceleratorVendor(uint32_t vendor_id);

// Count and TPP over `devices` (KNOWN and UNKNOWN accelerators). A VF whose parent function
// is in `devices` is not counted again; a VF without a visible parent (inside a guest) is.
// unknown_count > 0 means the TPP is a lower bound.
v1::AcceleratorTotals Totals(
    const google::protobuf::RepeatedPtrField<v1::AcceleratorDevice>& devices);

}  // namespace veu::facts

#endif  // VEU_COMMON_FACTS_CATALOGUE_H_
