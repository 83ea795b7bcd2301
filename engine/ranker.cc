#include "engine/ranker.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <span>

namespace iisc {
namespace {

// Services whose labels vote on what a need is about: a handful, so that
// one strong match is not outvoted by many weak ones.
constexpr size_t kFirstStageHits = 6;
// Rows of the semantic shortlist; its last score bounds every other row's.
constexpr size_t kSemanticShortlist = 128;
// Added to every upper bound: covers the last-bit differences between a
// bound assembled from component bounds and the exact combination (whose
// field term is added and then partly subtracted again).
constexpr double kBoundSlack = 1e-9;
constexpr double kNoThreshold = -std::numeric_limits<double>::infinity();

constexpr size_t kPrefetchAhead = 8;   // rows fetched ahead of their bounding
constexpr uint32_t kSemanticKnown = 1;  // mark flag: semantic[row] is the exact score
constexpr uint32_t kDecided = 2;        // mark flag: row scored or proven below the k-th pick

bool IsAllowed(const uint64_t* allowed, uint32_t row) {
  return allowed == nullptr || (allowed[row >> 6] >> (row & 63) & 1) != 0;
}

template <typename Fn>
void ForEachAllowed(const uint64_t* allowed, size_t n, Fn&& fn) {
  if (allowed == nullptr) {
    for (size_t r = 0; r < n; ++r) fn(static_cast<uint32_t>(r));
    return;
  }
  for (size_t w = 0; w < (n + 63) / 64; ++w) {
    for (uint64_t bits = allowed[w]; bits != 0; bits &= bits - 1) {
      fn(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
    }
  }
}

bool Better(const RankedRow& a, const RankedRow& b) {
  return a.score != b.score ? a.score > b.score : a.row < b.row;
}

bool BetterHit(const FirstStageHit& a, const FirstStageHit& b) {
  return a.relevance != b.relevance ? a.relevance > b.relevance : a.row < b.row;
}

double Clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

class Ranking {
 public:
  Ranking(const RankInput& in, RankScratch& s) : in_(in), s_(s), snap_(in.snapshot), n_(snap_.size()) {}

  void Run(RankOutput* out) {
    Prepare();
    AccumulateText();
    const bool dense = snap_.model->dim() > 0 && snap_.vectors.rows() == n_;
    if (in_.exhaustive || !dense) {
      Exhaustive(dense, out);
    } else {
      CandidateGeneration(out);
    }
    out->stats.rows = n_;
    for (const RankedRow& p : s_.picks) s_.pick_components.push_back(Components(p.row, s_.semantic[p.row]));
    out->understanding = std::move(understanding_);
    for (uint32_t r : s_.touched) s_.text[r] = 0.f;
    s_.touched.clear();
  }

 private:
  void Prepare() {
    if (s_.text.size() < n_) s_.text.resize(n_, 0.f);
    if (s_.semantic.size() < n_) s_.semantic.resize(n_, 0.f);
    if (s_.semantic_upper.size() < n_) s_.semantic_upper.resize(n_, 0.f);
    if (s_.mark.size() < n_) s_.mark.resize(n_, 0);
    if (++s_.epoch >= (1u << 30)) {
      std::fill(s_.mark.begin(), s_.mark.end(), 0);
      s_.epoch = 1;
    }
    s_.touched.clear();
    s_.candidates.clear();
    s_.picks.clear();
    s_.pick_components.clear();
  }

  bool Has(uint32_t row, uint32_t flag) const {
    const uint32_t m = s_.mark[row];
    return (m >> 2) == s_.epoch && (m & flag) != 0;
  }
  void Set(uint32_t row, uint32_t flag) {
    const uint32_t m = s_.mark[row];
    s_.mark[row] = (s_.epoch << 2) | ((m >> 2) == s_.epoch ? (m & 3) : 0) | flag;
  }

  // BM25: the query's terms against the postings; the best allowed row sets the scale.
  void AccumulateText() {
    const TextFeatures& q = in_.query;
    for (size_t i = 0; i < q.terms.ids.size(); ++i) {
      const uint32_t term = q.terms.ids[i];
      const float qw = q.terms.weights[i];
      snap_.ForEachPosting(term, [&](uint32_t row, float weight) {
        if (s_.text[row] == 0.f) s_.touched.push_back(row);
        s_.text[row] += qw * weight;
      });
    }
    float max_text = 0;
    for (uint32_t r : s_.touched)
      if (IsAllowed(in_.allowed, r)) max_text = std::max(max_text, s_.text[r]);
    text_scale_ = max_text > 0 ? 1.f / max_text : 0.f;
  }

  float Relevance(uint32_t r, float semantic) const {
    return 0.5f * s_.text[r] * text_scale_ + 0.5f * std::max(0.f, semantic);
  }

  void Understand(size_t top) {
    understanding_ = UnderstandNeed(in_.need, in_.query.concepts,
                                    std::span<const FirstStageHit>(s_.hits.data(), top), snap_.rows,
                                    in_.taxonomy, in_.config, in_.intent);
    weights_ = in_.config.WeightsFor(understanding_.signals.category);
    // Specialists can come first only where the field is known well enough
    // to say who is one.
    const std::vector<float>& fw = understanding_.signals.field_weight;
    top_field_ = -1;
    const bool field_known = !in_.need.field.empty() ||
                             understanding_.report.field.confidence >= in_.config.inference_min_confidence;
    for (size_t f = 0; field_known && f < fw.size(); ++f) {
      if (fw[f] > 0 && (top_field_ < 0 || fw[f] > fw[static_cast<size_t>(top_field_)])) top_field_ = static_cast<int>(f);
    }
    constrained_ = !understanding_.cover_types.empty() || LimitsGenerals();
  }

  // A generalist for the top-5 rule: a service listing many fields (a
  // municipal complex's service for a few fields is a specialist there).
  bool IsGeneral(uint32_t r) const { return snap_.rows[r].num_fields >= in_.config.general_service_min_fields; }
  bool LimitsGenerals() const { return in_.config.max_general_in_top5 < 5 && top_field_ >= 0; }
  // A specialist of a wanted type serving the need's likeliest field.
  bool IsFittingSpecialist(uint32_t r) const {
    const CapabilityRow& row = snap_.rows[r];
    const std::vector<float>& tw = understanding_.signals.type_weight;
    return !IsGeneral(r) && row.service_type >= 0 && static_cast<size_t>(row.service_type) < tw.size() &&
           tw[static_cast<size_t>(row.service_type)] > 0 && top_field_ >= 0 && (row.field_bits >> top_field_ & 1) != 0;
  }

  std::array<double, kNumComponents> Components(uint32_t r, float semantic) const {
    std::array<double, kNumComponents> c{};
    c[kText] = s_.text[r] * text_scale_;
    c[kSemantic] = std::clamp(static_cast<double>(semantic), 0.0, 1.0);
    StructuredComponents(snap_.rows[r], understanding_.signals, in_.tables, in_.config,
                         snap_.used_this_month[r].load(std::memory_order_relaxed), &c);
    return c;
  }
  double Combine(const std::array<double, kNumComponents>& c) const {
    return CombineComponents(c, weights_, in_.config.field_counts_only_for_wanted_types);
  }

  // The greedy diverse top-k of the candidates (best first, at most
  // max_results_per_complex per complex) into s_.picks, shaped by the top-5
  // rules when they apply; returns the score every row must reach to matter
  // to the picks, or no threshold while too few could be picked.
  double Pick() {
    if (!constrained_) return PickDiverse(in_.k);
    // The rules choose among the rows the first k + 5 diverse picks reach
    // (each rule passes over at most the 5 places of the top 5).
    const double threshold = PickDiverse(in_.k + 5);
    PickConstrained(threshold);
    return threshold;
  }

  double PickDiverse(size_t k) {
    std::vector<RankedRow>& c = s_.candidates;
    // Diversity may skip candidates: sort a prefix of the best, a longer one
    // if it ran dry. Any prefix gives the greedy's picks over the whole order
    // once it yields k of them.
    size_t prefix = std::min(c.size(), 2 * k + 8);
    for (;;) {
      if (prefix < c.size()) std::nth_element(c.begin(), c.begin() + static_cast<ptrdiff_t>(prefix), c.end(), Better);
      std::sort(c.begin(), c.begin() + static_cast<ptrdiff_t>(prefix), Better);
      s_.picks.clear();
      s_.per_complex.clear();
      for (size_t i = 0; i < prefix && s_.picks.size() < k; ++i) {
        if (!TakeComplexPlace(c[i].row)) continue;
        s_.picks.push_back(c[i]);
      }
      if (s_.picks.size() == k || prefix == c.size()) break;
      prefix = std::min(c.size(), prefix * 4);
    }
    return s_.picks.size() == k ? s_.picks.back().score : kNoThreshold;
  }

  // The places row's complex holds among the picks so far.
  int ComplexCount(uint32_t row) const {
    const uint32_t cx = snap_.rows[row].complex_index;
    for (const auto& p : s_.per_complex)
      if (p.first == cx) return p.second;
    return 0;
  }
  bool ComplexFull(uint32_t row) const {
    const int cap = in_.config.max_results_per_complex;
    return cap > 0 && ComplexCount(row) >= cap;
  }
  // Counts a place for row's complex; false when it has its share already.
  bool TakeComplexPlace(uint32_t row) {
    if (in_.config.max_results_per_complex <= 0) return true;
    if (ComplexFull(row)) return false;
    const uint32_t cx = snap_.rows[row].complex_index;
    for (auto& p : s_.per_complex) {
      if (p.first == cx) {
        ++p.second;
        return true;
      }
    }
    s_.per_complex.emplace_back(cx, 1);
    return true;
  }

  // The picks under the top-5 rules, among the candidates at or above
  // `threshold` (all of them while it is none), best first: a place in the
  // top 5 is kept for each type to cover that still has a candidate further
  // down, and a general service waits while a fitting specialist close to
  // the best is further down. Passed-over rows are left out.
  void PickConstrained(double threshold) {
    std::vector<RankedRow>& c = s_.candidates;
    const auto end = std::partition(c.begin(), c.end(), [threshold](const RankedRow& x) { return x.score >= threshold; });
    std::sort(c.begin(), end, Better);
    const size_t n = static_cast<size_t>(end - c.begin());
    const size_t k = in_.k, window = std::min<size_t>(k, 5);
    const std::vector<int>& cover = understanding_.cover_types;
    uint32_t uncovered = 0;  // bit i: cover[i] has no pick in the top 5 yet
    for (size_t i = 0; i < cover.size(); ++i) uncovered |= 1u << i;
    const double specialist_floor = n == 0 ? 0.0 : in_.config.general_defer_min_relative * c.front().score;
    const bool limit_generals = LimitsGenerals();
    int generals = 0;
    bool specialist_picked = false;
    s_.picks.clear();
    s_.per_complex.clear();
    // Whether a candidate after position i could still take a place.
    const auto later = [&](size_t i, auto&& pred) {
      for (size_t j = i + 1; j < n; ++j)
        if (pred(c[j]) && !ComplexFull(c[j].row)) return true;
      return false;
    };
    for (size_t i = 0; i < n && s_.picks.size() < k; ++i) {
      const uint32_t r = c[i].row;
      if (ComplexFull(r)) continue;
      const size_t pos = s_.picks.size();
      if (pos < window) {
        const int type = snap_.rows[r].service_type;
        int covers = -1;
        for (size_t ci = 0; ci < cover.size(); ++ci)
          if ((uncovered >> ci & 1) && cover[ci] == type) covers = static_cast<int>(ci);
        if (covers < 0) {
          size_t still_coverable = 0;
          for (size_t ci = 0; ci < cover.size(); ++ci) {
            if (!(uncovered >> ci & 1)) continue;
            const int t = cover[ci];
            if (later(i, [&](const RankedRow& x) { return snap_.rows[x.row].service_type == t; })) ++still_coverable;
          }
          if (still_coverable >= window - pos) continue;
          // A general service waits for the fitting specialists close to the
          // best: none of it before the first of them, and no more than the
          // allowed number at all.
          if (limit_generals && IsGeneral(r) && (generals >= in_.config.max_general_in_top5 || !specialist_picked) &&
              later(i, [&](const RankedRow& x) { return x.score >= specialist_floor && IsFittingSpecialist(x.row); })) {
            continue;
          }
        } else {
          uncovered &= ~(1u << covers);
        }
        if (IsGeneral(r)) ++generals;
        if (IsFittingSpecialist(r)) specialist_picked = true;
      }
      TakeComplexPlace(r);
      s_.picks.push_back(c[i]);
    }
  }

  // ---------------------------------------------------------------- exhaustive

  void Exhaustive(bool dense, RankOutput* out) {
    if (dense) {
      DotAll(snap_.vectors, in_.query.vector.data(), s_.semantic.data());
    } else {
      std::fill(s_.semantic.begin(), s_.semantic.begin() + static_cast<ptrdiff_t>(n_), 0.f);
    }
    s_.hits.clear();
    ForEachAllowed(in_.allowed, n_, [&](uint32_t r) {
      const float rel = Relevance(r, s_.semantic[r]);
      if (rel > 0) s_.hits.push_back({rel, r});
    });
    const size_t top = std::min(kFirstStageHits, s_.hits.size());
    std::partial_sort(s_.hits.begin(), s_.hits.begin() + static_cast<ptrdiff_t>(top), s_.hits.end(), BetterHit);
    Understand(top);
    ForEachAllowed(in_.allowed, n_, [&](uint32_t r) {
      s_.candidates.push_back({Combine(Components(r, s_.semantic[r])), r});
    });
    out->stats.rows_scored = s_.candidates.size();
    Pick();
  }

  // ---------------------------------------------------------------- candidates

  void CandidateGeneration(RankOutput* out) {
    out->stats.candidate_generation = true;
    // 1. The semantic shortlist: exact top-M by vector score over the allowed
    // rows. Every other allowed row scores at most its last score.
    const size_t m = std::max(kSemanticShortlist, 2 * in_.k + 16);
    CompactTopK(snap_.compact, snap_.vectors, in_.query.vector.data(), in_.allowed, m, &s_.topk,
                &s_.shortlist, s_.semantic_upper.data());
    const bool complete = s_.shortlist.size() < m;  // every allowed row is in it
    semantic_bound_ = complete ? 0.0 : Clamp01(s_.shortlist.back().score);
    const float semantic_bound_f = complete ? 0.f : s_.shortlist.back().score;
    for (const ScoredRow& r : s_.shortlist) {
      s_.semantic[r.row] = r.score;
      Set(r.row, kSemanticKnown);
    }

    // 2. First stage. The best matches by relevance are among the shortlist
    // and the rows the terms hit; a hit row outside the shortlist needs its
    // exact vector score only if its bound (the shortlist's last score, or
    // the scan's bound of the row if lower) reaches the sixth best so far.
    s_.hits.clear();
    for (const ScoredRow& r : s_.shortlist) {
      const float rel = Relevance(r.row, r.score);
      if (rel > 0) s_.hits.push_back({rel, r.row});
    }
    size_t top = std::min(kFirstStageHits, s_.hits.size());
    std::partial_sort(s_.hits.begin(), s_.hits.begin() + static_cast<ptrdiff_t>(top), s_.hits.end(), BetterHit);
    const float sixth = top == kFirstStageHits ? s_.hits[top - 1].relevance : 0.f;
    s_.pending_rows.clear();
    for (uint32_t r : s_.touched) {
      if (!IsAllowed(in_.allowed, r) || Has(r, kSemanticKnown)) continue;
      if (Relevance(r, std::min(semantic_bound_f, s_.semantic_upper[r])) >= sixth) {
        s_.pending_rows.push_back(r);
        Set(r, kSemanticKnown);  // by ScorePendingSemantics below
      }
    }
    ScorePendingSemantics();
    for (uint32_t r : s_.pending_rows) s_.hits.push_back({Relevance(r, s_.semantic[r]), r});
    top = std::min(kFirstStageHits, s_.hits.size());
    std::partial_sort(s_.hits.begin(), s_.hits.begin() + static_cast<ptrdiff_t>(top), s_.hits.end(), BetterHit);
    Understand(top);

    PrepareTypeBounds();

    // 3. Exact scores of every row whose vector score is known.
    for (const ScoredRow& r : s_.shortlist) ScoreExactly(r.row);
    for (uint32_t r : s_.pending_rows) ScoreExactly(r);
    double kth = Pick();

    // 4. The other hit rows, their vector score bounded (SemanticBound).
    s_.pending.clear();
    for (uint32_t r : s_.touched) {
      if (IsAllowed(in_.allowed, r) && !Has(r, kDecided)) Queue(r, kth);
    }
    kth = DecideQueued(kth);

    // 5. Rows of the wanted service types serving the need's fields, or
    // general; a whole list is skipped when its best possible row cannot
    // reach the k-th pick.
    const NeedSignals& sig = understanding_.signals;
    for (size_t t = 0; t < sig.type_weight.size(); ++t) {
      if (sig.type_weight[t] <= 0 || t >= snap_.type_field_rows.size()) continue;
      if (ListBound(t, /*general=*/true) >= kth) {
        for (uint32_t r : in_.ranking.general_rows[t]) {
          if (IsAllowed(in_.allowed, r) && !Has(r, kDecided)) Queue(r, kth);
        }
      }
      if (ListBound(t, /*general=*/false) >= kth) {
        for (size_t f = 0; f < sig.field_weight.size() && f < snap_.type_field_rows[t].size(); ++f) {
          if (sig.field_weight[f] <= 0) continue;
          for (uint32_t r : snap_.type_field_rows[t][f]) {
            if (IsAllowed(in_.allowed, r) && !Has(r, kDecided)) Queue(r, kth);
          }
        }
      }
    }
    kth = DecideQueued(kth);

    // 6. Every row not considered yet misses the terms, the shortlist and the
    // wanted lists; if even the best of them falls below the k-th pick the
    // picks are final. Otherwise bound each of them.
    if (!complete && !(OutsideBound() < kth)) {
      out->stats.full_scan = true;
      ForEachAllowed(in_.allowed, n_, [&](uint32_t r) {
        if (!Has(r, kDecided)) Queue(r, kth);
      });
      DecideQueued(kth);
    }
    out->stats.rows_scored = s_.candidates.size();
    out->stats.rows_bounded = bounded_;
  }

  void ScorePendingSemantics() {
    s_.pending_semantic.resize(s_.pending_rows.size());
    DotRows(snap_.vectors, in_.query.vector.data(), s_.pending_rows, s_.pending_semantic.data());
    for (size_t i = 0; i < s_.pending_rows.size(); ++i) s_.semantic[s_.pending_rows[i]] = s_.pending_semantic[i];
  }

  void ScoreExactly(uint32_t r) {
    s_.candidates.push_back({Combine(Components(r, s_.semantic[r])), r});
    Set(r, kDecided);
  }

  // Decides row r by its quick bound, or queues it for DecideQueued.
  void Queue(uint32_t r, double kth) {
    Set(r, kDecided);
    const double bound = QuickBound(r);
    if (bound >= kth) s_.queued.push_back({bound, r});
  }

  // Considers the queued rows best quick bound first, in growing batches,
  // and returns the k-th pick's score. Most rows of a long need, or of a
  // wanted type's lists, could reach the k-th pick as it stands after the
  // shortlist (which may hold none of the wanted type); the first batches
  // raise it, and the bulk is then decided by the quick bound alone,
  // without reading the rows (cache misses at 100k rows and more).
  double DecideQueued(double kth) {
    std::vector<RankedRow>& q = s_.queued;
    for (size_t begin = 0, batch = 2 * in_.k + 8; begin < q.size(); batch *= 2) {
      const auto kept = std::partition(q.begin() + static_cast<ptrdiff_t>(begin), q.end(),
                                       [kth](const RankedRow& x) { return x.score >= kth; });
      q.erase(kept, q.end());
      const size_t end = std::min(q.size(), begin + batch);
      if (end < q.size()) {
        std::nth_element(q.begin() + static_cast<ptrdiff_t>(begin), q.begin() + static_cast<ptrdiff_t>(end), q.end(),
                         Better);
      }
      for (size_t i = begin; i < end; ++i) {
        // The rows are scattered over megabytes: fetch a few ahead.
        if (i + kPrefetchAhead < end) {
          const uint32_t ahead = q[i + kPrefetchAhead].row;
          __builtin_prefetch(&snap_.rows[ahead]);
          __builtin_prefetch(&snap_.used_this_month[ahead]);
        }
        Consider(q[i].row, kth);
      }
      kth = ScorePending();
      begin = end;
    }
    q.clear();
    return kth;
  }

  // Bounds queued row r by its own structured components (its quick bound
  // reached kth when it was queued and kth has not risen since) and queues
  // it for exact scoring if that bound reaches the k-th pick too.
  void Consider(uint32_t r, double kth) {
    ++bounded_;
    std::array<double, kNumComponents> c = Components(r, 0.f);
    c[kSemantic] = SemanticBound(r);
    if (Combine(c) + kBoundSlack >= kth) s_.pending.push_back({r, c});
  }

  // What row r's type, text and vector bound allow at best, from arrays
  // that stay in cache (the rows themselves do not at 100k and more).
  double QuickBound(uint32_t r) const {
    const int type = in_.ranking.row_type[r];
    const size_t t = type >= 0 ? static_cast<size_t>(type) : s_.type_bound.size() - 1;
    return s_.type_bound[t] - SemanticSlack(r) + text_weight_ * static_cast<double>(s_.text[r] * text_scale_);
  }

  // A row outside the shortlist scores at most the shortlist's last vector
  // score, and at most what the compact scan bounded it by: most rows far
  // less than the former, so far fewer are scored exactly.
  double SemanticBound(uint32_t r) const {
    return std::min(semantic_bound_, Clamp01(static_cast<double>(s_.semantic_upper[r])));
  }
  // What the type bounds (made with the shortlist's last score) overstate
  // row r's by, less a margin for the rounding of the subtraction.
  double SemanticSlack(uint32_t r) const {
    return semantic_weight_ * (semantic_bound_ - SemanticBound(r)) - kBoundSlack;
  }

  double ScorePending() {
    s_.pending_rows.clear();
    for (const auto& p : s_.pending) s_.pending_rows.push_back(p.row);
    s_.pending_semantic.resize(s_.pending_rows.size());
    DotRows(snap_.vectors, in_.query.vector.data(), s_.pending_rows, s_.pending_semantic.data());
    for (size_t i = 0; i < s_.pending.size(); ++i) {
      RankScratch::Pending& p = s_.pending[i];
      s_.semantic[p.row] = s_.pending_semantic[i];
      Set(p.row, kSemanticKnown);
      p.components[kSemantic] = Clamp01(s_.pending_semantic[i]);
      s_.candidates.push_back({Combine(p.components), p.row});
    }
    s_.pending.clear();
    return Pick();
  }

  // Best combined score any row can have with text 0 (no term hit), vector
  // score at most the shortlist's last, service type `t`, and the given
  // field component; the other components at their catalog maxima.
  double RestBound(double type_weight, double field) const {
    const NeedSignals& sig = understanding_.signals;
    std::array<double, kNumComponents> c{};
    c[kText] = 0;
    c[kSemantic] = semantic_bound_;
    c[kField] = std::min(1.0, field);
    c[kService] = type_weight;
    double region = 0;
    if (sig.county < 0) {
      region = 0.5;
    } else {
      if (in_.ranking.unknown_county) region = 0.5;
      for (size_t x = 0; x < in_.ranking.county_present.size(); ++x) {
        if (in_.ranking.county_present[x]) region = std::max(region, static_cast<double>(in_.tables.region[sig.county][x]));
      }
    }
    c[kRegion] = region;
    c[kQuality] = in_.ranking.max_quality;
    c[kCapacity] = 1.0;
    const int size = sig.size >= 0 && sig.size < 3 ? sig.size : 1;
    double price = 0;
    for (int level = 0; level < 3; ++level)
      if (in_.ranking.price_present[level]) price = std::max(price, in_.config.price_fit[size][level]);
    c[kPrice] = price;
    c[kPriority] = in_.ranking.max_priority;
    return Combine(c) + kBoundSlack;
  }

  // Per service type (and one for rows without a type): the best combined
  // score without text, vector score at most the shortlist's last; plus the
  // text's share of a row's score, text_weight_ * text component.
  void PrepareTypeBounds() {
    const NeedSignals& sig = understanding_.signals;
    double total = 0;
    for (double w : weights_) total += w;
    text_weight_ = total > 0 ? weights_[kText] / total : 0.0;
    semantic_weight_ = total > 0 ? weights_[kSemantic] / total : 0.0;
    const double any_field = FieldWeightSum() * std::max({1.0, in_.config.field_same_category, in_.config.field_general});
    s_.type_bound.assign(sig.type_weight.size() + 1, 0.0);
    for (size_t t = 0; t < sig.type_weight.size(); ++t) s_.type_bound[t] = RestBound(sig.type_weight[t], any_field);
    s_.type_bound.back() = RestBound(0.0, any_field);
  }

  double FieldWeightSum() const {
    double sum = 0;
    for (float w : understanding_.signals.field_weight) sum += w;
    return sum;
  }

  // Bound of the untouched rows of type t on its general list, or on its
  // lists by field.
  double ListBound(size_t t, bool general) const {
    const double tw = understanding_.signals.type_weight[t];
    const double field = general ? in_.config.field_general * FieldWeightSum() : 1.0;
    return RestBound(tw, field);
  }

  // Bound of every row outside the pool: no term hit, not in the shortlist,
  // and, when of a wanted type, neither general nor serving a field the need
  // weighs (so its field component is at most the same-category value).
  double OutsideBound() const {
    const NeedSignals& sig = understanding_.signals;
    const double sum = FieldWeightSum();
    const double any_field = sum * std::max({1.0, in_.config.field_same_category, in_.config.field_general});
    double best = RestBound(0.0, any_field);  // unwanted types and rows without a type
    for (size_t t = 0; t < sig.type_weight.size(); ++t) {
      if (sig.type_weight[t] > 0) {
        best = std::max(best, RestBound(sig.type_weight[t], in_.config.field_same_category * sum));
      }
    }
    return best;
  }

  const RankInput& in_;
  RankScratch& s_;
  const CatalogSnapshot& snap_;
  const size_t n_;
  float text_scale_ = 0;
  double semantic_bound_ = 0;
  double text_weight_ = 0;
  double semantic_weight_ = 0;
  size_t bounded_ = 0;
  int top_field_ = -1;
  bool constrained_ = false;
  Understanding understanding_;
  ComponentWeights weights_{};
};

}  // namespace

RankingTables RankingTables::Build(const CatalogSnapshot& snap, const ScoringConfig& config) {
  RankingTables t;
  t.general_rows.resize(snap.type_field_rows.size());
  const size_t counties = snap.by_county.size();
  t.county_present.assign(counties, 0);
  t.row_type.resize(snap.rows.size());
  for (size_t r = 0; r < snap.rows.size(); ++r) {
    const CapabilityRow& row = snap.rows[r];
    t.row_type[r] = static_cast<int8_t>(row.service_type);
    if (row.field_bits == 0) continue;  // never ranked (retired, or no known field)
    const bool general = row.num_fields >= config.general_service_min_fields ||
                         (row.municipal && config.municipal_services_general);
    if (general && row.service_type >= 0 && static_cast<size_t>(row.service_type) < t.general_rows.size()) {
      t.general_rows[row.service_type].push_back(static_cast<uint32_t>(r));
    }
    if (row.county >= 0 && static_cast<size_t>(row.county) < counties) {
      t.county_present[row.county] = 1;
    } else {
      t.unknown_county = true;
    }
    t.price_present[row.price_level < 3 ? row.price_level : 2] = true;
    double rated = row.rating > 0 ? 1.0 : 0.0;
    double evidence = rated + config.quality_prior_weight;
    double smoothed = evidence > 0 ? (row.rating * rated + config.quality_prior_rating * config.quality_prior_weight) / evidence
                                   : config.quality_prior_rating;
    t.max_quality = std::max(t.max_quality, std::clamp(smoothed / 5.0, 0.0, 1.0));
    double priority = row.best_priority == 1   ? config.priority_leading
                      : row.best_priority == 2 ? config.priority_strategic
                                               : config.priority_normal;
    t.max_priority = std::max(t.max_priority, priority);
  }
  return t;
}

RankScratch& ThreadRankScratch() {
  thread_local RankScratch scratch;
  return scratch;
}

const uint64_t* AllowedRows(const CatalogSnapshot& snap, const FilterIndices& filters, RankScratch* s) {
  if (filters.counties.empty() && filters.service_types.empty() && filters.fields.empty()) {
    return snap.all_eligible ? nullptr : snap.eligible.data();
  }
  const size_t words = snap.eligible.size();
  std::vector<uint64_t>& out = s->allowed;
  out.assign(snap.eligible.begin(), snap.eligible.end());
  // Scratch for one filter's union, kept in the tail of the same buffer.
  out.resize(2 * words);
  auto apply = [&](const std::vector<int>& ids, const std::vector<RowBits>& index) {
    if (ids.empty()) return;
    uint64_t* acc = out.data() + words;
    std::fill(acc, acc + words, 0);
    for (int id : ids) {
      const RowBits& bits = index[static_cast<size_t>(id)];
      for (size_t w = 0; w < words; ++w) acc[w] |= bits[w];
    }
    for (size_t w = 0; w < words; ++w) out[w] &= acc[w];
  };
  apply(filters.counties, snap.by_county);
  apply(filters.service_types, snap.by_type);
  apply(filters.fields, snap.by_field);
  return out.data();
}

void Rank(const RankInput& in, RankScratch& scratch, RankOutput* out) {
  Ranking ranking(in, scratch);
  ranking.Run(out);
}

}  // namespace iisc
