#include "engine/assignment.h"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace iisc {
namespace {

// Scores become integer costs: six decimals survive.
constexpr int64_t kScoreScale = 1'000'000;
// Network simplex starts its potentials at half the cost type's range and
// moves them by path costs of at most (nodes + 1) x the largest arc cost;
// keeping that product under 2^60 leaves room for every sum it forms.
constexpr int64_t kMaxPathCost = int64_t{1} << 60;

std::string Member(const char* list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// The problem checked and indexed: one slot per (need, wanted type), and the
// edges grouped by slot.
struct Slots {
  std::vector<uint32_t> need_begin;  // [need]: its first slot; size needs + 1
  std::vector<uint32_t> edge_begin;  // [slot]: its first entry in `edges`; size slots + 1
  // Edge indices by slot; within a slot by score descending, then service
  // index ascending: each slot's best candidate comes first.
  std::vector<uint32_t> edges;

  size_t num_slots() const { return edge_begin.size() - 1; }
};

Result<Slots> IndexProblem(const AssignmentProblem& problem) {
  const auto& needs = problem.needs;
  const auto& services = problem.services;
  const auto& edges = problem.edges;

  std::unordered_map<std::string_view, int> type_ids;
  auto intern = [&type_ids](std::string_view type) {
    return type_ids.try_emplace(type, static_cast<int>(type_ids.size())).first->second;
  };
  std::vector<int> service_type(services.size());
  for (size_t s = 0; s < services.size(); ++s) {
    if (services[s].remaining_capacity < 0) {
      return Status::InvalidArgument(
          "service '" + services[s].id + "' has a negative remaining capacity (" +
              std::to_string(services[s].remaining_capacity) + ")",
          Member("services", s) + ".remaining_capacity");
    }
    service_type[s] = intern(services[s].type);
  }

  Slots slots;
  slots.need_begin.reserve(needs.size() + 1);
  std::vector<int> slot_type;
  for (size_t n = 0; n < needs.size(); ++n) {
    slots.need_begin.push_back(static_cast<uint32_t>(slot_type.size()));
    const auto& wanted = needs[n].wanted_types;
    if (wanted.empty()) {
      return Status::InvalidArgument("need '" + needs[n].id + "' wants no service type",
                                     Member("needs", n) + ".wanted_types");
    }
    for (size_t j = 0; j < wanted.size(); ++j) {
      int type = intern(wanted[j]);
      if (std::find(slot_type.begin() + slots.need_begin.back(), slot_type.end(), type) !=
          slot_type.end()) {
        return Status::InvalidArgument(
            "need '" + needs[n].id + "' wants service type '" + wanted[j] + "' twice",
            Member("needs", n) + "." + Member("wanted_types", j));
      }
      slot_type.push_back(type);
    }
  }
  slots.need_begin.push_back(static_cast<uint32_t>(slot_type.size()));

  std::vector<uint32_t> edge_slot(edges.size());
  slots.edge_begin.assign(slot_type.size() + 1, 0);
  for (size_t e = 0; e < edges.size(); ++e) {
    const AssignmentEdge& edge = edges[e];
    if (edge.need >= needs.size()) {
      return Status::InvalidArgument("edge " + std::to_string(e) + " names need " +
                                         std::to_string(edge.need) + " of " +
                                         std::to_string(needs.size()),
                                     Member("edges", e) + ".need");
    }
    if (edge.service >= services.size()) {
      return Status::InvalidArgument("edge " + std::to_string(e) + " names service " +
                                         std::to_string(edge.service) + " of " +
                                         std::to_string(services.size()),
                                     Member("edges", e) + ".service");
    }
    if (!(edge.score >= 0 && edge.score <= 1)) {  // NaN fails both
      return Status::InvalidArgument(
          "edge " + std::to_string(e) + " has score " + std::to_string(edge.score) +
              ", outside [0, 1]",
          Member("edges", e) + ".score");
    }
    uint32_t slot = slots.need_begin[edge.need];
    const uint32_t end = slots.need_begin[edge.need + 1];
    while (slot < end && slot_type[slot] != service_type[edge.service]) ++slot;
    if (slot == end) {
      const AssignmentService& service = services[edge.service];
      return Status::InvalidArgument(
          "edge " + std::to_string(e) + ": service '" + service.id + "' is of type '" +
              service.type + "', which need '" + needs[edge.need].id + "' does not want",
          Member("edges", e) + ".service");
    }
    edge_slot[e] = slot;
    ++slots.edge_begin[slot + 1];
  }
  for (size_t i = 1; i < slots.edge_begin.size(); ++i) {
    slots.edge_begin[i] += slots.edge_begin[i - 1];
  }

  // Counting sort by slot keeps edge order within a slot, so a repeat is
  // reported at the later of the two edges.
  slots.edges.resize(edges.size());
  std::vector<uint32_t> next(slots.edge_begin.begin(), slots.edge_begin.end() - 1);
  for (size_t e = 0; e < edges.size(); ++e) {
    slots.edges[next[edge_slot[e]]++] = static_cast<uint32_t>(e);
  }
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> seen_slot(services.size(), kNone);
  std::vector<uint32_t> seen_edge(services.size());
  for (size_t slot = 0; slot < slots.num_slots(); ++slot) {
    auto first = slots.edges.begin() + slots.edge_begin[slot];
    auto last = slots.edges.begin() + slots.edge_begin[slot + 1];
    for (auto it = first; it != last; ++it) {
      uint32_t s = edges[*it].service;
      if (seen_slot[s] == slot) {
        return Status::InvalidArgument(
            "edge " + std::to_string(*it) + " repeats need '" + needs[edges[*it].need].id +
                "' and service '" + services[s].id + "' of edge " +
                std::to_string(seen_edge[s]),
            Member("edges", *it));
      }
      seen_slot[s] = static_cast<uint32_t>(slot);
      seen_edge[s] = *it;
    }
    std::sort(first, last, [&edges](uint32_t a, uint32_t b) {
      if (edges[a].score != edges[b].score) return edges[a].score > edges[b].score;
      return edges[a].service < edges[b].service;
    });
  }
  return slots;
}

AssignmentPlan Summarize(const AssignmentProblem& problem, std::vector<AssignmentPair> pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const AssignmentPair& a, const AssignmentPair& b) {
    return a.need != b.need ? a.need < b.need : a.service < b.service;
  });
  AssignmentPlan plan;
  std::vector<int64_t> taken(problem.services.size(), 0);
  for (size_t i = 0; i < pairs.size(); ++i) {
    plan.total_score += pairs[i].score;
    if (i == 0 || pairs[i].need != pairs[i - 1].need) ++plan.needs_served;
    ++taken[pairs[i].service];
  }
  for (size_t s = 0; s < taken.size(); ++s) {
    if (taken[s] > problem.services[s].remaining_capacity) ++plan.services_over_capacity;
  }
  plan.slots_filled = static_cast<int64_t>(pairs.size());
  plan.pairs = std::move(pairs);
  return plan;
}

AssignmentPair PairOf(const AssignmentEdge& edge) {
  return AssignmentPair{edge.need, edge.service, edge.score};
}

}  // namespace

// The flow network: source -> slot (capacity 1) -> service (one arc per edge,
// capacity 1) -> sink (capacity = remaining capacity), plus a source -> sink
// bypass so that slots may stay unfilled; the source supplies one unit per
// slot. An edge arc costs -(BIG + scaled score). For kFillFirst, BIG is more
// than any score a path can win back: raising the flow by one unit means an
// augmenting path that enters one more edge arc than it leaves, and a simple
// path leaves fewer than min(slots, services) of them, each worth at most
// kScoreScale. So a min-cost flow is a max flow first, then the best score.
Result<AssignmentPlan> PlanAssignment(const AssignmentProblem& problem,
                                      const AssignmentOptions& options) {
  Result<Slots> indexed = IndexProblem(problem);
  if (!indexed.ok()) return indexed.status();
  const Slots& slots = *indexed;
  const auto& edges = problem.edges;
  const auto& services = problem.services;

  // Only slots with an edge to a service with room, and those services, take
  // part; numbered in index order so the network depends on the problem alone.
  auto usable = [&](uint32_t e) { return services[edges[e].service].remaining_capacity > 0; };
  std::vector<uint32_t> live_slots;
  std::vector<int> service_node(services.size(), -1);
  for (uint32_t slot = 0; slot < slots.num_slots(); ++slot) {
    bool live = false;
    for (uint32_t i = slots.edge_begin[slot]; i < slots.edge_begin[slot + 1]; ++i) {
      if (!usable(slots.edges[i])) continue;
      live = true;
      service_node[edges[slots.edges[i]].service] = 0;
    }
    if (live) live_slots.push_back(slot);
  }
  if (live_slots.empty()) return Summarize(problem, {});
  const int kSource = 0, kSink = 1;
  const int first_slot_node = 2;
  int num_nodes = first_slot_node + static_cast<int>(live_slots.size());
  std::vector<uint32_t> live_services;
  for (uint32_t s = 0; s < services.size(); ++s) {
    if (service_node[s] == 0) {
      service_node[s] = num_nodes++;
      live_services.push_back(s);
    }
  }

  const int64_t big =
      options.objective == AssignmentObjective::kFillFirst
          ? kScoreScale * static_cast<int64_t>(std::min(live_slots.size(), live_services.size()))
          : 0;
  if (big + kScoreScale > kMaxPathCost / (num_nodes + 1)) {
    return Status::InvalidArgument("too large to plan exactly: " +
                                   std::to_string(live_slots.size()) + " slots and " +
                                   std::to_string(live_services.size()) + " services");
  }

  // StaticDigraph wants the arcs sorted by source; source, slots and services
  // are numbered in that order.
  std::vector<std::pair<int, int>> arcs;
  std::vector<int> upper;
  std::vector<long long> cost;
  auto add_arc = [&](int from, int to, int cap, long long c) {
    arcs.emplace_back(from, to);
    upper.push_back(cap);
    cost.push_back(c);
  };
  add_arc(kSource, kSink, static_cast<int>(live_slots.size()), 0);
  for (size_t i = 0; i < live_slots.size(); ++i) {
    add_arc(kSource, first_slot_node + static_cast<int>(i), 1, 0);
  }
  const size_t first_edge_arc = arcs.size();
  std::vector<uint32_t> arc_edge;
  for (size_t i = 0; i < live_slots.size(); ++i) {
    const uint32_t slot = live_slots[i];
    for (uint32_t j = slots.edge_begin[slot]; j < slots.edge_begin[slot + 1]; ++j) {
      const uint32_t e = slots.edges[j];
      if (!usable(e)) continue;
      const auto scaled = static_cast<long long>(std::llround(edges[e].score * kScoreScale));
      add_arc(first_slot_node + static_cast<int>(i), service_node[edges[e].service], 1,
              -(big + scaled));
      arc_edge.push_back(e);
    }
  }
  for (uint32_t s : live_services) {
    add_arc(service_node[s], kSink, services[s].remaining_capacity, 0);
  }

  lemon::StaticDigraph graph;
  graph.build(num_nodes, arcs.begin(), arcs.end());
  lemon::StaticDigraph::ArcMap<int> upper_map(graph);
  lemon::StaticDigraph::ArcMap<long long> cost_map(graph);
  for (size_t a = 0; a < arcs.size(); ++a) {
    upper_map[graph.arc(static_cast<int>(a))] = upper[a];
    cost_map[graph.arc(static_cast<int>(a))] = cost[a];
  }
  lemon::NetworkSimplex<lemon::StaticDigraph, int, long long> solver(graph);
  solver.upperMap(upper_map)
      .costMap(cost_map)
      .stSupply(graph.node(kSource), graph.node(kSink), static_cast<int>(live_slots.size()));
  if (solver.run() != decltype(solver)::OPTIMAL) {
    // The bypass makes every supply feasible and the costs are bounded.
    return Status::Internal("the assignment flow has no optimum");
  }

  std::vector<AssignmentPair> pairs;
  for (size_t i = 0; i < arc_edge.size(); ++i) {
    if (solver.flow(graph.arc(static_cast<int>(first_edge_arc + i))) > 0) {
      pairs.push_back(PairOf(edges[arc_edge[i]]));
    }
  }
  return Summarize(problem, std::move(pairs));
}

Result<AssignmentPlan> PlanGreedy(const AssignmentProblem& problem) {
  Result<Slots> indexed = IndexProblem(problem);
  if (!indexed.ok()) return indexed.status();
  const Slots& slots = *indexed;
  std::vector<int> room(problem.services.size());
  for (size_t s = 0; s < room.size(); ++s) room[s] = problem.services[s].remaining_capacity;
  std::vector<AssignmentPair> pairs;
  // Slots are numbered need by need, each need's in its wanted order.
  for (size_t slot = 0; slot < slots.num_slots(); ++slot) {
    for (uint32_t j = slots.edge_begin[slot]; j < slots.edge_begin[slot + 1]; ++j) {
      const AssignmentEdge& edge = problem.edges[slots.edges[j]];
      if (room[edge.service] > 0) {
        --room[edge.service];
        pairs.push_back(PairOf(edge));
        break;
      }
    }
  }
  return Summarize(problem, std::move(pairs));
}

Result<AssignmentPlan> PlanUnconstrained(const AssignmentProblem& problem) {
  Result<Slots> indexed = IndexProblem(problem);
  if (!indexed.ok()) return indexed.status();
  const Slots& slots = *indexed;
  std::vector<AssignmentPair> pairs;
  for (size_t slot = 0; slot < slots.num_slots(); ++slot) {
    if (slots.edge_begin[slot] < slots.edge_begin[slot + 1]) {
      pairs.push_back(PairOf(problem.edges[slots.edges[slots.edge_begin[slot]]]));
    }
  }
  return Summarize(problem, std::move(pairs));
}

Result<AssignmentReport> CompareAssignmentPlans(const AssignmentProblem& problem,
                                                const AssignmentOptions& options) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  AssignmentReport report;
  Clock::time_point start = Clock::now();
  Result<AssignmentPlan> optimal = PlanAssignment(problem, options);
  report.seconds_optimal = seconds_since(start);
  if (!optimal.ok()) return optimal.status();
  start = Clock::now();
  Result<AssignmentPlan> greedy = PlanGreedy(problem);
  report.seconds_greedy = seconds_since(start);
  if (!greedy.ok()) return greedy.status();
  Result<AssignmentPlan> unconstrained = PlanUnconstrained(problem);
  if (!unconstrained.ok()) return unconstrained.status();
  report.optimal = std::move(optimal).value();
  report.greedy = std::move(greedy).value();
  report.unconstrained = std::move(unconstrained).value();
  return report;
}

}  // namespace iisc
