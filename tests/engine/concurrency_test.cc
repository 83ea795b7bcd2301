// The engine's concurrent paths, written to be run under ThreadSanitizer too:
// the need writer's group commit with many submitters and a stop in the
// middle, and the recommender serving while its catalog, weights and needs
// change underneath.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "engine/need_writer.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "forwarding_store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("iisc-concurrency-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline std::atomic<int> counter_{0};
  std::filesystem::path path_;
};

// A real store that records the size of every need batch it is given.
class BatchRecordingStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  std::vector<size_t> batches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

  Status Write(const DurableWrite& write) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      batches_.push_back(write.needs.size());
    }
    return ForwardingStore::Write(write);
  }

 private:
  mutable std::mutex mu_;
  std::vector<size_t> batches_;
};

StoredNeed MakeNeed(const std::string& id) {
  StoredNeed stored;
  stored.id = id;
  stored.need.description = "断路器短路分断试验 " + id;
  stored.need.county = "yueqing";
  stored.need.service_types = {"testing"};
  stored.created_unix_ms = 1'717'000'000'000;
  stored.access_token_sha256 = std::string(64, 'b');
  stored.config_version = "cfg";
  stored.features = FeatureVector{"model-1", {1.0f, 2.0f}};
  return stored;
}

std::unique_ptr<Store> OpenRocks(const std::string& dir) {
  auto store = OpenRocksStore(dir, StoreOptions{});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(NeedWriterConcurrency, EverySubmitterIsAcknowledgedOnceAndEveryNeedIsStored) {
  TempDir dir;
  auto recording = std::make_unique<BatchRecordingStore>(OpenRocks(dir.path()));
  BatchRecordingStore* store = recording.get();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  constexpr size_t kMaxBatch = 8;
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed{0};
  {
    NeedWriter writer(store, kMaxBatch);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Waits for its outstanding needs every few submissions, so batches
        // of one and of many both happen.
        std::vector<std::future<Status>> outstanding;
        for (int i = 0; i < kPerThread; ++i) {
          auto done = std::make_shared<std::promise<Status>>();
          outstanding.push_back(done->get_future());
          writer.Submit(MakeNeed("n" + std::to_string(t) + "-" + std::to_string(i)),
                        [done](Status s) { done->set_value(std::move(s)); });
          if (i % 5 == 4 || i + 1 == kPerThread) {
            for (auto& f : outstanding) (f.get().ok() ? acknowledged : failed).fetch_add(1);
            outstanding.clear();
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(acknowledged.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  size_t written = 0;
  for (size_t b : store->batches()) {
    EXPECT_GE(b, 1u);
    EXPECT_LE(b, kMaxBatch);
    written += b;
  }
  EXPECT_EQ(written, static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = "n" + std::to_string(t) + "-" + std::to_string(i);
      Result<StoredNeed> read = store->GetNeed(id);
      ASSERT_TRUE(read.ok()) << id << ": " << read.status().ToString();
      EXPECT_TRUE(read->need == MakeNeed(id).need) << id;
    }
  }
}

TEST(NeedWriterConcurrency, StopWhileSubmittingLosesNoCallbackAndNoAcknowledgedNeed) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenRocks(dir.path());
  ASSERT_NE(store, nullptr);
  NeedWriter writer(store.get(), 16);
  constexpr int kThreads = 3;
  // Each submitter keeps this many needs in flight, so the writer always
  // has a queue, and the stream lasts until the submitters are told to stop.
  constexpr size_t kInFlight = 8;
  std::mutex mu;
  std::condition_variable acknowledged;
  std::set<std::string> ok_ids;  // GUARDED_BY(mu)
  std::atomic<int> submitted{0};
  std::atomic<int> callbacks{0};
  std::atomic<bool> stop_submitting{false};
  std::atomic<int> refused_after_stop{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::deque<std::future<void>> in_flight;
      auto submit = [&](int i) {
        const std::string id = "s" + std::to_string(t) + "-" + std::to_string(i);
        auto done = std::make_shared<std::promise<void>>();
        in_flight.push_back(done->get_future());
        submitted.fetch_add(1);
        writer.Submit(MakeNeed(id), [&, id, done](Status s) {
          if (s.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            ok_ids.insert(id);
            acknowledged.notify_all();
          } else {
            EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
            refused_after_stop.fetch_add(1);
          }
          callbacks.fetch_add(1);
          done->set_value();
        });
      };
      int i = 0;
      while (!stop_submitting.load()) {
        submit(i++);
        if (in_flight.size() >= kInFlight) {
          in_flight.front().wait();
          in_flight.pop_front();
        }
      }
      // After the stop, submissions must be answered at once.
      for (int k = 0; k < 5; ++k) submit(i++);
      for (auto& f : in_flight) f.wait();
    });
  }
  bool streaming = false;
  {
    // Stopped in the middle of the stream, once some needs are written.
    std::unique_lock<std::mutex> lock(mu);
    streaming = acknowledged.wait_for(lock, std::chrono::seconds(60),
                                      [&] { return ok_ids.size() >= 3 * kInFlight; });
  }
  writer.Stop();
  stop_submitting = true;
  for (auto& t : threads) t.join();
  writer.Stop();  // idempotent
  EXPECT_TRUE(streaming) << "too few needs written before the deadline";
  EXPECT_EQ(callbacks.load(), submitted.load());
  EXPECT_GT(refused_after_stop.load(), 0);
  for (const std::string& id : ok_ids) {
    EXPECT_TRUE(store->GetNeed(id).ok()) << id;
  }
}

// Readers rank while a writer replaces and deletes a complex, the weights are
// swapped and needs are submitted: every answer is whole and consistent.
TEST(RecommenderConcurrency, ReadersSeeWholeSnapshotsWhileEverythingChanges) {
  auto taxonomy_result = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
  ASSERT_TRUE(taxonomy_result.ok());
  auto taxonomy = std::make_shared<const Taxonomy>(std::move(taxonomy_result).value());
  auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy);
  ASSERT_TRUE(scoring.ok()) << scoring.status().ToString();
  auto alternative = ParseScoringConfig("[weights]\ntext = 3\n", "alternative.toml", *taxonomy);
  ASSERT_TRUE(alternative.ok()) << alternative.status().ToString();
  const std::set<std::string> versions = {(*scoring)->version, (*alternative)->version};

  TempDir dir;
  std::unique_ptr<Store> store = OpenRocks(dir.path());
  ASSERT_NE(store, nullptr);
  RecommenderOptions options;
  options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
  options.vocabulary_dir = kRoot + "/configs/vocabulary";
  auto opened = Recommender::Open(std::move(store), taxonomy, *scoring, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Recommender& engine = **opened;

  Complex extra;
  extra.id = "iisc-test-ceramics";
  extra.name = {"测试陶瓷综合体", "Test Ceramics Complex"};
  extra.county = "taishun";
  extra.level = "county";
  extra.fields = {"crafts_gifts"};
  Capability cap;
  cap.id = "iisc-test-ceramics/testing-1";
  cap.complex_id = extra.id;
  cap.type = "testing";
  cap.institution = {"泰顺陶瓷釉料检测站", "Taishun Ceramic Glaze Lab"};
  cap.fields = {"crafts_gifts"};
  cap.description = {"陶瓷釉料铅镉溶出检测", "Lead and cadmium release tests of ceramic glazes"};
  cap.capacity_per_month = 10;
  cap.rating = 4.0;
  cap.price_level = "subsidized";
  extra.services = {cap};

  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  const std::vector<std::string> questions = {"陶瓷釉料铅镉溶出", "CE marking for circuit breakers",
                                              "鞋底防滑检测", "patent application"};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      for (int i = 0; !done.load(); ++i) {
        RecommendRequest request;
        request.need.description = questions[static_cast<size_t>(i + r) % questions.size()];
        request.k = 5;
        auto response = engine.Recommend(request);
        if (!response.ok() || !versions.count(response->config_version)) {
          bad.fetch_add(1);
          continue;
        }
        for (size_t j = 0; j < response->results.size(); ++j) {
          const Recommendation& rec = response->results[j];
          const bool whole = rec.rank == static_cast<int>(j + 1) && rec.capability != nullptr &&
                             rec.complex != nullptr && rec.capability->complex_id == rec.complex->id &&
                             (j == 0 || response->results[j - 1].score >= rec.score);
          if (!whole) bad.fetch_add(1);
        }
        // The complex list of the same snapshot holds the same complexes.
        if (!response->results.empty()) {
          const Complex* c =
              engine.FindComplex(*response->snapshot, response->results[0].complex->id);
          if (c != response->results[0].complex) bad.fetch_add(1);
        }
      }
    });
  }
  std::atomic<int> needs_stored{0};
  threads.emplace_back([&] {
    for (int i = 0; !done.load(); ++i) {
      Need need;
      need.description = "需要陶瓷检测 " + std::to_string(i);
      std::promise<bool> stored;
      engine.SubmitNeed(need, [&](Result<SubmittedNeed> r) { stored.set_value(r.ok()); });
      if (stored.get_future().get()) needs_stored.fetch_add(1); else bad.fetch_add(1);
    }
  });
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(engine.PutComplex(extra).ok());
    engine.SetScoringConfig(round % 2 == 0 ? *alternative : *scoring);
    ASSERT_TRUE(engine.DeleteComplex(extra.id).ok());
  }
  done = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(needs_stored.load(), 0);
  EXPECT_EQ(engine.Demand().total_needs, needs_stored.load());
}

}  // namespace
}  // namespace iisc
