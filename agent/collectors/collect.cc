#include "agent/collectors/collect.h"

#include "absl/strings/str_format.h"
#include "agent/collectors/access_controls.h"
#include "agent/collectors/inventory.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::collectors {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}
Value Num(double d) {
  Value v;
  v.set_number_value(d);
  return v;
}
Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}

absl::StatusOr<Value> AsValue(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(m, &json, opts); !s.ok()) {
    return absl::InternalError(
        absl::StrFormat("JSON rendering of %s failed: %s", m.GetTypeName(), s.ToString()));
  }
  Value v;
  if (auto s = google::protobuf::util::JsonStringToMessage(json, &v); !s.ok()) {
    return absl::InternalError(
        absl::StrFormat("JSON re-reading of %s failed: %s", m.GetTypeName(), s.ToString()));
  }
  return v;
}

Value Device(const v1::AcceleratorDevice& d) {
  Value v;
  auto& f = *v.mutable_struct_value()->mutable_fields();
  f["pci_address"] = Str(d.pci_address());
  f["vendor_id"] = Str(absl::StrFormat("%04x", d.vendor_id()));
  f["device_id"] = Str(absl::StrFormat("%04x", d.device_id()));
  f["subsystem_vendor_id"] = Str(absl::StrFormat("%04x", d.subsystem_vendor_id()));
  f["subsystem_device_id"] = Str(absl::StrFormat("%04x", d.subsystem_device_id()));
  f["class"] = Str(absl::StrFormat("%06x", d.class_code()));
  f["numa_node"] = Num(d.numa_node());
  f["virtual_function"] = Bool(d.virtual_function());
  if (!d.physfn_address().empty()) f["physfn_address"] = Str(d.physfn_address());
  f["role"] = Str(v1::DeviceRole_Name(d.role()));
  f["model"] = Str(d.model());
  f["tpp"] = Num(static_cast<double>(d.tpp()));
  f["eccn"] = Str(d.eccn());
  f["identity_source"] = Str(v1::IdentitySource_Name(d.identity_source()));
  if (d.has_gpu()) {
    f["serial"] = Str(d.gpu().serial());
    f["uuid"] = Str(d.gpu().uuid());
    f["board_part_number"] = Str(d.gpu().board_part_number());
    f["vbios_version"] = Str(d.gpu().vbios_version());
    f["name"] = Str(d.gpu().name());
  }
  f["source_path"] = Str(d.source_path());
  return v;
}

}  // namespace

void CollectEvidence(const RootFs& fs, const facts::Catalogue& catalogue,
                     const CollectOptions& options, v1::Facts* facts) {
  *facts->mutable_inventory() = CollectInventory(fs, catalogue, options.gpu);
  AccessOptions access;
  access.data_paths = options.data_paths;
  *facts->mutable_access() = CollectAccessControls(fs, access);
}

absl::StatusOr<std::string> RenderFactsJson(const v1::Facts& facts) {
  Struct root;
  auto& top = *root.mutable_fields();
  const v1::Inventory& inv = facts.inventory();
  Value& list = top["accelerators"];
  list.mutable_list_value();
  for (const auto& d : inv.accelerators()) *list.mutable_list_value()->add_values() = Device(d);
  Value totals;
  auto& t = *totals.mutable_struct_value()->mutable_fields();
  t["count"] = Num(inv.totals().count());
  t["tpp"] = Num(static_cast<double>(inv.totals().tpp()));
  t["unknown_count"] = Num(inv.totals().unknown_count());
  t["virtual_function_count"] = Num(inv.totals().virtual_function_count());
  t["tpp_is_lower_bound"] = Bool(inv.totals().unknown_count() > 0);
  top["accelerator_totals"] = std::move(totals);
  top["catalogue_version"] = Str(inv.catalogue_version());
  auto nvml = AsValue(inv.nvml());
  if (!nvml.ok()) return nvml.status();
  top["nvml"] = *std::move(nvml);
  auto access = AsValue(facts.access());
  if (!access.ok()) return access.status();
  top["access"] = *std::move(access);
  Value errors;
  errors.mutable_list_value();
  for (const auto& e : inv.errors()) {
    auto v = AsValue(e);
    if (!v.ok()) return v.status();
    *errors.mutable_list_value()->add_values() = *std::move(v);
  }
  top["inventory_errors"] = std::move(errors);

  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(root, &json, opts); !s.ok()) {
    return absl::InternalError(absl::StrFormat("JSON rendering failed: %s", s.ToString()));
  }
  return json;
}

}  // namespace veu::collectors
