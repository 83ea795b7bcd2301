// Hex digits and FNV-1a: the one place that turns bytes into hex and back,
// and fingerprints versions of models and configs. Cryptographic digests
// (SHA-256 of tokens) are in engine/secrets.h and use the hex from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iisc {

// Lower-case hex of `bytes`, two digits a byte.
std::string HexEncode(std::string_view bytes);
// Appends the two lower-case hex digits of `byte`.
void AppendHexByte(std::string* out, unsigned char byte);
// The 16 lower-case hex digits of `value`, most significant first.
std::string HexU64(uint64_t value);
// 0-15 for a hex digit of either case, -1 for anything else.
int HexDigitValue(char c);
// The bytes that `hex` (an even number of digits, either case) encodes;
// nullopt when it is not that.
std::optional<std::string> HexDecode(std::string_view hex);

// FNV-1a, 64 bit: a fast, stable fingerprint (not for security). The
// values are stored (model checksums, feature hashes of the intent model)
// and shown (config versions), so they never change.
class Fnv1a64 {
 public:
  static constexpr uint64_t kOffset = 0xcbf29ce484222325ULL;
  static constexpr uint64_t kPrime = 0x100000001b3ULL;

  // Plain FNV-1a of `bytes`, continuing from `state`.
  static constexpr uint64_t Of(std::string_view bytes, uint64_t state = kOffset) {
    for (unsigned char c : bytes) {
      state ^= c;
      state *= kPrime;
    }
    return state;
  }

  // Adds `bytes` and a separator, so that ("ab","c") and ("a","bc") differ.
  void Update(std::string_view bytes) { state_ = Of("\xff", Of(bytes, state_)); }
  uint64_t value() const { return state_; }
  std::string Hex() const { return HexU64(state_); }

 private:
  uint64_t state_ = kOffset;
};

}  // namespace iisc
