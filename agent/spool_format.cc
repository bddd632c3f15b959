#include "agent/spool_format.h"

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"

namespace veu::agent {
namespace {

constexpr std::string_view kMagic = "VSPL";
constexpr size_t kHeader = 4 + 1 + 4;
constexpr size_t kDigest = 32;

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t ReadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

}  // namespace

std::string EncodeSpoolFrame(SpoolKind kind, std::string_view payload) {
  std::string covered(1, static_cast<char>(kind));
  covered += BigEndian(payload.size(), 4);
  covered += payload;
  std::string out(kMagic);
  out += covered;
  out += crypto::Sha256(covered);
  return out;
}

std::string EncodeQuoteFrame(const veu::v1::OfflineQuote& quote) {
  return EncodeSpoolFrame(SpoolKind::kQuote, quote.SerializeAsString());
}
std::string EncodeDroppedFrame(uint64_t dropped) {
  return EncodeSpoolFrame(SpoolKind::kDropped, BigEndian(dropped, 8));
}
std::string EncodeRefusalFrame(std::string_view reason) {
  return EncodeSpoolFrame(SpoolKind::kRefusal, reason.substr(0, 512));
}
std::string EncodeAnchorFrame(std::string_view anchor) {
  return EncodeSpoolFrame(SpoolKind::kAnchor, anchor);
}

DecodedSpool DecodeSpool(std::string_view bytes) {
  DecodedSpool out;
  size_t pos = 0;
  // A refusal at `pos`, then resynchronise at the next magic after it.
  auto refuse_and_resync = [&](size_t at, const std::string& why) {
    const size_t next = bytes.find(kMagic, at + 1);
    const size_t skipped = (next == std::string_view::npos ? bytes.size() : next) - at;
    out.refused.push_back(absl::StrCat("offset ", at, ": ", why, " (", skipped,
                                       " bytes skipped)"));
    pos = next == std::string_view::npos ? bytes.size() : next;
  };
  while (pos < bytes.size()) {
    const std::string_view rest = bytes.substr(pos);
    if (rest.size() < kHeader) {
      if (kMagic.substr(0, std::min(rest.size(), kMagic.size())) ==
          rest.substr(0, std::min(rest.size(), kMagic.size()))) {
        out.refused.push_back(absl::StrCat("offset ", pos, ": truncated frame header (",
                                           rest.size(), " of ", kHeader, " bytes)"));
        break;
      }
      refuse_and_resync(pos, "not a frame (bad magic)");
      continue;
    }
    if (rest.substr(0, 4) != kMagic) {
      refuse_and_resync(pos, "not a frame (bad magic)");
      continue;
    }
    const uint8_t kind = static_cast<uint8_t>(rest[4]);
    const uint64_t length = ReadBigEndian(rest.substr(5, 4));
    if (length > kMaxSpoolPayload) {
      refuse_and_resync(pos, absl::StrCat("length ", length, " over the limit of ",
                                          kMaxSpoolPayload));
      continue;
    }
    if (rest.size() < kHeader + length + kDigest) {
      // Either the file ends mid-frame (a crash during an append) or the length is corrupt.
      const size_t next = bytes.find(kMagic, pos + 1);
      if (next == std::string_view::npos) {
        out.refused.push_back(absl::StrCat("offset ", pos, ": truncated frame (",
                                           rest.size(), " of ", kHeader + length + kDigest,
                                           " bytes)"));
        break;
      }
      refuse_and_resync(pos, "truncated frame or corrupt length");
      continue;
    }
    const std::string_view covered = rest.substr(4, 1 + 4 + length);
    const std::string_view digest = rest.substr(kHeader + length, kDigest);
    if (crypto::Sha256(covered) != digest) {
      refuse_and_resync(pos, "SHA-256 mismatch (corrupt frame)");
      continue;
    }
    const std::string_view payload = rest.substr(kHeader, length);
    bool good = true;
    std::string why;
    switch (static_cast<SpoolKind>(kind)) {
      case SpoolKind::kQuote: {
        veu::v1::OfflineQuote q;
        if (q.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
          out.quotes.push_back(std::move(q));
        } else {
          good = false;
          why = "quote frame does not parse";
        }
        break;
      }
      case SpoolKind::kDropped:
        if (payload.size() == 8) {
          out.dropped = ReadBigEndian(payload);
        } else {
          good = false;
          why = absl::StrCat("dropped frame of ", payload.size(), " bytes, not 8");
        }
        break;
      case SpoolKind::kRefusal:
        out.notes.emplace_back(payload);
        break;
      case SpoolKind::kAnchor:
        if (payload.size() == 32) {
          out.anchor = std::string(payload);
        } else {
          good = false;
          why = absl::StrCat("anchor frame of ", payload.size(), " bytes, not 32");
        }
        break;
      default:
        good = false;
        why = absl::StrCat("unknown frame kind ", static_cast<int>(kind));
    }
    if (!good) out.refused.push_back(absl::StrCat("offset ", pos, ": ", why));
    pos += kHeader + length + kDigest;
  }
  return out;
}

}  // namespace veu::agent
