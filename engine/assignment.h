// The bureau's monthly assignment: which open need takes which service when
// services have a limited number of slots left. Ranking one need alone sends
// every SME to the same few popular services; taking needs in turn spends a
// contended service on whoever asked first, even when that need had a good
// alternative and a later one had none. The planner instead fills as many
// (need, service type) slots as capacity allows and, among those plans, takes
// the one with the best total score: a min-cost flow (LEMON's network
// simplex), exact, on the candidate edges the recommender already produced.
// The two baselines beside it are what the plan is measured against.
//
// Pure functions over plain data: no storage, no I/O, no shared state; safe
// to call from any thread. The same problem always gives the same plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/status.h"

namespace iisc {

struct AssignmentNeed {
  std::string id;
  // Service type ids, each at most once and at least one; the need gets at
  // most one service of each (one "slot" per type).
  std::vector<std::string> wanted_types;
};

struct AssignmentService {
  std::string id;    // capability id
  std::string type;  // its service type id
  int remaining_capacity = 0;  // needs it can still take this month, >= 0
};

// A candidate: need `need` could take service `service`, whose type must be
// one of the need's wanted types. At most one edge per (need, service).
struct AssignmentEdge {
  uint32_t need = 0;     // index into AssignmentProblem::needs
  uint32_t service = 0;  // index into AssignmentProblem::services
  double score = 0;      // match score in [0, 1], higher is better
};

struct AssignmentProblem {
  std::vector<AssignmentNeed> needs;  // in submission order (greedy's order)
  std::vector<AssignmentService> services;
  std::vector<AssignmentEdge> edges;  // e.g. the top k per need and wanted type
};

struct AssignmentPair {
  uint32_t need = 0;
  uint32_t service = 0;
  double score = 0;
};

struct AssignmentPlan {
  std::vector<AssignmentPair> pairs;   // sorted by need, then service
  double total_score = 0;              // summed in pair order
  int64_t needs_served = 0;            // needs with at least one pair
  int64_t slots_filled = 0;            // = pairs.size()
  int64_t services_over_capacity = 0;  // services given more needs than they have room for
};

enum class AssignmentObjective {
  // As many slots filled as the edges and capacities allow, then the best
  // total score among such plans. Fills at least as many slots as greedy,
  // but may score less in total: one more slot filled at score 0.1 beats
  // any reshuffle of the others.
  kFillFirst,
  // The best total score, however many slots that fills; never scores less
  // than greedy.
  kScoreOnly,
};

struct AssignmentOptions {
  AssignmentObjective objective = AssignmentObjective::kFillFirst;
};

// The optimal plan: no service over capacity. Scores count to 1e-6 (they are
// scaled to integers for the solver), so plans whose totals differ by less
// are equally good; which of them comes out depends on the problem alone
// (the network is built in index order, the solver has no randomness).
// InvalidArgument, naming the member at fault, for an edge out of range, an
// edge to a service of a type its need does not want, a repeated edge, a
// score outside [0, 1] or NaN, a negative capacity, a need wanting no type or
// a type twice; also for a problem too large for the solver's 64-bit costs,
// when min(slots, services) x (slots + services) passes about 10^12 (a month
// of 10k needs and 100k services is about 10^9).
Result<AssignmentPlan> PlanAssignment(const AssignmentProblem& problem,
                                      const AssignmentOptions& options = {});

// The baseline: needs in index order, each taking for every wanted type (in
// its order) the best edge whose service still has room; equal scores go to
// the lower service index. Never over capacity. Same validation.
Result<AssignmentPlan> PlanGreedy(const AssignmentProblem& problem);

// What happens without planning: every slot takes its best edge (equal scores:
// the lower service index) whatever the capacity, as when each SME simply
// takes its top recommendation. services_over_capacity counts the services
// so oversubscribed. Same validation.
Result<AssignmentPlan> PlanUnconstrained(const AssignmentProblem& problem);

// The three plans of one problem, with the wall time of the two that respect
// capacity.
struct AssignmentReport {
  AssignmentPlan optimal;
  AssignmentPlan greedy;
  AssignmentPlan unconstrained;
  double seconds_optimal = 0;
  double seconds_greedy = 0;
};
Result<AssignmentReport> CompareAssignmentPlans(const AssignmentProblem& problem,
                                                const AssignmentOptions& options = {});

}  // namespace iisc
