// The blocking pool on its own, and the router handing blocking routes to
// it. Every wait is on a promise the test fulfils: nothing depends on timing.
#include "server/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/beast/http/field.hpp>

#include "gate.h"
#include "server/router.h"

namespace iisc {
namespace {

namespace http = boost::beast::http;

using testing::Gate;

TEST(BlockingPoolTest, RunsJobsOffTheCallingThread) {
  BlockingPool pool(2, 4);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(pool.TrySubmit([&ran] { ran.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
  EXPECT_EQ(pool.Stop(), 0u);
}

TEST(BlockingPoolTest, RefusesBeyondItsQueueAndCountsTheRefusals) {
  Gate gate;
  BlockingPool pool(1, 2, [&gate] { gate.Enter(); });
  std::latch finished(3);
  auto job = [&finished] { finished.count_down(); };
  ASSERT_TRUE(pool.TrySubmit(job));  // runs, held at the gate
  gate.WaitEntered(1);
  EXPECT_TRUE(pool.TrySubmit(job));  // waits
  EXPECT_TRUE(pool.TrySubmit(job));  // waits
  EXPECT_FALSE(pool.TrySubmit(job));  // the queue is full
  BlockingPool::Stats stats = pool.stats();
  EXPECT_EQ(stats.threads, 1);
  EXPECT_EQ(stats.running, 1u);
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.rejected, 1u);
  gate.Release();
  finished.wait();  // the three accepted jobs ran
  EXPECT_EQ(pool.Stop(), 0u);
}

TEST(BlockingPoolTest, ZeroQueueTakesOnlyWhatTheThreadsCanRun) {
  Gate gate;
  BlockingPool pool(2, 0, [&gate] { gate.Enter(); });
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  gate.WaitEntered(2);
  EXPECT_FALSE(pool.TrySubmit([] {}));
  gate.Release();
  EXPECT_EQ(pool.Stop(), 0u);
}

TEST(BlockingPoolTest, StopWaitsForRunningJobsAndDropsQueuedOnes) {
  Gate gate;
  auto pool = std::make_unique<BlockingPool>(1, 4, [&gate] { gate.Enter(); });
  std::atomic<bool> first_finished{false};
  std::atomic<bool> second_ran{false};
  // What a dropped job holds is released by Stop, on the caller's thread.
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  ASSERT_TRUE(pool->TrySubmit([&first_finished] { first_finished = true; }));
  gate.WaitEntered(1);
  ASSERT_TRUE(pool->TrySubmit([&second_ran, held] { second_ran = true; }));
  held.reset();
  EXPECT_FALSE(watch.expired());
  std::promise<size_t> dropped;
  std::thread stopper([&] { dropped.set_value(pool->Stop()); });
  auto result = dropped.get_future();
  // The one thread is held, so the queue empties only by Stop dropping it.
  while (pool->stats().queued > 0) std::this_thread::yield();
  EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "Stop returned with a job still running";
  gate.Release();
  EXPECT_EQ(result.get(), 1u);
  stopper.join();
  EXPECT_TRUE(first_finished);
  EXPECT_FALSE(second_ran);
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(pool->TrySubmit([] {}));  // stopped
  EXPECT_EQ(pool->Stop(), 0u);           // idempotent
}

// Opens a gate when it goes out of scope, so that a failing assertion
// cannot leave pool threads held at it while the pool joins them.
struct ReleaseOnExit {
  Gate& gate;
  ~ReleaseOnExit() { gate.Release(); }
};

// Long bureau jobs take at most all but one thread: a serving job (a need
// read, a lifecycle write) queued behind them starts at once, and a queued
// bureau job starts when one of them ends.
TEST(BlockingPoolTest, BureauJobsLeaveOneThreadForServingJobs) {
  Gate bureau_gate;
  BlockingPool pool(3, 8);
  ReleaseOnExit release{bureau_gate};  // destroyed before the pool
  std::latch bureau_finished(3);
  auto bureau = [&] {
    bureau_gate.Enter();
    bureau_finished.count_down();
  };
  using Lane = BlockingPool::Lane;
  ASSERT_TRUE(pool.TrySubmit(bureau, Lane::kBureau));
  ASSERT_TRUE(pool.TrySubmit(bureau, Lane::kBureau));
  bureau_gate.WaitEntered(2);
  ASSERT_TRUE(pool.TrySubmit(bureau, Lane::kBureau));  // the lane is full: it waits
  BlockingPool::Stats stats = pool.stats();
  EXPECT_EQ(stats.running_bureau, 2u);
  EXPECT_EQ(stats.queued, 1u);
  // Queued after the waiting bureau job, a serving job runs on the free thread.
  std::promise<void> served;
  ASSERT_TRUE(pool.TrySubmit([&served] { served.set_value(); }));
  ASSERT_EQ(served.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the serving job waited behind bureau jobs";
  EXPECT_EQ(pool.stats().running_bureau, 2u);
  bureau_gate.Release();
  bureau_finished.wait();  // the third ran once a place in the lane was free
  EXPECT_EQ(pool.Stop(), 0u);
  EXPECT_EQ(pool.stats().running_bureau, 0u);
}

// Waiting bureau jobs never take the serving jobs' places in the queue: with
// the bureau's lane full, a serving job is still admitted to the idle thread
// (it was refused when every waiting job counted against one bound).
TEST(BlockingPoolTest, WaitingBureauJobsDoNotCrowdOutServingJobs) {
  for (size_t max_queued : {size_t{0}, size_t{2}}) {
    SCOPED_TRACE(max_queued);
    Gate bureau_gate;
    BlockingPool pool(3, max_queued);
    ReleaseOnExit release{bureau_gate};
    using Lane = BlockingPool::Lane;
    std::latch bureau_finished(static_cast<ptrdiff_t>(2 + max_queued));
    auto bureau = [&] {
      bureau_gate.Enter();
      bureau_finished.count_down();
    };
    ASSERT_TRUE(pool.TrySubmit(bureau, Lane::kBureau));
    ASSERT_TRUE(pool.TrySubmit(bureau, Lane::kBureau));
    bureau_gate.WaitEntered(2);
    // The lane is full: bureau jobs wait, up to max_queued of them.
    for (size_t i = 0; i < max_queued; ++i) EXPECT_TRUE(pool.TrySubmit(bureau, Lane::kBureau)) << i;
    EXPECT_FALSE(pool.TrySubmit(bureau, Lane::kBureau));
    std::promise<void> served;
    ASSERT_TRUE(pool.TrySubmit([&served] { served.set_value(); }));
    ASSERT_EQ(served.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
    bureau_gate.Release();
    bureau_finished.wait();  // every admitted bureau job ran
    EXPECT_EQ(pool.Stop(), 0u);
    EXPECT_EQ(pool.stats().rejected, 1u);
  }
}

TEST(BlockingPoolTest, AOneThreadPoolRunsBureauJobsToo) {
  BlockingPool pool(1, 4);
  std::promise<void> ran;
  ASSERT_TRUE(pool.TrySubmit([&ran] { ran.set_value(); }, BlockingPool::Lane::kBureau));
  ran.get_future().get();
  EXPECT_EQ(pool.Stop(), 0u);
}

// The server closes the pool the moment its I/O threads stop, before the
// running job is let go: a job finishing after Close must not pick up a
// queued one (a dropped job ran in the server test when the pool was only
// closed after the running job had finished).
TEST(BlockingPoolTest, AfterCloseAFinishingJobStartsNoQueuedOne) {
  Gate gate;
  BlockingPool pool(1, 4, [&gate] { gate.Enter(); });
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&ran] { ++ran; }));
  gate.WaitEntered(1);
  ASSERT_TRUE(pool.TrySubmit([&ran] { ran += 10; }));
  EXPECT_EQ(pool.Close(), 1u);
  EXPECT_FALSE(pool.TrySubmit([] {}));
  gate.Release();
  pool.Join();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(pool.stats().queued, 0u);
  EXPECT_EQ(pool.Close(), 0u);  // idempotent
}

TEST(BlockingPoolTest, AJobThatThrowsDoesNotTakeThePoolDown) {
  BlockingPool pool(1, 4);
  ASSERT_TRUE(pool.TrySubmit([] { throw std::runtime_error("bug"); }));
  std::promise<void> after;
  ASSERT_TRUE(pool.TrySubmit([&after] { after.set_value(); }));
  after.get_future().get();
  pool.Stop();
}

class BlockingRouteTest : public ::testing::Test {
 protected:
  BlockingRouteTest()
      : pool_(1, 1, [this] { gate_.Enter(); }),
        router_(&metrics_, RouterOptions{.blocking_pool = &pool_}) {
    auto where = [](HttpRequest& req, const PathParams&, Reply reply) {
      HttpResponse res{http::status::ok, 11};
      std::ostringstream id;
      id << std::this_thread::get_id();
      res.body() = id.str() + " " + req.body();
      reply(std::move(res));
    };
    router_.Add(http::verb::get, "/fast", where);
    router_.Add(http::verb::post, "/slow", where, RouteOptions{.blocking = true});
    router_.Add(http::verb::post, "/bureau", where, RouteOptions{.blocking = true, .bureau_job = true});
    router_.Add(http::verb::post, "/sometimes", where,
                RouteOptions{.blocking_if = [](const HttpRequest& req) {
                  return req.find("X-Slow") != req.end();
                }});
  }
  ~BlockingRouteTest() override {
    gate_.Release();
    pool_.Stop();
  }

  // Dispatches; the answer arrives through the returned future.
  std::future<HttpResponse> Call(http::verb method, std::string target, std::string body = "",
                                 bool slow_header = false) {
    HttpRequest req{method, target, 11};
    if (slow_header) req.set("X-Slow", "1");
    req.body() = std::move(body);
    req.prepare_payload();
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    router_.Dispatch(std::move(req), [answer](HttpResponse&& res) { answer->set_value(std::move(res)); });
    return answer->get_future();
  }

  static std::string Me() {
    std::ostringstream id;
    id << std::this_thread::get_id();
    return id.str();
  }

  Gate gate_;
  Metrics metrics_;
  BlockingPool pool_;
  Router router_;
};

TEST_F(BlockingRouteTest, AFastRouteAnswersOnTheCallingThread) {
  auto answer = Call(http::verb::get, "/fast");
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(answer.get().body(), Me() + " ");
}

TEST_F(BlockingRouteTest, ABlockingRouteRunsOnThePoolWithItsRequest) {
  auto slow = Call(http::verb::post, "/slow", "the body");
  gate_.WaitEntered(1);
  // Held on the pool: the calling thread is free, and a fast route answers.
  EXPECT_EQ(Call(http::verb::get, "/fast").get().result(), http::status::ok);
  gate_.Release();
  HttpResponse res = slow.get();
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_NE(res.body(), Me() + " the body");
  EXPECT_TRUE(res.body().ends_with(" the body")) << res.body();
}

TEST_F(BlockingRouteTest, ABureauRouteRunsInTheBureauLane) {
  auto bureau = Call(http::verb::post, "/bureau", "plan");
  gate_.WaitEntered(1);
  EXPECT_EQ(pool_.stats().running_bureau, 1u);
  gate_.Release();
  EXPECT_TRUE(bureau.get().body().ends_with(" plan"));
  auto slow = Call(http::verb::post, "/slow", "read");
  EXPECT_TRUE(slow.get().body().ends_with(" read"));
  EXPECT_EQ(pool_.stats().running_bureau, 0u);
}

TEST_F(BlockingRouteTest, ARouteCanBeBlockingForSomeRequestsOnly) {
  auto plain = Call(http::verb::post, "/sometimes", "x");
  ASSERT_EQ(plain.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(plain.get().body(), Me() + " x");
  auto slow = Call(http::verb::post, "/sometimes", "y", /*slow_header=*/true);
  gate_.WaitEntered(1);
  gate_.Release();
  HttpResponse res = slow.get();
  EXPECT_NE(res.body(), Me() + " y");
  EXPECT_TRUE(res.body().ends_with(" y")) << res.body();
}

TEST_F(BlockingRouteTest, AFullQueueIsAnswered503WithRetryAfter) {
  auto running = Call(http::verb::post, "/slow");
  gate_.WaitEntered(1);
  auto queued = Call(http::verb::post, "/slow");
  auto refused = Call(http::verb::post, "/slow");
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  HttpResponse res = refused.get();
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_NE(res.body().find(R"("code":"unavailable")"), std::string::npos) << res.body();
  gate_.Release();
  EXPECT_EQ(running.get().result(), http::status::ok);
  EXPECT_EQ(queued.get().result(), http::status::ok);
}

}  // namespace
}  // namespace iisc
