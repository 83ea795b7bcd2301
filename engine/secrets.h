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

// Seals a secret of at most 64 bytes with a key only its owner knows (an
// Idempotency-Key): XOR with SHA-256 of the key and `context`, hex encoded.
// The store keeps the seal; without the key it does not give the secret.
std::string SealSecret(std::string_view secret, std::string_view key, std::string_view context);
// The secret again; empty when `sealed` is not a seal of this length.
std::string UnsealSecret(std::string_view sealed, std::string_view key, std::string_view context);

}  // namespace iisc
