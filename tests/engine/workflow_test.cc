// The lifecycle's state machine in the engine, without HTTP: what each role
// may do, idempotent replays, and concurrent changes to one request (exactly
// one wins; run under ThreadSanitizer by the tsan stage: suite
// "WorkflowConcurrency").
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class WorkflowFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto taxonomy = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(taxonomy.ok());
    auto shared = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *shared);
    ASSERT_TRUE(scoring.ok());
    RecommenderOptions options;
    options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    options.vocabulary_dir = kRoot + "/configs/vocabulary";
    options.workflow.now_unix_ms = [this] { return now_.load(); };
    auto engine = Recommender::Open(NewMemoryStore(), shared, std::move(scoring).value(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  SubmittedNeed Submit(const std::string& description) {
    Need need;
    need.description = description;
    std::promise<Result<SubmittedNeed>> done;
    engine_->SubmitNeed(need, [&](Result<SubmittedNeed> r) { done.set_value(std::move(r)); });
    auto submitted = done.get_future().get();
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    return std::move(submitted).value();
  }

  Result<WriteOutcome> Request(const std::string& need_id, const std::string& capability,
                               const Idempotency& idem = {}) {
    std::promise<Result<WriteOutcome>> done;
    engine_->workflow().RequestServices(need_id, {capability}, "", idem,
                                        [&](Result<WriteOutcome> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  Result<WriteOutcome> Act(const Principal& who, const std::string& request_id, RequestAction action,
                           ActionInput input = {}) {
    std::promise<Result<WriteOutcome>> done;
    engine_->workflow().Act(who, request_id, action, std::move(input), {},
                            [&](Result<WriteOutcome> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  static std::string ComplexOf(const std::string& capability) {
    return capability.substr(0, capability.find('/'));
  }

  std::atomic<int64_t> now_{1'796'000'000'000};
  std::unique_ptr<Recommender> engine_;
};

using WorkflowTest = WorkflowFixture;

TEST_F(WorkflowTest, FactsHoldEveryNeedAndRequestForTheBureausMap) {
  Need given;
  given.description = "我们的断路器要出口欧盟，需要CE认证检测";
  given.county = "yueqing";
  given.field = "electrical";
  given.service_types = {"testing"};
  std::promise<Result<SubmittedNeed>> stored;
  engine_->SubmitNeed(given, [&](Result<SubmittedNeed> r) { stored.set_value(std::move(r)); });
  auto a = stored.get_future().get();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const SubmittedNeed b = Submit("眼镜架外观设计");  // no field: eyewear, inferred
  const Recommendation& best = a->recommendations.results.at(0);
  ASSERT_EQ(best.capability->type, "testing");
  auto created = Request(a->id, best.capability->id);
  ASSERT_TRUE(created.ok());
  const std::string rid = created->requests.at(0).id;
  const Principal complex{Principal::Kind::kComplex, ComplexOf(best.capability->id)};
  const Principal sme{Principal::Kind::kSme, a->id};
  ASSERT_TRUE(Act(complex, rid, RequestAction::kAccept).ok());
  ASSERT_TRUE(Act(complex, rid, RequestAction::kStart).ok());
  now_ += 1000;
  const int64_t completed_at = now_;
  ASSERT_TRUE(Act(complex, rid, RequestAction::kComplete).ok());
  now_ += 1000;
  ActionInput rating;
  rating.rating = 4;
  ASSERT_TRUE(Act(sme, rid, RequestAction::kRate, rating).ok());

  const LifecycleFacts f = engine_->workflow().Facts();
  ASSERT_EQ(f.needs.size(), 2u);
  auto name = [](const std::vector<std::string>& names, uint32_t i) {
    return i == LifecycleFacts::kNone ? std::string("-") : names.at(i);
  };
  const bool a_first = name(f.counties, f.needs[0].county) == "yueqing";
  const LifecycleFacts::Need& na = f.needs[a_first ? 0 : 1];
  const LifecycleFacts::Need& nb = f.needs[a_first ? 1 : 0];
  EXPECT_EQ(name(f.fields, na.field), "electrical");
  EXPECT_EQ(name(f.fields, na.inferred_field), "-");
  EXPECT_EQ(na.best_capability, LifecycleFacts::kNone);  // its field is known
  EXPECT_NEAR(na.best_score, best.score, 1e-6);
  ASSERT_EQ(na.wanted_end - na.wanted_begin, 1u);
  EXPECT_EQ(name(f.types, f.wanted[na.wanted_begin].type), "testing");
  EXPECT_NEAR(f.wanted[na.wanted_begin].best_score, best.score, 1e-6);
  EXPECT_EQ(name(f.fields, nb.field), "-");
  EXPECT_EQ(name(f.fields, nb.inferred_field), "eyewear");
  EXPECT_GE(nb.inferred_field_confidence, 0.35f);
  EXPECT_EQ(name(f.counties, nb.county), "-");
  ASSERT_EQ(nb.wanted_end - nb.wanted_begin, 1u);  // no kind given: its best match's
  EXPECT_EQ(name(f.types, f.wanted[nb.wanted_begin].type), b.recommendations.results.at(0).capability->type);
  ASSERT_EQ(f.requests.size(), 1u);
  const LifecycleFacts::Request& r = f.requests[0];
  EXPECT_EQ(&f.needs.at(r.need), &na);
  EXPECT_EQ(name(f.types, r.type), "testing");
  EXPECT_EQ(r.state, RequestState::kRated);
  EXPECT_EQ(r.rating, 4);
  EXPECT_EQ(r.completed_unix_ms, completed_at);
  EXPECT_EQ(r.rated_unix_ms, completed_at + 1000);

  // The engine's map over them, this month by the workflow's clock.
  auto map = engine_->SupplyDemand({});
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->capacity_month, MonthOfUnixMs(now_));
  EXPECT_EQ(map->total.needs, 2);
  EXPECT_EQ(map->total.requests, 1);
  EXPECT_EQ(map->total.completions, 1);
  EXPECT_EQ(map->total.ratings, 1);
  EXPECT_EQ(map->total.rating_sum, 4);
  EXPECT_EQ(map->attribution.given, 1);
  EXPECT_EQ(map->attribution.inferred, 1);
  int64_t services = 0, capacity = 0;
  for (const Complex* c : engine_->ListComplexes(*engine_->Snapshot())) {
    for (const Capability& cap : c->services) {
      ++services;
      capacity += cap.capacity_per_month;
    }
  }
  EXPECT_EQ(map->total.services, services);
  EXPECT_EQ(map->total.monthly_capacity, capacity);
  EXPECT_EQ(map->total.capacity_left, capacity - 1);  // accepted this month
  const Taxonomy& tax = engine_->taxonomy();
  bool found = false;
  for (const auto& cell : map->cells) {
    if (cell.field == tax.FieldIndex("electrical") && cell.county == tax.CountyIndex("yueqing")) {
      found = true;
      EXPECT_EQ(cell.counts.needs, 1);
      EXPECT_EQ(cell.counts.ratings, 1);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(map->by_field.at(tax.FieldIndex("eyewear")).counts.needs, 1);
  SupplyDemandQuery unknown;
  unknown.service_type = "astrology";
  EXPECT_EQ(engine_->SupplyDemand(unknown).status().code(), StatusCode::kInvalidArgument);
}
using WorkflowConcurrency = WorkflowFixture;

TEST_F(WorkflowTest, EachRoleTakesOnlyItsOwnActions) {
  SubmittedNeed need = Submit("我们的断路器要出口欧盟，需要CE认证检测");
  const std::string service = need.recommendations.results.at(0).capability->id;
  auto created = Request(need.id, service);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const ServiceRequest& r = created->requests.at(0);
  EXPECT_EQ(r.state, RequestState::kRequested);
  EXPECT_EQ(r.rank, 1);
  EXPECT_GT(r.score, 0);
  const Principal sme{Principal::Kind::kSme, need.id};
  const Principal complex{Principal::Kind::kComplex, ComplexOf(service)};
  const Principal stranger{Principal::Kind::kComplex, "iisc-somewhere-else"};
  const Principal bureau{Principal::Kind::kBureau, ""};
  EXPECT_EQ(Act(sme, r.id, RequestAction::kAccept).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Act(stranger, r.id, RequestAction::kAccept).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Act(bureau, r.id, RequestAction::kAccept).status().code(), StatusCode::kPermissionDenied);
  ActionInput five;
  five.rating = 5;
  EXPECT_EQ(Act(complex, r.id, RequestAction::kRate, five).status().code(),
            StatusCode::kPermissionDenied);
  auto refused = Act(complex, r.id, RequestAction::kStart);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().field(), "requested");
  ASSERT_TRUE(Act(complex, r.id, RequestAction::kAccept).ok());
  // Accepted this month: counted against the service's capacity.
  auto used = engine_->workflow().UsedCapacityThisMonth();
  ASSERT_EQ(used.size(), 1u);
  EXPECT_EQ(used[0], std::make_pair(service, 1));
  // An accepted need leaves the feeds and the open needs.
  for (const OpenNeed& open : engine_->workflow().OpenNeeds()) EXPECT_NE(open.id, need.id);
}

TEST_F(WorkflowTest, RequestsExpireOnTheClockAndOnlyThen) {
  SubmittedNeed need = Submit("想申请一项发明专利");
  auto created = Request(need.id, need.recommendations.results.at(0).capability->id);
  ASSERT_TRUE(created.ok());
  auto expire = [&] {
    std::promise<Result<size_t>> done;
    engine_->workflow().ExpireDue([&](Result<size_t> n) { done.set_value(std::move(n)); });
    return done.get_future().get();
  };
  now_ += int64_t{7} * 24 * 3600 * 1000 - 1;
  ASSERT_TRUE(expire().ok());
  EXPECT_EQ(engine_->workflow().GetRequest(created->requests[0].id)->state, RequestState::kRequested);
  now_ += 1;
  auto expired = expire();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1u);
  auto r = engine_->workflow().GetRequest(created->requests[0].id);
  EXPECT_EQ(r->state, RequestState::kExpired);
  EXPECT_EQ(r->history.back().by, Actor::kSystem);
}

TEST_F(WorkflowTest, RevokingATokenAgainChangesNothing) {
  auto issue = [&] {
    std::promise<Result<IssuedComplexToken>> done;
    engine_->workflow().IssueComplexToken(
        "iisc-ouhai-eyewear", "desk",
        [&](Result<IssuedComplexToken> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto revoke = [&](const std::string& id) {
    std::promise<Result<Revocation>> done;
    engine_->workflow().RevokeComplexToken(
        id, [&](Result<Revocation> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto revoked_at = [&](const std::string& id) {
    for (const ComplexToken& t : engine_->workflow().ListComplexTokens()) {
      if (t.id == id) return t.revoked_unix_ms;
    }
    return int64_t{-1};
  };
  auto issued = issue();
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  const std::string id = issued->info.id;
  auto first = revoke(id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Revocation::kRevoked);
  EXPECT_FALSE(engine_->workflow().ComplexOfToken(issued->token).has_value());
  const int64_t at = revoked_at(id);
  EXPECT_EQ(at, now_.load());
  now_ += 1000;
  auto again = revoke(id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, Revocation::kAlreadyRevoked);
  EXPECT_EQ(revoked_at(id), at);
  EXPECT_EQ(revoke("ctk-0000000000000000").status().code(), StatusCode::kNotFound);

  // Two at once (a double click): one revokes, the other finds it revoked.
  auto other = issue();
  ASSERT_TRUE(other.ok());
  std::promise<Result<Revocation>> a, b;
  engine_->workflow().RevokeComplexToken(other->info.id,
                                         [&](Result<Revocation> r) { a.set_value(std::move(r)); });
  engine_->workflow().RevokeComplexToken(other->info.id,
                                         [&](Result<Revocation> r) { b.set_value(std::move(r)); });
  auto ra = a.get_future().get();
  auto rb = b.get_future().get();
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(std::set<Revocation>({*ra, *rb}),
            (std::set<Revocation>{Revocation::kRevoked, Revocation::kAlreadyRevoked}));
}

TEST_F(WorkflowConcurrency, OfManySimultaneousAcceptsExactlyOneWins) {
  SubmittedNeed need = Submit("想找检测机构做产品检测认证");
  const std::string service = need.recommendations.results.at(0).capability->id;
  auto created = Request(need.id, service);
  ASSERT_TRUE(created.ok());
  const std::string id = created->requests[0].id;
  const Principal complex{Principal::Kind::kComplex, ComplexOf(service)};
  const Principal sme{Principal::Kind::kSme, need.id};
  constexpr int kThreads = 8;
  std::vector<std::future<Result<WriteOutcome>>> results;
  for (int i = 0; i < kThreads; ++i) {
    results.push_back(std::async(std::launch::async, [&, i] {
      // Half accept, half withdraw: the request ends in one of the two, once.
      return i % 2 == 0 ? Act(complex, id, RequestAction::kAccept) : Act(sme, id, RequestAction::kWithdraw);
    }));
  }
  int won = 0;
  for (auto& f : results) {
    auto r = f.get();
    if (r.ok()) {
      ++won;
    } else {
      EXPECT_TRUE(r.status().code() == StatusCode::kFailedPrecondition ||
                  r.status().code() == StatusCode::kAborted)
          << r.status().ToString();
    }
  }
  auto final_state = engine_->workflow().GetRequest(id);
  ASSERT_TRUE(final_state.ok());
  // Withdrawing an accepted request is allowed, so up to two may win, in order.
  EXPECT_GE(won, 1);
  EXPECT_LE(won, 2);
  EXPECT_EQ(final_state->history.size(), static_cast<size_t>(1 + won));
  EXPECT_TRUE(final_state->state == RequestState::kAccepted || final_state->state == RequestState::kWithdrawn);
}

TEST_F(WorkflowConcurrency, RetriesWithOneKeyCreateOneRequest) {
  SubmittedNeed need = Submit("需要一笔贷款扩大生产");
  const std::string service = need.recommendations.results.at(0).capability->id;
  Idempotency idem{"retry-key", "sme:" + need.id, "same body"};
  std::vector<std::future<Result<WriteOutcome>>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [&] { return Request(need.id, service, idem); }));
  }
  std::set<std::string> ids;
  for (auto& f : results) {
    auto r = f.get();
    if (r.ok()) {
      ids.insert(r->requests.at(0).id);
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kAborted) << r.status().ToString();
    }
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(engine_->workflow().NeedRequests(need.id).size(), 1u);
  // Once written, a retry replays it.
  auto replay = Request(need.id, service, idem);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->requests.at(0).id, *ids.begin());
  idem.fingerprint = "another body";
  EXPECT_EQ(Request(need.id, service, idem).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iisc
