#include "engine/assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace iisc {
namespace {

AssignmentProblem Problem(std::vector<std::vector<std::string>> needs,
                          std::vector<std::pair<std::string, int>> services,
                          std::vector<AssignmentEdge> edges) {
  AssignmentProblem p;
  for (size_t n = 0; n < needs.size(); ++n) {
    p.needs.push_back({"n" + std::to_string(n), std::move(needs[n])});
  }
  for (size_t s = 0; s < services.size(); ++s) {
    p.services.push_back({"s" + std::to_string(s), services[s].first, services[s].second});
  }
  p.edges = std::move(edges);
  return p;
}

std::vector<std::pair<uint32_t, uint32_t>> PairsOf(const AssignmentPlan& plan) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& p : plan.pairs) out.emplace_back(p.need, p.service);
  return out;
}

// Everything a plan must satisfy whatever its quality: its pairs are edges of
// the problem, sorted, at most one per (need, type), and its totals add up.
// With `within_capacity`, no service takes more needs than it has room for.
void ExpectConsistent(const AssignmentProblem& problem, const AssignmentPlan& plan,
                      bool within_capacity) {
  std::set<std::pair<uint32_t, std::string>> slots;
  std::vector<int> taken(problem.services.size(), 0);
  std::set<uint32_t> needs;
  double total = 0;
  for (size_t i = 0; i < plan.pairs.size(); ++i) {
    const AssignmentPair& pair = plan.pairs[i];
    if (i > 0) {
      const AssignmentPair& prev = plan.pairs[i - 1];
      ASSERT_TRUE(prev.need < pair.need || (prev.need == pair.need && prev.service < pair.service))
          << "pairs not sorted or repeated at " << i;
    }
    auto edge = std::find_if(problem.edges.begin(), problem.edges.end(), [&](const auto& e) {
      return e.need == pair.need && e.service == pair.service;
    });
    ASSERT_NE(edge, problem.edges.end()) << "pair " << i << " is no edge";
    EXPECT_EQ(edge->score, pair.score);
    EXPECT_TRUE(slots.emplace(pair.need, problem.services[pair.service].type).second)
        << "need " << pair.need << " got two services of one type";
    ++taken[pair.service];
    needs.insert(pair.need);
    total += pair.score;
  }
  int64_t over = 0;
  for (size_t s = 0; s < taken.size(); ++s) {
    if (taken[s] > problem.services[s].remaining_capacity) ++over;
  }
  EXPECT_EQ(plan.services_over_capacity, over);
  if (within_capacity) {
    EXPECT_EQ(over, 0);
  }
  EXPECT_EQ(plan.slots_filled, static_cast<int64_t>(plan.pairs.size()));
  EXPECT_EQ(plan.needs_served, static_cast<int64_t>(needs.size()));
  EXPECT_NEAR(plan.total_score, total, 1e-9);
}

AssignmentPlan Optimal(const AssignmentProblem& problem,
                       AssignmentObjective objective = AssignmentObjective::kFillFirst) {
  Result<AssignmentPlan> plan = PlanAssignment(problem, {objective});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : AssignmentPlan{};
}

AssignmentPlan Greedy(const AssignmentProblem& problem) {
  Result<AssignmentPlan> plan = PlanGreedy(problem);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : AssignmentPlan{};
}

TEST(AssignmentTest, EmptyProblemGivesEmptyPlans) {
  AssignmentProblem empty;
  for (const Result<AssignmentPlan>& plan :
       {PlanAssignment(empty), PlanGreedy(empty), PlanUnconstrained(empty)}) {
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan->pairs.empty());
    EXPECT_EQ(plan->total_score, 0);
    EXPECT_EQ(plan->slots_filled, 0);
    EXPECT_EQ(plan->needs_served, 0);
  }
  // Needs without candidates, services without room: nothing to plan either.
  AssignmentProblem idle = Problem({{"testing"}}, {{"testing", 0}}, {{0, 0, 0.9}});
  EXPECT_TRUE(Optimal(idle).pairs.empty());
  EXPECT_TRUE(Greedy(idle).pairs.empty());
}

TEST(AssignmentTest, ContendedServiceGoesToTheNeedWithoutAlternative) {
  // n0 asks first and likes s0 best, but has s1 too; n1 has only s0.
  AssignmentProblem p = Problem({{"testing"}, {"testing"}}, {{"testing", 1}, {"testing", 1}},
                                {{0, 0, 0.9}, {0, 1, 0.8}, {1, 0, 0.7}});
  AssignmentPlan greedy = Greedy(p);
  EXPECT_EQ(PairsOf(greedy), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}}));
  EXPECT_EQ(greedy.needs_served, 1);

  AssignmentPlan optimal = Optimal(p);
  ExpectConsistent(p, optimal, true);
  EXPECT_EQ(PairsOf(optimal), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {1, 0}}));
  EXPECT_EQ(optimal.needs_served, 2);
  EXPECT_NEAR(optimal.total_score, 1.5, 1e-12);

  Result<AssignmentPlan> unconstrained = PlanUnconstrained(p);
  ASSERT_TRUE(unconstrained.ok());
  ExpectConsistent(p, *unconstrained, false);
  EXPECT_EQ(PairsOf(*unconstrained), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}, {1, 0}}));
  EXPECT_EQ(unconstrained->services_over_capacity, 1);
}

TEST(AssignmentTest, FillingFirstCanScoreLessThanGreedy) {
  // Filling both slots is only possible at a total of 0.01; greedy scores 1.
  AssignmentProblem p = Problem({{"design"}, {"design"}}, {{"design", 1}, {"design", 1}},
                                {{0, 0, 1.0}, {0, 1, 0.01}, {1, 0, 0.0}});
  AssignmentPlan greedy = Greedy(p);
  EXPECT_EQ(greedy.slots_filled, 1);
  EXPECT_EQ(greedy.total_score, 1.0);

  AssignmentPlan fill = Optimal(p, AssignmentObjective::kFillFirst);
  EXPECT_EQ(fill.slots_filled, 2);
  EXPECT_NEAR(fill.total_score, 0.01, 1e-12);

  AssignmentPlan score = Optimal(p, AssignmentObjective::kScoreOnly);
  EXPECT_EQ(PairsOf(score), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}}));
  EXPECT_EQ(score.total_score, 1.0);
}

TEST(AssignmentTest, FillingOneMoreSlotMayReshuffleAChain) {
  // n2 fits only s0; to serve it, n0 moves to s1 and n1 to s2, each from a
  // score of 1 to 0: three slots at 0 beat two at 2.
  AssignmentProblem p =
      Problem({{"testing"}, {"testing"}, {"testing"}},
              {{"testing", 1}, {"testing", 1}, {"testing", 1}},
              {{0, 0, 1.0}, {0, 1, 0.0}, {1, 1, 1.0}, {1, 2, 0.0}, {2, 0, 0.0}});
  AssignmentPlan fill = Optimal(p, AssignmentObjective::kFillFirst);
  EXPECT_EQ(PairsOf(fill), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {1, 2}, {2, 0}}));
  AssignmentPlan score = Optimal(p, AssignmentObjective::kScoreOnly);
  EXPECT_EQ(PairsOf(score), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}, {1, 1}}));
}

TEST(AssignmentTest, NeedTakesOneServicePerWantedType) {
  AssignmentProblem p =
      Problem({{"testing", "ipr"}}, {{"testing", 5}, {"testing", 5}, {"ipr", 5}, {"ipr", 5}},
              {{0, 0, 0.5}, {0, 1, 0.6}, {0, 2, 0.4}, {0, 3, 0.3}});
  for (const AssignmentPlan& plan : {Optimal(p), Greedy(p)}) {
    ExpectConsistent(p, plan, true);
    EXPECT_EQ(PairsOf(plan), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {0, 2}}));
    EXPECT_EQ(plan.needs_served, 1);
    EXPECT_EQ(plan.slots_filled, 2);
  }
}

TEST(AssignmentTest, GreedyTakesNeedsInOrderAndBreaksTiesByIndex) {
  // Equal scores: the lower service index first; needs in index order.
  AssignmentProblem p = Problem({{"testing"}, {"testing"}, {"testing"}},
                                {{"testing", 1}, {"testing", 1}, {"testing", 0}},
                                {{0, 2, 0.9}, {0, 1, 0.9}, {0, 0, 0.9}, {1, 1, 0.9},
                                 {1, 0, 0.9}, {2, 1, 0.2}});
  AssignmentPlan greedy = Greedy(p);
  ExpectConsistent(p, greedy, true);
  EXPECT_EQ(PairsOf(greedy), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}, {1, 1}}));
  // Without capacity, the first two needs both take s0.
  Result<AssignmentPlan> unconstrained = PlanUnconstrained(p);
  ASSERT_TRUE(unconstrained.ok());
  EXPECT_EQ(PairsOf(*unconstrained),
            (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}, {1, 0}, {2, 1}}));
  EXPECT_EQ(unconstrained->services_over_capacity, 1);
}

TEST(AssignmentTest, ZeroCapacityServicesAreNeverPlanned) {
  AssignmentProblem p = Problem({{"testing"}}, {{"testing", 0}, {"testing", 1}},
                                {{0, 0, 1.0}, {0, 1, 0.1}});
  for (const AssignmentPlan& plan : {Optimal(p), Greedy(p)}) {
    EXPECT_EQ(PairsOf(plan), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}}));
  }
  Result<AssignmentPlan> unconstrained = PlanUnconstrained(p);
  ASSERT_TRUE(unconstrained.ok());
  EXPECT_EQ(PairsOf(*unconstrained), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}}));
  EXPECT_EQ(unconstrained->services_over_capacity, 1);
}

void ExpectInvalid(const AssignmentProblem& p, const std::string& field,
                   const std::string& message_part) {
  for (const Status& status :
       {PlanAssignment(p).status(), PlanGreedy(p).status(), PlanUnconstrained(p).status(),
        CompareAssignmentPlans(p).status()}) {
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(status.field(), field);
    EXPECT_NE(status.message().find(message_part), std::string::npos) << status.message();
  }
}

TEST(AssignmentTest, InvalidInputIsNamed) {
  auto base = [] {
    return Problem({{"testing"}, {"ipr", "testing"}}, {{"testing", 2}, {"ipr", 1}},
                   {{0, 0, 0.5}, {1, 1, 0.5}, {1, 0, 0.5}});
  };
  ASSERT_TRUE(PlanAssignment(base()).ok());

  AssignmentProblem p = base();
  p.edges[2].need = 2;
  ExpectInvalid(p, "edges[2].need", "need 2 of 2");
  p = base();
  p.edges[1].service = 7;
  ExpectInvalid(p, "edges[1].service", "service 7 of 2");
  p = base();
  p.edges[0].service = 1;  // an ipr service for a need that wants testing only
  ExpectInvalid(p, "edges[0].service", "need 'n0' does not want");
  p = base();
  p.edges[1].score = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(p, "edges[1].score", "outside [0, 1]");
  p = base();
  p.edges[1].score = 1.5;
  ExpectInvalid(p, "edges[1].score", "outside [0, 1]");
  p = base();
  p.edges[0].score = -0.1;
  ExpectInvalid(p, "edges[0].score", "outside [0, 1]");
  p = base();
  p.services[1].remaining_capacity = -1;
  ExpectInvalid(p, "services[1].remaining_capacity", "negative");
  p = base();
  p.edges.push_back({1, 0, 0.9});
  ExpectInvalid(p, "edges[3]", "of edge 2");
  p = base();
  p.needs[0].wanted_types.clear();
  ExpectInvalid(p, "needs[0].wanted_types", "wants no service type");
  p = base();
  p.needs[1].wanted_types.push_back("ipr");
  ExpectInvalid(p, "needs[1].wanted_types[2]", "twice");
}

// ---- Against exhaustive search on small random problems ----

struct SmallInstance {
  AssignmentProblem problem;
  int64_t grid = 0;  // scores are multiples of 1/grid; 0 = any double
};

// A few needs and services over up to three types, tight capacities so that
// the needs compete; on a coarse grid many plans tie.
SmallInstance RandomSmall(std::mt19937& rng) {
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  SmallInstance out;
  const int grids[] = {0, 1, 10, 1000};
  out.grid = grids[uniform(0, 3)];
  const int num_types = uniform(1, 3);
  AssignmentProblem& p = out.problem;
  const int num_services = uniform(1, 5);
  for (int s = 0; s < num_services; ++s) {
    p.services.push_back({"s" + std::to_string(s), "t" + std::to_string(uniform(0, num_types - 1)),
                          uniform(0, 2)});
  }
  const int num_needs = uniform(2, 6);
  for (int n = 0; n < num_needs; ++n) {
    std::vector<std::string> types;
    for (int t = 0; t < num_types; ++t) types.push_back("t" + std::to_string(t));
    std::shuffle(types.begin(), types.end(), rng);
    types.resize(uniform(1, num_types));
    p.needs.push_back({"n" + std::to_string(n), types});
  }
  for (int n = 0; n < num_needs; ++n) {
    for (int s = 0; s < num_services; ++s) {
      const auto& wanted = p.needs[n].wanted_types;
      if (std::find(wanted.begin(), wanted.end(), p.services[s].type) == wanted.end()) continue;
      if (uniform(0, 9) < 2) continue;
      double score = out.grid == 0 ? std::uniform_real_distribution<double>(0, 1)(rng)
                                   : static_cast<double>(uniform(0, static_cast<int>(out.grid))) /
                                         static_cast<double>(out.grid);
      p.edges.push_back({static_cast<uint32_t>(n), static_cast<uint32_t>(s), score});
    }
  }
  std::shuffle(p.edges.begin(), p.edges.end(), rng);
  return out;
}

// Every feasible plan, by depth-first search over the (need, type) slots.
struct BruteForce {
  struct Best {
    int64_t slots = -1;
    double score = -1;
  };
  Best fill_first;  // lexicographic (slots, score)
  Best score_only;  // score alone

  explicit BruteForce(const AssignmentProblem& p) : problem(p) {
    for (uint32_t n = 0; n < p.needs.size(); ++n) {
      for (const std::string& type : p.needs[n].wanted_types) {
        std::vector<const AssignmentEdge*> options;
        for (const auto& e : p.edges) {
          if (e.need == n && p.services[e.service].type == type) options.push_back(&e);
        }
        slot_options.push_back(std::move(options));
      }
    }
    for (const auto& s : p.services) room.push_back(s.remaining_capacity);
    Search(0, 0, 0);
  }

  void Search(size_t slot, int64_t filled, double score) {
    if (slot == slot_options.size()) {
      if (filled > fill_first.slots || (filled == fill_first.slots && score > fill_first.score)) {
        fill_first = {filled, score};
      }
      if (score > score_only.score) score_only = {filled, score};
      return;
    }
    Search(slot + 1, filled, score);
    for (const AssignmentEdge* e : slot_options[slot]) {
      if (room[e->service] == 0) continue;
      --room[e->service];
      Search(slot + 1, filled + 1, score + e->score);
      ++room[e->service];
    }
  }

  const AssignmentProblem& problem;
  std::vector<std::vector<const AssignmentEdge*>> slot_options;
  std::vector<int> room;
};

TEST(AssignmentTest, MatchesExhaustiveSearchOnSmallProblems) {
  std::mt19937 rng(20240601);
  // How often greedy falls short: fewer slots, or the same slots for less.
  int64_t fewer_slots = 0, lower_score = 0;
  for (int round = 0; round < 3000; ++round) {
    SmallInstance instance = RandomSmall(rng);
    const AssignmentProblem& p = instance.problem;
    SCOPED_TRACE("round " + std::to_string(round));
    BruteForce best(p);
    // Scores count to 1e-6 in the solver; on a grid they are exact.
    const double tolerance = instance.grid == 0 ? 1e-5 : 1e-9;

    AssignmentPlan fill = Optimal(p, AssignmentObjective::kFillFirst);
    ExpectConsistent(p, fill, true);
    EXPECT_EQ(fill.slots_filled, best.fill_first.slots);
    EXPECT_NEAR(fill.total_score, best.fill_first.score, tolerance);

    AssignmentPlan score = Optimal(p, AssignmentObjective::kScoreOnly);
    ExpectConsistent(p, score, true);
    EXPECT_NEAR(score.total_score, best.score_only.score, tolerance);

    AssignmentPlan greedy = Greedy(p);
    ExpectConsistent(p, greedy, true);
    EXPECT_GE(fill.slots_filled, greedy.slots_filled);
    EXPECT_GE(score.total_score, greedy.total_score - tolerance);
    if (greedy.slots_filled < fill.slots_filled) {
      ++fewer_slots;
    } else if (greedy.total_score < fill.total_score - 1e-9) {
      ++lower_score;
    }

    Result<AssignmentPlan> unconstrained = PlanUnconstrained(p);
    ASSERT_TRUE(unconstrained.ok());
    ExpectConsistent(p, *unconstrained, false);
    EXPECT_GE(unconstrained->total_score, score.total_score - tolerance);

    // The same problem gives the same plan.
    AssignmentPlan again = Optimal(p, AssignmentObjective::kFillFirst);
    EXPECT_EQ(PairsOf(again), PairsOf(fill));
  }
  // The instances do exercise contention, not just easy fills.
  EXPECT_GT(fewer_slots, 50);
  EXPECT_GT(lower_score, 500);
}

// ---- A month-sized shape, against an independent maximum matching ----

// Maximum number of slots fillable, by augmenting paths (Ford-Fulkerson on the
// slot/service graph with capacities): the reference for cardinality.
int64_t MaxFillable(const AssignmentProblem& p) {
  std::vector<std::vector<uint32_t>> slot_services;
  for (uint32_t n = 0; n < p.needs.size(); ++n) {
    for (const std::string& type : p.needs[n].wanted_types) {
      std::vector<uint32_t> services;
      for (const auto& e : p.edges) {
        if (e.need == n && p.services[e.service].type == type) services.push_back(e.service);
      }
      slot_services.push_back(std::move(services));
    }
  }
  std::vector<std::vector<uint32_t>> holders(p.services.size());  // slots per service
  std::vector<uint32_t> visit(p.services.size(), 0);
  uint32_t epoch = 0;
  // Iterative DFS would be safer for huge graphs; paths here are short.
  std::function<bool(uint32_t)> augment = [&](uint32_t slot) {
    for (uint32_t s : slot_services[slot]) {
      if (visit[s] == epoch) continue;
      visit[s] = epoch;
      if (static_cast<int>(holders[s].size()) < p.services[s].remaining_capacity) {
        holders[s].push_back(slot);
        return true;
      }
      for (uint32_t& other : holders[s]) {
        if (augment(other)) {
          other = slot;
          return true;
        }
      }
    }
    return false;
  };
  int64_t filled = 0;
  for (uint32_t slot = 0; slot < slot_services.size(); ++slot) {
    ++epoch;
    if (augment(slot)) ++filled;
  }
  return filled;
}

TEST(AssignmentTest, FillsAsManySlotsAsAMaximumMatchingOnAContendedMonth) {
  std::mt19937 rng(7);
  AssignmentProblem p;
  const int kTypes = 4, kServices = 600, kNeeds = 500, kCandidates = 5;
  std::vector<std::vector<uint32_t>> of_type(kTypes);
  for (int s = 0; s < kServices; ++s) {
    const int type = s % kTypes;
    p.services.push_back({"s" + std::to_string(s), "t" + std::to_string(type),
                          std::uniform_int_distribution<int>(0, 2)(rng)});
    of_type[type].push_back(static_cast<uint32_t>(s));
  }
  // Candidates crowd onto the first services of each type.
  std::geometric_distribution<int> popular(0.08);
  for (int n = 0; n < kNeeds; ++n) {
    AssignmentNeed need{"n" + std::to_string(n), {}};
    const int first = n % kTypes;
    const int count = 1 + n % 3;
    for (int j = 0; j < count; ++j) {
      need.wanted_types.push_back("t" + std::to_string((first + j) % kTypes));
    }
    for (int j = 0; j < count; ++j) {
      const auto& pool = of_type[(first + j) % kTypes];
      std::set<uint32_t> picked;
      while (static_cast<int>(picked.size()) < kCandidates) {
        picked.insert(pool[std::min<size_t>(popular(rng), pool.size() - 1)]);
      }
      for (uint32_t s : picked) {
        p.edges.push_back({static_cast<uint32_t>(n), s,
                           std::uniform_real_distribution<double>(0, 1)(rng)});
      }
    }
    p.needs.push_back(std::move(need));
  }
  Result<AssignmentReport> report = CompareAssignmentPlans(p);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ExpectConsistent(p, report->optimal, true);
  ExpectConsistent(p, report->greedy, true);
  ExpectConsistent(p, report->unconstrained, false);
  EXPECT_EQ(report->optimal.slots_filled, MaxFillable(p));
  EXPECT_GT(report->optimal.slots_filled, report->greedy.slots_filled);
  EXPECT_GT(report->unconstrained.services_over_capacity, 0);

  AssignmentPlan score = Optimal(p, AssignmentObjective::kScoreOnly);
  ExpectConsistent(p, score, true);
  EXPECT_GE(score.total_score, report->greedy.total_score);
  EXPECT_GE(score.total_score, report->optimal.total_score - 1e-6);
}

}  // namespace
}  // namespace iisc
