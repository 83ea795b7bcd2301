// Durable storage of the catalog, feature vectors, needs and metadata.
// One interface, two implementations: RocksDB (the service) and memory
// (fast tests of engine logic). All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/need_record.h"
#include "models/catalog.h"
#include "models/need.h"
#include "models/status.h"

namespace iisc {

// A dense feature vector and the model version that produced it. Stored as
// packed little-endian floats after a small header.
struct FeatureVector {
  std::string model_version;
  std::vector<float> values;
  // A capability's lexical terms under the same model (term ids ascending,
  // BM25 document weights), kept beside its vector so that opening a large
  // catalog need not analyze every text again. Empty for needs.
  std::vector<uint32_t> term_ids = {};
  std::vector<float> term_weights = {};
};

// A need as stored: the record the engine hands out (engine/need_record.h)
// and what only the engine reads: the token's hash, the vector, the matches.
struct StoredNeed : NeedRecord {
  using Match = NeedMatch;
  // SHA-256 of the need's access token (hex); the token itself is never stored.
  std::string access_token_sha256;
  // The need's dense vector. PutNeeds writes it under "need/<id>" among the
  // feature vectors, in the same batch; it is not part of the need record
  // (read it back with GetFeatures).
  FeatureVector features;
  // The need's best services when it was submitted (deeper than the answer's
  // list), with their scores: what the reverse feed of complexes and the
  // assignment planner read. Empty for needs stored before it existed.
  std::vector<Match> matches;
};

// A lifecycle record (service requests, need states, complex tokens, events,
// idempotent results) under a key of the records space.
struct RecordWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt: delete the key
};

// One atomic write of needs, lifecycle records and erasures: a crash keeps
// all of it or none.
struct DurableWrite {
  std::vector<StoredNeed> needs;
  std::vector<RecordWrite> records;
  std::vector<std::string> erased_need_vectors;  // need ids whose vector goes
};

struct StoreOptions {
  // Sync the WAL before a need write returns. Turning it off trades the
  // durability of acknowledged needs for throughput; benchmarks only.
  bool sync_need_writes = true;
  // RocksDB block cache, bytes.
  size_t block_cache_bytes = 64 << 20;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- catalog ---
  // Inserts or replaces a complex with all its capabilities, atomically:
  // capabilities no longer listed are removed, with their feature vectors.
  // InvalidArgument unless the complex id is non-empty, has no '/' and is not
  // "need" (kept for need vectors), and every capability id is unique and
  // starts with "<complex id>/". Capabilities are read back with complex_id
  // set and in id order (byte order), whatever order they were put in.
  virtual Status PutComplex(const Complex& complex) = 0;
  // NotFound when absent. Removes the capabilities and their vectors too.
  virtual Status DeleteComplex(std::string_view complex_id) = 0;
  // Puts every complex of `put` (as PutComplex does), deletes every complex
  // named in `remove` (absent ones are skipped) and puts `features` (keyed by
  // capability id, as PutFeatures does), in one atomic write: a crash leaves
  // all of it or none, so a service's text is never stored without the
  // vector made from it. REQUIRES: no id both put and removed; `features`
  // only of capabilities of `put`.
  virtual Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                              const std::vector<std::pair<std::string, FeatureVector>>& features) = 0;
  virtual Result<Complex> GetComplex(std::string_view complex_id) const = 0;
  // All complexes with their capabilities, ordered by id.
  virtual Result<std::vector<Complex>> ListComplexes() const = 0;

  // --- feature vectors, keyed by capability id or "need/<need id>" ---
  virtual Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>& batch) = 0;
  virtual Result<std::optional<FeatureVector>> GetFeatures(std::string_view key) const = 0;
  // Calls `visit` for every stored vector in key order; stops early on a non-OK
  // status and returns it.
  virtual Status ScanFeatures(
      const std::function<Status(std::string_view key, const FeatureVector&)>& visit) const = 0;

  // --- needs ---
  // Writes all needs in one batch; when StoreOptions::sync_need_writes is set
  // it returns only after the WAL is synced (one fsync for the whole batch).
  Status PutNeeds(const std::vector<StoredNeed>& needs) {
    DurableWrite write;
    write.needs = needs;
    return Write(write);
  }
  // Writes everything in one batch, synced as need writes are (see
  // StoreOptions::sync_need_writes): needs with their vectors, records,
  // erased need vectors.
  virtual Status Write(const DurableWrite& write) = 0;
  virtual Result<StoredNeed> GetNeed(std::string_view id) const = 0;
  virtual Status ScanNeeds(const std::function<Status(const StoredNeed&)>& visit) const = 0;

  // --- lifecycle records ---
  virtual Result<std::optional<std::string>> GetRecord(std::string_view key) const = 0;
  // Visits, in key order, the records whose key starts with `prefix` and
  // sorts after `after` (empty: from the first); `visit` answers false to stop.
  virtual Status ScanRecords(
      std::string_view prefix, std::string_view after,
      const std::function<Result<bool>(std::string_view key, std::string_view value)>& visit)
      const = 0;

  // --- metadata (schema version, model version, ...) ---
  // "schema_version" is written by the store; PutMeta refuses it.
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) const = 0;
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;

  // A consistent copy of the whole database in `dir` (which must not exist).
  virtual Status Checkpoint(const std::string& dir) = 0;
};

// Opens (creating if missing) a RocksDB database in `dir` with the column
// families complexes, capabilities, features, needs and meta, and checks the
// schema version: a database of another schema version is refused with
// InvalidArgument. RocksDB failures are IOError or Corruption.
Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, const StoreOptions& options);

std::unique_ptr<Store> NewMemoryStore();

// Binary encoding of feature vectors (exposed for tests and tools).
std::string EncodeFeatureVector(const FeatureVector& vector);
Result<FeatureVector> DecodeFeatureVector(std::string_view bytes);

}  // namespace iisc
