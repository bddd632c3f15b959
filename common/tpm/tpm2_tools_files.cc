#include "common/tpm/tpm2_tools_files.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"

namespace veu::tpm {
namespace {

// Host-order struct layout of tpm2-tools' serialized PCR file (see the header).
constexpr size_t kBanks = 16;
constexpr size_t kSelectionEntry = 8;
constexpr size_t kSelectionStruct = 4 + kBanks * kSelectionEntry;  // 132
constexpr size_t kDigestsPerList = 8;
constexpr size_t kDigestEntry = 2 + 64;
constexpr size_t kDigestList = 4 + kDigestsPerList * kDigestEntry;  // 532
constexpr size_t kMaxLists = 64;  // 16 banks x 32 PCRs / 8 per list

class Reader {
 public:
  Reader(std::string_view bytes, bool big_endian) : bytes_(bytes), big_endian_(big_endian) {}
  uint32_t U32(size_t offset) const { return Get(offset, 4); }
  uint16_t U16(size_t offset) const { return static_cast<uint16_t>(Get(offset, 2)); }
  uint8_t U8(size_t offset) const { return static_cast<uint8_t>(bytes_[offset]); }

 private:
  uint32_t Get(size_t offset, int n) const {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      const uint32_t b = static_cast<uint8_t>(bytes_[offset + static_cast<size_t>(i)]);
      v |= big_endian_ ? b << (8 * (n - 1 - i)) : b << (8 * i);
    }
    return v;
  }
  std::string_view bytes_;
  bool big_endian_;
};

void PutLe(std::string& out, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

absl::StatusOr<Tpm2ToolsPcrs> ParseTpm2ToolsPcrs(std::string_view bytes) {
  if (bytes.size() < kSelectionStruct + 4) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PCR file has %d bytes; a tpm2-tools serialized PCR file has at least %d (is it the "
        "file tpm2_quote -o wrote, in its default format?)",
        bytes.size(), kSelectionStruct + 4));
  }
  const uint32_t le_count = Reader(bytes, false).U32(0);
  const bool big_endian = le_count > kBanks && Reader(bytes, true).U32(0) <= kBanks;
  const Reader r(bytes, big_endian);
  const uint32_t banks = r.U32(0);
  if (banks > kBanks) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PCR file byte 0: selection count %d exceeds %d banks", banks, kBanks));
  }
  const uint32_t lists = r.U32(kSelectionStruct);
  if (lists > kMaxLists || bytes.size() != kSelectionStruct + 4 + lists * kDigestList) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PCR file byte %d: %d digest list(s) need a file of %d bytes, but it has %d",
        kSelectionStruct, lists,
        kSelectionStruct + 4 + std::min<size_t>(lists, kMaxLists) * kDigestList, bytes.size()));
  }
  Tpm2ToolsPcrs out;
  for (uint32_t b = 0; b < banks; ++b) {
    const size_t at = 4 + b * kSelectionEntry;
    const uint16_t hash = r.U16(at);
    const uint8_t size_of_select = r.U8(at + 2);
    if (crypto::DigestSize(hash) == 0 || size_of_select > 4) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "PCR file byte %d: bank %d has hash 0x%04x and sizeofSelect %d, which is not valid", at,
          b, hash, size_of_select));
    }
    veu::v1::PcrSelection bank;
    bank.set_hash_alg(hash);
    for (uint32_t pcr = 0; pcr < size_of_select * 8u; ++pcr) {
      if (r.U8(at + 3 + pcr / 8) & (1u << (pcr % 8))) bank.add_pcrs(pcr);
    }
    out.selection.push_back(std::move(bank));
  }
  std::vector<std::string> digests;
  for (uint32_t l = 0; l < lists; ++l) {
    const size_t at = kSelectionStruct + 4 + l * kDigestList;
    const uint32_t count = r.U32(at);
    if (count > kDigestsPerList) {
      return absl::InvalidArgumentError(
          absl::StrFormat("PCR file byte %d: digest list %d claims %d digests; at most %d fit", at,
                          l, count, kDigestsPerList));
    }
    for (uint32_t d = 0; d < count; ++d) {
      const size_t entry = at + 4 + d * kDigestEntry;
      const uint16_t size = r.U16(entry);
      if (size > 64) {
        return absl::InvalidArgumentError(
            absl::StrFormat("PCR file byte %d: digest of %d bytes exceeds 64", entry, size));
      }
      digests.emplace_back(bytes.substr(entry + 2, size));
    }
  }
  size_t next = 0;
  for (const auto& bank : out.selection) {
    const size_t want = crypto::DigestSize(static_cast<uint16_t>(bank.hash_alg()));
    for (uint32_t pcr : bank.pcrs()) {
      if (next >= digests.size()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "PCR file selects more PCRs than the %d values it holds (ran out at %s:%d)",
            digests.size(), crypto::HashAlgName(static_cast<uint16_t>(bank.hash_alg())), pcr));
      }
      if (digests[next].size() != want) {
        return absl::InvalidArgumentError(
            absl::StrFormat("PCR file value #%d for %s:%d has %d bytes; the bank's digests have %d",
                            next, crypto::HashAlgName(static_cast<uint16_t>(bank.hash_alg())), pcr,
                            digests[next].size(), want));
      }
      veu::v1::PcrValue v;
      v.set_hash_alg(bank.hash_alg());
      v.set_index(pcr);
      v.set_digest(digests[next++]);
      out.values.push_back(std::move(v));
    }
  }
  if (next != digests.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PCR file holds %d values but its selection has only %d PCRs", digests.size(), next));
  }
  return out;
}

absl::StatusOr<std::string> SerializeTpm2ToolsPcrs(const Tpm2ToolsPcrs& pcrs) {
  if (pcrs.selection.size() > kBanks) {
    return absl::InvalidArgumentError("more than 16 banks");
  }
  std::string out;
  PutLe(out, static_cast<uint32_t>(pcrs.selection.size()), 4);
  size_t total = 0;
  for (size_t b = 0; b < kBanks; ++b) {
    uint8_t select[4] = {0, 0, 0, 0};
    uint16_t hash = 0;
    uint8_t size_of_select = 0;
    if (b < pcrs.selection.size()) {
      hash = static_cast<uint16_t>(pcrs.selection[b].hash_alg());
      size_of_select = 3;
      for (uint32_t pcr : pcrs.selection[b].pcrs()) {
        if (pcr >= 32) return absl::InvalidArgumentError("PCR index >= 32");
        if (pcr >= 24) size_of_select = 4;
        select[pcr / 8] = static_cast<uint8_t>(select[pcr / 8] | (1u << (pcr % 8)));
        ++total;
      }
    }
    PutLe(out, hash, 2);
    out.push_back(static_cast<char>(size_of_select));
    for (uint8_t s : select) out.push_back(static_cast<char>(s));
    out.push_back('\0');
  }
  if (total != pcrs.values.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d values for a selection of %d PCRs", pcrs.values.size(), total));
  }
  const size_t lists = (total + kDigestsPerList - 1) / kDigestsPerList;
  PutLe(out, static_cast<uint32_t>(lists), 4);
  for (size_t l = 0; l < lists; ++l) {
    const size_t first = l * kDigestsPerList;
    const size_t count = std::min(kDigestsPerList, total - first);
    PutLe(out, static_cast<uint32_t>(count), 4);
    for (size_t d = 0; d < kDigestsPerList; ++d) {
      std::string digest = d < count ? pcrs.values[first + d].digest() : std::string();
      if (digest.size() > 64) return absl::InvalidArgumentError("digest longer than 64 bytes");
      PutLe(out, static_cast<uint32_t>(digest.size()), 2);
      digest.resize(64, '\0');
      out += digest;
    }
  }
  return out;
}

std::string Tpm2ToolsCredentialFile(std::string_view credential_blob,
                                    std::string_view encrypted_secret) {
  std::string out("\xba\xdc\xc0\xde\x00\x00\x00\x01", 8);
  out.append(credential_blob.data(), credential_blob.size());
  out.append(encrypted_secret.data(), encrypted_secret.size());
  return out;
}

}  // namespace veu::tpm
