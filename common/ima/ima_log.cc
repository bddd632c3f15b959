#include "common/ima/ima_log.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/hex.h"
#include "common/eventlog/byte_reader.h"
#include "common/eventlog/hasher.h"

namespace veu::ima {
namespace {

constexpr uint16_t kAlgSha1 = 0x0004;
constexpr size_t kImaNamePadded = 256;  // IMA_EVENT_NAME_LEN_MAX + 1 for the "ima" template

absl::Status Bad(size_t record, size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "IMA log record %d at byte offset %d: %s", record, offset, what));
}

std::string Sha1(std::string_view a, std::string_view b) {
  uint8_t out[eventlog::kMaxDigestBytes];
  size_t n = eventlog::HashInto(kAlgSha1, a, b, out);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string StripNul(std::string_view s) {
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

absl::StatusOr<ParsedLog> ParseBinary(std::string_view bytes) {
  ParsedLog log;
  eventlog::ByteReader r(bytes);
  const std::string zeros(kSha1Bytes, '\0');
  for (size_t record = 0; !r.empty(); ++record) {
    Entry e;
    e.record = record;
    e.offset = r.offset();
    uint32_t name_len = 0;
    std::string_view hash, name;
    if (!r.ReadU32(&e.pcr) || !r.ReadBytes(kSha1Bytes, &hash) || !r.ReadU32(&name_len))
      return Bad(record, e.offset, "truncated record header");
    if (name_len == 0 || name_len > kMaxTemplateNameBytes)
      return Bad(record, e.offset, absl::StrFormat("template name length %d out of range", name_len));
    if (!r.ReadBytes(name_len, &name)) return Bad(record, e.offset, "truncated template name");
    e.template_hash = std::string(hash);
    e.template_name = std::string(name);
    e.violation = e.template_hash == zeros;
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
      std::string padded(fname);
      padded.resize(kImaNamePadded, '\0');
      e.template_hash_ok = !e.violation && Sha1(digest, padded) == e.template_hash;
    } else {
      uint32_t data_len = 0;
      std::string_view data;
      if (!r.ReadU32(&data_len)) return Bad(record, e.offset, "truncated template data length");
      if (data_len > kMaxTemplateDataBytes)
        return Bad(record, e.offset, absl::StrFormat("template data length %d out of range", data_len));
      if (!r.ReadBytes(data_len, &data)) return Bad(record, e.offset, "truncated template data");
      e.template_data = std::string(data);
      eventlog::ByteReader f(data);
      while (!f.empty()) {
        uint32_t len = 0;
        std::string_view field;
        if (!f.ReadU32(&len) || !f.ReadBytes(len, &field))
          return Bad(record, e.offset, absl::StrFormat(
              "template field %d overruns the template data", e.fields.size()));
        e.fields.emplace_back(field);
      }
      e.template_hash_ok = !e.violation && Sha1(data, {}) == e.template_hash;
    }
    if (!e.fields.empty()) e.file_digest = e.fields[0];
    if (e.fields.size() > 1) e.path = StripNul(e.fields[1]);
    if (e.violation) ++log.violations;
    else if (!e.template_hash_ok) log.bad_template_hashes.push_back(record);
    log.entries.push_back(std::move(e));
  }
  return log;
}

namespace {

absl::Status BadLine(size_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("IMA ASCII log line %d: %s", line, what));
}

void AppendField(std::string* data, std::string_view field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  for (int i = 0; i < 4; ++i) data->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  data->append(field);
}

}  // namespace

absl::StatusOr<ParsedLog> ParseAscii(std::string_view text) {
  ParsedLog log;
  const std::string zeros(kSha1Bytes, '\0');
  size_t line_no = 0;
  for (absl::string_view absl_line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    std::string_view line(absl_line.data(), absl_line.size());
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> t;
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(line.data(), line.size()), absl::MaxSplits(' ', 4))) {
      t.emplace_back(part.data(), part.size());
    }
    if (t.size() < 4) return BadLine(line_no, "fewer than 4 fields");
    Entry e;
    e.record = log.entries.size();
    e.offset = static_cast<size_t>(line.data() - text.data());
    uint32_t pcr = 0;
    for (char ch : t[0]) {
      if (ch < '0' || ch > '9' || pcr > 1000) return BadLine(line_no, "PCR is not a small number");
      pcr = pcr * 10 + static_cast<uint32_t>(ch - '0');
    }
    e.pcr = pcr;
    auto th = FromHex(t[1]);
    if (!th.ok() || th->size() != kSha1Bytes) return BadLine(line_no, "template hash is not 40 hex digits");
    e.template_hash = *th;
    e.template_name = std::string(t[2]);
    e.violation = e.template_hash == zeros;
    std::string rest = t.size() > 4 ? std::string(t[4]) : std::string();
    if (e.template_name == "ima") {
      auto digest = FromHex(t[3]);
      if (!digest.ok() || digest->size() != kSha1Bytes) return BadLine(line_no, "ima digest is not SHA-1 hex");
      if (rest.size() >= kImaNamePadded) return BadLine(line_no, "ima file name too long");
      e.fields = {*digest, rest};
      e.template_data = *digest + rest;
      std::string padded = rest;
      padded.resize(kImaNamePadded, '\0');
      e.template_hash_ok = !e.violation && Sha1(*digest, padded) == e.template_hash;
    } else if (e.template_name == "ima-ng" || e.template_name == "ima-sig" ||
               e.template_name == "ima-buf") {
      const size_t colon = t[3].find(':');
      if (colon == std::string_view::npos) return BadLine(line_no, "file digest has no 'alg:' prefix");
      auto digest = FromHex(t[3].substr(colon + 1));
      if (!digest.ok()) return BadLine(line_no, "file digest is not hex");
      std::string sig;
      const bool third = e.template_name != "ima-ng";
      if (third) {
        const size_t space = rest.rfind(' ');
        if (space != std::string::npos) {
          auto s = FromHex(std::string_view(rest).substr(space + 1));
          if (s.ok()) {
            sig = *s;
            rest.resize(space);
          }
        } else if (e.template_name == "ima-buf") {
          return BadLine(line_no, "ima-buf entry has no buffer");
        }
      }
      std::string dng = std::string(t[3].substr(0, colon + 1)) + '\0' + *digest;
      std::string nng = rest + '\0';
      AppendField(&e.template_data, dng);
      AppendField(&e.template_data, nng);
      e.fields = {dng, nng};
      if (third) {
        AppendField(&e.template_data, sig);
        e.fields.push_back(sig);
      }
      e.template_hash_ok = !e.violation && Sha1(e.template_data, {}) == e.template_hash;
    } else {
      return BadLine(line_no, absl::StrFormat("template '%s' is not supported in the ASCII form yet",
                                              e.template_name));
    }
    e.file_digest = e.fields[0];
    e.path = StripNul(e.fields[1]);
    if (e.violation) ++log.violations;
    else if (!e.template_hash_ok) log.bad_template_hashes.push_back(e.record);
    log.entries.push_back(std::move(e));
  }
  return log;
}

std::string ReplaySha1(const ParsedLog& log) {
  std::string pcr(kSha1Bytes, '\0');
  const std::string ff(kSha1Bytes, '\xff');
  for (const Entry& e : log.entries) {
    if (e.pcr != kImaPcr) continue;
    pcr = Sha1(pcr, e.violation ? ff : e.template_hash);
  }
  return pcr;
}

}  // namespace veu::ima
