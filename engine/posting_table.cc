#include "engine/posting_table.h"

#include <cmath>
#include <limits>
#include <utility>

namespace iisc {

float PostingTable::StepFor(float bound) {
  if (!(bound > 0) || !std::isfinite(bound)) return 0.f;
  const float step = bound / static_cast<float>(kMaxCode);
  // Below the normal floats a code times the step loses bits, and decoding
  // then encoding again would no longer give the code back.
  return step >= std::numeric_limits<float>::min() ? step : 0.f;
}

uint16_t PostingTable::Encode(float weight, float step) {
  if (!(weight > 0) || !(step > 0)) return 0;
  const float q = weight / step;
  if (!(q < static_cast<float>(kMaxCode))) return kMaxCode;
  // q < 2^16 leaves a float at least 8 bits below the point, so q + 0.5 is
  // exact and truncating it rounds half up.
  const auto code = static_cast<uint32_t>(q + 0.5f);
  return static_cast<uint16_t>(code == 0 ? 1 : code);
}

PostingTable::Builder::Builder(std::vector<float> steps) {
  const size_t n = steps.size();
  table_.steps_ = std::move(steps);
  sizes_.assign(n, 0);
  last_.assign(n, 0);
}

void PostingTable::Builder::Allocate() {
  assert(!allocated_);
  allocated_ = true;
  const size_t n = table_.steps_.size();
  table_.offsets_.assign(n + 1, 0);
  for (size_t t = 0; t < n; ++t) table_.offsets_[t + 1] = table_.offsets_[t] + sizes_[t];
  std::vector<uint64_t>().swap(sizes_);
  table_.data_.resize(table_.offsets_[n] + kPadding);
  fill_.assign(table_.offsets_.begin(), table_.offsets_.end() - 1);
  last_.assign(n, 0);
}

PostingTable PostingTable::Builder::Finish() {
  assert(allocated_);
  for (size_t t = 0; t < fill_.size(); ++t) assert(fill_[t] == table_.offsets_[t + 1]);
  std::vector<uint64_t>().swap(fill_);
  std::vector<uint32_t>().swap(last_);
  return std::move(table_);
}

}  // namespace iisc
