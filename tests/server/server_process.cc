#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

extern char** environ;

namespace iisc::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "iisc-test-XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(std::string data_dir, std::map<std::string, std::string> env,
                             std::string config)
    : data_dir_(std::move(data_dir)), env_(std::move(env)), config_(std::move(config)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

std::string ServerProcess::Start() {
  const std::string error = Spawn();
  return error.empty() ? WaitUntilListening() : error;
}

namespace {

namespace fs = std::filesystem;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Path, size and modification time of the file `path`.
void AppendFileStamp(const fs::path& path, std::string* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  *out += path.string() + ' ' + std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
          std::to_string(st.st_mtim.tv_nsec) + '\n';
}

// The stamps of every file under `dir`, in path order.
void AppendTreeStamp(const fs::path& dir, std::string* out) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) AppendFileStamp(f, out);
}

bool IsEmptyOrMissing(const std::string& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

// SST files never change once written: linked. The rest (WAL, MANIFEST,
// CURRENT, OPTIONS) is copied.
bool CopyDataDir(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return false;
  for (const fs::directory_entry& e : fs::directory_iterator(from, ec)) {
    if (!e.is_regular_file() || e.path().filename() == "LOCK") continue;
    const fs::path target = to / e.path().filename();
    if (e.path().extension() == ".sst") {
      fs::create_hard_link(e.path(), target, ec);
      if (!ec) continue;
      ec.clear();
    }
    fs::copy_file(e.path(), target, ec);
    if (ec) return false;
  }
  return !ec;
}

}  // namespace

// Made once per key under the system temp dir, under a lock file, by a
// server started and stopped as this one would be.
std::string ServerProcess::PrepareDataDir() {
  if (fresh_start_ || !IsEmptyOrMissing(data_dir_)) return "";
  const std::string config_text = ReadWhole(config_);
  // A config naming a test's own temporary files may mean anything: start fresh.
  if (config_text.find("iisc-test-") != std::string::npos) return "";
  std::string key = config_text + '\n';
  for (const auto& [k, v] : env_) key += k + '=' + v + '\n';
  AppendFileStamp(IISC_BINARY_DIR "/server/iisc-server", &key);
  AppendTreeStamp(IISC_SOURCE_DIR "/configs", &key);
  AppendTreeStamp(IISC_SOURCE_DIR "/data", &key);
  const fs::path root = fs::temp_directory_path() / "iisc-server-templates";
  const fs::path made = root / std::to_string(std::hash<std::string>{}(key));
  std::error_code ec;
  fs::create_directories(root, ec);
  const int lock = ::open((made.string() + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0) return "";
  ::flock(lock, LOCK_EX);
  if (!fs::exists(made / "CURRENT", ec)) {
    const fs::path making = made.string() + ".making";
    fs::remove_all(making, ec);
    ServerProcess first(making.string(), env_, config_);
    first.set_fresh_start(true);
    first.set_log_file(making.string() + ".log");
    std::string error = first.Start();
    const int code = first.Stop(SIGTERM);
    if (error.empty() && code == 0) {
      fs::remove_all(made, ec);
      fs::rename(making, made, ec);
    } else {
      fs::remove_all(making, ec);
    }
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  // Without a template the server simply starts fresh.
  if (!fs::exists(made / "CURRENT", ec)) return "";
  fs::remove_all(data_dir_, ec);
  if (!CopyDataDir(made, data_dir_)) return "cannot copy the server data template " + made.string() + " to " + data_dir_;
  return "";
}

std::string ServerProcess::Spawn() {
  if (std::string error = PrepareDataDir(); !error.empty()) return error;
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  if (!log_file_.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }

  const std::string binary = IISC_BINARY_DIR "/server/iisc-server";
  std::vector<std::string> args = {binary,     "--listen", "127.0.0.1:0", "--data-dir",
                                   data_dir_,  "--config", config_};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (!env_.contains(entry.substr(0, entry.find('=')))) env.push_back(entry);
  }
  for (const auto& [k, v] : env_) env.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    pid_ = -1;
    return "cannot start " + binary + ": " + std::strerror(rc);
  }
  stdout_fd_ = fds[0];
  return "";
}

std::string ServerProcess::WaitUntilListening() {
  // The engine fits its text model at start; allow it time on a busy machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string out;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return "server exited before listening; stdout: " + out;
    out.append(buf, static_cast<size_t>(n));
    const size_t at = out.find("listening on http://127.0.0.1:");
    const size_t eol = out.find('\n', at);
    if (at != std::string::npos && eol != std::string::npos) {
      const size_t colon = at + std::strlen("listening on http://127.0.0.1:");
      port_ = static_cast<uint16_t>(std::stoi(out.substr(colon, eol - colon)));
      return "";
    }
  }
  return "no \"listening on\" line in time; stdout: " + out;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  return Wait();
}

int ServerProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

namespace {

Response ReadResponse(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  stream.expires_after(std::chrono::seconds(60));
  http::read(stream, buffer, parser);
  return parser.release();
}

beast::tcp_stream Connect(net::io_context& ioc, uint16_t port) {
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  return stream;
}

}  // namespace

Response Send(uint16_t port, Request request) {
  net::io_context ioc;
  beast::tcp_stream stream = Connect(ioc, port);
  stream.expires_after(std::chrono::seconds(60));
  http::write(stream, request);
  return ReadResponse(stream);
}

Response SendRaw(uint16_t port, const std::string& bytes) {
  net::io_context ioc;
  beast::tcp_stream stream = Connect(ioc, port);
  net::write(stream, net::buffer(bytes));
  return ReadResponse(stream);
}

std::string WriteTestConfig(const std::string& dir, const std::string& sections) {
  const std::string path = dir + "/server.toml";
  std::ofstream out(path, std::ios::trunc);
  out << "[paths]\n"
      << "scoring_config = \"" IISC_SOURCE_DIR "/configs/scoring.toml\"\n"
      << "vocabulary_dir = \"" IISC_SOURCE_DIR "/configs/vocabulary\"\n"
      << "intent_corpus_dir = \"" IISC_SOURCE_DIR "/configs/intent\"\n"
      << "taxonomy_file = \"" IISC_SOURCE_DIR "/data/taxonomy.json\"\n"
      << "seed_catalog = \"" IISC_SOURCE_DIR "/data/demo-catalog.jsonl\"\n"
      << sections;
  return path;
}

int RunServerCommand(const std::vector<std::string>& args, std::string* output) {
  output->clear();
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  const std::string binary = IISC_BINARY_DIR "/server/iisc-server";
  std::vector<std::string> all = {binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) output->append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Exchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout,
                     bool* timed_out, bool half_close) {
  if (timed_out != nullptr) *timed_out = false;
  net::io_context ioc;
  beast::tcp_stream stream = Connect(ioc, port);
  beast::error_code ec;
  net::write(stream.socket(), net::buffer(bytes), ec);  // the server may refuse midway
  if (half_close) stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  std::string out;
  char buf[16384];
  stream.expires_after(timeout);
  for (;;) {
    const size_t n = stream.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec) {
      if (ec == beast::error::timeout && timed_out != nullptr) *timed_out = true;
      break;
    }
  }
  return out;
}

Response ParseResponse(const std::string& raw) {
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 << 20);
  beast::error_code ec;
  parser.put(net::buffer(raw), ec);
  if (!parser.is_header_done()) return Response{http::status::unknown, 11};
  if (!parser.is_done()) parser.put_eof(ec);
  return parser.release();
}

std::string ExpectError(const Response& res, http::status status, const std::string& code) {
  EXPECT_EQ(res.result(), status) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/json") << res.body();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) {
    ADD_FAILURE() << "error body is not JSON: " << res.body();
    return "";
  }
  std::string_view got_code, message, field;
  EXPECT_EQ(doc["error"]["code"].get(got_code), simdjson::SUCCESS) << res.body();
  EXPECT_EQ(doc["error"]["message"].get(message), simdjson::SUCCESS) << res.body();
  EXPECT_FALSE(message.empty()) << res.body();
  if (!code.empty()) {
    EXPECT_EQ(got_code, code) << res.body();
  }
  if (doc["error"]["field"].get(field) != simdjson::SUCCESS) return "";
  return std::string(field);
}

Response Fetch(uint16_t port, http::verb method, const std::string& target,
               const std::string& body, const std::string& content_type,
               const std::map<std::string, std::string>& headers) {
  Request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == http::verb::post) req.prepare_payload();
  return Send(port, std::move(req));
}

bool PollUntil(const std::function<bool()>& holds, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (holds()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace iisc::testing
