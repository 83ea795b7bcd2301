// Feature vector encoding:
//   "IV1"  u8 reserved (0)  u32 LE version length  version bytes
//   u32 LE dimension  dimension x float32 LE
// and, when the record carries lexical terms, "IVT" with the same header and
// vector followed by
//   u32 LE term count  count x (u32 LE term id, float32 LE weight), ids ascending
// All integers and floats are little-endian whatever the host, so a database
// copied between machines stays readable.
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "engine/store.h"

namespace iisc {
namespace {

constexpr std::string_view kMagic = "IV1";
constexpr std::string_view kMagicWithTerms = "IVT";
constexpr size_t kReservedSize = 1;
constexpr size_t kU32Size = 4;
constexpr size_t kFloatSize = 4;
static_assert(sizeof(float) == kFloatSize && std::numeric_limits<float>::is_iec559,
              "the encoding stores IEEE-754 binary32 floats");

void AppendU32(std::string* out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint32_t LoadU32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

}  // namespace

std::string EncodeFeatureVector(const FeatureVector& vector) {
  const size_t version_size = vector.model_version.size();
  const size_t dimension = vector.values.size();
  const bool with_terms = !vector.term_ids.empty();
  std::string out;
  out.reserve(kMagic.size() + kReservedSize + 3 * kU32Size + version_size + dimension * kFloatSize +
              vector.term_ids.size() * (kU32Size + kFloatSize));
  out.append(with_terms ? kMagicWithTerms : kMagic);
  out.push_back('\0');
  AppendU32(&out, static_cast<uint32_t>(version_size));
  out.append(vector.model_version);
  AppendU32(&out, static_cast<uint32_t>(dimension));
  if constexpr (std::endian::native == std::endian::little) {
    const size_t offset = out.size();
    out.resize(offset + dimension * kFloatSize);
    if (dimension > 0)
      std::memcpy(out.data() + offset, vector.values.data(), dimension * kFloatSize);
  } else {
    for (float value : vector.values) AppendU32(&out, std::bit_cast<uint32_t>(value));
  }
  if (with_terms) {
    AppendU32(&out, static_cast<uint32_t>(vector.term_ids.size()));
    for (size_t i = 0; i < vector.term_ids.size(); ++i) {
      AppendU32(&out, vector.term_ids[i]);
      const float w = i < vector.term_weights.size() ? vector.term_weights[i] : 0.0f;
      AppendU32(&out, std::bit_cast<uint32_t>(w));
    }
  }
  return out;
}

Result<FeatureVector> DecodeFeatureVector(std::string_view bytes) {
  // Every length is checked against what remains before it is used, so a
  // damaged record can only produce Corruption, never an out-of-bounds read.
  if (bytes.size() < kMagic.size() + kReservedSize + kU32Size) {
    return Status::Corruption("feature vector: " + std::to_string(bytes.size()) +
                              " bytes is shorter than the header");
  }
  const bool with_terms = bytes.substr(0, kMagic.size()) == kMagicWithTerms;
  if (!with_terms && bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption("feature vector: bad magic (expected IV1 or IVT)");
  }
  if (bytes[kMagic.size()] != '\0') {
    return Status::Corruption("feature vector: reserved header byte is not zero");
  }
  size_t offset = kMagic.size() + kReservedSize;
  const uint64_t version_size = LoadU32(bytes.data() + offset);
  offset += kU32Size;
  if (version_size > bytes.size() - offset || bytes.size() - offset - version_size < kU32Size) {
    return Status::Corruption("feature vector: model version length " +
                              std::to_string(version_size) + " overruns the record");
  }
  FeatureVector vector;
  vector.model_version.assign(bytes.data() + offset, version_size);
  offset += version_size;
  const uint64_t dimension = LoadU32(bytes.data() + offset);
  offset += kU32Size;
  uint64_t payload_size = bytes.size() - offset;
  if (with_terms) {
    if (payload_size < dimension * kFloatSize + kU32Size) {
      return Status::Corruption("feature vector: dimension " + std::to_string(dimension) +
                                " leaves no room for the term count");
    }
    payload_size = dimension * kFloatSize;
  }
  if (payload_size != dimension * kFloatSize) {
    return Status::Corruption("feature vector: dimension " + std::to_string(dimension) + " needs " +
                              std::to_string(dimension * kFloatSize) + " value bytes, record has " +
                              std::to_string(payload_size));
  }
  vector.values.resize(dimension);
  const char* payload = bytes.data() + offset;
  if constexpr (std::endian::native == std::endian::little) {
    if (dimension > 0) std::memcpy(vector.values.data(), payload, payload_size);
  } else {
    for (size_t i = 0; i < dimension; ++i) {
      vector.values[i] = std::bit_cast<float>(LoadU32(payload + i * kFloatSize));
    }
  }
  if (with_terms) {
    offset += payload_size;
    const uint64_t count = LoadU32(bytes.data() + offset);
    offset += kU32Size;
    if (bytes.size() - offset != count * (kU32Size + kFloatSize)) {
      return Status::Corruption("feature vector: " + std::to_string(count) + " terms need " +
                                std::to_string(count * (kU32Size + kFloatSize)) + " bytes, record has " +
                                std::to_string(bytes.size() - offset));
    }
    vector.term_ids.resize(count);
    vector.term_weights.resize(count);
    for (size_t i = 0; i < count; ++i, offset += kU32Size + kFloatSize) {
      vector.term_ids[i] = LoadU32(bytes.data() + offset);
      vector.term_weights[i] = std::bit_cast<float>(LoadU32(bytes.data() + offset + kU32Size));
      if (i > 0 && vector.term_ids[i] <= vector.term_ids[i - 1]) {
        return Status::Corruption("feature vector: term ids not ascending at " + std::to_string(i));
      }
    }
  }
  return vector;
}

}  // namespace iisc
