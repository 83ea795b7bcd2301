// For tests only: the RocksDB store over a file system the test chooses,
// such as one that injects faults or simulates a power cut. The service opens
// its store with OpenRocksStore (engine/store.h); this lives apart so that
// store.h names no RocksDB type.
#pragma once

#include <memory>
#include <string>

#include "engine/store.h"
#include "models/status.h"

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace iisc {

// OpenRocksStore, with every file of the database read and written through
// `file_system` (which the store keeps alive while it is open).
Result<std::unique_ptr<Store>> OpenRocksStoreOnFileSystem(
    std::shared_ptr<rocksdb::FileSystem> file_system, const std::string& dir,
    const StoreOptions& options);

}  // namespace iisc
