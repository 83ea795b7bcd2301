// One behaviour suite run over both Store implementations, then the
// durability and on-disk checks that only the RocksDB store can have.
#include "engine/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace iisc {
namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "iisc-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Sub(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// --- fixtures: how each implementation is opened ---------------------------

struct MemoryStoreFactory {
  Result<std::unique_ptr<Store>> Open() { return NewMemoryStore(); }
};

struct RocksStoreFactory {
  TempDir dir;
  Result<std::unique_ptr<Store>> Open() { return OpenRocksStore(dir.Sub("db"), StoreOptions{}); }
};

template <typename Factory>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> opened = factory_.Open();
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  Factory factory_;  // declared first: outlives the store it opened
  std::unique_ptr<Store> store_;
};

using StoreImplementations = ::testing::Types<MemoryStoreFactory, RocksStoreFactory>;

class StoreNames {
 public:
  template <typename Factory>
  static std::string GetName(int) {
    return std::is_same_v<Factory, MemoryStoreFactory> ? "Memory" : "RocksDB";
  }
};

TYPED_TEST_SUITE(StoreTest, StoreImplementations, StoreNames);

// --- sample records ---------------------------------------------------------

Capability MakeCapability(const std::string& complex_id, const std::string& suffix) {
  Capability capability;
  capability.id = complex_id + "/" + suffix;
  capability.complex_id = complex_id;
  capability.type = "testing";
  capability.institution = {"乐清低压电器检测中心", "Yueqing Testing Center"};
  capability.fields = {"electrical", "smart_equipment"};
  capability.description = {"断路器短路分断试验", "Short-circuit tests for breakers " + suffix};
  capability.capacity_per_month = 60;
  capability.rating = 4.5;
  capability.price_level = "subsidized";
  return capability;
}

// Services are given in id order: the store returns them in that order.
Complex MakeComplex(const std::string& id, const std::vector<std::string>& service_suffixes) {
  Complex complex;
  complex.id = id;
  complex.name = {"乐清电气产业创新服务综合体", "Electrical complex " + id};
  complex.county = "yueqing";
  complex.level = "county";
  complex.provincial_listed = true;
  complex.fields = {"electrical"};
  complex.description = {"一站式服务", "One-stop services"};
  for (const std::string& suffix : service_suffixes) {
    complex.services.push_back(MakeCapability(id, suffix));
  }
  return complex;
}

FeatureVector MakeVector(float seed) { return FeatureVector{"model-7", {seed, seed + 1, -seed}}; }

StoredNeed MakeStoredNeed(const std::string& id) {
  StoredNeed stored;
  stored.id = id;
  stored.need.description = "我们是乐清的小型断路器厂，需要做CE认证检测 \"quoted\"";
  stored.need.county = "yueqing";
  stored.need.field = "electrical";
  stored.need.service_types = {"testing", "intl_coop"};
  stored.need.size = "small";
  stored.need.enterprise_name = "乐清某电器有限公司";
  stored.need.enterprise_contact = "0577-0000";
  stored.created_unix_ms = 1'717'000'000'123;
  stored.access_token_sha256 = std::string(64, 'a');
  stored.config_version = "cfg-3";
  stored.recommended_capability_ids = {"c1/testing-2", "c1/testing-1"};
  stored.matches = {{"c1/testing-2", 0.91}, {"c1/testing-1", 0.875}};
  stored.inferred_field = "smart_equipment";
  stored.inferred_field_confidence = 0.625;
  return stored;
}

void ExpectSameVector(const FeatureVector& actual, const FeatureVector& expected) {
  EXPECT_EQ(actual.model_version, expected.model_version);
  EXPECT_EQ(actual.values, expected.values);
}

void ExpectSameNeed(const StoredNeed& actual, const StoredNeed& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_TRUE(actual.need == expected.need) << "need differs for " << expected.id;
  EXPECT_EQ(actual.created_unix_ms, expected.created_unix_ms);
  EXPECT_EQ(actual.access_token_sha256, expected.access_token_sha256);
  EXPECT_EQ(actual.config_version, expected.config_version);
  EXPECT_EQ(actual.recommended_capability_ids, expected.recommended_capability_ids);
  ASSERT_EQ(actual.matches.size(), expected.matches.size());
  for (size_t i = 0; i < expected.matches.size(); ++i) {
    EXPECT_EQ(actual.matches[i].capability_id, expected.matches[i].capability_id);
    EXPECT_DOUBLE_EQ(actual.matches[i].score, expected.matches[i].score);
  }
  EXPECT_EQ(actual.inferred_field, expected.inferred_field);
  EXPECT_DOUBLE_EQ(actual.inferred_field_confidence, expected.inferred_field_confidence);
}

std::vector<std::string> FeatureKeys(const Store& store) {
  std::vector<std::string> keys;
  Status status = store.ScanFeatures([&](std::string_view key, const FeatureVector&) {
    keys.emplace_back(key);
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return keys;
}

// --- catalog ------------------------------------------------------------------

TYPED_TEST(StoreTest, PutThenGetReturnsComplexWithServices) {
  const Complex complex = MakeComplex("iisc-yueqing", {"testing-1", "testing-2"});
  ASSERT_TRUE(this->store_->PutComplex(complex).ok());
  Result<Complex> read = this->store_->GetComplex("iisc-yueqing");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(*read == complex);
  ASSERT_EQ(read->services.size(), 2u);
  EXPECT_EQ(read->services[1].complex_id, "iisc-yueqing");
}

TYPED_TEST(StoreTest, ServicesComeBackInIdOrder) {
  Complex complex = MakeComplex("c1", {"b", "a", "c"});
  ASSERT_TRUE(this->store_->PutComplex(complex).ok());
  Result<Complex> read = this->store_->GetComplex("c1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->services.size(), 3u);
  EXPECT_EQ(read->services[0].id, "c1/a");
  EXPECT_EQ(read->services[1].id, "c1/b");
  EXPECT_EQ(read->services[2].id, "c1/c");
}

TYPED_TEST(StoreTest, CapabilityComplexIdIsFilledFromTheComplex) {
  Complex complex = MakeComplex("c1", {"a"});
  complex.services[0].complex_id.clear();
  ASSERT_TRUE(this->store_->PutComplex(complex).ok());
  Result<Complex> read = this->store_->GetComplex("c1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->services.at(0).complex_id, "c1");
}

TYPED_TEST(StoreTest, ListReturnsAllComplexesInIdOrderWithServices) {
  // "c-2" sorts before "c/..." keys: each complex must still get only its own.
  const Complex second = MakeComplex("c-2", {"x"});
  const Complex first = MakeComplex("c", {"a", "b"});
  const Complex empty = MakeComplex("d", {});
  ASSERT_TRUE(this->store_->PutComplex(empty).ok());
  ASSERT_TRUE(this->store_->PutComplex(second).ok());
  ASSERT_TRUE(this->store_->PutComplex(first).ok());
  Result<std::vector<Complex>> listed = this->store_->ListComplexes();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_TRUE((*listed)[0] == first);
  EXPECT_TRUE((*listed)[1] == second);
  EXPECT_TRUE((*listed)[2] == empty);
}

TYPED_TEST(StoreTest, WriteCatalogPutsAndRemovesInOneStep) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.PutComplex(MakeComplex("a", {"x-1", "x-2"})).ok());
  ASSERT_TRUE(store.PutComplex(MakeComplex("b", {"y-1"})).ok());
  ASSERT_TRUE(store.PutFeatures({{"a/x-2", MakeVector(1)}, {"b/y-1", MakeVector(2)}}).ok());
  // "a" loses a service, "c" is new, "b" goes, an absent id is skipped.
  ASSERT_TRUE(store.WriteCatalog({MakeComplex("a", {"x-1"}), MakeComplex("c", {"z-1"})},
                                 {"b", "no-such-complex"}, {})
                  .ok());
  Result<std::vector<Complex>> all = store.ListComplexes();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
  ASSERT_EQ((*all)[0].services.size(), 1u);
  EXPECT_EQ((*all)[1].id, "c");
  EXPECT_EQ(store.GetComplex("b").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(FeatureKeys(store).empty());  // the vectors of dropped services went with them
}

TYPED_TEST(StoreTest, WriteCatalogWithAnInvalidComplexWritesNothing) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.PutComplex(MakeComplex("a", {"x-1"})).ok());
  Complex bad = MakeComplex("c", {"z-1"});
  bad.services[0].id = "elsewhere/z-1";
  Status status = store.WriteCatalog({MakeComplex("b", {"y-1"}), bad}, {"a"}, {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  Result<std::vector<Complex>> all = store.ListComplexes();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, "a");
}

TYPED_TEST(StoreTest, WriteCatalogStoresTheServicesVectorsInTheSameWrite) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.PutComplex(MakeComplex("a", {"x-1", "x-2"})).ok());
  ASSERT_TRUE(store.PutFeatures({{"a/x-1", MakeVector(1)}, {"a/x-2", MakeVector(2)}}).ok());
  // "a" is replaced: x-2 goes with its vector, x-1 gets a new one; "b" is new.
  ASSERT_TRUE(store.WriteCatalog({MakeComplex("a", {"x-1"}), MakeComplex("b", {"y-1"})}, {},
                                 {{"a/x-1", MakeVector(3)}, {"b/y-1", MakeVector(4)}})
                  .ok());
  EXPECT_EQ(FeatureKeys(store), (std::vector<std::string>{"a/x-1", "b/y-1"}));
  auto x1 = store.GetFeatures("a/x-1");
  ASSERT_TRUE(x1.ok() && x1->has_value());
  EXPECT_EQ((*x1)->values, MakeVector(3).values);
}

TYPED_TEST(StoreTest, WriteCatalogWithAnInvalidFeatureKeyWritesNothing) {
  Store& store = *this->store_;
  Status status = store.WriteCatalog({MakeComplex("a", {"x-1"})}, {}, {{"", MakeVector(1)}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.GetComplex("a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(FeatureKeys(store).empty());
}

TYPED_TEST(StoreTest, ListOfEmptyStoreIsEmpty) {
  Result<std::vector<Complex>> listed = this->store_->ListComplexes();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->empty());
}

TYPED_TEST(StoreTest, ReplaceRemovesDroppedCapabilitiesAndTheirFeatures) {
  ASSERT_TRUE(this->store_->PutComplex(MakeComplex("c1", {"a", "b", "c"})).ok());
  ASSERT_TRUE(this->store_->PutComplex(MakeComplex("c10", {"a"})).ok());
  ASSERT_TRUE(this->store_
                  ->PutFeatures({{"c1/a", MakeVector(1)},
                                 {"c1/b", MakeVector(2)},
                                 {"c1/c", MakeVector(3)},
                                 {"c10/a", MakeVector(4)},
                                 {"need/n1", MakeVector(5)}})
                  .ok());

  const Complex replacement = MakeComplex("c1", {"b", "d"});
  ASSERT_TRUE(this->store_->PutComplex(replacement).ok());

  Result<Complex> read = this->store_->GetComplex("c1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(*read == replacement);
  // Dropped capabilities lose their vectors; kept ones and other keys keep theirs.
  EXPECT_EQ(FeatureKeys(*this->store_), (std::vector<std::string>{"c1/b", "c10/a", "need/n1"}));
  Result<Complex> neighbour = this->store_->GetComplex("c10");
  ASSERT_TRUE(neighbour.ok());
  EXPECT_EQ(neighbour->services.size(), 1u);
}

TYPED_TEST(StoreTest, DeleteRemovesComplexCapabilitiesAndFeatures) {
  ASSERT_TRUE(this->store_->PutComplex(MakeComplex("c1", {"a", "b"})).ok());
  ASSERT_TRUE(this->store_->PutComplex(MakeComplex("c2", {"a"})).ok());
  ASSERT_TRUE(this->store_->PutFeatures({{"c1/a", MakeVector(1)}, {"c2/a", MakeVector(2)}}).ok());

  ASSERT_TRUE(this->store_->DeleteComplex("c1").ok());

  EXPECT_EQ(this->store_->GetComplex("c1").status().code(), StatusCode::kNotFound);
  Result<std::vector<Complex>> listed = this->store_->ListComplexes();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "c2");
  EXPECT_EQ(FeatureKeys(*this->store_), (std::vector<std::string>{"c2/a"}));
  // Re-adding the complex without services must not resurrect the old ones.
  ASSERT_TRUE(this->store_->PutComplex(MakeComplex("c1", {})).ok());
  Result<Complex> readded = this->store_->GetComplex("c1");
  ASSERT_TRUE(readded.ok());
  EXPECT_TRUE(readded->services.empty());
}

TYPED_TEST(StoreTest, MissingComplexIsNotFound) {
  EXPECT_EQ(this->store_->GetComplex("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store_->DeleteComplex("nope").code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreTest, RefusesComplexesThatBreakTheKeyLayout) {
  Complex wrong_prefix = MakeComplex("c1", {"a"});
  wrong_prefix.services[0].id = "c2/a";
  Complex duplicate = MakeComplex("c1", {"a", "a"});
  Complex slash = MakeComplex("c1", {});
  slash.id = "c/1";
  Complex reserved = MakeComplex("need", {});
  Complex other_complex = MakeComplex("c1", {"a"});
  other_complex.services[0].complex_id = "c2";
  Complex bare_prefix = MakeComplex("c1", {"a"});
  bare_prefix.services[0].id = "c1/";
  for (const Complex& bad :
       {wrong_prefix, duplicate, slash, reserved, other_complex, bare_prefix, Complex{}}) {
    EXPECT_EQ(this->store_->PutComplex(bad).code(), StatusCode::kInvalidArgument) << bad.id;
  }
  Result<std::vector<Complex>> listed = this->store_->ListComplexes();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

// --- features -----------------------------------------------------------------

TYPED_TEST(StoreTest, FeaturesRoundTripAndScanInKeyOrder) {
  ASSERT_TRUE(
      this->store_
          ->PutFeatures(
              {{"need/n2", MakeVector(3)}, {"c1/b", MakeVector(2)}, {"c1/a", MakeVector(1)}})
          .ok());
  Result<std::optional<FeatureVector>> read = this->store_->GetFeatures("c1/b");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  ExpectSameVector(**read, MakeVector(2));

  std::vector<std::string> keys;
  std::vector<float> first_values;
  Status scanned = this->store_->ScanFeatures([&](std::string_view key, const FeatureVector& v) {
    keys.emplace_back(key);
    first_values.push_back(v.values.at(0));
    return Status::Ok();
  });
  ASSERT_TRUE(scanned.ok()) << scanned.ToString();
  EXPECT_EQ(keys, (std::vector<std::string>{"c1/a", "c1/b", "need/n2"}));
  EXPECT_EQ(first_values, (std::vector<float>{1, 2, 3}));
}

TYPED_TEST(StoreTest, PutFeaturesOverwrites) {
  ASSERT_TRUE(this->store_->PutFeatures({{"c1/a", MakeVector(1)}}).ok());
  ASSERT_TRUE(this->store_->PutFeatures({{"c1/a", MakeVector(9)}}).ok());
  Result<std::optional<FeatureVector>> read = this->store_->GetFeatures("c1/a");
  ASSERT_TRUE(read.ok() && read->has_value());
  ExpectSameVector(**read, MakeVector(9));
}

TYPED_TEST(StoreTest, MissingFeaturesAreEmptyNotAnError) {
  Result<std::optional<FeatureVector>> read = this->store_->GetFeatures("c1/none");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->has_value());
  EXPECT_EQ(this->store_->PutFeatures({{"", MakeVector(1)}}).code(), StatusCode::kInvalidArgument);
}

TYPED_TEST(StoreTest, ScanFeaturesStopsAtTheVisitorsError) {
  ASSERT_TRUE(
      this->store_->PutFeatures({{"a", MakeVector(1)}, {"b", MakeVector(2)}, {"c", MakeVector(3)}})
          .ok());
  int visited = 0;
  Status scanned = this->store_->ScanFeatures([&](std::string_view key, const FeatureVector&) {
    ++visited;
    return key == "b" ? Status::Internal("stop here") : Status::Ok();
  });
  EXPECT_EQ(scanned.code(), StatusCode::kInternal);
  EXPECT_EQ(scanned.message(), "stop here");
  EXPECT_EQ(visited, 2);
}

// --- needs ----------------------------------------------------------------------

TYPED_TEST(StoreTest, NeedsBatchPutGetAndScan) {
  StoredNeed minimal;
  minimal.id = "n-0001";
  minimal.need.description = "need testing";
  const std::vector<StoredNeed> batch = {MakeStoredNeed("n-0003"), minimal,
                                         MakeStoredNeed("n-0002")};
  ASSERT_TRUE(this->store_->PutNeeds(batch).ok());

  Result<StoredNeed> read = this->store_->GetNeed("n-0003");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectSameNeed(*read, batch[0]);

  std::vector<StoredNeed> scanned;
  Status status = this->store_->ScanNeeds([&](const StoredNeed& need) {
    scanned.push_back(need);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(scanned.size(), 3u);
  ExpectSameNeed(scanned[0], minimal);
  ExpectSameNeed(scanned[1], batch[2]);
  ExpectSameNeed(scanned[2], batch[0]);
}

TYPED_TEST(StoreTest, MissingNeedIsNotFoundAndEmptyIdIsRefused) {
  EXPECT_EQ(this->store_->GetNeed("n-none").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(this->store_->PutNeeds({}).ok());
  // One bad need refuses the whole batch.
  StoredNeed unnamed = MakeStoredNeed("");
  EXPECT_EQ(this->store_->PutNeeds({MakeStoredNeed("n-1"), unnamed}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store_->GetNeed("n-1").status().code(), StatusCode::kNotFound);
}

// --- meta ---------------------------------------------------------------------

TYPED_TEST(StoreTest, MetaHoldsSchemaVersionAndCallerKeys) {
  Result<std::optional<std::string>> schema = this->store_->GetMeta("schema_version");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->value_or("<missing>"), "1");

  Result<std::optional<std::string>> missing = this->store_->GetMeta("model_version");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(this->store_->PutMeta("model_version", "model-7").ok());
  ASSERT_TRUE(this->store_->PutMeta("model_version", "model-8").ok());
  Result<std::optional<std::string>> model = this->store_->GetMeta("model_version");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->value_or("<missing>"), "model-8");

  EXPECT_EQ(this->store_->PutMeta("schema_version", "2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store_->PutMeta("", "x").code(), StatusCode::kInvalidArgument);
}

// --- concurrency ----------------------------------------------------------------

TYPED_TEST(StoreTest, ConcurrentWritersAndReadersSeeWholeComplexes) {
  constexpr int kWriters = 2;
  constexpr int kRounds = 20;
  std::atomic<bool> torn{false};
  std::vector<std::thread> threads;
  for (int writer = 0; writer < kWriters; ++writer) {
    threads.emplace_back([&, writer] {
      for (int round = 0; round < kRounds; ++round) {
        // Alternates between two service sets of the same size.
        const bool odd = (round + writer) % 2 == 1;
        ASSERT_TRUE(this->store_
                        ->PutComplex(MakeComplex("c1", odd ? std::vector<std::string>{"a", "b"}
                                                           : std::vector<std::string>{"c", "d"}))
                        .ok());
        ASSERT_TRUE(this->store_
                        ->PutNeeds({MakeStoredNeed("n" + std::to_string(writer) + "-" +
                                                   std::to_string(round))})
                        .ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int round = 0; round < kRounds; ++round) {
      Result<Complex> read = this->store_->GetComplex("c1");
      if (read.ok() && read->services.size() != 2) torn = true;
    }
  });
  for (std::thread& thread : threads) thread.join();
  EXPECT_FALSE(torn.load());
  Result<Complex> final_state = this->store_->GetComplex("c1");
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(final_state->services.size(), 2u);
  int needs = 0;
  ASSERT_TRUE(this->store_
                  ->ScanNeeds([&](const StoredNeed&) {
                    ++needs;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(needs, kWriters * kRounds);
}

// --- memory only --------------------------------------------------------------

TEST(MemoryStoreTest, CheckpointIsRefused) {
  std::unique_ptr<Store> store = NewMemoryStore();
  Status status = store->Checkpoint("/nonexistent/checkpoint");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("RocksDB"), std::string::npos);
}

// --- RocksDB only -------------------------------------------------------------

// Opens the database with plain RocksDB, every family it has, for tests that
// need to look under (or tamper beneath) the store.
void WithRawDatabase(
    const std::string& dir,
    const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&,
                             const std::vector<std::string>&)>& use) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, dir, descriptors, &handles, &db);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  use(db, handles, names);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  delete db;
}

rocksdb::ColumnFamilyHandle* Family(std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                                    const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return handles[i];
  }
  ADD_FAILURE() << "no column family " << name;
  return handles.at(0);
}

class RocksStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(const StoreOptions& options = {}) {
    Result<std::unique_ptr<Store>> opened = OpenRocksStore(db_dir_, options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Fills `store` with one of everything.
  static void Fill(Store& store) {
    ASSERT_TRUE(store.PutComplex(MakeComplex("c1", {"a", "b"})).ok());
    ASSERT_TRUE(store.PutComplex(MakeComplex("c2", {"a"})).ok());
    ASSERT_TRUE(store.PutFeatures({{"c1/a", MakeVector(1)}, {"need/n1", MakeVector(2)}}).ok());
    ASSERT_TRUE(store.PutNeeds({MakeStoredNeed("n1"), MakeStoredNeed("n2")}).ok());
    ASSERT_TRUE(store.PutMeta("model_version", "model-7").ok());
  }

  // Checks `store` holds exactly what Fill wrote.
  static void ExpectFilled(const Store& store) {
    Result<std::vector<Complex>> listed = store.ListComplexes();
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_TRUE((*listed)[0] == MakeComplex("c1", {"a", "b"}));
    EXPECT_TRUE((*listed)[1] == MakeComplex("c2", {"a"}));
    EXPECT_EQ(FeatureKeys(store), (std::vector<std::string>{"c1/a", "need/n1"}));
    Result<std::optional<FeatureVector>> vector = store.GetFeatures("need/n1");
    ASSERT_TRUE(vector.ok() && vector->has_value());
    ExpectSameVector(**vector, MakeVector(2));
    Result<StoredNeed> need = store.GetNeed("n2");
    ASSERT_TRUE(need.ok()) << need.status().ToString();
    ExpectSameNeed(*need, MakeStoredNeed("n2"));
    Result<std::optional<std::string>> model = store.GetMeta("model_version");
    ASSERT_TRUE(model.ok());
    EXPECT_EQ(model->value_or("<missing>"), "model-7");
  }

  TempDir temp_;
  const std::string db_dir_ = temp_.Sub("db");
};

TEST_F(RocksStoreTest, DataSurvivesCloseAndReopen) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Fill(*store);
  store.reset();

  std::unique_ptr<Store> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  ExpectFilled(*reopened);
}

TEST_F(RocksStoreTest, UnsyncedNeedWritesAreStillStored) {
  StoreOptions options;
  options.sync_need_writes = false;
  std::unique_ptr<Store> store = Open(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutNeeds({MakeStoredNeed("n1")}).ok());
  store.reset();
  std::unique_ptr<Store> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(reopened->GetNeed("n1").ok());
}

TEST_F(RocksStoreTest, CreatesEveryColumnFamily) {
  ASSERT_NE(Open(), nullptr);
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_dir_, &names).ok());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"capabilities", "complexes", "default", "features",
                                             "meta", "needs", "records"}));
}

TEST_F(RocksStoreTest, WritesSchemaVersionIntoTheMetaFamily) {
  ASSERT_NE(Open(), nullptr);
  WithRawDatabase(db_dir_, [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                              const std::vector<std::string>& names) {
    std::string value;
    ASSERT_TRUE(
        db->Get(rocksdb::ReadOptions(), Family(handles, names, "meta"), "schema_version", &value)
            .ok());
    EXPECT_EQ(value, "1");
  });
}

TEST_F(RocksStoreTest, RefusesADatabaseFromANewerRelease) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Fill(*store);
  store.reset();
  // A newer release bumped the schema and added a family of its own.
  WithRawDatabase(db_dir_, [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                              const std::vector<std::string>& names) {
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), Family(handles, names, "meta"), "schema_version", "2")
            .ok());
    rocksdb::ColumnFamilyHandle* added = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "ann_index", &added).ok());
    handles.push_back(added);
  });

  Result<std::unique_ptr<Store>> reopened = OpenRocksStore(db_dir_, StoreOptions{});
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reopened.status().message().find("schema version \"2\""), std::string::npos)
      << reopened.status().message();
}

TEST_F(RocksStoreTest, RefusesRecordsWithoutASchemaVersion) {
  ASSERT_NE(Open(), nullptr);
  WithRawDatabase(db_dir_, [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                              const std::vector<std::string>& names) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), Family(handles, names, "needs"), "n1", "{}").ok());
    ASSERT_TRUE(
        db->Delete(rocksdb::WriteOptions(), Family(handles, names, "meta"), "schema_version").ok());
  });
  Result<std::unique_ptr<Store>> reopened = OpenRocksStore(db_dir_, StoreOptions{});
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kCorruption);
}

TEST_F(RocksStoreTest, CheckpointOpensAsAStoreWithTheSameContent) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Fill(*store);
  const std::string checkpoint_dir = temp_.Sub("checkpoint");
  Status status = store->Checkpoint(checkpoint_dir);
  ASSERT_TRUE(status.ok()) << status.ToString();
  // Later writes to the live store must not reach the checkpoint.
  ASSERT_TRUE(store->DeleteComplex("c2").ok());
  store.reset();

  Result<std::unique_ptr<Store>> restored = OpenRocksStore(checkpoint_dir, StoreOptions{});
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  ExpectFilled(**restored);
}

TEST_F(RocksStoreTest, CheckpointIntoAnExistingDirectoryIsRefused) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Checkpoint(db_dir_).code(), StatusCode::kInvalidArgument);
}

TEST_F(RocksStoreTest, CorruptedFeatureBytesAreCorruption) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutFeatures({{"c1/a", MakeVector(1)}}).ok());
  store.reset();
  WithRawDatabase(db_dir_, [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                              const std::vector<std::string>& names) {
    std::string bytes = EncodeFeatureVector(MakeVector(2));
    bytes.pop_back();
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), Family(handles, names, "features"), "c1/b", bytes).ok());
  });
  store = Open();
  ASSERT_NE(store, nullptr);

  Result<std::optional<FeatureVector>> read = store->GetFeatures("c1/b");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find("c1/b"), std::string::npos);
  Status scanned =
      store->ScanFeatures([](std::string_view, const FeatureVector&) { return Status::Ok(); });
  EXPECT_EQ(scanned.code(), StatusCode::kCorruption);
  EXPECT_TRUE(store->GetFeatures("c1/a").ok());
}

TEST_F(RocksStoreTest, CorruptedNeedRecordIsCorruption) {
  ASSERT_NE(Open(), nullptr);
  WithRawDatabase(db_dir_, [](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                              const std::vector<std::string>& names) {
    rocksdb::ColumnFamilyHandle* needs = Family(handles, names, "needs");
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), needs, "n1", "{\"id\":\"n1\"").ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), needs, "n2", "{\"id\":\"n2\",\"need\":{}}").ok());
  });
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetNeed("n1").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->GetNeed("n2").status().code(), StatusCode::kCorruption);
}

TEST_F(RocksStoreTest, OpenOnAFileIsAnIOError) {
  const std::string file = temp_.Sub("not-a-directory");
  { std::ofstream(file) << "x"; }
  Result<std::unique_ptr<Store>> opened = OpenRocksStore(file + "/db", StoreOptions{});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kIOError);
  EXPECT_NE(opened.status().message().find(file), std::string::npos);
}

}  // namespace
}  // namespace iisc
