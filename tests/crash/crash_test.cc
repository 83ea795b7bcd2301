// A need answered 201 survives kill -9 at any moment. Clients store needs
// concurrently while the real server is killed with SIGKILL at random moments,
// round after round; after every restart on the same data directory each
// acknowledged need must be readable with its access token, with exactly the
// content that was sent and the recommendations that were answered. The
// clients also carry needs through the lifecycle (request a service; then
// withdraw, or have the complex accept and start): every acknowledged
// transition must survive, and a request stands in its last acknowledged
// state or the one whose answer the kill cut off. The
// catalog must survive too, including a kill during the very first start,
// while the demo catalog is being seeded.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;

constexpr const char* kJson = "application/json";
constexpr const char* kBureauToken = "crash-test-bureau-token-0123456789";
constexpr size_t kDemoComplexes = 36;

int Rounds() {
  const char* env = std::getenv("IISC_CRASH_ROUNDS");
  const int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 12;
}

// What a client sent, and what the server answered with 201.
struct Acknowledged {
  std::string id;
  std::string token;
  std::string description;
  std::string county;
  std::string service_type;
  std::string enterprise_name;
  std::vector<std::string> recommended;
};

// A service request a client made, with the state it was last answered
// and the state asked for when the kill may have cut the answer off.
struct TrackedRequest {
  std::string id;
  std::string need_token;
  std::string acknowledged;
  std::string attempted;
};

std::string Str(simdjson::simdjson_result<simdjson::dom::element> element) {
  std::string_view v;
  return element.get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}
std::string Str(simdjson::dom::element element) {
  std::string_view v;
  return element.get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

std::vector<std::string> Strings(simdjson::simdjson_result<simdjson::dom::element> element,
                                 const char* member) {
  std::vector<std::string> out;
  simdjson::dom::array array;
  if (element.get(array) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element item : array) {
    out.push_back(member == nullptr ? Str(item) : Str(item[member]));
  }
  return out;
}

// Escapes what JSON requires in the test's own strings (quotes only: the
// texts below hold no backslashes or control characters).
std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// The server the clients aim at: its port, or none while it is down or a
// round is being checked, when clients wait here for the next one.
class Aim {
 public:
  void At(uint16_t port) {
    std::lock_guard<std::mutex> lock(mu_);
    port_ = port;
    changed_.notify_all();
  }
  // The port aimed at, after which clients wait; 0 if none.
  uint16_t Withdraw() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(port_, 0);
  }
  // Clients go home: Wait answers 0 from now on.
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    changed_.notify_all();
  }
  // The port to use, waiting while there is none; 0 once stopped.
  uint16_t Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return stopped_ || port_ != 0; });
    return stopped_ ? 0 : port_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  uint16_t port_ = 0;    // GUARDED_BY(mu_)
  bool stopped_ = false;  // GUARDED_BY(mu_)
};

class CrashTest : public ::testing::Test {
 protected:
  // Starts the server on the shared data directory; false (with a failure)
  // when it does not come up.
  bool StartServer() {
    server_ = std::make_unique<ServerProcess>(
        data_.path(), std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}}, config_);
    const std::string error = server_->Start();
    EXPECT_EQ(error, "");
    if (!error.empty()) return false;
    aim_.At(server_->port());
    return true;
  }

  void KillServer() {
    aim_.Withdraw();  // clients stop aiming at a dead port
    EXPECT_EQ(server_->Stop(SIGKILL), 128 + SIGKILL);
  }

  // One client: stores needs until told to stop. Connection failures are
  // expected (the server dies under it); any HTTP answer but 201 is not.
  void Client(int client) {
    static const char* kCounties[] = {"yueqing", "lucheng", "ruian", "ouhai"};
    static const char* kTypes[] = {"testing", "ipr", "rnd", "design"};
    simdjson::dom::parser parser;
    for (int n = 0;; ++n) {
      const uint16_t port = aim_.Wait();
      if (port == 0) return;  // stopped
      Acknowledged need;
      need.description = "断路器需要CE认证检测 client " + std::to_string(client) + " need " +
                         std::to_string(n) + " \"quoted\" 第" + std::to_string(n) + "号";
      need.county = kCounties[n % 4];
      need.service_type = kTypes[(n + client) % 4];
      need.enterprise_name = "乐清电器 " + std::to_string(client);
      std::string escaped = need.description;
      for (size_t at = escaped.find('"'); at != std::string::npos; at = escaped.find('"', at + 2)) {
        escaped.insert(at, "\\");
      }
      const std::string body = "{\"description\":" + Quoted(escaped) +
                               ",\"county\":" + Quoted(need.county) +
                               ",\"service_types\":[" + Quoted(need.service_type) + "]" +
                               ",\"enterprise\":{\"name\":" + Quoted(need.enterprise_name) + "}}";
      Response res;
      try {
        res = Fetch(port, http::verb::post, "/v1/needs", body, kJson);
      } catch (const std::exception&) {
        continue;  // killed mid-request: not acknowledged, nothing to check
      }
      if (res.result() == http::status::too_many_requests ||
          res.result() == http::status::service_unavailable) {
        // Refused, not acknowledged: a client backs off and carries on.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (res.result() != http::status::created) {
        std::lock_guard<std::mutex> lock(mu_);
        unexpected_.push_back(std::to_string(res.result_int()) + " " + res.body());
        continue;
      }
      simdjson::dom::element doc;
      if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) {
        std::lock_guard<std::mutex> lock(mu_);
        unexpected_.push_back("201 with a body that is not JSON: " + res.body());
        continue;
      }
      need.id = Str(doc["id"]);
      need.token = Str(doc["access_token"]);
      need.recommended = Strings(doc["recommendations"], "capability_id");
      Acknowledged copy = need;
      {
        std::lock_guard<std::mutex> lock(mu_);
        pending_.push_back(std::move(need));
      }
      if (!copy.recommended.empty()) DriveLifecycle(port, copy, n, parser);
    }
  }

  // An answer that is neither success nor a refusal of load is a failure;
  // false also when the connection died (the kill), ending the chain.
  bool Succeeded(uint16_t port, http::verb method, const std::string& target, const std::string& body,
                 const std::string& token, http::status want, Response* res) {
    try {
      *res = Fetch(port, method, target, body, body.empty() ? "" : kJson,
                   {{"Authorization", "Bearer " + token}});
    } catch (const std::exception&) {
      return false;
    }
    if (res->result() == want) return true;
    if (res->result() != http::status::too_many_requests &&
        res->result() != http::status::service_unavailable) {
      std::lock_guard<std::mutex> lock(mu_);
      unexpected_.push_back(target + ": " + std::to_string(res->result_int()) + " " + res->body());
    }
    return false;
  }

  // The complex token of `complex`, issued by the bureau once and kept: an
  // acknowledged token must keep working after every kill.
  std::string ComplexToken(uint16_t port, const std::string& complex) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = complex_tokens_.find(complex);
      if (it != complex_tokens_.end()) return it->second;
    }
    Response res;
    if (!Succeeded(port, http::verb::post, "/v1/admin/complex-tokens",
                   "{\"complex_id\":" + Quoted(complex) + "}", kBureauToken, http::status::created, &res)) {
      return "";
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) return "";
    std::lock_guard<std::mutex> lock(mu_);
    return complex_tokens_.emplace(complex, Str(doc["token"])).first->second;
  }

  void DriveLifecycle(uint16_t port, const Acknowledged& need, int n, simdjson::dom::parser& parser) {
    const std::string service = need.recommended[0];
    Response res;
    if (!Succeeded(port, http::verb::post, "/v1/needs/" + need.id + "/requests",
                   "{\"capability_ids\":[" + Quoted(service) + "]}", need.token, http::status::created, &res)) {
      return;
    }
    simdjson::dom::element doc;
    if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) return;
    auto tracked = std::make_shared<TrackedRequest>();
    tracked->id = Str(doc["requests"].at(0)["id"]);
    tracked->need_token = need.token;
    tracked->acknowledged = tracked->attempted = "requested";
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(tracked);
    }
    auto step = [&](const std::string& action, const std::string& token, const std::string& to) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        tracked->attempted = to;
      }
      const bool ok = Succeeded(port, http::verb::post, "/v1/requests/" + tracked->id + "/" + action, "",
                                token, http::status::ok, &res);
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) tracked->acknowledged = to;
      return ok;
    };
    if (n % 2 == 0) {
      step("withdraw", need.token, "withdrawn");
      return;
    }
    const std::string complex_token = ComplexToken(port, service.substr(0, service.find('/')));
    if (complex_token.empty()) return;
    if (step("accept", complex_token, "accepted")) step("start", complex_token, "in_service");
  }

  // Each request stands in its acknowledged state, or in the one asked for
  // when the kill cut the answer off.
  void ExpectRequestsStored(uint16_t port) {
    std::vector<std::shared_ptr<TrackedRequest>> requests;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests = requests_;
    }
    for (const auto& r : requests) {
      std::string acknowledged, attempted;
      {
        std::lock_guard<std::mutex> lock(mu_);
        acknowledged = r->acknowledged;
        attempted = r->attempted;
      }
      Response res = Fetch(port, http::verb::get, "/v1/requests/" + r->id, "", "",
                           {{"Authorization", "Bearer " + r->need_token}});
      ASSERT_EQ(res.result(), http::status::ok) << r->id << " was answered but: " << res.body();
      simdjson::dom::element doc;
      ASSERT_EQ(parser_.parse(res.body()).get(doc), simdjson::SUCCESS);
      const std::string state = Str(doc["state"]);
      EXPECT_TRUE(state == acknowledged || state == attempted)
          << r->id << " is " << state << ", acknowledged " << acknowledged << ", attempted " << attempted;
      // What the kill decided is what the next round builds on.
      std::lock_guard<std::mutex> lock(mu_);
      r->acknowledged = r->attempted = state;
    }
  }

  // Checks one acknowledged need against the server on `port`.
  void ExpectStored(uint16_t port, const Acknowledged& need) {
    Response res;
    try {
      res = Fetch(port, http::verb::get, "/v1/needs/" + need.id, "", "",
                  {{"Authorization", "Bearer " + need.token}});
    } catch (const std::exception& e) {
      ADD_FAILURE() << "reading " << need.id << ": " << e.what();
      return;
    }
    ASSERT_EQ(res.result(), http::status::ok) << need.id << " was answered 201 but: " << res.body();
    simdjson::dom::element doc;
    ASSERT_EQ(parser_.parse(res.body()).get(doc), simdjson::SUCCESS) << res.body();
    EXPECT_EQ(Str(doc["id"]), need.id);
    EXPECT_EQ(Str(doc["need"]["description"]), need.description) << need.id;
    EXPECT_EQ(Str(doc["need"]["county"]), need.county) << need.id;
    EXPECT_EQ(Strings(doc["need"]["service_types"], nullptr),
              std::vector<std::string>{need.service_type})
        << need.id;
    EXPECT_EQ(Str(doc["need"]["enterprise"]["name"]), need.enterprise_name) << need.id;
    EXPECT_EQ(Strings(doc["recommended_capability_ids"], nullptr), need.recommended) << need.id;
  }

  void ExpectWholeCatalog(uint16_t port) {
    Response res = Fetch(port, http::verb::get, "/v1/complexes");
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    simdjson::dom::element doc;
    ASSERT_EQ(parser_.parse(res.body()).get(doc), simdjson::SUCCESS);
    simdjson::dom::array complexes;
    ASSERT_EQ(doc["complexes"].get(complexes), simdjson::SUCCESS);
    EXPECT_EQ(complexes.size(), kDemoComplexes);
  }

  TempDir data_;
  TempDir config_dir_;
  // The clients and the checks all come from one address, faster than the
  // per-client rate limit allows; this test is about durability, so the
  // limit is off.
  const std::string config_ =
      WriteTestConfig(config_dir_.path(), "[access]\nrate_limit_per_second = 0\n");
  std::unique_ptr<ServerProcess> server_;
  Aim aim_;
  std::mutex mu_;
  std::vector<Acknowledged> pending_;  // acknowledged since the last check
  std::vector<std::shared_ptr<TrackedRequest>> requests_;
  std::map<std::string, std::string> complex_tokens_;
  std::vector<std::string> unexpected_;
  simdjson::dom::parser parser_;
};

TEST_F(CrashTest, EveryAcknowledgedNeedSurvivesRepeatedKillNine) {
  ASSERT_FALSE(data_.path().empty());
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> run_ms(100, 1500);
  ASSERT_TRUE(StartServer());

  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) clients.emplace_back([this, c] { Client(c); });

  std::vector<Acknowledged> all;
  const int rounds = Rounds();
  for (int round = 0; round < rounds; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(random)));
    KillServer();
    std::vector<Acknowledged> acknowledged;
    {
      std::lock_guard<std::mutex> lock(mu_);
      acknowledged.swap(pending_);
    }
    ASSERT_TRUE(StartServer()) << "round " << round;
    // The clients wait while the round is checked, so that each round checks
    // what one run of the server acknowledged, not an ever longer backlog.
    const uint16_t port = aim_.Withdraw();
    for (const Acknowledged& need : acknowledged) ExpectStored(port, need);
    ExpectRequestsStored(port);
    ExpectWholeCatalog(port);
    aim_.At(port);
    all.insert(all.end(), acknowledged.begin(), acknowledged.end());
    std::printf("round %d: %zu needs acknowledged before the kill, all there\n", round,
                acknowledged.size());
  }
  aim_.Stop();
  for (auto& t : clients) t.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.insert(all.end(), pending_.begin(), pending_.end());
    EXPECT_TRUE(unexpected_.empty()) << unexpected_.size() << " unexpected answers, first: "
                                     << unexpected_.front();
  }
  // The last restart holds everything from every round.
  const uint16_t port = aim_.Withdraw();
  for (const Acknowledged& need : all) ExpectStored(port, need);
  ExpectRequestsStored(port);
  std::printf("%zu acknowledged needs and %zu requests checked after %d kills\n", all.size(),
              requests_.size(), rounds);
  EXPECT_GT(requests_.size(), static_cast<size_t>(rounds));
  EXPECT_GT(all.size(), static_cast<size_t>(rounds));  // the clients did get through
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
}

// The first start seeds the demo catalog; a kill in the middle must not leave
// a partial catalog that later starts take for a complete one.
TEST_F(CrashTest, KillDuringTheFirstStartLeavesAWholeCatalog) {
  ASSERT_FALSE(data_.path().empty());
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, 400);
  for (int attempt = 0; attempt < 5; ++attempt) {
    TempDir fresh;
    ServerProcess starting(fresh.path());
    starting.set_fresh_start(true);  // the first start itself, not a copy of its result
    ASSERT_EQ(starting.Spawn(), "");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    starting.Stop(SIGKILL);
    ServerProcess again(fresh.path());
    again.set_fresh_start(true);  // a kill before anything was written leaves the directory empty
    ASSERT_EQ(again.Start(), "") << "attempt " << attempt;
    ExpectWholeCatalog(again.port());
    EXPECT_EQ(again.Stop(SIGTERM), 0);
  }
}

}  // namespace
}  // namespace iisc::testing
