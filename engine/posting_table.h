// The lexical (BM25) postings of a range of catalog rows, compressed to about
// 3 bytes a posting: at a million services the plain 8-byte postings were
// the second largest part of the engine's memory.
//
// Layout: one byte array, term after term; a term's postings are its rows
// ascending, each written as the gap from the previous row (from 0 for the
// first) in LEB128 varint bytes, followed by its weight's 16-bit code,
// little-endian. A weight is code * step, the step being the term's own (its
// weights' bound / 65535). Byte-aligned on purpose: a query decodes every
// posting of its terms, and a byte-at-a-time gap is one predictable branch
// for the common terms, whose gaps fit a byte.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace iisc {

class PostingTable {
 public:
  static constexpr uint32_t kMaxCode = 65535;

  // The step that spreads the codes over [0, bound]; 0 (every weight 0)
  // when the bound is not a positive finite number or too small for codes
  // to round-trip.
  static float StepFor(float bound);
  // The code of `weight`: weight / step rounded to the nearest, within
  // [1, kMaxCode] for a positive weight (a posting keeps counting as a hit
  // however small its weight), 0 for zero, negative or NaN. Decoding a code
  // and encoding it again gives it back, so postings that pass through
  // floats (a compaction) keep their exact weights.
  static uint16_t Encode(float weight, float step);
  static float Decode(uint16_t code, float step) { return static_cast<float>(code) * step; }

  class Builder;

  PostingTable() = default;  // no term, no posting

  size_t num_terms() const { return steps_.size(); }
  uint64_t num_postings() const { return num_postings_; }
  uint64_t encoded_bytes() const { return offsets_.empty() ? 0 : offsets_.back(); }  // the postings alone
  float step(uint32_t term) const { return term < steps_.size() ? steps_[term] : 0.f; }
  // Heap bytes held.
  size_t bytes() const {
    return offsets_.capacity() * sizeof(uint64_t) + data_.capacity() + steps_.capacity() * sizeof(float);
  }

  // Calls fn(uint32_t row, uint16_t code) for the postings of `term`, rows
  // ascending; none for a term past num_terms().
  template <typename Fn>
  void ForEachCode(uint32_t term, Fn&& fn) const {
    if (term >= steps_.size()) return;
    const uint8_t* p = data_.data() + offsets_[term];
    const uint8_t* const end = data_.data() + offsets_[term + 1];
    uint32_t row = 0;
    while (p < end) {
      // Most gaps take one byte: one 4-byte load has the gap and the code
      // (the table's padding keeps it in bounds at the last posting).
      const uint32_t word = Load32(p);
      if ((word & 0x80) == 0) [[likely]] {
        row += word & 0x7f;
        p += 3;
        fn(row, static_cast<uint16_t>(word >> 8));
        continue;
      }
      ++p;
      row += VarintTail(word & 0xff, p);
      const auto code = static_cast<uint16_t>(p[0] | p[1] << 8);
      p += 2;
      fn(row, code);
    }
  }

  // Calls fn(uint32_t row, float weight) for the postings of `term`, rows
  // ascending. Every reader goes through here, so all see the same weights.
  template <typename Fn>
  void ForEach(uint32_t term, Fn&& fn) const {
    if (term >= steps_.size()) return;
    const float step = steps_[term];
    ForEachCode(term, [&](uint32_t row, uint16_t code) { fn(row, Decode(code, step)); });
  }

 private:
  // Bytes past the last posting, so that reading 4 bytes at a posting's
  // start stays within the array (a posting takes 3 bytes or more).
  static constexpr size_t kPadding = 1;

  static uint32_t Load32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  // The rest of a gap of two or more bytes; `first` is its first byte.
  static uint32_t VarintTail(uint32_t first, const uint8_t*& p) {
    uint32_t value = first & 0x7f;
    for (int shift = 7; shift <= 28; shift += 7) {
      const uint32_t byte = *p++;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    return value;
  }

  std::vector<uint64_t> offsets_;  // term t: data_[offsets_[t] .. offsets_[t + 1])
  std::vector<uint8_t> data_;
  std::vector<float> steps_;
  uint64_t num_postings_ = 0;
};

// Builds a table in two passes over the same postings in the same order:
// Count() sizes every term, Add() writes into a buffer of exactly the size
// counted (at a million rows a table is hundreds of MB: no growth slack, no
// second copy). Terms may come interleaved; within a term rows must not
// descend.
class PostingTable::Builder {
 public:
  // steps: one per term, each StepFor() the bound of the term's weights.
  explicit Builder(std::vector<float> steps);

  float step(uint32_t term) const { return table_.steps_[term]; }

  // REQUIRES: term < the number of steps; Allocate() not called yet.
  void Count(uint32_t term, uint32_t row) {
    assert(!allocated_ && term < last_.size() && row >= last_[term]);
    sizes_[term] += VarintSize(row - last_[term]) + 2;
    last_[term] = row;
    ++table_.num_postings_;
  }

  // Ends the counting pass.
  void Allocate();

  // The second pass, posting by posting: AddCode for a code of a table with
  // the same step, Add for a weight.
  void AddCode(uint32_t term, uint32_t row, uint16_t code) {
    assert(allocated_ && term < last_.size() && row >= last_[term]);
    uint8_t* p = table_.data_.data() + fill_[term];
    for (uint32_t gap = row - last_[term]; ; gap >>= 7) {
      if (gap < 0x80) {
        *p++ = static_cast<uint8_t>(gap);
        break;
      }
      *p++ = static_cast<uint8_t>(gap | 0x80);
    }
    *p++ = static_cast<uint8_t>(code);
    *p++ = static_cast<uint8_t>(code >> 8);
    fill_[term] = static_cast<uint64_t>(p - table_.data_.data());
    assert(fill_[term] <= table_.offsets_[term + 1]);
    last_[term] = row;
  }
  void Add(uint32_t term, uint32_t row, float weight) { AddCode(term, row, Encode(weight, table_.steps_[term])); }

  // REQUIRES: the postings added are the ones counted.
  PostingTable Finish();

 private:
  static uint32_t VarintSize(uint32_t v) { return v < (1u << 7) ? 1 : v < (1u << 14) ? 2 : v < (1u << 21) ? 3 : v < (1u << 28) ? 4 : 5; }

  PostingTable table_;
  std::vector<uint64_t> sizes_;  // counting: bytes by term
  std::vector<uint64_t> fill_;   // adding: where each term's next posting goes
  std::vector<uint32_t> last_;   // the row of each term's last posting, 0 before the first
  bool allocated_ = false;
};

}  // namespace iisc
