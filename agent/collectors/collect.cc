#include "agent/collectors/collect.h"

#include "absl/strings/str_format.h"
#include "agent/collectors/access_controls.h"
#include "agent/collectors/inventory.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::collectors {
namespace {

// JSON string literal for `s` (escaped by protobuf's printer).
std::string Quote(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(v, &out).ok()) return "\"\"";
  return out;
}

// A proto message as JSON with field names as in the .proto and defaults printed, so readers
// see "false"/0 rather than a missing key. Field order follows the .proto.
absl::StatusOr<std::string> MessageJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(m, &json, opts); !s.ok()) {
    return absl::InternalError(
        absl::StrFormat("JSON rendering of %s failed: %s", m.GetTypeName(), s.ToString()));
  }
  return json;
}

// Builds one JSON object with keys in insertion order.
class Object {
 public:
  Object& Raw(const std::string& key, const std::string& json) {
    out_ += out_.empty() ? "{" : ", ";
    out_ += Quote(key) + ": " + json;
    return *this;
  }
  Object& Str(const std::string& key, const std::string& v) { return Raw(key, Quote(v)); }
  Object& Num(const std::string& key, int64_t v) { return Raw(key, absl::StrFormat("%d", v)); }
  Object& Bool(const std::string& key, bool v) { return Raw(key, v ? "true" : "false"); }
  std::string Done() const { return out_.empty() ? "{}" : out_ + "}"; }

 private:
  std::string out_;
};

std::string Device(const v1::AcceleratorDevice& d) {
  Object o;
  o.Str("pci_address", d.pci_address())
      .Str("vendor_id", absl::StrFormat("%04x", d.vendor_id()))
      .Str("device_id", absl::StrFormat("%04x", d.device_id()))
      .Str("subsystem_vendor_id", absl::StrFormat("%04x", d.subsystem_vendor_id()))
      .Str("subsystem_device_id", absl::StrFormat("%04x", d.subsystem_device_id()))
      .Str("class", absl::StrFormat("%06x", d.class_code()))
      .Num("numa_node", d.numa_node())
      .Bool("virtual_function", d.virtual_function());
  if (!d.physfn_address().empty()) o.Str("physfn_address", d.physfn_address());
  o.Str("role", v1::DeviceRole_Name(d.role()))
      .Str("model", d.model())
      .Num("tpp", static_cast<int64_t>(d.tpp()))
      .Str("eccn", d.eccn())
      .Str("identity_source", v1::IdentitySource_Name(d.identity_source()));
  if (d.has_gpu()) {
    o.Str("serial", d.gpu().serial())
        .Str("uuid", d.gpu().uuid())
        .Str("board_part_number", d.gpu().board_part_number())
        .Str("vbios_version", d.gpu().vbios_version())
        .Str("name", d.gpu().name());
  }
  o.Str("source_path", d.source_path());
  return o.Done();
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
  const v1::Inventory& inv = facts.inventory();
  std::string devices = "[";
  for (const auto& d : inv.accelerators()) {
    devices += devices.size() > 1 ? ",\n    " : "\n    ";
    devices += Device(d);
  }
  devices += inv.accelerators().empty() ? "]" : "\n  ]";
  Object totals;
  totals.Num("count", inv.totals().count())
      .Num("tpp", static_cast<int64_t>(inv.totals().tpp()))
      .Num("unknown_count", inv.totals().unknown_count())
      .Bool("tpp_is_lower_bound", inv.totals().unknown_count() > 0)
      .Num("virtual_function_count", inv.totals().virtual_function_count());
  std::string errors = "[";
  for (const auto& e : inv.errors()) {
    auto json = MessageJson(e);
    if (!json.ok()) return json.status();
    errors += (errors.size() > 1 ? ", " : "") + *json;
  }
  errors += "]";
  auto nvml = MessageJson(inv.nvml());
  if (!nvml.ok()) return nvml.status();
  auto access = MessageJson(facts.access());
  if (!access.ok()) return access.status();
  return absl::StrFormat(
      "{\n  \"accelerators\": %s,\n  \"accelerator_totals\": %s,\n  \"catalogue_version\": %s,"
      "\n  \"nvml\": %s,\n  \"inventory_errors\": %s,\n  \"access\": %s\n}\n",
      devices, totals.Done(), Quote(inv.catalogue_version()), *nvml, errors, *access);
}

}  // namespace veu::collectors
