// Ranking one need against a catalog snapshot: the hot path of Recommend.
//
// Two ways to the same answer:
//  - exhaustive: every allowed row gets its exact hybrid score (small
//    catalogs, and the reference the other way is tested against);
//  - candidate generation: a compact-scan semantic shortlist, the rows the
//    need's terms hit (BM25 postings) and the rows of the wanted service
//    types in the need's fields are bounded from above; only rows whose bound
//    can still reach the k-th pick are scored exactly. A final bound over all
//    remaining rows proves the pool complete, or the scan falls back to
//    bounding every row. Either way the picks equal the exhaustive ones: the
//    same scores, the same ties, the same diversity limit.
// The picks are the best rows in score order, at most max_results_per_complex
// per complex. Two rules shape the top 5 when they apply, both among the
// rows that the first k + 5 picks of score order reach (so both ways of
// ranking see the same rows): a place is kept for the best service of each
// type to cover (hedging, several wanted types), and general services take at
// most max_general_in_top5 places, none before the first fitting
// specialist, while such a specialist scores close to the best. Passed-over
// rows are left out, so the results stay sorted by score.
// All working memory is per thread and reused (RankScratch).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/catalog_snapshot.h"
#include "engine/recommender.h"
#include "engine/scorer.h"
#include "engine/understanding.h"
#include "engine/vector_kernels.h"

namespace iisc {

// What the bounds need of a (snapshot, config) pair, built when either changes.
struct RankingTables {
  // [service type]: rows counted as general services under the config (many
  // fields, or municipal when that makes them general), ascending.
  std::vector<std::vector<uint32_t>> general_rows;
  // [row]: its service type, -1 for none: the bounds' first check reads one
  // byte per row here (cache-resident) instead of the row itself.
  std::vector<int8_t> row_type;
  double max_quality = 0;               // best quality component of any row
  double max_priority = 0;              // best priority component of any row
  std::array<bool, 3> price_present{};  // price levels some row has
  std::vector<uint8_t> county_present;  // [county]: some row is there
  bool unknown_county = false;          // some row has no known county

  static RankingTables Build(const CatalogSnapshot& snapshot, const ScoringConfig& config);
};

struct RankScratch {
  std::vector<float> text;        // per row: lexical score; zero outside a request
  std::vector<uint32_t> touched;  // rows with text > 0
  std::vector<float> semantic;    // per row, valid where marked
  std::vector<float> semantic_upper;  // per allowed row: the compact scan's bound of its vector score
  std::vector<uint32_t> mark;     // per row: epoch << 2 | flags
  uint32_t epoch = 0;
  std::vector<uint64_t> allowed;  // the request's filter bitmap
  std::vector<FirstStageHit> hits;
  std::vector<RankedRow> candidates;
  std::vector<ScoredRow> shortlist;
  std::vector<RankedRow> queued;  // (quick bound, row): rows to decide, see DecideQueued
  TopKScratch topk;
  struct Pending {
    uint32_t row;
    std::array<double, kNumComponents> components;
  };
  std::vector<Pending> pending;
  std::vector<uint32_t> pending_rows;
  std::vector<float> pending_semantic;
  std::vector<std::pair<uint32_t, int>> per_complex;
  std::vector<double> type_bound;
  std::vector<RankedRow> picks;
  std::vector<std::array<double, kNumComponents>> pick_components;
};

// The calling thread's scratch.
RankScratch& ThreadRankScratch();

// Resolved filter ids (indices into the taxonomy's lists); empty = no filter.
struct FilterIndices {
  std::vector<int> counties, service_types, fields;
};

// The rows the filters allow, as a bitmap in scratch->allowed, or nullptr
// when every row is allowed.
const uint64_t* AllowedRows(const CatalogSnapshot& snapshot, const FilterIndices& filters,
                            RankScratch* scratch);

struct RankInput {
  const Taxonomy& taxonomy;
  const CatalogSnapshot& snapshot;
  const ScoringConfig& config;
  const ScoringTables& tables;
  const RankingTables& ranking;
  const Need& need;
  const TextFeatures& query;
  const uint64_t* allowed;  // AllowedRows()
  size_t k;
  bool exhaustive;
  const IntentPrediction* intent = nullptr;  // the intent model's view of the need, if any
};

struct RankOutput {
  Understanding understanding;
  RecommendStats stats;
};

// Leaves the picks, best first with the diversity limit applied, in
// scratch.picks and their exact components in scratch.pick_components (valid
// until the next Rank on this thread).
void Rank(const RankInput& in, RankScratch& scratch, RankOutput* out);

}  // namespace iisc
