// Key rules shared by the store implementations, so the memory store and the
// RocksDB store accept and reject exactly the same records.
#pragma once

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

}  // namespace iisc::store_keys
