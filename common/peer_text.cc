#include "common/peer_text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace veu {
namespace {

// Debian's Abseil has its own string_view type.
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

bool IsPrintableAscii(unsigned char c) { return c >= 0x20 && c < 0x7F; }

absl::Status Invalid(std::string_view what, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(Av(what), ": ", Av(why)));
}

absl::Status CheckLength(std::string_view what, std::string_view value, size_t min, size_t max) {
  if (value.size() < min) return Invalid(what, "empty");
  if (value.size() > max) {
    return Invalid(what, absl::StrCat(value.size(), " bytes, at most ", max, " allowed"));
  }
  return absl::OkStatus();
}

absl::Status CheckPrintableAscii(std::string_view what, std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsPrintableAscii(static_cast<unsigned char>(value[i]))) {
      return Invalid(what, absl::StrCat("byte ", i, " (0x",
                                        absl::Hex(static_cast<unsigned char>(value[i]),
                                                  absl::kZeroPad2),
                                        ") is not printable ASCII"));
    }
  }
  return absl::OkStatus();
}

// Length of the UTF-8 sequence at value[i], or 0 if it is not a valid, shortest-form one.
size_t Utf8SequenceAt(std::string_view value, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(value[i + k]); };
  const unsigned char c = b(0);
  size_t n;
  uint32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > value.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(k) & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

absl::Status CheckSiteName(std::string_view name) {
  if (absl::Status s = CheckLength("site name", name, 1, kMaxSiteNameBytes); !s.ok()) return s;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    const size_t n = Utf8SequenceAt(name, i, &cp);
    if (n == 0) return Invalid("site name", absl::StrCat("byte ", i, " is not valid UTF-8"));
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      return Invalid("site name", absl::StrCat("byte ", i, " is a control character"));
    }
    i += n;
  }
  return absl::OkStatus();
}

absl::Status CheckHostname(std::string_view hostname) {
  if (absl::Status s = CheckLength("hostname", hostname, 0, kMaxHostnameBytes); !s.ok()) return s;
  for (size_t i = 0; i < hostname.size(); ++i) {
    const char c = hostname[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) {
      return Invalid("hostname", absl::StrCat("byte ", i, " is not a letter, digit, '.', '-' or '_'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEnrollmentToken(std::string_view token) {
  if (absl::Status s = CheckLength("enrolment token", token, 0, kMaxEnrollmentTokenBytes); !s.ok()) {
    return s;
  }
  return CheckPrintableAscii("enrolment token", token);
}

absl::Status CheckAgentVersion(std::string_view version) {
  if (absl::Status s = CheckLength("agent version", version, 0, kMaxAgentVersionBytes); !s.ok()) {
    return s;
  }
  return CheckPrintableAscii("agent version", version);
}

absl::Status CheckAgentId(std::string_view agent_id) {
  if (absl::Status s = CheckLength("agent id", agent_id, 1, kMaxAgentIdBytes); !s.ok()) return s;
  for (size_t i = 0; i < agent_id.size(); ++i) {
    const char c = agent_id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Invalid("agent id", absl::StrCat("byte ", i, " is not a lowercase hex digit"));
    }
  }
  return absl::OkStatus();
}

}  // namespace veu
