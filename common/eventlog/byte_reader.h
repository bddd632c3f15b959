// A bounds-checked little-endian cursor over a byte string. Every read either succeeds
// completely or fails without moving, so callers can name the offset of the failure.
#ifndef VEU_COMMON_EVENTLOG_BYTE_READER_H_
#define VEU_COMMON_EVENTLOG_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace veu::eventlog {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool empty() const { return pos_ == bytes_.size(); }

  // Each returns false (and leaves the cursor unchanged) if too few bytes remain.
  bool ReadU8(uint8_t* out) { return ReadLe(out); }
  bool ReadU16(uint16_t* out) { return ReadLe(out); }
  bool ReadU32(uint32_t* out) { return ReadLe(out); }
  bool ReadU64(uint64_t* out) { return ReadLe(out); }
  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename T>
  bool ReadLe(T* out) {
    if (sizeof(T) > remaining()) return false;
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      value = static_cast<T>(value |
                             (static_cast<T>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i)));
    }
    *out = value;
    pos_ += sizeof(T);
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_BYTE_READER_H_
