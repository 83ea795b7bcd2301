// Key rules shared by the store implementations, so the memory store and the
// RocksDB store accept and reject exactly the same records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/catalog.h"
#include "models/status.h"

namespace iisc::store_keys {

inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kSchemaVersion = "1";

// Capability keys are "<complex id>/<...>"; this prefix finds them all.
inline std::string CapabilityPrefix(std::string_view complex_id) {
  std::string prefix(complex_id);
  prefix.push_back('/');
  return prefix;
}

// Checks what the key layout relies on: a complex id without '/', so one
// complex's prefix never matches another's capabilities; every capability id
// under that prefix and unique; the id "need" left to need feature keys.
Status ValidateComplexKeys(const Complex& complex);

// Empty keys are refused everywhere; they are always a caller's bug.
Status ValidateFeatureKey(std::string_view key);
Status ValidateNeedId(std::string_view id);
Status ValidateRecordKey(std::string_view key);
// The schema version belongs to the store: callers may not overwrite it.
Status ValidateMetaWrite(std::string_view key);

// Keys that must sort by a number (lifecycle events, config versions, the
// audit log) are the one place a stored number is not little-endian
// (models/byte_codec.h): RocksDB orders keys bytewise, so the number is
// written most significant first, as 20 decimal digits (any uint64_t fits),
// which sort as the numbers do: SequenceKey("event/", 42) is
// "event/00000000000000000042". Decimal rather than big-endian bytes keeps
// the keys readable in scans and tools.
std::string SequenceKey(std::string_view prefix, uint64_t seq);
// The number in a key SequenceKey made with `prefix`; nullopt for any other key.
std::optional<uint64_t> ParseSequenceKey(std::string_view key, std::string_view prefix);

}  // namespace iisc::store_keys
