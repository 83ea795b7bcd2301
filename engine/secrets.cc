#include "engine/secrets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <vector>

#include "models/hash.h"

namespace iisc {

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
  return HexEncode(std::string_view(reinterpret_cast<const char*>(buf.data()), bytes));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
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
  std::string out;
  for (size_t i = 0; i < secret.size() && i < pad.size(); ++i) {
    AppendHexByte(&out, static_cast<unsigned char>(secret[i] ^ pad[i]));
  }
  return out;
}

std::string UnsealSecret(std::string_view sealed, std::string_view key, std::string_view context) {
  const std::string pad = Pad(key, context);
  std::optional<std::string> bytes = HexDecode(sealed);
  if (!bytes || bytes->size() > pad.size()) return {};
  for (size_t i = 0; i < bytes->size(); ++i) (*bytes)[i] ^= pad[i];
  return std::move(*bytes);
}

}  // namespace iisc
