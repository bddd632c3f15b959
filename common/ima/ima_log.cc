#include "common/ima/ima_log.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/eventlog/hasher.h"
#include "common/hex.h"

namespace veu::ima {
namespace {

constexpr uint16_t kAlgSha1 = 0x0004;
constexpr uint16_t kAlgSha256 = 0x000B;
constexpr uint16_t kAlgSha384 = 0x000C;
constexpr uint16_t kAlgSha512 = 0x000D;
constexpr uint16_t kAlgSm3 = 0x0012;
constexpr size_t kImaNamePadded = 256;  // IMA_EVENT_NAME_LEN_MAX + 1 for the "ima" template

// The kernel's hash_algo_name[] with digest sizes, plus Keylime's spelling of SM3.
struct DigestAlg {
  const char* name;
  size_t size;
};
constexpr std::array<DigestAlg, 24> kDigestAlgs = {{
    {"md4", 16},         {"md5", 16},         {"sha1", 20},        {"rmd160", 20},
    {"sha256", 32},      {"sha384", 48},      {"sha512", 64},      {"sha224", 28},
    {"rmd128", 16},      {"rmd256", 32},      {"rmd320", 40},      {"wp256", 32},
    {"wp384", 48},       {"wp512", 64},       {"tgr128", 16},      {"tgr160", 20},
    {"tgr192", 24},      {"sm3", 32},         {"streebog256", 32}, {"streebog512", 64},
    {"sha3-256", 32},    {"sha3-384", 48},    {"sha3-512", 64},    {"sm3_256", 32},
}};

const DigestAlg* FindDigestAlg(std::string_view name) {
  for (const DigestAlg& a : kDigestAlgs) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

// The template field ids the kernel knows (security/integrity/ima/ima_template.c).
enum class Field {
  kD, kN, kDng, kDngv2, kNng, kSig, kBuf, kDmodsig, kModsig, kEvmsig, kXattrNames,
  kXattrLengths, kXattrValues, kIuid, kIgid, kImode,
};
struct FieldId {
  const char* id;
  Field field;
};
constexpr std::array<FieldId, 16> kFieldIds = {{
    {"d", Field::kD},
    {"n", Field::kN},
    {"d-ng", Field::kDng},
    {"d-ngv2", Field::kDngv2},
    {"n-ng", Field::kNng},
    {"sig", Field::kSig},
    {"buf", Field::kBuf},
    {"d-modsig", Field::kDmodsig},
    {"modsig", Field::kModsig},
    {"evmsig", Field::kEvmsig},
    {"xattrnames", Field::kXattrNames},
    {"xattrlengths", Field::kXattrLengths},
    {"xattrvalues", Field::kXattrValues},
    {"iuid", Field::kIuid},
    {"igid", Field::kIgid},
    {"imode", Field::kImode},
}};

// Built-in templates (ima_template.c builtin_templates[]) and their formats.
constexpr std::array<std::pair<const char*, const char*>, 8> kBuiltins = {{
    {"ima", "d|n"},
    {"ima-ng", "d-ng|n-ng"},
    {"ima-sig", "d-ng|n-ng|sig"},
    {"ima-buf", "d-ng|n-ng|buf"},
    {"ima-modsig", "d-ng|n-ng|sig|d-modsig|modsig"},
    {"ima-ngv2", "d-ngv2|n-ng"},
    {"ima-sigv2", "d-ngv2|n-ng|sig"},
    {"evm-sig", "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode"},
}};

struct Descriptor {
  std::vector<Field> fields;
  std::vector<std::string> names;
};

// The fields of a template: built in by name, or the name is itself a format string (a
// custom template's log name). nullopt when it is neither.
std::optional<Descriptor> ParseDescriptor(std::string_view name) {
  std::string_view fmt = name;
  for (const auto& [builtin, builtin_fmt] : kBuiltins) {
    if (name == builtin) fmt = builtin_fmt;
  }
  Descriptor d;
  for (absl::string_view part : absl::StrSplit(absl::string_view(fmt.data(), fmt.size()), '|')) {
    const FieldId* found = nullptr;
    for (const FieldId& f : kFieldIds) {
      if (part == f.id) found = &f;
    }
    if (found == nullptr) return std::nullopt;
    d.fields.push_back(found->field);
    d.names.emplace_back(found->id);
  }
  if (d.fields.empty()) return std::nullopt;
  return d;
}

// ParseDescriptor with the built-ins computed once and the last custom format remembered per
// thread (a log uses one template, or a few), so a record costs no format parsing.
const Descriptor* DescriptorFor(std::string_view name) {
  static const std::vector<std::pair<std::string, Descriptor>> builtins = [] {
    std::vector<std::pair<std::string, Descriptor>> out;
    for (const auto& [builtin, fmt] : kBuiltins) out.emplace_back(builtin, *ParseDescriptor(builtin));
    return out;
  }();
  for (const auto& [builtin, d] : builtins) {
    if (name == builtin) return &d;
  }
  thread_local std::string last_name;
  thread_local std::optional<Descriptor> last;
  if (name != last_name || !last) {
    last = ParseDescriptor(name);
    last_name = std::string(name);
  }
  return last ? &*last : nullptr;
}

size_t DigestSizeOf(uint16_t alg) {
  uint8_t out[eventlog::kMaxDigestBytes];
  return eventlog::HashInto(alg, {}, {}, out);
}

std::string Hash(uint16_t alg, std::string_view a, std::string_view b = {}) {
  uint8_t out[eventlog::kMaxDigestBytes];
  const size_t n = eventlog::HashInto(alg, a, b, out);
  return std::string(reinterpret_cast<const char*>(out), n);
}

bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != '\0') return false;
  }
  return true;
}

std::string StripNul(std::string_view s) {
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return std::string(s);
}

// H_alg of an entry's template data as the kernel hashes it.
std::string Recompute(const Entry& e, uint16_t alg) {
  if (e.template_name == "ima" && e.fields.size() == 2) {
    std::string padded(e.fields[1]);
    padded.resize(kImaNamePadded, '\0');
    return Hash(alg, e.fields[0], padded);
  }
  return Hash(alg, e.template_data);
}

// Decodes "alg:" NUL digest (d-ng, d-modsig) or "type:alg:" NUL digest (d-ngv2).
absl::Status DecodeDigestField(std::string_view data, bool with_type, std::string* type,
                               std::string* alg, std::string* digest) {
  const size_t nul = data.find('\0');
  if (nul == std::string_view::npos || nul == 0 || data[nul - 1] != ':') {
    return absl::InvalidArgumentError("digest field has no 'alg:' NUL prefix");
  }
  std::string_view prefix = data.substr(0, nul - 1);
  if (with_type) {
    const size_t colon = prefix.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("d-ngv2 digest field has no 'type:alg:' prefix");
    }
    *type = std::string(prefix.substr(0, colon));
    if (*type != "ima" && *type != "verity") {
      return absl::InvalidArgumentError(
          absl::StrFormat("d-ngv2 digest type '%s' is neither ima nor verity", *type));
    }
    prefix = prefix.substr(colon + 1);
  }
  const DigestAlg* a = FindDigestAlg(prefix);
  if (a == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unknown digest algorithm '%s'",
                        absl::CHexEscape(absl::string_view(prefix.data(), prefix.size()))));
  }
  *alg = a->name;
  *digest = std::string(data.substr(nul + 1));
  if (digest->size() != a->size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s digest of %d bytes (want %d)", a->name, digest->size(), a->size));
  }
  return absl::OkStatus();
}

// Fills the decoded members of `e` from its named fields.
absl::Status DecodeFields(const Descriptor& d, Entry* e) {
  for (size_t i = 0; i < d.fields.size(); ++i) {
    const std::string& f = e->fields[i];
    switch (d.fields[i]) {
      case Field::kD:
        if (f.size() != kSha1Bytes && f.size() != 16) {
          return absl::InvalidArgumentError(
              absl::StrFormat("d digest of %d bytes (want 20, or 16 for MD5)", f.size()));
        }
        e->digest_alg = f.size() == kSha1Bytes ? "sha1" : "md5";
        e->digest = f;
        break;
      case Field::kDng:
        if (auto s = DecodeDigestField(f, false, &e->digest_type, &e->digest_alg, &e->digest);
            !s.ok()) {
          return s;
        }
        break;
      case Field::kDngv2:
        if (auto s = DecodeDigestField(f, true, &e->digest_type, &e->digest_alg, &e->digest);
            !s.ok()) {
          return s;
        }
        break;
      case Field::kDmodsig:
        if (!f.empty()) {
          std::string unused;
          if (auto s = DecodeDigestField(f, false, &unused, &e->modsig_digest_alg,
                                         &e->modsig_digest);
              !s.ok()) {
            return s;
          }
        }
        break;
      case Field::kN:
      case Field::kNng:
        e->path = StripNul(f);
        break;
      case Field::kSig:
        e->signature = f;
        break;
      case Field::kBuf:
        e->buf = f;
        break;
      case Field::kModsig:
        e->modsig = f;
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

// Sets template_hash_ok, violations and bad_template_hashes once the hash algorithm is known.
void Finish(ParsedLog* log) {
  uint8_t h[eventlog::kMaxDigestBytes];
  for (Entry& e : log->entries) {
    if (e.violation) {
      e.template_hash_ok = false;
    } else if (e.template_name == "ima") {
      e.template_hash_ok = Recompute(e, log->template_hash_alg) == e.template_hash;
    } else {
      // Into a stack buffer: no allocation per entry on the hot path.
      const size_t n = eventlog::HashInto(log->template_hash_alg, e.template_data, {}, h);
      e.template_hash_ok = n == e.template_hash.size() && std::memcmp(h, e.template_hash.data(), n) == 0;
    }
    if (e.violation) ++log->violations;
    else if (!e.template_hash_ok) log->bad_template_hashes.push_back(e.record);
  }
}

// A bounds-checked cursor reading integers in either byte order.
class Reader {
 public:
  Reader(std::string_view bytes, ByteOrder order) : bytes_(bytes), big_(order == ByteOrder::kBigEndian) {}
  size_t offset() const { return pos_; }
  bool empty() const { return pos_ == bytes_.size(); }
  bool ReadU32(uint32_t* out) {
    if (bytes_.size() - pos_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const uint32_t b = static_cast<uint8_t>(bytes_[pos_ + i]);
      v |= big_ ? b << (8 * (3 - i)) : b << (8 * i);
    }
    *out = v;
    pos_ += 4;
    return true;
  }
  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > bytes_.size() - pos_) return false;
    *out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view bytes_;
  bool big_;
  size_t pos_ = 0;
};

absl::Status Bad(size_t record, size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "IMA log record %d at byte offset %d: %s", record, offset, what));
}

// PCR indexes are small: a first PCR field that reads small only big-endian means a big-endian
// (host order, non-canonical) log from a big-endian machine.
ByteOrder DetectByteOrder(std::string_view bytes) {
  if (bytes.size() < 4) return ByteOrder::kLittleEndian;
  uint32_t le = 0, be = 0;
  for (int i = 0; i < 4; ++i) {
    const uint32_t b = static_cast<uint8_t>(bytes[i]);
    le |= b << (8 * i);
    be |= b << (8 * (3 - i));
  }
  return (le >= 64 && be < 64) ? ByteOrder::kBigEndian : ByteOrder::kLittleEndian;
}

}  // namespace

absl::StatusOr<ParsedLog> ParseBinary(std::string_view bytes, const ParseOptions& options) {
  ParsedLog log;
  log.template_hash_alg = options.template_hash_alg != 0 ? options.template_hash_alg : kAlgSha1;
  const size_t hash_size = DigestSizeOf(log.template_hash_alg);
  if (hash_size == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "template hash algorithm 0x%04x cannot be computed", log.template_hash_alg));
  }
  log.byte_order = options.byte_order.value_or(DetectByteOrder(bytes));
  // Count the records first (headers and lengths only) so the entries are allocated once.
  {
    Reader c(bytes, log.byte_order);
    size_t n = 0;
    std::string_view skip;
    uint32_t v = 0, len = 0;
    while (!c.empty() && c.ReadU32(&v) && c.ReadBytes(hash_size, &skip) && c.ReadU32(&len) &&
           len <= kMaxTemplateNameBytes && c.ReadBytes(len, &skip)) {
      const bool legacy = skip == "ima";
      if (legacy && !c.ReadBytes(kSha1Bytes, &skip)) break;
      if (!c.ReadU32(&len) || len > kMaxTemplateDataBytes || !c.ReadBytes(len, &skip)) break;
      ++n;
    }
    log.entries.reserve(n + 1);
  }
  Reader r(bytes, log.byte_order);
  for (size_t record = options.first_record; !r.empty(); ++record) {
    Entry& e = log.entries.emplace_back();
    e.record = record;
    e.offset = r.offset();
    uint32_t name_len = 0;
    std::string_view hash, name;
    if (!r.ReadU32(&e.pcr) || !r.ReadBytes(hash_size, &hash) || !r.ReadU32(&name_len))
      return Bad(record, e.offset, "truncated record header");
    if (name_len == 0 || name_len > kMaxTemplateNameBytes)
      return Bad(record, e.offset, absl::StrFormat("template name length %d out of range", name_len));
    if (!r.ReadBytes(name_len, &name)) return Bad(record, e.offset, "truncated template name");
    e.template_hash = std::string(hash);
    e.template_name = std::string(name);
    e.violation = AllZero(hash);
    if (e.template_name == "ima") {
      // Fixed layout: digest[20], u32 name length, name (no template-data length).
      std::string_view digest, fname;
      uint32_t flen = 0;
      if (!r.ReadBytes(kSha1Bytes, &digest) || !r.ReadU32(&flen))
        return Bad(record, e.offset, "truncated ima template data");
      if (flen >= kImaNamePadded)
        return Bad(record, e.offset, absl::StrFormat("ima file name length %d out of range", flen));
      if (!r.ReadBytes(flen, &fname)) return Bad(record, e.offset, "truncated ima file name");
      e.fields = {std::string(digest), std::string(fname)};
      e.template_data = std::string(digest) + std::string(fname);
    } else {
      uint32_t data_len = 0;
      std::string_view data;
      if (!r.ReadU32(&data_len)) return Bad(record, e.offset, "truncated template data length");
      if (data_len > kMaxTemplateDataBytes)
        return Bad(record, e.offset, absl::StrFormat("template data length %d out of range", data_len));
      if (!r.ReadBytes(data_len, &data)) return Bad(record, e.offset, "truncated template data");
      e.template_data = std::string(data);
      if (const Descriptor* d = DescriptorFor(e.template_name)) e.fields.reserve(d->fields.size());
      Reader f(data, log.byte_order);
      while (!f.empty()) {
        uint32_t len = 0;
        std::string_view field;
        if (!f.ReadU32(&len) || !f.ReadBytes(len, &field))
          return Bad(record, e.offset, absl::StrFormat(
              "template field %d overruns the template data", e.fields.size()));
        e.fields.emplace_back(field);
      }
    }
    if (auto d = DescriptorFor(e.template_name)) {
      e.template_known = true;
      if (d->fields.size() != e.fields.size()) {
        return Bad(record, e.offset, absl::StrFormat(
            "template %s has %d fields, the record %d", e.template_name, d->fields.size(),
            e.fields.size()));
      }
      e.field_names = d->names;
      if (auto s = DecodeFields(*d, &e); !s.ok()) return Bad(record, e.offset, std::string(s.message()));
    } else if (e.fields.size() > 1) {
      e.path = StripNul(e.fields[1]);
    }
    if (!e.fields.empty()) e.file_digest = e.fields[0];
  }
  Finish(&log);
  return log;
}

namespace {

absl::Status BadLine(size_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("IMA ASCII log line %d: %s", line, what));
}

void AppendLe(std::string* data, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) data->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void AppendField(std::string* data, std::string_view field) {
  AppendLe(data, field.size(), 4);
  data->append(field);
}

// "alg:hex" -> "alg:" NUL digest ("type:alg:hex" for d-ngv2), checked as the binary form is.
absl::StatusOr<std::string> DigestFieldFromText(std::string_view text, bool with_type) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return absl::InvalidArgumentError("digest has no 'alg:' prefix");
  auto digest = FromHex(text.substr(colon + 1));
  if (!digest.ok()) return absl::InvalidArgumentError("digest is not hex");
  std::string data = std::string(text.substr(0, colon + 1)) + '\0' + *digest;
  std::string type, alg, raw;
  if (auto s = DecodeDigestField(data, with_type, &type, &alg, &raw); !s.ok()) return s;
  return data;
}

absl::StatusOr<std::string> HexField(std::string_view text) {
  auto v = FromHex(text);
  if (!v.ok()) return absl::InvalidArgumentError("field is not hex");
  return *v;
}

absl::StatusOr<std::string> UintField(std::string_view text, int bytes) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 20) return absl::InvalidArgumentError("not a number");
  for (char ch : text) {
    if (ch < '0' || ch > '9') return absl::InvalidArgumentError("not a number");
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (bytes < 8 && v >> (8 * bytes) != 0) return absl::InvalidArgumentError("number too large");
  std::string out;
  AppendLe(&out, v, bytes);
  return out;
}

// The template data of one printed field.
absl::StatusOr<std::string> FieldFromText(Field f, std::string_view text) {
  switch (f) {
    case Field::kD: {
      auto d = HexField(text);
      if (!d.ok() || (d->size() != kSha1Bytes && d->size() != 16))
        return absl::InvalidArgumentError("d digest is not 40 hex digits");
      return d;
    }
    case Field::kDng:
      return DigestFieldFromText(text, false);
    case Field::kDngv2:
      return DigestFieldFromText(text, true);
    case Field::kDmodsig:
      if (text.empty()) return std::string();
      return DigestFieldFromText(text, false);
    case Field::kN:
    case Field::kXattrNames:
      return std::string(text);
    case Field::kNng:
      return std::string(text) + '\0';
    case Field::kIuid:
    case Field::kIgid:
      return UintField(text, 4);
    case Field::kImode:
      return UintField(text, 2);
    default:  // sig, buf, modsig, evmsig, xattrlengths, xattrvalues
      return HexField(text);
  }
}

}  // namespace

bool LooksAscii(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9') ++i;
  if (i == 0 || i > 4 || i >= bytes.size() || bytes[i] != ' ') return false;
  size_t hex = 0;
  for (++i; i < bytes.size() && bytes[i] != ' '; ++i, ++hex) {
    if (!isxdigit(static_cast<unsigned char>(bytes[i]))) return false;
  }
  return hex >= 2 * kSha1Bytes;
}

absl::StatusOr<ParsedLog> ParseAscii(std::string_view text, const ParseOptions& options) {
  ParsedLog log;
  size_t hash_size = 0;
  size_t line_no = 0;
  log.entries.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  for (absl::string_view absl_line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    std::string_view line(absl_line.data(), absl_line.size());
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> t;
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(line.data(), line.size()), absl::MaxSplits(' ', 3))) {
      t.emplace_back(part.data(), part.size());
    }
    if (t.size() < 4) return BadLine(line_no, "fewer than 4 fields");
    Entry e;
    e.record = options.first_record + log.entries.size();
    e.offset = static_cast<size_t>(line.data() - text.data());
    uint32_t pcr = 0;
    if (t[0].empty()) return BadLine(line_no, "PCR is not a small number");
    for (char ch : t[0]) {
      if (ch < '0' || ch > '9' || pcr > 1000) return BadLine(line_no, "PCR is not a small number");
      pcr = pcr * 10 + static_cast<uint32_t>(ch - '0');
    }
    e.pcr = pcr;
    auto th = FromHex(t[1]);
    if (!th.ok() || (th->size() != 20 && th->size() != 32 && th->size() != 48 && th->size() != 64))
      return BadLine(line_no, "template hash is not 40, 64, 96 or 128 hex digits");
    if (hash_size == 0) hash_size = th->size();
    if (th->size() != hash_size)
      return BadLine(line_no, absl::StrFormat("template hash of %d bytes after %d-byte ones",
                                              th->size(), hash_size));
    e.template_hash = *th;
    e.template_name = std::string(t[2]);
    e.violation = AllZero(e.template_hash);
    auto d = DescriptorFor(e.template_name);
    if (!d) {
      return BadLine(line_no, absl::StrFormat("template '%s' is neither built in nor a format",
                                              absl::CHexEscape(absl::string_view(t[2].data(), t[2].size()))));
    }
    e.template_known = true;
    e.field_names = d->names;
    const std::string_view rest = t[3];
    if (e.template_name == "ima") {
      // "digest name": the name is the rest of the line, spaces included.
      const size_t space = rest.find(' ');
      const std::string_view hex = rest.substr(0, space);
      const std::string name(space == std::string_view::npos ? std::string_view() : rest.substr(space + 1));
      auto digest = FromHex(hex);
      if (!digest.ok() || digest->size() != kSha1Bytes) return BadLine(line_no, "ima digest is not SHA-1 hex");
      if (name.size() >= kImaNamePadded) return BadLine(line_no, "ima file name too long");
      e.fields = {*digest, name};
      e.template_data = *digest + name;
    } else {
      std::vector<std::string_view> tok;
      for (absl::string_view part : absl::StrSplit(absl::string_view(rest.data(), rest.size()), ' ')) {
        tok.emplace_back(part.data(), part.size());
      }
      // Which printed tokens belong to which field: one each, except the name field, which
      // takes what the fields after it leave.
      size_t name_at = d->fields.size();
      for (size_t i = 0; i < d->fields.size(); ++i) {
        if (d->fields[i] == Field::kN || d->fields[i] == Field::kNng) { name_at = i; break; }
      }
      std::vector<std::string> texts(d->fields.size());
      if (name_at == d->fields.size()) {
        if (tok.size() > d->fields.size()) return BadLine(line_no, "more fields than the template has");
        for (size_t i = 0; i < tok.size(); ++i) texts[i] = std::string(tok[i]);
      } else {
        const size_t after = d->fields.size() - name_at - 1;
        if (tok.size() < name_at + 1) return BadLine(line_no, "fewer fields than the template has");
        for (size_t i = 0; i < name_at; ++i) texts[i] = std::string(tok[i]);
        const size_t name_end = tok.size() >= name_at + 1 + after ? tok.size() - after : name_at + 1;
        // The tokens view `rest`, so the name is the span from its first token to its last.
        const char* name_begin = tok[name_at].data();
        const char* name_stop = tok[name_end - 1].data() + tok[name_end - 1].size();
        texts[name_at] = std::string(name_begin, static_cast<size_t>(name_stop - name_begin));
        for (size_t i = name_end, k = name_at + 1; i < tok.size(); ++i, ++k) texts[k] = std::string(tok[i]);
      }
      for (size_t i = 0; i < d->fields.size(); ++i) {
        auto data = FieldFromText(d->fields[i], texts[i]);
        if (!data.ok()) {
          return BadLine(line_no, absl::StrFormat("field %s: %s", d->names[i], data.status().message()));
        }
        AppendField(&e.template_data, *data);
        e.fields.push_back(std::move(*data));
      }
    }
    if (auto s = DecodeFields(*d, &e); !s.ok()) return BadLine(line_no, std::string(s.message()));
    e.file_digest = e.fields[0];
    log.entries.push_back(std::move(e));
  }
  // The template-hash algorithm: given, or by size; 32 bytes is SHA-256 or SM3.
  if (options.template_hash_alg != 0) {
    log.template_hash_alg = options.template_hash_alg;
    if (hash_size != 0 && DigestSizeOf(options.template_hash_alg) != hash_size)
      return BadLine(1, "template hash size does not fit the given algorithm");
  } else if (hash_size == 48) {
    log.template_hash_alg = kAlgSha384;
  } else if (hash_size == 64) {
    log.template_hash_alg = kAlgSha512;
  } else if (hash_size == 32) {
    log.template_hash_alg = kAlgSha256;
    for (const Entry& e : log.entries) {
      if (e.violation) continue;
      if (Recompute(e, kAlgSha256) != e.template_hash && Recompute(e, kAlgSm3) == e.template_hash)
        log.template_hash_alg = kAlgSm3;
      break;
    }
  }
  Finish(&log);
  return log;
}

const char* ExtendRuleName(ExtendRule rule) {
  return rule == ExtendRule::kPerBank ? "per-bank" : "padded-sha1";
}

std::string BankTemplateHash(const ParsedLog& log, const Entry& e, uint16_t alg) {
  if (alg == log.template_hash_alg) return e.template_hash;
  return Recompute(e, alg);
}

std::map<uint32_t, std::string> Replay(const ParsedLog& log, uint16_t alg, ExtendRule rule) {
  std::map<uint32_t, std::string> pcrs;
  const size_t size = DigestSizeOf(alg);
  if (size == 0) return pcrs;
  const std::string ff_bank(size, '\xff');
  std::string ff_padded(kSha1Bytes, '\xff');
  ff_padded.resize(size, '\0');
  // Hot path: raw buffers and no allocation per entry (one hash per extend, plus one per
  // entry for a bank that is not the log's own).
  struct Pcr {
    uint32_t index;
    uint8_t value[eventlog::kMaxDigestBytes];
  };
  std::vector<Pcr> values;
  Pcr* current = nullptr;
  uint8_t ext[eventlog::kMaxDigestBytes];
  for (const Entry& e : log.entries) {
    if (current == nullptr || current->index != e.pcr) {
      current = nullptr;
      for (Pcr& p : values) {
        if (p.index == e.pcr) current = &p;
      }
      if (current == nullptr) {
        values.push_back(Pcr{e.pcr, {}});
        current = &values.back();
      }
    }
    std::string_view extend;
    if (e.violation) {
      extend = rule == ExtendRule::kPerBank ? ff_bank : ff_padded;
    } else if (rule == ExtendRule::kPaddedSha1 || alg == log.template_hash_alg) {
      const size_t n = std::min(size, e.template_hash.size());
      std::memcpy(ext, e.template_hash.data(), n);
      std::memset(ext + n, 0, size - n);
      extend = std::string_view(reinterpret_cast<const char*>(ext), size);
    } else if (e.template_name == "ima" && e.fields.size() == 2) {
      const std::string hash = Recompute(e, alg);  // rare legacy template: one allocation
      std::memcpy(ext, hash.data(), std::min(size, hash.size()));
      extend = std::string_view(reinterpret_cast<const char*>(ext), size);
    } else {
      eventlog::HashInto(alg, e.template_data, {}, ext);
      extend = std::string_view(reinterpret_cast<const char*>(ext), size);
    }
    eventlog::HashInto(alg, std::string_view(reinterpret_cast<const char*>(current->value), size),
                       extend, current->value);
  }
  for (const Pcr& p : values) {
    pcrs[p.index] = std::string(reinterpret_cast<const char*>(p.value), size);
  }
  return pcrs;
}

std::optional<ExtendRule> MatchingRule(const ParsedLog& log, uint16_t alg, uint32_t pcr,
                                       std::string_view quoted) {
  for (ExtendRule rule : {ExtendRule::kPerBank, ExtendRule::kPaddedSha1}) {
    const auto pcrs = Replay(log, alg, rule);
    auto it = pcrs.find(pcr);
    if (it != pcrs.end() && it->second == quoted) return rule;
  }
  return std::nullopt;
}

std::string ReplaySha1(const ParsedLog& log) {
  auto pcrs = Replay(log, kAlgSha1, ExtendRule::kPerBank);
  auto it = pcrs.find(kImaPcr);
  return it != pcrs.end() ? it->second : std::string(kSha1Bytes, '\0');
}

std::string BootAggregate(uint16_t alg, const std::map<uint32_t, std::string>& pcrs) {
  const size_t size = DigestSizeOf(alg);
  if (size == 0) return {};
  std::string all;
  const uint32_t last = alg == kAlgSha1 ? 7 : 9;
  for (uint32_t i = 0; i <= last; ++i) {
    auto it = pcrs.find(i);
    all += it != pcrs.end() ? it->second : std::string(size, '\0');
  }
  return Hash(alg, all);
}

uint16_t TpmAlgForImaName(std::string_view name) {
  if (name == "sha1") return kAlgSha1;
  if (name == "sha256") return kAlgSha256;
  if (name == "sha384") return kAlgSha384;
  if (name == "sha512") return kAlgSha512;
  if (name == "sm3" || name == "sm3_256") return kAlgSm3;
  return 0;
}

BootAggregateCheck CheckBootAggregate(
    const ParsedLog& log, const std::map<uint16_t, std::map<uint32_t, std::string>>& pcrs) {
  BootAggregateCheck c;
  if (log.entries.empty() || log.entries[0].path != "boot_aggregate") return c;
  const Entry& e = log.entries[0];
  c.present = true;
  c.alg = TpmAlgForImaName(e.digest_alg);
  c.logged = e.digest;
  c.zero = AllZero(e.digest);
  auto bank = pcrs.find(c.alg);
  if (c.alg == 0 || bank == pcrs.end()) return c;
  c.computed = BootAggregate(c.alg, bank->second);
  c.bank_known = !c.computed.empty();
  c.matches = c.bank_known && c.computed == c.logged;
  return c;
}

}  // namespace veu::ima
