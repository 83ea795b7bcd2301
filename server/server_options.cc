#include "server/server_options.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <utility>

#include "engine/toml_reader.h"
#include "models/hash.h"

namespace iisc {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Host names and IPv4 literals: letters, digits, dots and hyphens.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '-'; });
}

// An IPv6 literal, optionally with a zone ("fe80::1%eth0"). Only the alphabet
// is checked; the resolver gives the precise verdict when the server binds.
bool IsIpv6Literal(std::string_view host) {
  size_t percent = host.find('%');
  std::string_view address = host.substr(0, percent);
  if (address.size() < 2 || address.find(':') == std::string_view::npos) return false;
  bool address_ok = std::all_of(address.begin(), address.end(),
                                [](char c) { return HexDigitValue(c) >= 0 || c == ':' || c == '.'; });
  if (!address_ok) return false;
  if (percent == std::string_view::npos) return true;
  std::string_view zone = host.substr(percent + 1);
  return !zone.empty() && std::all_of(zone.begin(), zone.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '_' || c == '-' || c == '.';
  });
}

// Environment variable names as shells accept them, so the operator can export it.
bool IsEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAsciiAlnum(c) || c == '_'; });
}

// Browsers send Origin as scheme://host[:port] exactly; an entry with a path or
// a trailing slash would never match and silently block the portal.
bool IsOrigin(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else {
    return false;
  }
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || !IsIpv6Literal(rest.substr(1, close - 1))) return false;
    rest = rest.substr(close + 1);
    if (rest.empty()) return true;
    if (rest[0] != ':') return false;
    rest = rest.substr(1);
    return !rest.empty() && rest.size() <= 5 &&
           std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  size_t colon = rest.find(':');
  if (!IsHostName(rest.substr(0, colon))) return false;
  if (colon == std::string_view::npos) return true;
  std::string_view port = rest.substr(colon + 1);
  return !port.empty() && port.size() <= 5 &&
         std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status ListenError(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("listen address \"" + std::string(text) +
                                 "\": " + std::string(why) +
                                 " (expected HOST:PORT, like 127.0.0.1:8080 or [::1]:8080)");
}

void ReadServer(TomlSection server, ServerOptions* o) {
  std::string listen;
  if (server.String("listen", &listen)) {
    auto address = ParseListenAddress(listen);
    if (address.ok()) {
      o->listen_host = address->host;
      o->listen_port = address->port;
    } else {
      server.Fail("listen", address.status().message());
    }
  }
  if (server.String("data_dir", &o->data_dir) && o->data_dir.empty()) {
    server.Fail("data_dir", "must not be empty");
  }
  // More I/O threads than this only adds contention; 0 means one per core.
  server.IntegerAs("io_threads", 0, 256, &o->io_threads);
  server.IntegerAs("blocking_threads", 0, 256, &o->blocking_threads);
  server.IntegerAs("blocking_queue", 0, 1000000, &o->blocking_queue);
}

void ReadPaths(TomlSection paths, ServerOptions* o) {
  for (auto [key, out] :
       {std::pair<const char*, std::string*>{"scoring_config", &o->scoring_config},
        {"vocabulary_dir", &o->vocabulary_dir},
        {"taxonomy_file", &o->taxonomy_file},
        {"seed_catalog", &o->seed_catalog}}) {
    if (paths.String(key, out) && out->empty()) paths.Fail(key, "must not be empty");
  }
  paths.String("intent_corpus_dir", &o->intent_corpus_dir);  // "" = no intent model
}

void ReadLimits(TomlSection limits, ServerOptions* o) {
  // The bounds reject values that would make the service unusable (a body
  // limit below a single request) or defeat the limit's purpose (hour-long
  // read timeouts invite slowloris).
  limits.IntegerAs("max_body_bytes", 1 << 10, int64_t{1} << 30, &o->max_body_bytes);
  limits.IntegerAs("max_import_bytes", 1 << 10, int64_t{1} << 32, &o->max_import_bytes);
  limits.IntegerAs("max_header_bytes", 1 << 10, 1 << 20, &o->max_header_bytes);
  bool url_read = limits.IntegerAs("max_url_bytes", 256, 64 << 10, &o->max_url_bytes);
  limits.IntegerAs("max_json_depth", 4, 1024, &o->max_json_depth);
  limits.IntegerAs("max_description_chars", 100, 1000000, &o->max_description_chars);
  limits.IntegerAs("max_k", 1, 100, &o->max_k);  // the contract allows up to 100
  limits.IntegerAs("read_timeout_ms", 100, 600000, &o->read_timeout_ms);
  limits.IntegerAs("idle_timeout_ms", 100, 3600000, &o->idle_timeout_ms);
  limits.IntegerAs("max_connections", 1, 1000000, &o->max_connections);
  limits.IntegerAs("max_connections_per_address", 1, 1000000, &o->max_connections_per_address);
  limits.IntegerAs("max_inflight_requests", 1, 1000000, &o->max_inflight_requests);
  limits.IntegerAs("shutdown_grace_ms", 0, 600000, &o->shutdown_grace_ms);
  // The request line is part of the header block, so a URL limit above the
  // header limit could never answer 414.
  if (o->max_url_bytes > o->max_header_bytes) {
    limits.Fail(url_read ? "max_url_bytes" : "max_header_bytes",
                "max_url_bytes (" + std::to_string(o->max_url_bytes) +
                    ") must not exceed max_header_bytes (" + std::to_string(o->max_header_bytes) +
                    "): the URL is part of the header");
  }
}

void ReadAccess(TomlSection access, ServerOptions* o) {
  access.String("bureau_token_file", &o->bureau_token_file);
  access.String("bureau_tokens_file", &o->bureau_tokens_file);
  if (access.String("bureau_token_name", &o->bureau_token_name) &&
      (o->bureau_token_name.empty() || o->bureau_token_name.size() > 64)) {
    access.Fail("bureau_token_name", "must be 1 to 64 characters");
  }
  if (access.String("bureau_token_env", &o->bureau_token_env) && !o->bureau_token_env.empty() &&
      !IsEnvName(o->bureau_token_env)) {
    access.Fail("bureau_token_env",
                "must be an environment variable name (letters, digits, _), got \"" +
                    o->bureau_token_env + "\"");
  }
  if (access.StringList("cors_allowed_origins", &o->cors_allowed_origins)) {
    for (const std::string& origin : o->cors_allowed_origins) {
      if (!IsOrigin(origin)) {
        access.Fail("cors_allowed_origins",
                    "\"" + origin +
                        "\" is not an origin; write scheme and host (and port), like "
                        "https://portal.example.cn, without a path or trailing slash");
      }
    }
  }
  // 0 is "off"; between 0 and 0.01 a client would wait minutes per request.
  if (access.Number("rate_limit_per_second", 0, 1e6, &o->rate_limit_per_second) &&
      o->rate_limit_per_second > 0 && o->rate_limit_per_second < 0.01) {
    access.Fail("rate_limit_per_second", "must be 0 (off) or at least 0.01");
  }
  // A bucket smaller than one token would refuse every request.
  access.Number("rate_limit_burst", 1.0, 1e7, &o->rate_limit_burst);
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  if (text.empty()) return ListenError(text, "empty");
  ListenAddress address;
  std::string_view port;
  if (text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return ListenError(text, "missing ']' after IPv6 address");
    std::string_view host = text.substr(1, close - 1);
    if (!IsIpv6Literal(host)) return ListenError(text, "not an IPv6 address inside [ ]");
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return ListenError(text, "missing :PORT");
    address.host = std::string(host);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return ListenError(text, "missing :PORT");
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return ListenError(text, "an IPv6 address must be written in brackets");
    }
    if (host.empty()) return ListenError(text, "missing host (use 0.0.0.0 for every interface)");
    if (!IsHostName(host)) return ListenError(text, "invalid host");
    address.host = std::string(host);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return ListenError(text, "port must be a number from 0 to 65535");
  }
  address.port = static_cast<uint16_t>(value);
  return address;
}

std::string ServerOptions::ResolvePath(const std::string& path) const {
  if (path.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(config_dir) / p).lexically_normal().string();
}

Result<ServerOptions> ParseServerOptions(std::string_view toml, const std::string& source_path) {
  auto doc = TomlDocument::Parse(toml, source_path);
  if (!doc.ok()) return doc.status();

  ServerOptions options;
  TomlSection root = (*doc)->Root();
  ReadServer(root.Table("server"), &options);
  ReadPaths(root.Table("paths"), &options);
  ReadLimits(root.Table("limits"), &options);
  ReadAccess(root.Table("access"), &options);
  TomlSection workflow = root.Table("workflow");
  workflow.IntegerAs("request_expiry_seconds", 1, int64_t{366} * 24 * 3600, &options.request_expiry_seconds);
  workflow.IntegerAs("expiry_sweep_seconds", 1, 3600, &options.expiry_sweep_seconds);
  workflow.Number("feed_min_score", 0, 1, &options.feed_min_score);
  root.Table("map").Number("good_match_score", 0, 1, &options.map_good_match_score);
  TomlSection durability = root.Table("durability");
  durability.Bool("sync_need_writes", &options.sync_need_writes);
  if (durability.String("backup_dir", &options.backup_dir) && options.backup_dir.empty()) {
    durability.Fail("backup_dir", "must not be empty");
  }
  IISC_RETURN_IF_ERROR((*doc)->Finish());

  std::string dir = std::filesystem::path(source_path).parent_path().string();
  options.config_dir = dir.empty() ? "." : dir;
  return options;
}

Result<ServerOptions> LoadServerOptionsFile(const std::string& path) {
  auto content = ReadConfigFile(path);
  if (!content.ok()) return content.status();
  return ParseServerOptions(*content, path);
}

}  // namespace iisc
