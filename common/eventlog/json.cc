#include "common/eventlog/json.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crypto/digest.h"
#include "common/eventlog/byte_reader.h"
#include "common/eventlog/device_path.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"
#include "common/hex.h"

namespace veu::eventlog {
namespace {

constexpr std::string_view kStartupLocality("StartupLocality\0", 16);
constexpr size_t kMaxHexBytes = 4096;  // longer data is printed truncated, with its size

// A tiny builder for one JSON object: Add("key", raw_json).
class Object {
 public:
  Object& Raw(std::string_view key, std::string_view json) {
    if (!body_.empty()) body_ += ", ";
    body_ += JsonString(key);
    body_ += ": ";
    body_ += json;
    return *this;
  }
  Object& Str(std::string_view key, std::string_view value) { return Raw(key, JsonString(value)); }
  Object& Num(std::string_view key, uint64_t value) { return Raw(key, std::to_string(value)); }
  Object& Bool(std::string_view key, bool value) { return Raw(key, value ? "true" : "false"); }
  std::string Done() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

std::string HexMaybeTruncated(std::string_view data) {
  return ToHex(data.substr(0, kMaxHexBytes)) + (data.size() > kMaxHexBytes ? "..." : "");
}

bool LooksUtf16(std::string_view d) { return d.size() >= 2 && d[1] == '\0' && d[0] != '\0'; }

std::string Text(std::string_view d) {
  if (LooksUtf16(d)) return Utf16LeToUtf8(d, /*stop_at_nul=*/true);
  return std::string(d.substr(0, d.find('\0')));
}

bool Printable(std::string_view d) {
  std::string_view s = d.substr(0, d.find('\0'));
  if (s.empty()) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') return false;
  }
  return true;
}

std::string DecodeNoAction(const Event& e) {
  Object o;
  if (e.record == 0 && e.data.starts_with(std::string_view("Spec ID Event03\0", 16))) {
    o.Str("signature", "Spec ID Event03");
  } else if (e.data.size() == kStartupLocality.size() + 1 && e.data.starts_with(kStartupLocality)) {
    o.Num("startup_locality", static_cast<uint8_t>(e.data.back()));
  } else if (e.data.size() >= 16) {
    o.Str("signature", e.data.substr(0, e.data.substr(0, 16).find('\0')));
  } else {
    return "";
  }
  return o.Done();
}

std::string DecodeVariable(const Event& e) {
  auto var = ParseEfiVariableData(e.data);
  if (!var.ok()) return "";
  Object o;
  o.Str("variable_guid", var->vendor.ToString()).Str("name", var->name);
  o.Num("value_length", var->value.size());
  if (var->value.size() == 1) o.Num("value", static_cast<uint8_t>(var->value[0]));
  if (var->name == "PK" || var->name == "KEK" || var->name == "db" || var->name == "dbx") {
    if (auto sigs = ParseSignatureDatabase(var->value); sigs.ok()) {
      std::vector<std::string> entries;
      for (const EfiSignature& s : *sigs) {
        entries.push_back(Object()
                              .Str("type", s.type.ToString())
                              .Str("owner", s.owner.ToString())
                              .Str("sha256", ToHex(crypto::Sha256(s.data)))
                              .Done());
      }
      o.Raw("entries", "[" + absl::StrJoin(entries, ", ") + "]");
    }
  } else if (var->name.starts_with("Boot") && var->name != "BootOrder" && var->value.size() > 6) {
    // EFI_LOAD_OPTION: attributes u32, path length u16, UTF-16 description, device path.
    ByteReader r(var->value);
    uint32_t attributes = 0;
    uint16_t path_len = 0;
    r.ReadU32(&attributes);
    r.ReadU16(&path_len);
    std::string_view rest = var->value.substr(6);
    std::string description = Utf16LeToUtf8(rest, /*stop_at_nul=*/true);
    o.Str("description", description);
    size_t desc_bytes = 0;
    while (desc_bytes + 1 < rest.size() && (rest[desc_bytes] || rest[desc_bytes + 1]))
      desc_bytes += 2;
    desc_bytes += 2;
    if (desc_bytes + path_len <= rest.size()) {
      if (auto path = DevicePathToText(rest.substr(desc_bytes, path_len)); path.ok()) {
        o.Str("device_path", *path);
      }
    }
  } else if (var->value.size() > 1) {
    o.Str("value_hex", HexMaybeTruncated(var->value));
  }
  return o.Done();
}

std::string DecodeBlob(const Event& e) {
  ByteReader r(e.data);
  Object o;
  if (e.type == kEvEfiPlatformFirmwareBlob2) {
    uint8_t n = 0;
    std::string_view desc;
    if (!r.ReadU8(&n) || !r.ReadBytes(n, &desc)) return "";
    o.Str("description", Text(desc));
  }
  uint64_t base = 0, length = 0;
  if (!r.ReadU64(&base) || !r.ReadU64(&length)) return "";
  return o.Str("base", absl::StrFormat("0x%x", base)).Num("length", length).Done();
}

std::string DecodeData(const Event& e) {
  switch (e.type) {
    case kEvNoAction:
      return DecodeNoAction(e);
    case kEvSeparator:
      return Object().Str("value", ToHex(e.data)).Done();
    case kEvSCrtmVersion:
      return Object().Str("version", Text(e.data)).Done();
    case kEvEfiAction:
    case kEvAction:
    case kEvIpl:
    case kEvPostCode:
    case kEvCompactHash:
    case kEvOmitBootDeviceEvents:
      if (LooksUtf16(e.data) || Printable(e.data)) return Object().Str("text", Text(e.data)).Done();
      if (e.type == kEvPostCode) return DecodeBlob(e);
      return "";
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableBoot:
    case kEvEfiVariableBoot2:
    case kEvEfiVariableAuthority:
      return DecodeVariable(e);
    case kEvEfiBootServicesApplication:
    case kEvEfiBootServicesDriver:
    case kEvEfiRuntimeServicesDriver: {
      auto image = ParseImageLoadEvent(e.data);
      if (!image.ok()) return "";
      return Object()
          .Str("image_location", absl::StrFormat("0x%x", image->image_location))
          .Num("image_length", image->image_length)
          .Str("device_path", image->device_path)
          .Done();
    }
    case kEvEfiPlatformFirmwareBlob:
    case kEvEfiPlatformFirmwareBlob2:
      return DecodeBlob(e);
    case kEvEfiHandoffTables: {
      ByteReader r(e.data);
      uint64_t count = 0;
      if (!r.ReadU64(&count) || count > r.remaining() / 24) return "";
      std::vector<std::string> guids;
      for (uint64_t i = 0; i < count; ++i) {
        std::string_view g;
        r.ReadBytes(16, &g);
        r.Skip(8);
        EfiGuid guid;
        std::copy(g.begin(), g.end(), guid.bytes.begin());
        guids.push_back(JsonString(guid.ToString()));
      }
      return Object().Raw("tables", "[" + absl::StrJoin(guids, ", ") + "]").Done();
    }
    case kEvEfiGptEvent: {
      // UEFI_GPT_DATA: the 92-byte EFI_PARTITION_TABLE_HEADER, then a u64 partition count.
      ByteReader r(e.data);
      std::string_view header;
      uint64_t partitions = 0;
      if (!r.ReadBytes(92, &header) || !r.ReadU64(&partitions)) return "";
      EfiGuid disk;
      std::copy(header.begin() + 56, header.begin() + 72, disk.bytes.begin());
      return Object().Str("disk_guid", disk.ToString()).Num("partitions", partitions).Done();
    }
    default:
      return "";
  }
}

std::string BindingName(DataBinding b) {
  switch (b) {
    case DataBinding::kVerified:
      return "verified";
    case DataBinding::kMismatch:
      return "mismatch";
    default:
      return "not_applicable";
  }
}

}  // namespace

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string EventLogToJson(const UnverifiedEventLog& log, const PcrValues& replayed,
                           const std::vector<veu::v1::EventLogFinding>& findings) {
  std::string out = "{\n";
  out += "  \"format\": ";
  out += log.format() == LogFormat::kCryptoAgile ? "\"crypto-agile\"" : "\"sha1-legacy\"";
  out += ",\n  \"banks\": [";
  for (size_t i = 0; i < log.banks().size(); ++i) {
    out += (i ? ", " : "") + JsonString(crypto::HashAlgName(log.banks()[i].alg));
  }
  out += "],\n  \"pcr0_initial_locality\": " + std::to_string(Pcr0InitialLocality(log));
  out += ",\n  \"hcrtm\": ";
  out += StartsWithHcrtm(log) ? "true" : "false";
  out += ",\n  \"events\": [\n";
  for (size_t i = 0; i < log.events().size(); ++i) {
    const Event& e = log.events()[i];
    Object digests;
    for (const EventDigest& d : e.digests) digests.Str(crypto::HashAlgName(d.alg), ToHex(d.digest));
    Object o;
    o.Num("index", e.record).Num("offset", e.offset).Num("pcr", e.pcr);
    o.Str("type", EventTypeName(e.type)).Raw("digests", digests.Done());
    o.Str("data_binding", BindingName(e.binding)).Num("data_size", e.data.size());
    std::string decoded = DecodeData(e);
    if (!decoded.empty()) {
      o.Raw("data", decoded);
    } else {
      o.Str("data_hex", HexMaybeTruncated(e.data));
    }
    out += "    " + o.Done() + (i + 1 < log.events().size() ? ",\n" : "\n");
  }
  out += "  ],\n  \"pcrs\": {";
  bool first_bank = true;
  for (const auto& [alg, bank] : replayed) {
    Object values;
    for (const auto& [pcr, value] : bank) values.Str(std::to_string(pcr), ToHex(value));
    out += (first_bank ? "\n    " : ",\n    ") + JsonString(crypto::HashAlgName(alg)) + ": " +
           values.Done();
    first_bank = false;
  }
  out += "\n  },\n  \"findings\": [";
  for (size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    out += (i ? ",\n    " : "\n    ") + Object()
                                            .Num("record", f.record())
                                            .Num("pcr", f.pcr())
                                            .Str("reason", veu::v1::ReasonCode_Name(f.reason()))
                                            .Str("detail", f.detail())
                                            .Done();
  }
  out += findings.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace veu::eventlog
