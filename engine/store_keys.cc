#include "engine/store_keys.h"

#include <charconv>
#include <set>

namespace iisc::store_keys {

Status ValidateComplexKeys(const Complex& complex) {
  if (complex.id.empty()) return Status::InvalidArgument("complex id is empty", "id");
  if (complex.id.find('/') != std::string::npos) {
    return Status::InvalidArgument("complex id \"" + complex.id + "\" contains '/'", "id");
  }
  // Need vectors live beside capability vectors under "need/<id>".
  if (complex.id == "need") {
    return Status::InvalidArgument("complex id \"need\" is reserved", "id");
  }
  const std::string prefix = CapabilityPrefix(complex.id);
  std::set<std::string_view> seen;
  for (size_t i = 0; i < complex.services.size(); ++i) {
    const Capability& capability = complex.services[i];
    const std::string field = "services[" + std::to_string(i) + "]";
    if (!capability.id.starts_with(prefix) || capability.id.size() == prefix.size()) {
      return Status::InvalidArgument(
          "capability id \"" + capability.id + "\" does not start with \"" + prefix + "\"",
          field + ".id");
    }
    if (!capability.complex_id.empty() && capability.complex_id != complex.id) {
      return Status::InvalidArgument(
          "capability \"" + capability.id + "\" names complex \"" + capability.complex_id + "\"",
          field + ".complex_id");
    }
    if (!seen.insert(capability.id).second) {
      return Status::InvalidArgument("duplicate capability id \"" + capability.id + "\"",
                                     field + ".id");
    }
  }
  return Status::Ok();
}

Status ValidateFeatureKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("feature key is empty");
  return Status::Ok();
}

Status ValidateNeedId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("need id is empty", "id");
  return Status::Ok();
}

Status ValidateRecordKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("record key is empty", "key");
  return Status::Ok();
}

Status ValidateMetaWrite(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("meta key is empty");
  if (key == kSchemaVersionKey) {
    return Status::InvalidArgument("meta key \"schema_version\" is managed by the store");
  }
  return Status::Ok();
}

namespace {
constexpr size_t kSequenceDigits = 20;
}  // namespace

std::string SequenceKey(std::string_view prefix, uint64_t seq) {
  char digits[kSequenceDigits];
  const auto end = std::to_chars(digits, digits + kSequenceDigits, seq).ptr;
  std::string key(prefix);
  key.append(kSequenceDigits - static_cast<size_t>(end - digits), '0');
  key.append(digits, end);
  return key;
}

std::optional<uint64_t> ParseSequenceKey(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix) || key.size() != prefix.size() + kSequenceDigits) return std::nullopt;
  const std::string_view digits = key.substr(prefix.size());
  uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seq;
}

}  // namespace iisc::store_keys
