// The RocksDB Store. One column family per record kind, so each kind has its
// own key space and can be scanned on its own:
//   complexes     complex id       -> ComplexToJson(complex, without services)
//   capabilities  capability id    -> CapabilityToJson   ("<complex id>/...")
//   features      capability id or "need/<need id>" -> EncodeFeatureVector
//   needs         need id          -> stored need JSON (see EncodeStoredNeed)
//   meta          key              -> value; "schema_version" = "1"
//   records       "<kind>/<...>"   -> lifecycle record (engine/workflow.cc)
// A database written before "records" existed gets the family at opening.
// rocksdb::Status never leaves this file: it is converted by FromRocks.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <system_error>
#include <utility>
#include <vector>

#include "engine/rocks_store_testing.h"
#include "engine/store.h"
#include "engine/store_keys.h"
#include "models/json_writer.h"

namespace iisc {
namespace {

constexpr const char* kComplexesFamily = "complexes";
constexpr const char* kCapabilitiesFamily = "capabilities";
constexpr const char* kFeaturesFamily = "features";
constexpr const char* kNeedsFamily = "needs";
constexpr const char* kMetaFamily = "meta";
constexpr const char* kRecordsFamily = "records";
constexpr std::array<const char*, 6> kOwnFamilies = {kComplexesFamily, kCapabilitiesFamily,
                                                     kFeaturesFamily,  kNeedsFamily,
                                                     kMetaFamily,      kRecordsFamily};

Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsNotFound()) return Status::NotFound(std::move(message));
  if (status.IsCorruption()) return Status::Corruption(std::move(message));
  return Status::IOError(std::move(message));
}

rocksdb::Slice ToSlice(std::string_view view) { return rocksdb::Slice(view.data(), view.size()); }
std::string_view ToView(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

// --- stored needs -----------------------------------------------------------

std::string EncodeStoredNeed(const StoredNeed& stored) {
  std::string json;
  JsonWriter writer(&json);
  writer.BeginObject();
  writer.Key("id").String(stored.id);
  writer.Key("need").Raw(NeedToJson(stored.need));
  writer.Key("created_unix_ms").Int(stored.created_unix_ms);
  writer.Key("access_token_sha256").String(stored.access_token_sha256);
  writer.Key("config_version").String(stored.config_version);
  writer.Key("recommended").BeginArray();
  for (const std::string& id : stored.recommended_capability_ids) writer.String(id);
  writer.EndArray();
  if (!stored.matches.empty()) {
    writer.Key("matches").BeginArray();
    for (const StoredNeed::Match& match : stored.matches) {
      writer.BeginArray().String(match.capability_id).Number(match.score).EndArray();
    }
    writer.EndArray();
  }
  if (!stored.inferred_field.empty()) {
    writer.Key("inferred_field").String(stored.inferred_field);
    writer.Key("inferred_field_confidence").Number(stored.inferred_field_confidence);
  }
  if (stored.erased_unix_ms != 0) writer.Key("erased_unix_ms").Int(stored.erased_unix_ms);
  writer.EndObject();
  return json;
}

// One parser per thread: parsers keep their buffers between documents.
simdjson::ondemand::parser& ThreadParser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

Status StoredNeedError(std::string_view key, std::string_view what) {
  return Status::Corruption("stored need \"" + std::string(key) + "\": " + std::string(what));
}

Status ReadString(simdjson::ondemand::object& object, std::string_view name, std::string* out) {
  std::string_view value;
  if (object.find_field_unordered(name).get_string().get(value) != simdjson::SUCCESS) {
    return Status::Corruption("member \"" + std::string(name) + "\" is missing or not a string");
  }
  out->assign(value);
  return Status::Ok();
}

Status DecodeStoredNeedMembers(simdjson::ondemand::object& object, StoredNeed* stored) {
  IISC_RETURN_IF_ERROR(ReadString(object, "id", &stored->id));
  simdjson::ondemand::value need_value;
  if (object.find_field_unordered("need").get(need_value) != simdjson::SUCCESS) {
    return Status::Corruption("member \"need\" is missing");
  }
  // Stored needs were validated when written, against the limits of the
  // time; reading back checks the structure only.
  NeedLimits unlimited;
  unlimited.max_description_chars = std::numeric_limits<size_t>::max();
  unlimited.allow_control_characters = true;
  Result<Need> need = ParseNeed(need_value, /*taxonomy=*/nullptr, unlimited, "need.");
  if (!need.ok()) return Status::Corruption(need.status().ToString());
  stored->need = std::move(need).value();
  if (object.find_field_unordered("created_unix_ms").get_int64().get(stored->created_unix_ms) !=
      simdjson::SUCCESS) {
    return Status::Corruption("member \"created_unix_ms\" is missing or not an integer");
  }
  IISC_RETURN_IF_ERROR(ReadString(object, "access_token_sha256", &stored->access_token_sha256));
  IISC_RETURN_IF_ERROR(ReadString(object, "config_version", &stored->config_version));
  simdjson::ondemand::array recommended;
  if (object.find_field_unordered("recommended").get_array().get(recommended) !=
      simdjson::SUCCESS) {
    return Status::Corruption("member \"recommended\" is missing or not an array");
  }
  for (auto element : recommended) {
    std::string_view id;
    if (element.get_string().get(id) != simdjson::SUCCESS) {
      return Status::Corruption("member \"recommended\" holds a non-string");
    }
    stored->recommended_capability_ids.emplace_back(id);
  }
  // Optional members: needs stored before they existed lack them.
  simdjson::ondemand::array matches;
  if (object.find_field_unordered("matches").get_array().get(matches) == simdjson::SUCCESS) {
    for (auto element : matches) {
      simdjson::ondemand::array pair;
      std::string_view id;
      double score = 0;
      if (element.get_array().get(pair) != simdjson::SUCCESS) {
        return Status::Corruption("member \"matches\" holds a non-array");
      }
      auto it = pair.begin();
      if (it == pair.end() || (*it).get_string().get(id) != simdjson::SUCCESS) {
        return Status::Corruption("member \"matches\" holds a pair without an id");
      }
      ++it;
      if (it == pair.end() || (*it).get_double().get(score) != simdjson::SUCCESS) {
        return Status::Corruption("member \"matches\" holds a pair without a score");
      }
      stored->matches.push_back({std::string(id), score});
    }
  }
  std::string_view inferred_field;
  if (object.find_field_unordered("inferred_field").get_string().get(inferred_field) == simdjson::SUCCESS) {
    stored->inferred_field = std::string(inferred_field);
    double confidence = 0;
    if (object.find_field_unordered("inferred_field_confidence").get_double().get(confidence) ==
        simdjson::SUCCESS) {
      stored->inferred_field_confidence = confidence;
    }
  }
  int64_t erased = 0;
  if (object.find_field_unordered("erased_unix_ms").get_int64().get(erased) == simdjson::SUCCESS) {
    stored->erased_unix_ms = erased;
  }
  return Status::Ok();
}

Result<StoredNeed> DecodeStoredNeed(std::string_view key, std::string_view json) {
  const simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  simdjson::ondemand::object object;
  if (ThreadParser().iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_object().get(object) != simdjson::SUCCESS) {
    return StoredNeedError(key, "not a JSON object");
  }
  StoredNeed stored;
  Status status = DecodeStoredNeedMembers(object, &stored);
  if (!status.ok()) return StoredNeedError(key, status.message());
  if (stored.id != key) return StoredNeedError(key, "holds id \"" + stored.id + "\"");
  return stored;
}

// --- options ----------------------------------------------------------------

rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Most reads are point lookups by id; ~10 bits per key gives ~1% false positives.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family;  // level compaction by default
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return family;
}

// --- the store --------------------------------------------------------------

class RocksStore final : public Store {
 public:
  // Takes ownership of `db` and of `handles` (one per entry of kOwnFamilies,
  // in that order) and of `other_handles` (default and unknown families), and
  // of `env` when the database was opened on one of its own (else null).
  RocksStore(std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles,
             std::vector<rocksdb::ColumnFamilyHandle*> other_handles, const StoreOptions& options)
      : env_(std::move(env)),
        db_(std::move(db)),
        handles_(std::move(handles)),
        other_handles_(std::move(other_handles)),
        complexes_(handles_[0]),
        capabilities_(handles_[1]),
        features_(handles_[2]),
        needs_(handles_[3]),
        meta_(handles_[4]),
        records_(handles_[5]),
        options_(options) {}

  ~RocksStore() override {
    // Handles must go before the DB (db_ is deleted after this body); the WAL
    // makes a memtable flush unneeded.
    for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    for (rocksdb::ColumnFamilyHandle* handle : other_handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    db_->Close().PermitUncheckedError();
  }

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Writes schema_version into a new database, or refuses one this build
  // cannot read.
  Status CheckSchemaVersion(const std::string& dir) {
    Result<std::optional<std::string>> stored = GetMeta(store_keys::kSchemaVersionKey);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      IISC_RETURN_IF_ERROR(RequireEmpty(dir));
      rocksdb::WriteOptions write;
      write.sync = true;
      return FromRocks(db_->Put(write, meta_, ToSlice(store_keys::kSchemaVersionKey),
                                ToSlice(store_keys::kSchemaVersion)),
                       "writing the schema version");
    }
    if (**stored != store_keys::kSchemaVersion) {
      return Status::InvalidArgument("database " + dir + " has schema version \"" + **stored +
                                     "\"; this build reads only version " +
                                     std::string(store_keys::kSchemaVersion) +
                                     " (was it written by a newer release?)");
    }
    return Status::Ok();
  }

  Status PutComplex(const Complex& complex) override {
    return WriteCatalog({complex}, {}, {});
  }

  Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                      const std::vector<std::pair<std::string, FeatureVector>>& features) override {
    for (const Complex& complex : put) IISC_RETURN_IF_ERROR(store_keys::ValidateComplexKeys(complex));
    for (const auto& [key, vector] : features) IISC_RETURN_IF_ERROR(store_keys::ValidateFeatureKey(key));
    // Serialized so two writers of one complex cannot both miss a stale capability.
    std::lock_guard lock(catalog_write_mutex_);
    rocksdb::WriteBatch batch;
    for (const std::string& id : remove) {
      Result<std::vector<std::string>> existing = CapabilityIds(id, rocksdb::ReadOptions());
      if (!existing.ok()) return existing.status();
      IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(complexes_, id), "batching a delete"));
      for (const std::string& capability : *existing) {
        IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(capabilities_, capability), "batching a delete"));
        IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(features_, capability), "batching a delete"));
      }
    }
    for (const Complex& complex : put) IISC_RETURN_IF_ERROR(BatchPutComplex(complex, &batch));
    // After the complexes: their deletes of dropped services' vectors come first.
    for (const auto& [key, vector] : features) {
      IISC_RETURN_IF_ERROR(
          FromRocks(batch.Put(features_, key, EncodeFeatureVector(vector)), "batching a put"));
    }
    if (batch.Count() == 0) return Status::Ok();
    const std::string what = put.size() == 1 && remove.empty()
                                 ? "writing complex \"" + put[0].id + "\""
                                 : "writing the catalog";
    return FromRocks(db_->Write(CatalogWriteOptions(), &batch), what);
  }

  Status DeleteComplex(std::string_view complex_id) override {
    std::lock_guard lock(catalog_write_mutex_);
    std::string ignored;
    rocksdb::Status found =
        db_->Get(rocksdb::ReadOptions(), complexes_, ToSlice(complex_id), &ignored);
    if (found.IsNotFound()) {
      return Status::NotFound("complex \"" + std::string(complex_id) + "\" not found");
    }
    IISC_RETURN_IF_ERROR(FromRocks(found, "reading complex \"" + std::string(complex_id) + "\""));
    Result<std::vector<std::string>> existing = CapabilityIds(complex_id, rocksdb::ReadOptions());
    if (!existing.ok()) return existing.status();
    rocksdb::WriteBatch batch;
    IISC_RETURN_IF_ERROR(
        FromRocks(batch.Delete(complexes_, ToSlice(complex_id)), "batching a delete"));
    for (const std::string& id : *existing) {
      IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(capabilities_, id), "batching a delete"));
      IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(features_, id), "batching a delete"));
    }
    return FromRocks(db_->Write(CatalogWriteOptions(), &batch),
                     "deleting complex \"" + std::string(complex_id) + "\"");
  }

  Result<Complex> GetComplex(std::string_view complex_id) const override {
    // One snapshot, so the complex and its capabilities come from the same write.
    rocksdb::ManagedSnapshot snapshot(db_.get());
    rocksdb::ReadOptions read;
    read.snapshot = snapshot.snapshot();
    std::string json;
    rocksdb::Status status = db_->Get(read, complexes_, ToSlice(complex_id), &json);
    if (status.IsNotFound()) {
      return Status::NotFound("complex \"" + std::string(complex_id) + "\" not found");
    }
    IISC_RETURN_IF_ERROR(FromRocks(status, "reading complex \"" + std::string(complex_id) + "\""));
    Result<Complex> complex = DecodeComplex(complex_id, json);
    if (!complex.ok()) return complex.status();
    IISC_RETURN_IF_ERROR(AttachCapabilities(read, &*complex));
    return complex;
  }

  Result<std::vector<Complex>> ListComplexes() const override {
    rocksdb::ManagedSnapshot snapshot(db_.get());
    rocksdb::ReadOptions read = BulkScan();
    read.snapshot = snapshot.snapshot();
    std::vector<Complex> complexes;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, complexes_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<Complex> complex = DecodeComplex(ToView(it->key()), ToView(it->value()));
      if (!complex.ok()) return complex.status();
      complexes.push_back(std::move(complex).value());
    }
    IISC_RETURN_IF_ERROR(FromRocks(it->status(), "listing complexes"));
    // Views into `complexes`, which no longer moves.
    std::unordered_map<std::string_view, size_t> index_of;
    index_of.reserve(complexes.size());
    for (size_t i = 0; i < complexes.size(); ++i) index_of.emplace(complexes[i].id, i);
    // One pass over every capability (a complex's are contiguous, each under
    // its complex's prefix), not one iterator per complex.
    std::unique_ptr<rocksdb::Iterator> caps(db_->NewIterator(read, capabilities_));
    for (caps->SeekToFirst(); caps->Valid(); caps->Next()) {
      const std::string_view key = ToView(caps->key());
      const auto owner = index_of.find(key.substr(0, key.find('/')));
      if (owner == index_of.end()) continue;  // never written without its complex; skipped as GetComplex would
      Complex& complex = complexes[owner->second];
      Result<Capability> capability = ParseCapabilityJson(ToView(caps->value()), nullptr);
      if (!capability.ok()) {
        return Status::Corruption("stored capability \"" + std::string(key) + "\": " +
                                  capability.status().ToString());
      }
      capability->complex_id = complex.id;
      complex.services.push_back(std::move(capability).value());
    }
    IISC_RETURN_IF_ERROR(FromRocks(caps->status(), "reading capabilities"));
    return complexes;
  }

  Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>& batch) override {
    rocksdb::WriteBatch write_batch;
    for (const auto& [key, vector] : batch) {
      IISC_RETURN_IF_ERROR(store_keys::ValidateFeatureKey(key));
      IISC_RETURN_IF_ERROR(FromRocks(write_batch.Put(features_, key, EncodeFeatureVector(vector)),
                                     "batching a put"));
    }
    if (write_batch.Count() == 0) return Status::Ok();
    return FromRocks(db_->Write(CatalogWriteOptions(), &write_batch), "writing feature vectors");
  }

  Result<std::optional<FeatureVector>> GetFeatures(std::string_view key) const override {
    std::string bytes;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), features_, ToSlice(key), &bytes);
    if (status.IsNotFound()) return std::optional<FeatureVector>();
    IISC_RETURN_IF_ERROR(FromRocks(status, "reading features \"" + std::string(key) + "\""));
    Result<FeatureVector> vector = DecodeFeatures(key, bytes);
    if (!vector.ok()) return vector.status();
    return std::optional<FeatureVector>(std::move(vector).value());
  }

  Status ScanFeatures(const std::function<Status(std::string_view key, const FeatureVector&)>&
                          visit) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(BulkScan(), features_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<FeatureVector> vector = DecodeFeatures(ToView(it->key()), ToView(it->value()));
      if (!vector.ok()) return vector.status();
      IISC_RETURN_IF_ERROR(visit(ToView(it->key()), *vector));
    }
    return FromRocks(it->status(), "scanning feature vectors");
  }

  Status Write(const DurableWrite& write) override {
    rocksdb::WriteBatch batch;
    for (const StoredNeed& need : write.needs) {
      IISC_RETURN_IF_ERROR(store_keys::ValidateNeedId(need.id));
      IISC_RETURN_IF_ERROR(
          FromRocks(batch.Put(needs_, need.id, EncodeStoredNeed(need)), "batching a put"));
      if (!need.features.values.empty()) {
        IISC_RETURN_IF_ERROR(FromRocks(
            batch.Put(features_, "need/" + need.id, EncodeFeatureVector(need.features)),
            "batching a put"));
      }
    }
    for (const RecordWrite& record : write.records) {
      IISC_RETURN_IF_ERROR(store_keys::ValidateRecordKey(record.key));
      IISC_RETURN_IF_ERROR(FromRocks(record.value ? batch.Put(records_, record.key, *record.value)
                                                  : batch.Delete(records_, record.key),
                                     "batching a record"));
    }
    for (const std::string& id : write.erased_need_vectors) {
      IISC_RETURN_IF_ERROR(FromRocks(batch.Delete(features_, "need/" + id), "batching a delete"));
    }
    if (batch.Count() == 0) return Status::Ok();
    // One write, so one WAL sync covers everything the caller grouped here.
    rocksdb::WriteOptions options;
    options.sync = options_.sync_need_writes;
    return FromRocks(db_->Write(options, &batch), "writing needs and records");
  }

  Result<std::optional<std::string>> GetRecord(std::string_view key) const override {
    std::string value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), records_, ToSlice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    IISC_RETURN_IF_ERROR(FromRocks(status, "reading record \"" + std::string(key) + "\""));
    return std::optional<std::string>(std::move(value));
  }

  Status ScanRecords(std::string_view prefix, std::string_view after,
                     const std::function<Result<bool>(std::string_view, std::string_view)>& visit)
      const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
    if (after.empty() || after < prefix) {
      it->Seek(ToSlice(prefix));
    } else {
      it->Seek(ToSlice(after));
      if (it->Valid() && ToView(it->key()) == after) it->Next();
    }
    for (; it->Valid() && ToView(it->key()).starts_with(prefix); it->Next()) {
      Result<bool> more = visit(ToView(it->key()), ToView(it->value()));
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
    }
    return FromRocks(it->status(), "scanning records");
  }

  Result<StoredNeed> GetNeed(std::string_view id) const override {
    std::string json;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), needs_, ToSlice(id), &json);
    if (status.IsNotFound()) return Status::NotFound("need \"" + std::string(id) + "\" not found");
    IISC_RETURN_IF_ERROR(FromRocks(status, "reading need \"" + std::string(id) + "\""));
    return DecodeStoredNeed(id, json);
  }

  Status ScanNeeds(const std::function<Status(const StoredNeed&)>& visit) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), needs_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<StoredNeed> need = DecodeStoredNeed(ToView(it->key()), ToView(it->value()));
      if (!need.ok()) return need.status();
      IISC_RETURN_IF_ERROR(visit(*need));
    }
    return FromRocks(it->status(), "scanning needs");
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) const override {
    std::string value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_, ToSlice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    IISC_RETURN_IF_ERROR(FromRocks(status, "reading meta \"" + std::string(key) + "\""));
    return std::optional<std::string>(std::move(value));
  }

  Status PutMeta(std::string_view key, std::string_view value) override {
    IISC_RETURN_IF_ERROR(store_keys::ValidateMetaWrite(key));
    return FromRocks(db_->Put(CatalogWriteOptions(), meta_, ToSlice(key), ToSlice(value)),
                     "writing meta \"" + std::string(key) + "\"");
  }

  Status Checkpoint(const std::string& dir) override {
    std::error_code error;
    if (std::filesystem::exists(dir, error)) {
      return Status::InvalidArgument("checkpoint directory " + dir + " already exists");
    }
    rocksdb::Checkpoint* raw_checkpoint = nullptr;
    IISC_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw_checkpoint),
                                   "preparing a checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
    return FromRocks(checkpoint->CreateCheckpoint(dir), "writing checkpoint " + dir);
  }

 private:
  // The catalog is small and rarely written; losing an acknowledged catalog
  // change on power loss would be worse than an fsync per change.
  static rocksdb::WriteOptions CatalogWriteOptions() {
    rocksdb::WriteOptions write;
    write.sync = true;
    return write;
  }

  // Adds `complex` to `batch`, with deletes of its stored capabilities that
  // it no longer lists. REQUIRES: catalog_write_mutex_ held.
  Status BatchPutComplex(const Complex& complex, rocksdb::WriteBatch* batch) const {
    std::set<std::string_view> listed;
    for (const Capability& capability : complex.services) listed.insert(capability.id);
    Result<std::vector<std::string>> existing = CapabilityIds(complex.id, rocksdb::ReadOptions());
    if (!existing.ok()) return existing.status();
    for (const std::string& id : *existing) {
      if (listed.contains(id)) continue;
      IISC_RETURN_IF_ERROR(FromRocks(batch->Delete(capabilities_, id), "batching a delete"));
      IISC_RETURN_IF_ERROR(FromRocks(batch->Delete(features_, id), "batching a delete"));
    }
    IISC_RETURN_IF_ERROR(FromRocks(
        batch->Put(complexes_, complex.id, ComplexToJson(complex, /*include_services=*/false)),
        "batching a put"));
    for (const Capability& capability : complex.services) {
      IISC_RETURN_IF_ERROR(FromRocks(
          batch->Put(capabilities_, capability.id, CapabilityToJson(capability)), "batching a put"));
    }
    return Status::Ok();
  }

  // Ids of the stored capabilities of `complex_id`, in key order.
  Result<std::vector<std::string>> CapabilityIds(std::string_view complex_id,
                                                 rocksdb::ReadOptions read) const {
    const std::string prefix = store_keys::CapabilityPrefix(complex_id);
    const std::string end = PrefixEnd(prefix);
    const rocksdb::Slice upper_bound(end);
    read.iterate_upper_bound = &upper_bound;
    std::vector<std::string> ids;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, capabilities_));
    for (it->Seek(prefix); it->Valid(); it->Next()) ids.push_back(it->key().ToString());
    IISC_RETURN_IF_ERROR(
        FromRocks(it->status(), "listing capabilities of \"" + std::string(complex_id) + "\""));
    return ids;
  }

  Status AttachCapabilities(rocksdb::ReadOptions read, Complex* complex) const {
    const std::string prefix = store_keys::CapabilityPrefix(complex->id);
    const std::string end = PrefixEnd(prefix);
    const rocksdb::Slice upper_bound(end);
    read.iterate_upper_bound = &upper_bound;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, capabilities_));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      Result<Capability> capability = ParseCapabilityJson(ToView(it->value()), nullptr);
      if (!capability.ok()) {
        return Status::Corruption("stored capability \"" + it->key().ToString() +
                                  "\": " + capability.status().ToString());
      }
      capability->complex_id = complex->id;
      complex->services.push_back(std::move(capability).value());
    }
    return FromRocks(it->status(), "reading capabilities of \"" + complex->id + "\"");
  }

  // A scan of a whole column family at start: read ahead in large chunks and
  // keep its blocks out of the block cache, which they would only churn.
  static rocksdb::ReadOptions BulkScan() {
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    read.readahead_size = 4 << 20;
    return read;
  }

  // The smallest key after every key starting with `prefix`; capability
  // prefixes end in '/', so bumping the last byte never overflows.
  static std::string PrefixEnd(const std::string& prefix) {
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);
    return end;
  }

  static Result<Complex> DecodeComplex(std::string_view key, std::string_view json) {
    Result<Complex> complex = ParseComplexJson(json, nullptr);
    if (!complex.ok()) {
      return Status::Corruption("stored complex \"" + std::string(key) +
                                "\": " + complex.status().ToString());
    }
    if (complex->id != key) {
      return Status::Corruption("stored complex \"" + std::string(key) + "\" holds id \"" +
                                complex->id + "\"");
    }
    return complex;
  }

  static Result<FeatureVector> DecodeFeatures(std::string_view key, std::string_view bytes) {
    Result<FeatureVector> vector = DecodeFeatureVector(bytes);
    if (!vector.ok()) {
      return Status::Corruption("stored features \"" + std::string(key) +
                                "\": " + vector.status().message());
    }
    return vector;
  }

  // Used only by CheckSchemaVersion: a database without a schema version is
  // new only if it holds no records either.
  Status RequireEmpty(const std::string& dir) const {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle));
      it->SeekToFirst();
      IISC_RETURN_IF_ERROR(FromRocks(it->status(), "checking database " + dir));
      if (it->Valid()) {
        return Status::Corruption("database " + dir + " holds " + handle->GetName() +
                                  " records but no schema version");
      }
    }
    return Status::Ok();
  }

  // Declared before db_, so that the database is gone before its Env.
  const std::unique_ptr<rocksdb::Env> env_;
  const std::unique_ptr<rocksdb::DB> db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const std::vector<rocksdb::ColumnFamilyHandle*> other_handles_;
  rocksdb::ColumnFamilyHandle* const complexes_;
  rocksdb::ColumnFamilyHandle* const capabilities_;
  rocksdb::ColumnFamilyHandle* const features_;
  rocksdb::ColumnFamilyHandle* const needs_;
  rocksdb::ColumnFamilyHandle* const meta_;
  rocksdb::ColumnFamilyHandle* const records_;
  const StoreOptions options_;
  std::mutex catalog_write_mutex_;
};

// `env` null: RocksDB's default Env (the real file system).
Result<std::unique_ptr<Store>> OpenRocksStoreIn(std::unique_ptr<rocksdb::Env> env,
                                                const std::string& dir,
                                                const StoreOptions& options) {
  rocksdb::DBOptions db_options;
  if (env != nullptr) db_options.env = env.get();
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  const rocksdb::ColumnFamilyOptions family_options =
      FamilyOptions(rocksdb::NewLRUCache(options.block_cache_bytes));

  // RocksDB refuses to open a database without naming every family in it, so
  // families this build does not know (from a newer release) are opened too;
  // the schema version check below then gives the meaningful error.
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, dir, &existing).ok()) existing.clear();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kOwnFamilies) descriptors.emplace_back(name, family_options);
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, family_options);
  for (const std::string& name : existing) {
    bool known = name == rocksdb::kDefaultColumnFamilyName;
    for (const char* own : kOwnFamilies) known = known || name == own;
    if (!known) descriptors.emplace_back(name, family_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  IISC_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db),
                                 "opening database " + dir));
  std::vector<rocksdb::ColumnFamilyHandle*> own_handles(handles.begin(),
                                                        handles.begin() + kOwnFamilies.size());
  std::vector<rocksdb::ColumnFamilyHandle*> other_handles(handles.begin() + kOwnFamilies.size(),
                                                          handles.end());
  auto store = std::make_unique<RocksStore>(std::move(env), std::unique_ptr<rocksdb::DB>(db),
                                            std::move(own_handles), std::move(other_handles),
                                            options);
  IISC_RETURN_IF_ERROR(store->CheckSchemaVersion(dir));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, const StoreOptions& options) {
  return OpenRocksStoreIn(nullptr, dir, options);
}

Result<std::unique_ptr<Store>> OpenRocksStoreOnFileSystem(
    std::shared_ptr<rocksdb::FileSystem> file_system, const std::string& dir,
    const StoreOptions& options) {
  if (file_system == nullptr) return Status::InvalidArgument("no file system given");
  return OpenRocksStoreIn(rocksdb::NewCompositeEnv(file_system), dir, options);
}

}  // namespace iisc
