// Secrets: unguessable ids and tokens, their digests, and comparison in
// constant time (so response timing reveals nothing about a token).
#pragma once

#include <string>
#include <string_view>

namespace iisc {

// `bytes` random bytes from the kernel's CSPRNG, hex encoded.
std::string RandomHex(size_t bytes);
// SHA-256 of `data`, lower-case hex.
std::string Sha256Hex(std::string_view data);
// Equal length and content, in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace iisc
