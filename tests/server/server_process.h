// Runs the real iisc-server binary as a child process for integration tests
// and talks HTTP to it with a small synchronous Beast client.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

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

  // Starts iisc-server on 127.0.0.1:0 and waits for its "listening on" line.
  // Returns an empty string on success, else what went wrong.
  std::string Start();
  // The two halves of Start, for tests that act while the server starts up.
  std::string Spawn();
  std::string WaitUntilListening();
  // Sends `signal` and waits; returns the exit code (or 128 + signal number).
  int Stop(int signal);
  void Signal(int signal);

  uint16_t port() const { return port_; }

 private:
  std::string data_dir_;
  std::map<std::string, std::string> env_;
  std::string config_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
};

// One request on a fresh connection.
Response Fetch(uint16_t port, boost::beast::http::verb method, const std::string& target,
               const std::string& body = "", const std::string& content_type = "",
               const std::map<std::string, std::string>& headers = {});
// Sends a prepared request as is (for deliberately odd ones).
Response Send(uint16_t port, Request request);
// Writes raw bytes and reads one response.
Response SendRaw(uint16_t port, const std::string& bytes);

}  // namespace iisc::testing
