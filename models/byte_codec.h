// Little-endian byte strings: the one encoding of the integers and floats
// that are stored (the text model and the intent model in models/, feature
// vectors in engine/feature_codec.cc). Writers' helpers and a bounds-checked
// reader.
//
// The one exception is keys that must sort by a number: RocksDB orders keys
// bytewise, so their numbers are written most significant first, as
// fixed-width decimal text (engine/store_keys.h, SequenceKey).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace iisc::byte_codec {

// Values are copied as they are in memory: the build refuses a big-endian
// host rather than write a database another machine would misread.
static_assert(std::endian::native == std::endian::little, "stored values are little-endian");

inline void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
inline void PutF32(std::string* out, float v) { out->append(reinterpret_cast<const char*>(&v), 4); }
inline void PutFloats(std::string* out, std::span<const float> v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size_bytes());
}
inline void PutU64s(std::string* out, std::span<const uint64_t> v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size_bytes());
}
// A u32 length, then the bytes.
inline void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Every read fails (false) rather than run past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool Bytes(void* out, size_t n) {
    if (bytes_.size() - pos_ < n) return false;
    if (n > 0) std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool U32(uint32_t* v) { return Bytes(v, 4); }
  bool F32(float* v) { return Bytes(v, 4); }
  bool String(std::string* s) {
    uint32_t n;
    if (!U32(&n) || n > bytes_.size() - pos_) return false;
    s->assign(bytes_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Floats(float* out, size_t count) {
    if (count > (bytes_.size() - pos_) / 4) return false;
    return Bytes(out, count * 4);
  }
  bool U64s(uint64_t* out, size_t count) {
    if (count > (bytes_.size() - pos_) / 8) return false;
    return Bytes(out, count * 8);
  }
  bool AtEnd() const { return pos_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace iisc::byte_codec
