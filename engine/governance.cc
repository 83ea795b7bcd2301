// Records: "config/<seq, 20 digits>" -> a ConfigVersion, "audit/<seq, 20
// digits>" -> an AuditEntry, as JSON. Written with a synced batch each: the
// bureau's actions are rare, and an applied change must not be lost.
#include "engine/governance.h"

#include <simdjson.h>

#include <algorithm>

#include "engine/clock.h"
#include "engine/store.h"
#include "engine/store_keys.h"
#include "models/json_writer.h"

namespace iisc {

namespace {

constexpr std::string_view kConfigPrefix = "config/";
constexpr std::string_view kAuditPrefix = "audit/";

// Sequence numbers start at 1.
std::string Key(std::string_view prefix, int64_t seq) {
  return store_keys::SequenceKey(prefix, static_cast<uint64_t>(seq));
}

std::string Str(const simdjson::dom::element& e, const char* key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}
int64_t Int(const simdjson::dom::element& e, const char* key) {
  int64_t v = 0;
  return e[key].get_int64().get(v) == simdjson::SUCCESS ? v : 0;
}

std::string EncodeConfig(const ConfigVersion& c) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("seq").Int(c.seq).Key("version").String(c.version);
  w.Key("applied_unix_ms").Int(c.applied_unix_ms).Key("applied_by").String(c.applied_by);
  w.Key("reason").String(c.reason).Key("source").String(c.source);
  w.Key("toml").String(c.toml).Key("diff").String(c.diff).EndObject();
  return out;
}

std::string EncodeAudit(const AuditEntry& a) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("seq").Int(a.seq).Key("at_unix_ms").Int(a.at_unix_ms);
  w.Key("actor").String(a.actor).Key("action").String(a.action);
  w.Key("target").String(a.target).Key("detail").String(a.detail).EndObject();
  return out;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

std::string LineDiff(std::string_view before, std::string_view after) {
  const std::vector<std::string_view> a = Lines(before), b = Lines(after);
  const size_t n = a.size(), m = b.size();
  // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.append("+ ").append(b[j++]).push_back('\n');
    } else {
      out.append("- ").append(a[i++]).push_back('\n');
    }
  }
  return out;
}

Result<std::unique_ptr<Governance>> Governance::Open(Store* store) {
  std::unique_ptr<Governance> g(new Governance(store));
  simdjson::dom::parser parser;
  IISC_RETURN_IF_ERROR(store->ScanRecords(kConfigPrefix, {}, [&](std::string_view, std::string_view value) -> Result<bool> {
    simdjson::dom::element e;
    if (parser.parse(value.data(), value.size()).get(e) != simdjson::SUCCESS) {
      return Status::Corruption("stored config version is not JSON");
    }
    ConfigVersion c;
    c.seq = Int(e, "seq");
    c.version = Str(e, "version");
    c.applied_unix_ms = Int(e, "applied_unix_ms");
    c.applied_by = Str(e, "applied_by");
    c.reason = Str(e, "reason");
    c.source = Str(e, "source");
    c.toml = Str(e, "toml");
    c.diff = Str(e, "diff");
    g->configs_.push_back(std::move(c));
    return true;
  }));
  IISC_RETURN_IF_ERROR(store->ScanRecords(kAuditPrefix, {}, [&](std::string_view, std::string_view value) -> Result<bool> {
    simdjson::dom::element e;
    if (parser.parse(value.data(), value.size()).get(e) != simdjson::SUCCESS) {
      return Status::Corruption("stored audit entry is not JSON");
    }
    g->audit_.push_back({Int(e, "seq"), Int(e, "at_unix_ms"), Str(e, "actor"), Str(e, "action"),
                         Str(e, "target"), Str(e, "detail")});
    return true;
  }));
  return g;
}

Status Governance::AppendLocked(const AuditEntry& entry, std::vector<RecordWrite>* writes) {
  writes->push_back({Key(kAuditPrefix, entry.seq), EncodeAudit(entry)});
  return Status::Ok();
}

Result<ConfigVersion> Governance::RecordConfig(const std::string& version, const std::string& toml,
                                               const std::string& applied_by, const std::string& reason,
                                               const std::string& source) {
  std::lock_guard lock(mu_);
  if (!configs_.empty() && configs_.back().version == version && configs_.back().toml == toml) {
    // Nothing new serves; a bureau's explicit apply or rollback is still an
    // action to account for.
    if (source == "api" || source == "rollback") {
      AuditEntry a{audit_.empty() ? 1 : audit_.back().seq + 1, SystemUnixMs(), applied_by,
                   source == "rollback" ? "config.rollback" : "config.apply", version,
                   "already serving as config #" + std::to_string(configs_.back().seq) +
                       (reason.empty() ? "" : ": " + reason)};
      DurableWrite write;
      IISC_RETURN_IF_ERROR(AppendLocked(a, &write.records));
      IISC_RETURN_IF_ERROR(store_->Write(write));
      audit_.push_back(std::move(a));
    }
    return configs_.back();
  }
  ConfigVersion c;
  c.seq = configs_.empty() ? 1 : configs_.back().seq + 1;
  c.version = version;
  c.applied_unix_ms = SystemUnixMs();
  c.applied_by = applied_by;
  c.reason = reason;
  c.source = source;
  c.toml = toml;
  c.diff = LineDiff(configs_.empty() ? std::string_view() : std::string_view(configs_.back().toml), toml);
  AuditEntry a{audit_.empty() ? 1 : audit_.back().seq + 1, c.applied_unix_ms, applied_by,
               source == "rollback" ? "config.rollback" : "config.apply", version,
               "config #" + std::to_string(c.seq) + (reason.empty() ? "" : ": " + reason)};
  DurableWrite write;
  write.records.push_back({Key(kConfigPrefix, c.seq), EncodeConfig(c)});
  IISC_RETURN_IF_ERROR(AppendLocked(a, &write.records));
  IISC_RETURN_IF_ERROR(store_->Write(write));
  configs_.push_back(c);
  audit_.push_back(std::move(a));
  return c;
}

std::vector<ConfigVersion> Governance::ConfigHistory() const {
  std::lock_guard lock(mu_);
  return configs_;
}

Result<ConfigVersion> Governance::GetConfig(int64_t seq) const {
  std::lock_guard lock(mu_);
  for (const ConfigVersion& c : configs_) {
    if (c.seq == seq) return c;
  }
  return Status::NotFound("no config version #" + std::to_string(seq));
}

Status Governance::Audit(const std::string& actor, const std::string& action, const std::string& target,
                         const std::string& detail) {
  std::lock_guard lock(mu_);
  AuditEntry a{audit_.empty() ? 1 : audit_.back().seq + 1, SystemUnixMs(), actor, action, target, detail};
  DurableWrite write;
  IISC_RETURN_IF_ERROR(AppendLocked(a, &write.records));
  IISC_RETURN_IF_ERROR(store_->Write(write));
  audit_.push_back(std::move(a));
  return Status::Ok();
}

std::vector<AuditEntry> Governance::AuditLog(int64_t after_seq, int limit) const {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  auto it = std::upper_bound(audit_.begin(), audit_.end(), after_seq,
                             [](int64_t seq, const AuditEntry& a) { return seq < a.seq; });
  for (; it != audit_.end() && static_cast<int>(out.size()) < limit; ++it) out.push_back(*it);
  return out;
}

}  // namespace iisc
