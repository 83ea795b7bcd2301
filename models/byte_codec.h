// Little-endian byte strings for the models' stored forms (the text model,
// the intent model): the writers' helpers and a bounds-checked reader.
// Internal to models/.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace iisc::byte_codec {

static_assert(std::endian::native == std::endian::little, "stored models are little-endian");

inline void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
inline void PutF32(std::string* out, float v) { out->append(reinterpret_cast<const char*>(&v), 4); }
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
    std::memcpy(out, bytes_.data() + pos_, n);
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
  bool AtEnd() const { return pos_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace iisc::byte_codec
