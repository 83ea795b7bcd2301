// Feature vector encoding:
//   "IV1"  u8 reserved (0)  u32 version length  version bytes
//   u32 dimension  dimension x float32
// and, when the record carries lexical terms, "IVT" with the same header and
// vector followed by
//   u32 term count  count x (u32 term id, float32 weight), ids ascending
// Integers and floats are little-endian, as every stored value
// (models/byte_codec.h).
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "engine/store.h"
#include "models/byte_codec.h"

namespace iisc {
namespace {

constexpr std::string_view kMagic = "IV1";
constexpr std::string_view kMagicWithTerms = "IVT";
constexpr size_t kReservedSize = 1;
constexpr size_t kU32Size = 4;
constexpr size_t kFloatSize = 4;
static_assert(sizeof(float) == kFloatSize && std::numeric_limits<float>::is_iec559,
              "the encoding stores IEEE-754 binary32 floats");

}  // namespace

std::string EncodeFeatureVector(const FeatureVector& vector) {
  const size_t dimension = vector.values.size();
  const bool with_terms = !vector.term_ids.empty();
  std::string out;
  out.reserve(kMagic.size() + kReservedSize + 3 * kU32Size + vector.model_version.size() +
              dimension * kFloatSize + vector.term_ids.size() * (kU32Size + kFloatSize));
  out.append(with_terms ? kMagicWithTerms : kMagic);
  out.push_back('\0');
  byte_codec::PutString(&out, vector.model_version);
  byte_codec::PutU32(&out, static_cast<uint32_t>(dimension));
  byte_codec::PutFloats(&out, vector.values);
  if (with_terms) {
    byte_codec::PutU32(&out, static_cast<uint32_t>(vector.term_ids.size()));
    for (size_t i = 0; i < vector.term_ids.size(); ++i) {
      byte_codec::PutU32(&out, vector.term_ids[i]);
      byte_codec::PutF32(&out, i < vector.term_weights.size() ? vector.term_weights[i] : 0.0f);
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
  byte_codec::Reader in(bytes.substr(kMagic.size() + kReservedSize));
  uint32_t version_size = 0;
  in.U32(&version_size);  // the header's size was checked above
  if (version_size > in.remaining() || in.remaining() - version_size < kU32Size) {
    return Status::Corruption("feature vector: model version length " +
                              std::to_string(version_size) + " overruns the record");
  }
  FeatureVector vector;
  vector.model_version.resize(version_size);
  in.Bytes(vector.model_version.data(), version_size);
  uint32_t dimension = 0;
  in.U32(&dimension);
  uint64_t payload_size = in.remaining();
  const uint64_t values_size = uint64_t{dimension} * kFloatSize;
  if (with_terms) {
    if (payload_size < values_size + kU32Size) {
      return Status::Corruption("feature vector: dimension " + std::to_string(dimension) +
                                " leaves no room for the term count");
    }
    payload_size = values_size;
  }
  if (payload_size != values_size) {
    return Status::Corruption("feature vector: dimension " + std::to_string(dimension) + " needs " +
                              std::to_string(values_size) + " value bytes, record has " +
                              std::to_string(payload_size));
  }
  vector.values.resize(dimension);
  in.Floats(vector.values.data(), dimension);
  if (with_terms) {
    uint32_t count = 0;
    in.U32(&count);
    if (in.remaining() != uint64_t{count} * (kU32Size + kFloatSize)) {
      return Status::Corruption("feature vector: " + std::to_string(count) + " terms need " +
                                std::to_string(uint64_t{count} * (kU32Size + kFloatSize)) +
                                " bytes, record has " + std::to_string(in.remaining()));
    }
    vector.term_ids.resize(count);
    vector.term_weights.resize(count);
    for (size_t i = 0; i < count; ++i) {
      in.U32(&vector.term_ids[i]);
      in.F32(&vector.term_weights[i]);
      if (i > 0 && vector.term_ids[i] <= vector.term_ids[i - 1]) {
        return Status::Corruption("feature vector: term ids not ascending at " + std::to_string(i));
      }
    }
  }
  return vector;
}

}  // namespace iisc
