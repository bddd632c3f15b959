#include "common/ima/keylime_policy.h"

#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hex.h"
#include "common/ima/ima_signature.h"
#include "common/ima/runtime_policy.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace veu::ima {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Keeps the text parser's complaints (it would print them) for our message instead.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (text.empty()) text = absl::StrFormat("line %d column %d: %s", line + 1, column + 1, message);
  }
  std::string text;
};

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("Keylime runtime policy: ", absl::string_view(what.data(), what.size())));
}

// A hex digest as Keylime writes it, normalised to lowercase; refused unless its length is
// one of the algorithms Keylime knows.
absl::StatusOr<std::string> Digest(const Value& v, std::string_view where) {
  if (v.kind_case() != Value::kStringValue) return Bad(absl::StrFormat("%s: a digest is not a string", where));
  auto raw = FromHex(v.string_value());
  if (!raw.ok()) return Bad(absl::StrFormat("%s: digest '%s' is not hex", where, v.string_value()));
  if (raw->size() != 20 && raw->size() != 32 && raw->size() != 48 && raw->size() != 64) {
    return Bad(absl::StrFormat(
        "%s: digest of %d bytes matches no known algorithm (SHA-1 20, SHA-256/SM3 32, SHA-384 48, "
        "SHA-512 64)", where, raw->size()));
  }
  return ToHex(*raw);
}

// {name: [hex, ...]} into (name, digests) pairs via `add`.
template <typename Add>
absl::Status DigestMap(const Struct& s, std::string_view field, Add add) {
  std::map<std::string, const Value*> sorted;  // deterministic output order
  for (const auto& [name, v] : s.fields()) sorted[name] = &v;
  for (const auto& [name, v] : sorted) {
    const std::string where = absl::StrFormat("%s[\"%s\"]", field, name);
    if (v->kind_case() != Value::kListValue) return Bad(where + " is not a list of digests");
    std::vector<std::string> digests;
    for (const Value& d : v->list_value().values()) {
      auto hex = Digest(d, where);
      if (!hex.ok()) return hex.status();
      digests.push_back(*std::move(hex));
    }
    add(name, std::move(digests));
  }
  return absl::OkStatus();
}

const Struct* ObjectField(const Struct& s, const std::string& name, absl::Status* error) {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || it->second.kind_case() == Value::kNullValue) return nullptr;
  if (it->second.kind_case() != Value::kStructValue) {
    *error = Bad(absl::StrFormat("\"%s\" is not an object", name));
    return nullptr;
  }
  return &it->second.struct_value();
}

std::string PemFromDer(const std::string& der) {
  const std::string b64 = absl::Base64Escape(der);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END PUBLIC KEY-----\n";
}

// Collects base64 DER keys from every "pubkeys" array under `v`, naming the keyring they sit
// under (a key of a "keyrings" object).
absl::Status CollectKeys(const Value& v, const std::string& keyring, bool in_keyrings, int depth,
                         v1::RuntimePolicy* out) {
  if (depth > 8) return Bad("verification-keys nest too deep");
  if (v.kind_case() == Value::kListValue) {
    for (const Value& item : v.list_value().values()) {
      if (auto s = CollectKeys(item, keyring, false, depth + 1, out); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (v.kind_case() != Value::kStructValue) return absl::OkStatus();
  for (const auto& [name, child] : v.struct_value().fields()) {
    if (name == "pubkeys" && child.kind_case() == Value::kListValue) {
      for (const Value& k : child.list_value().values()) {
        std::string der;
        if (k.kind_case() != Value::kStringValue || !absl::Base64Unescape(k.string_value(), &der)) {
          return Bad("verification-keys: a pubkeys entry is not base64");
        }
        auto key = LoadVerificationKeyDer(der);
        if (!key.ok()) return Bad(absl::StrFormat("verification-keys: %s", key.status().message()));
        auto* vk = out->add_verification_keys();
        vk->set_pem(PemFromDer(der));
        vk->set_keyring(keyring);
      }
      continue;
    }
    const bool keyrings = name == "keyrings";
    if (auto s = CollectKeys(child, in_keyrings ? name : keyring, keyrings, depth + 1, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ImportKeys(const Value& v, v1::RuntimePolicy* out) {
  if (v.kind_case() == Value::kNullValue) return absl::OkStatus();
  if (v.kind_case() == Value::kStringValue) {
    const std::string& text = v.string_value();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return absl::OkStatus();
    if (text.find("-----BEGIN") != std::string::npos) {
      if (auto keys = LoadVerificationKeys(text); !keys.ok()) {
        return Bad(absl::StrFormat("verification-keys: %s", keys.status().message()));
      }
      out->add_verification_keys()->set_pem(text);
      return absl::OkStatus();
    }
    Value inner;
    if (!google::protobuf::util::JsonStringToMessage(text, &inner).ok()) {
      return Bad("verification-keys is neither PEM nor JSON");
    }
    const int before = out->verification_keys_size();
    if (auto s = CollectKeys(inner, "", false, 0, out); !s.ok()) return s;
    if (out->verification_keys_size() == before) return Bad("verification-keys holds no \"pubkeys\"");
    return absl::OkStatus();
  }
  return CollectKeys(v, "", false, 0, out);
}

}  // namespace

absl::StatusOr<ConvertedPolicy> ImportKeylimePolicy(std::string_view json, std::string_view source) {
  Struct root;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &root).ok()) {
    return Bad("not a JSON object");
  }
  ConvertedPolicy out;
  v1::RuntimePolicy& p = out.policy;
  absl::Status error = absl::OkStatus();
  const Struct* meta = ObjectField(root, "meta", &error);
  if (!error.ok()) return error;
  if (meta == nullptr) return Bad("no \"meta\" object (is this a Keylime runtime policy?)");
  auto version = meta->fields().find("version");
  if (version == meta->fields().end() || version->second.kind_case() != Value::kNumberValue ||
      version->second.number_value() != 1) {
    return Bad("meta.version is not 1 (this importer reads version 1)");
  }
  std::string generator;
  if (auto g = meta->fields().find("generator"); g != meta->fields().end() &&
                                                 g->second.kind_case() == Value::kNumberValue) {
    // A double in JSON: printed, never cast (an out-of-range cast is undefined; found by fuzzing).
    generator = absl::StrFormat(", generator %.15g", g->second.number_value());
  }
  p.set_source(absl::StrFormat("Keylime runtime policy %s%s", source, generator));

  static const std::set<std::string> kKnown = {"meta", "release", "digests", "excludes", "keyrings",
                                               "ima", "ima-buf", "verification-keys"};
  for (const auto& [name, v] : root.fields()) {
    if (kKnown.count(name) == 0) out.notes.push_back(absl::StrFormat("field \"%s\" not imported", name));
  }
  if (const Struct* digests = ObjectField(root, "digests", &error)) {
    if (auto s = DigestMap(*digests, "digests", [&](const std::string& path, std::vector<std::string> d) {
          auto* f = p.add_files();
          f->set_path(path);
          for (auto& x : d) f->add_digests(std::move(x));
        });
        !s.ok()) {
      return s;
    }
  }
  if (!error.ok()) return error;
  if (auto it = root.fields().find("excludes"); it != root.fields().end()) {
    if (it->second.kind_case() != Value::kListValue) return Bad("\"excludes\" is not a list");
    for (const Value& e : it->second.list_value().values()) {
      if (e.kind_case() != Value::kStringValue) return Bad("an exclude is not a string");
      p.add_excludes(e.string_value());
    }
  }
  if (const Struct* keyrings = ObjectField(root, "keyrings", &error)) {
    if (auto s = DigestMap(*keyrings, "keyrings", [&](const std::string& name, std::vector<std::string> d) {
          auto* k = p.add_keyrings();
          k->set_keyring(name);
          for (auto& x : d) k->add_digests(std::move(x));
        });
        !s.ok()) {
      return s;
    }
  }
  if (!error.ok()) return error;
  if (const Struct* bufs = ObjectField(root, "ima-buf", &error)) {
    if (auto s = DigestMap(*bufs, "ima-buf", [&](const std::string& name, std::vector<std::string> d) {
          auto* b = p.add_buffers();
          b->set_name(name);
          for (auto& x : d) b->add_digests(std::move(x));
        });
        !s.ok()) {
      return s;
    }
  }
  if (!error.ok()) return error;
  if (const Struct* ima = ObjectField(root, "ima", &error)) {
    if (auto it = ima->fields().find("ignored_keyrings"); it != ima->fields().end()) {
      if (it->second.kind_case() != Value::kListValue) return Bad("ima.ignored_keyrings is not a list");
      for (const Value& k : it->second.list_value().values()) {
        if (k.kind_case() != Value::kStringValue) return Bad("an ignored keyring is not a string");
        p.add_ignored_keyrings(k.string_value());
      }
    }
    if (auto it = ima->fields().find("log_hash_alg"); it != ima->fields().end() &&
                                                      it->second.kind_case() == Value::kStringValue) {
      p.set_log_hash_alg(it->second.string_value());
    }
    if (auto it = ima->fields().find("dm_policy"); it != ima->fields().end() &&
                                                   it->second.kind_case() != Value::kNullValue) {
      out.notes.push_back(
          "ima.dm_policy not imported: device-mapper measurements are appraised as ima-buf "
          "buffers (list them under buffers)");
    }
  }
  if (!error.ok()) return error;
  if (auto it = root.fields().find("verification-keys"); it != root.fields().end()) {
    if (auto s = ImportKeys(it->second, &p); !s.ok()) return s;
  }
  // Fail here, not at load time, for what the index would refuse (an exclude that does not
  // compile as ECMAScript).
  if (auto index = RuntimePolicyIndex::Build(p); !index.ok()) {
    return Bad(std::string(index.status().message()));
  }
  return out;
}

absl::StatusOr<ConvertedPolicy> LearnRuntimePolicy(const ParsedLog& log, std::string_view source) {
  ConvertedPolicy out;
  v1::RuntimePolicy& p = out.policy;
  p.set_source(absl::StrFormat("learned from IMA log %s (%d entries)", source, log.entries.size()));
  std::map<std::string, std::set<std::string>> files, keyrings, buffers;
  size_t violations = 0;
  bool boot_aggregate = false;
  for (const Entry& e : log.entries) {
    if (!e.violation && !e.template_hash_ok) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "record %d (%s): template hash does not recompute; learn only from a log that verifies",
          e.record, e.path));
    }
    if (!e.template_known) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "record %d: template '%s' has no named fields; cannot tell its path and digest", e.record,
          e.template_name));
    }
    if (e.violation) {
      ++violations;
      continue;
    }
    bool buf = e.template_name == "ima-buf";
    for (const std::string& f : e.field_names) buf = buf || f == "buf";
    const std::string hex = ToHex(e.digest);
    if (buf) {
      (!e.path.empty() && e.path[0] == '.' ? keyrings : buffers)[e.path].insert(hex);
    } else {
      if (e.path == "boot_aggregate") boot_aggregate = true;
      files[e.path].insert(hex);
    }
  }
  for (const auto& [path, digests] : files) {
    auto* f = p.add_files();
    f->set_path(path);
    for (const auto& d : digests) f->add_digests(d);
  }
  for (const auto& [name, digests] : keyrings) {
    auto* k = p.add_keyrings();
    k->set_keyring(name);
    for (const auto& d : digests) k->add_digests(d);
  }
  for (const auto& [name, digests] : buffers) {
    auto* b = p.add_buffers();
    b->set_name(name);
    for (const auto& d : digests) b->add_digests(d);
  }
  if (boot_aggregate) {
    out.notes.push_back(
        "boot_aggregate's digest is listed: it changes with firmware and boot configuration; "
        "the verifier checks it against the quoted PCRs instead when it has them");
  }
  if (violations > 0) {
    out.notes.push_back(absl::StrFormat("%d violation(s) in the log not learned: they fail", violations));
  }
  out.notes.push_back(absl::StrFormat("%d paths, %d keyrings, %d buffers learned; review before use",
                                      files.size(), keyrings.size(), buffers.size()));
  return out;
}

absl::StatusOr<ConvertedPolicy> ParseRuntimePolicyFile(std::string_view bytes, std::string_view source) {
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && bytes[first] == '{') return ImportKeylimePolicy(bytes, source);
  ConvertedPolicy out;
  google::protobuf::TextFormat::Parser parser;
  FirstError text_error;
  parser.RecordErrorsTo(&text_error);
  if (parser.ParseFromString(std::string(bytes), &out.policy)) return out;
  out.policy.Clear();
  if (out.policy.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
      out.policy.SerializeAsString().size() == bytes.size()) {
    return out;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "runtime policy %s is neither Keylime JSON, a veu.v1.RuntimePolicy textproto (%s), nor its "
      "binary form", source, text_error.text));
}

}  // namespace veu::ima
