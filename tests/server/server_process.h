// Runs the real iisc-server binary as a child process for integration tests
// and talks HTTP to it with a small synchronous Beast client.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace iisc::testing {

using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

// A fresh empty directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // `env` is added to the test's own environment; `config` defaults to the
  // repository's configs/server.toml.
  ServerProcess(std::string data_dir, std::map<std::string, std::string> env = {},
                std::string config = IISC_SOURCE_DIR "/configs/server.toml");
  ~ServerProcess();  // SIGKILLs a server still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Sends the server's stderr (its log) to `path` instead of the test's.
  void set_log_file(std::string path) { log_file_ = std::move(path); }

  // A server started on a missing or empty data directory begins from a copy
  // of one that a server with the same binary, config and environment made
  // on its first start and then stopped cleanly (made once, shared by the
  // test processes): the first start's model training and featurizing take
  // seconds, more under the sanitizers. Tests of the first start itself turn
  // this off.
  void set_fresh_start(bool fresh) { fresh_start_ = fresh; }

  // Starts iisc-server on 127.0.0.1:0 and waits for its "listening on" line.
  // Returns an empty string on success, else what went wrong.
  std::string Start();
  // The two halves of Start, for tests that act while the server starts up.
  std::string Spawn();
  std::string WaitUntilListening();
  // Sends `signal` and waits; returns the exit code (or 128 + signal number).
  int Stop(int signal);
  void Signal(int signal);
  // Waits for the process to end (e.g. after a failed start); returns as Stop does.
  int Wait();

  uint16_t port() const { return port_; }

 private:
  std::string PrepareDataDir();

  std::string log_file_;
  bool fresh_start_ = false;
  std::string data_dir_;
  std::map<std::string, std::string> env_;
  std::string config_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
};

// A server config for tests: the repository's paths (taxonomy, scoring,
// vocabulary, seed catalog) as absolute paths, plus `sections` (whole TOML
// tables such as "[limits]\nmax_k = 5\n"). Written to `dir`/server.toml;
// returns its path.
std::string WriteTestConfig(const std::string& dir, const std::string& sections);

// Runs iisc-server with `args` (e.g. {"backup", "--data-dir", ...}) to its
// end; returns the exit code, with stdout and stderr in *output.
int RunServerCommand(const std::vector<std::string>& args, std::string* output);

// Writes `bytes` on a fresh connection and returns everything the server
// sends until it closes the connection or `timeout` passes (then with
// *timed_out set when given). With `half_close` the client shuts down its
// sending side after the bytes, as a client that gives up mid-request does.
std::string Exchange(uint16_t port, const std::string& bytes,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20),
                     bool* timed_out = nullptr, bool half_close = false);

// Parses the first HTTP response of raw bytes; a default Response with
// result 0 when none can be parsed.
Response ParseResponse(const std::string& raw);

// Checks (with EXPECTs) that `res` has `status` and the contract's error
// body {"error":{"code","message","field"}} with a non-empty message, and
// `code` when given. Returns error.field ("" when absent).
std::string ExpectError(const Response& res, boost::beast::http::status status,
                        const std::string& code = "");

// For what only the server process can tell: asks `holds` every `interval`
// until it answers true (then true) or `timeout` has passed (then false).
// Waits for no fixed time: it returns as soon as the condition holds.
bool PollUntil(const std::function<bool()>& holds,
               std::chrono::milliseconds timeout = std::chrono::seconds(20),
               std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// One request on a fresh connection.
Response Fetch(uint16_t port, boost::beast::http::verb method, const std::string& target,
               const std::string& body = "", const std::string& content_type = "",
               const std::map<std::string, std::string>& headers = {});
// Sends a prepared request as is (for deliberately odd ones).
Response Send(uint16_t port, Request request);
// Writes raw bytes and reads one response.
Response SendRaw(uint16_t port, const std::string& bytes);

}  // namespace iisc::testing
