#include "engine/secrets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace iisc {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  size_t filled = 0;
  while (filled < bytes) {
    ssize_t got = getrandom(buf.data() + filled, bytes - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      // Without randomness no token can be issued safely; this is fatal by design.
      throw std::runtime_error("getrandom failed");
    }
    filled += static_cast<size_t>(got);
  }
  return Hex(buf.data(), bytes);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// 64 bytes of pad: the two halves of SHA-256 hex are bytes enough for a
// 64-character token.
std::string Pad(std::string_view key, std::string_view context) {
  return Sha256Hex(std::string("seal\n") + std::string(key) + "\n" + std::string(context));
}

}  // namespace

std::string SealSecret(std::string_view secret, std::string_view key, std::string_view context) {
  const std::string pad = Pad(key, context);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < secret.size() && i < pad.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(secret[i]) ^ static_cast<unsigned char>(pad[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string UnsealSecret(std::string_view sealed, std::string_view key, std::string_view context) {
  const std::string pad = Pad(key, context);
  if (sealed.size() % 2 != 0 || sealed.size() / 2 > pad.size()) return {};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < sealed.size(); i += 2) {
    const int hi = nibble(sealed[i]), lo = nibble(sealed[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>((hi << 4 | lo) ^ static_cast<unsigned char>(pad[i / 2])));
  }
  return out;
}

}  // namespace iisc
