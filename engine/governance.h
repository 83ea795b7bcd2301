// What a public body needs before and after it changes who gets recommended:
// every scoring configuration that ever served, with who applied it, when,
// why and what changed; and an append-only log of every bureau action.
// Both live in the store's records space, so they survive restarts and go
// into every backup (a checkpoint holds the whole database).
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"

namespace iisc {

class Store;  // engine/store.h
struct RecordWrite;

struct ConfigVersion {
  int64_t seq = 0;              // 1, 2, ... in the order they were applied
  std::string version;          // the config's own version ("scoring@<hash>")
  int64_t applied_unix_ms = 0;
  std::string applied_by;       // the bureau token's name, "file" (start, SIGHUP)
  std::string reason;
  std::string source;           // "start", "file", "api", "rollback"
  std::string toml;             // the whole text
  std::string diff;             // lines against the previous version: "- old" / "+ new"
};

struct AuditEntry {
  int64_t seq = 0;
  int64_t at_unix_ms = 0;
  std::string actor;   // the bureau token's name, "file", "system"
  std::string action;  // "config.apply", "config.rollback", "catalog.put", "token.issue", ...
  std::string target;  // what it acted on (a complex id, a config version, ...)
  std::string detail;  // a short description
};

// The lines of `after` against `before`: unchanged lines are left out,
// removed ones start "- ", added ones "+ " (a longest-common-subsequence
// diff; empty when equal).
std::string LineDiff(std::string_view before, std::string_view after);

class Governance {
 public:
  // Reads the history and the log from `store` (which must outlive it).
  static Result<std::unique_ptr<Governance>> Open(Store* store);

  // Records `toml` (whose parsed version is `version`) as the configuration
  // now serving, unless it is the one the history already ends with (a
  // restart or a reload of an unchanged file records nothing; an apply or a
  // rollback to it is audited all the same). Durable on return, with its
  // audit entry.
  Result<ConfigVersion> RecordConfig(const std::string& version, const std::string& toml,
                                     const std::string& applied_by, const std::string& reason,
                                     const std::string& source);
  std::vector<ConfigVersion> ConfigHistory() const;  // oldest first
  Result<ConfigVersion> GetConfig(int64_t seq) const;

  // Appends to the audit log; durable on return.
  Status Audit(const std::string& actor, const std::string& action, const std::string& target,
               const std::string& detail);
  // Entries after `after_seq`, oldest first, at most `limit`.
  std::vector<AuditEntry> AuditLog(int64_t after_seq, int limit) const;

 private:
  explicit Governance(Store* store) : store_(store) {}
  Status AppendLocked(const AuditEntry& entry, std::vector<RecordWrite>* writes);

  Store* const store_;
  mutable std::mutex mu_;
  std::vector<ConfigVersion> configs_;  // GUARDED_BY(mu_)
  std::vector<AuditEntry> audit_;       // GUARDED_BY(mu_)
};

}  // namespace iisc
