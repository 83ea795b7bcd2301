// The bureau's assignment planner on a synthetic contended month:
//   PlanAssignment/needs/services/zipf_x100  the min-cost flow plan (kFillFirst)
//   PlanAssignmentScoreOnly/...              the same solver, best total score only
//   PlanGreedy/...                           needs in turn, each its best service with room
//   PlanUnconstrained/...                    every slot its best service, capacity ignored
// Each reports its plan as counters (total_score, needs_served, slots_filled,
// services_over_capacity) and, beside it, the ratios to greedy's plan.
//
// The month (seed 1): services spread evenly over 11 service types, each with
// 0-5 slots left (mostly 1-2); needs want 1-3 types, popular types more
// often. A need's candidates for a type are k = 10 distinct services drawn
// with a Zipf law of exponent zipf_x100 / 100 over the type's services, as
// the recommender's top picks would be: the same popular services appear in
// many needs' lists and score higher there, so they run out first. The
// larger the exponent, the more the lists overlap and the harder the month.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/assignment.h"

namespace {

using namespace iisc;

constexpr int kTypes = 11;
constexpr int kCandidates = 10;

// Zipf's law over ranks 0..n-1 as a cumulative table.
std::vector<double> ZipfCdf(size_t n, double exponent) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (size_t r = 0; r < n; ++r) cdf[r] = sum += 1.0 / std::pow(static_cast<double>(r + 1), exponent);
  for (double& c : cdf) c /= sum;
  return cdf;
}

AssignmentProblem ContendedMonth(int num_needs, int num_services, double zipf, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  AssignmentProblem p;

  // Slots left: mostly 1 or 2, some services full, few with 5.
  std::discrete_distribution<int> capacity({15, 35, 25, 12, 8, 5});
  std::vector<std::vector<uint32_t>> of_type(kTypes);  // by popularity rank
  for (int s = 0; s < num_services; ++s) {
    const int type = s % kTypes;
    p.services.push_back({"cap-" + std::to_string(s), "type-" + std::to_string(type),
                          capacity(rng)});
    of_type[type].push_back(static_cast<uint32_t>(s));
  }
  std::vector<std::vector<double>> cdf(kTypes);
  for (int t = 0; t < kTypes; ++t) cdf[t] = ZipfCdf(of_type[t].size(), zipf);

  // Demand per type: the most asked-for type about 5 times the least.
  std::vector<double> type_weight;
  for (int t = 0; t < kTypes; ++t) type_weight.push_back(1.0 / std::pow(t + 1.0, 0.7));
  std::discrete_distribution<int> wanted_count({50, 35, 15});

  for (int n = 0; n < num_needs; ++n) {
    AssignmentNeed need{"need-" + std::to_string(n), {}};
    const int count = 1 + wanted_count(rng);
    std::vector<double> weight = type_weight;
    std::vector<int> types;
    while (static_cast<int>(types.size()) < count) {
      int t = std::discrete_distribution<int>(weight.begin(), weight.end())(rng);
      weight[t] = 0;
      types.push_back(t);
    }
    for (int t : types) {
      need.wanted_types.push_back("type-" + std::to_string(t));
      const auto& pool = of_type[t];
      std::vector<size_t> ranks;
      while (static_cast<int>(ranks.size()) < std::min<int>(kCandidates, pool.size())) {
        size_t r = std::lower_bound(cdf[t].begin(), cdf[t].end(), unit(rng)) - cdf[t].begin();
        r = std::min(r, pool.size() - 1);
        if (std::find(ranks.begin(), ranks.end(), r) == ranks.end()) ranks.push_back(r);
      }
      for (size_t r : ranks) {
        // Popular services fit better on the whole; the need adds its own part.
        const double quality = 1.0 - 0.5 * std::log1p(static_cast<double>(r)) /
                                         std::log1p(static_cast<double>(pool.size()));
        p.edges.push_back({static_cast<uint32_t>(n), pool[r], 0.6 * quality + 0.4 * unit(rng)});
      }
    }
    p.needs.push_back(std::move(need));
  }
  return p;
}

struct Month {
  AssignmentProblem problem;
  AssignmentPlan greedy;
};

const Month& GetMonth(int num_needs, int num_services, int zipf_x100) {
  static std::map<std::tuple<int, int, int>, Month> months;
  auto [it, inserted] = months.try_emplace({num_needs, num_services, zipf_x100});
  if (inserted) {
    it->second.problem = ContendedMonth(num_needs, num_services, zipf_x100 / 100.0, 1);
    Result<AssignmentPlan> greedy = PlanGreedy(it->second.problem);
    if (!greedy.ok()) {
      std::fprintf(stderr, "assignment_bench: %s\n", greedy.status().ToString().c_str());
      std::exit(1);
    }
    it->second.greedy = std::move(greedy).value();
  }
  return it->second;
}

void Report(benchmark::State& state, const Month& month, const AssignmentPlan& plan) {
  state.counters["total_score"] = plan.total_score;
  state.counters["needs_served"] = static_cast<double>(plan.needs_served);
  state.counters["slots_filled"] = static_cast<double>(plan.slots_filled);
  state.counters["services_over_capacity"] = static_cast<double>(plan.services_over_capacity);
  state.counters["score_vs_greedy"] = plan.total_score / month.greedy.total_score;
  state.counters["served_vs_greedy"] =
      static_cast<double>(plan.needs_served) / static_cast<double>(month.greedy.needs_served);
  state.counters["slots_vs_greedy"] =
      static_cast<double>(plan.slots_filled) / static_cast<double>(month.greedy.slots_filled);
  state.counters["edges"] = static_cast<double>(month.problem.edges.size());
}

template <typename Plan>
void Run(benchmark::State& state, Plan plan) {
  const Month& month = GetMonth(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                                static_cast<int>(state.range(2)));
  AssignmentPlan last;
  for (auto _ : state) {
    Result<AssignmentPlan> result = plan(month.problem);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    last = std::move(result).value();
    benchmark::DoNotOptimize(last);
  }
  Report(state, month, last);
}

void BM_PlanAssignment(benchmark::State& state) {
  Run(state, [](const AssignmentProblem& p) { return PlanAssignment(p); });
}
void BM_PlanAssignmentScoreOnly(benchmark::State& state) {
  Run(state, [](const AssignmentProblem& p) {
    return PlanAssignment(p, {AssignmentObjective::kScoreOnly});
  });
}
void BM_PlanGreedy(benchmark::State& state) { Run(state, PlanGreedy); }
void BM_PlanUnconstrained(benchmark::State& state) { Run(state, PlanUnconstrained); }

void Sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"needs", "services", "zipf_x100"});
  b->Args({1000, 10000, 100})->Args({10000, 100000, 100})->Args({10000, 100000, 130})->Args({10000, 100000, 160});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_PlanAssignment)->Apply(Sizes);
BENCHMARK(BM_PlanAssignmentScoreOnly)->Apply(Sizes);
BENCHMARK(BM_PlanGreedy)->Apply(Sizes);
BENCHMARK(BM_PlanUnconstrained)->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();
