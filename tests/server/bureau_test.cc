// Who may do what, over real HTTP: the bureau's token guards catalog writes,
// the bulk import, config reload, demand and backups (401 without, 403
// wrong); catalog writes persist and reach the next recommendation; CORS
// grants only the configured origins; tokens never reach the log.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <boost/beast/http/field.hpp>
#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr const char* kToken = "bureau-test-token-0123456789";
constexpr const char* kJson = "application/json";
constexpr const char* kJsonl = "application/x-ndjson";
const std::map<std::string, std::string> kBureau = {
    {"Authorization", std::string("Bearer ") + kToken}};

// A complex of one glaze-testing service in Taishun: nothing in the demo
// catalog is about ceramic glazes, so a glaze need finds exactly this.
std::string Ceramics(const std::string& id, const std::string& zh = "陶瓷釉料铅镉溶出检测") {
  return R"({"id":")" + id +
         R"(","name":{"zh":"泰顺陶瓷测试综合体","en":"Taishun Ceramics Test Complex"},)"
         R"("county":"taishun","level":"county","provincial_listed":false,)"
         R"("fields":["crafts_gifts"],"services":[{"id":")" +
         id +
         R"(/testing-1","type":"testing","institution":{"zh":"泰顺陶瓷釉料检测站","en":"Taishun Glaze Lab"},)"
         R"("fields":["crafts_gifts"],"description":{"zh":")" +
         zh +
         R"(","en":"Lead and cadmium release tests of ceramic glazes"},)"
         R"("capacity_per_month":10,"rating":4.0,"price_level":"subsidized"}]})";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class BureauTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Start("[durability]\nbackup_dir = \"" + root_.path() + "/backups\"\n");
  }

  void Start(const std::string& sections, std::map<std::string, std::string> env = {
                                              {"IISC_BUREAU_TOKEN", kToken}}) {
    ASSERT_FALSE(root_.path().empty());
    config_ = WriteTestConfig(root_.path(), sections);
    env_ = std::move(env);
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db", env_, config_);
    server_->set_log_file(root_.path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
  }

  void Restart() {
    ASSERT_EQ(server_->Stop(SIGTERM), 0);
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db", env_, config_);
    server_->set_log_file(root_.path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
  }

  uint16_t port() const { return server_->port(); }

  simdjson::dom::element Json(const Response& res) {
    auto doc = parser_.parse(res.body());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << res.body();
    return doc.value_unsafe();
  }

  // Capability ids of the top results for a need.
  std::vector<std::string> TopIds(const std::string& description, int k = 3) {
    Response res = Fetch(port(), verb::post, "/v1/recommendations",
                         R"({"need":{"description":")" + description + R"("},"k":)" +
                             std::to_string(k) + "}",
                         kJson);
    EXPECT_EQ(res.result(), http::status::ok) << res.body();
    std::vector<std::string> ids;
    simdjson::dom::array results;
    if (Json(res)["results"].get(results) != simdjson::SUCCESS) return ids;
    for (auto r : results) ids.emplace_back(std::string_view(r["capability_id"]));
    return ids;
  }

  size_t CatalogSize() {
    Response list = Fetch(port(), verb::get, "/v1/complexes");
    EXPECT_EQ(list.result(), http::status::ok);
    return Json(list)["complexes"].get_array().size();
  }

  TempDir root_;
  std::string config_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ServerProcess> server_;
  simdjson::dom::parser parser_;
};

struct Call {
  verb method;
  const char* target;
  std::string body;
  const char* content_type;
};

std::vector<Call> BureauCalls() {
  return {
      {verb::put, "/v1/complexes/iisc-test-ceramics", Ceramics("iisc-test-ceramics"), kJson},
      {verb::delete_, "/v1/complexes/iisc-yueqing-electrical", "", ""},
      {verb::post, "/v1/admin/catalog", Ceramics("iisc-test-ceramics"), kJsonl},
      {verb::post, "/v1/admin/reload-config", "", ""},
      {verb::post, "/v1/admin/backup", "", ""},
      {verb::get, "/v1/admin/demand", "", ""},
  };
}

TEST_F(BureauTest, EveryBureauRouteIs401WithoutAndIs403WithAWrongToken) {
  const size_t before = CatalogSize();
  for (const Call& c : BureauCalls()) {
    Response none = Fetch(port(), c.method, c.target, c.body, c.content_type);
    ExpectError(none, http::status::unauthorized, "unauthenticated");
    EXPECT_EQ(none[http::field::www_authenticate], "Bearer") << c.target;
    for (const char* wrong : {"Bearer wrong", "Bearer bureau-test-token-012345678",
                              "Bearer bureau-test-token-01234567890", "Basic Ym9ndXM6eA=="}) {
      Response res = Fetch(port(), c.method, c.target, c.body, c.content_type,
                           {{"Authorization", wrong}});
      ExpectError(res,
                  std::string(wrong).starts_with("Basic") ? http::status::unauthorized
                                                          : http::status::forbidden);
    }
  }
  // Nothing was changed by any of them.
  EXPECT_EQ(CatalogSize(), before);
  EXPECT_EQ(Fetch(port(), verb::get, "/v1/complexes/iisc-yueqing-electrical").result(),
            http::status::ok);
  EXPECT_FALSE(std::filesystem::exists(root_.path() + "/backups"));
}

TEST_F(BureauTest, PutComplexReachesTheNextRecommendationAndSurvivesRestart) {
  const std::string glaze = "陶瓷釉料铅镉溶出";
  Response created = Fetch(port(), verb::put, "/v1/complexes/iisc-test-ceramics",
                           Ceramics("iisc-test-ceramics"), kJson, kBureau);
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_EQ(created[http::field::location], "/v1/complexes/iisc-test-ceramics");
  EXPECT_EQ(std::string_view(Json(created)["id"]), "iisc-test-ceramics");
  auto top = TopIds(glaze);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0], "iisc-test-ceramics/testing-1");

  // Replacing it answers 200 and the new text counts.
  Response replaced = Fetch(port(), verb::put, "/v1/complexes/iisc-test-ceramics",
                            Ceramics("iisc-test-ceramics", "陶瓷釉料铅镉溶出检测和色差检测"), kJson,
                            kBureau);
  ASSERT_EQ(replaced.result(), http::status::ok) << replaced.body();
  Response one = Fetch(port(), verb::get, "/v1/complexes/iisc-test-ceramics");
  ASSERT_EQ(one.result(), http::status::ok);
  EXPECT_NE(one.body().find("色差检测"), std::string::npos);

  Restart();
  top = TopIds(glaze);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0], "iisc-test-ceramics/testing-1");

  Response deleted = Fetch(port(), verb::delete_, "/v1/complexes/iisc-test-ceramics", "", "",
                           kBureau);
  EXPECT_EQ(deleted.result(), http::status::no_content);
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/iisc-test-ceramics"),
              http::status::not_found);
  for (const std::string& id : TopIds(glaze, 100)) EXPECT_NE(id, "iisc-test-ceramics/testing-1");
  ExpectError(Fetch(port(), verb::delete_, "/v1/complexes/iisc-test-ceramics", "", "", kBureau),
              http::status::not_found);
  Restart();
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/iisc-test-ceramics"),
              http::status::not_found);
}

TEST_F(BureauTest, PutRefusesRecordsThatDoNotFit) {
  auto put = [&](const std::string& id, const std::string& body,
                 const char* type = "application/json") {
    return Fetch(port(), verb::put, "/v1/complexes/" + id, body, type, kBureau);
  };
  EXPECT_EQ(ExpectError(put("iisc-other", Ceramics("iisc-test-ceramics")), http::status::bad_request),
            "id");
  std::string bad_county = Ceramics("iisc-test-ceramics");
  bad_county.replace(bad_county.find("\"taishun\""), 9, "\"atlantis\"");
  EXPECT_EQ(ExpectError(put("iisc-test-ceramics", bad_county), http::status::bad_request),
            "county");
  ExpectError(put("iisc-test-ceramics", "{\"id\":"), http::status::bad_request);
  ExpectError(put("iisc-test-ceramics", Ceramics("iisc-test-ceramics"), "text/plain"),
              http::status::unsupported_media_type);
  ExpectError(put("..", Ceramics("..")), http::status::bad_request);
  ExpectError(put("need", Ceramics("need")), http::status::bad_request);
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/iisc-test-ceramics"),
              http::status::not_found);
}

TEST_F(BureauTest, BulkImportIsAllOrNothingAndNamesTheFailingLine) {
  const size_t before = CatalogSize();
  auto import = [&](const std::string& body, const std::string& query = "",
                    const char* type = kJsonl) {
    return Fetch(port(), verb::post, "/v1/admin/catalog" + query, body, type, kBureau);
  };
  // Line 3 names an unknown county: nothing of the import is applied.
  const std::string broken = Ceramics("iisc-test-a") + "\n" + Ceramics("iisc-test-b") + "\n" +
                             R"({"id":"iisc-test-c","county":"atlantis"})" + "\n";
  Response refused = import(broken);
  ExpectError(refused, http::status::bad_request);
  EXPECT_NE(refused.body().find("line 3"), std::string::npos) << refused.body();
  EXPECT_EQ(CatalogSize(), before);
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/iisc-test-a"), http::status::not_found);

  ExpectError(import(Ceramics("iisc-test-a") + "\n" + Ceramics("iisc-test-a")),
              http::status::bad_request);
  ExpectError(import(Ceramics("iisc-test-a"), "", kJson), http::status::unsupported_media_type);
  EXPECT_EQ(ExpectError(import(Ceramics("iisc-test-a"), "?mode=wipe"), http::status::bad_request),
            "mode");
  ExpectError(import("\n\n"), http::status::bad_request);

  Response merged = import(Ceramics("iisc-test-a") + "\n" + Ceramics("iisc-test-b") + "\n");
  ASSERT_EQ(merged.result(), http::status::ok) << merged.body();
  EXPECT_EQ(int64_t(Json(merged)["added"]), 2);
  EXPECT_EQ(int64_t(Json(merged)["complexes"]), static_cast<int64_t>(before + 2));
  EXPECT_EQ(CatalogSize(), before + 2);

  // Replace: the import becomes the whole catalog, and stays so.
  Response replaced = import(Ceramics("iisc-test-b") + "\n", "?mode=replace");
  ASSERT_EQ(replaced.result(), http::status::ok) << replaced.body();
  EXPECT_EQ(int64_t(Json(replaced)["replaced"]), 1);
  EXPECT_EQ(int64_t(Json(replaced)["removed"]), static_cast<int64_t>(before + 1));
  Restart();
  EXPECT_EQ(CatalogSize(), 1u);
  for (const std::string& id : TopIds("检测", 10)) EXPECT_EQ(id, "iisc-test-b/testing-1");
}

TEST(BureauImport, TakesBodiesBeyondTheOrdinaryLimitOnlyFromTheBureau) {
  TempDir root;
  const std::string config = WriteTestConfig(
      root.path(), "[limits]\nmax_body_bytes = 4096\nmax_import_bytes = 200000\n");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", kToken}}, config);
  ASSERT_EQ(server.Start(), "");
  const std::string catalog = ReadFile(IISC_SOURCE_DIR "/data/demo-catalog.jsonl");
  ASSERT_GT(catalog.size(), 4096u);
  ASSERT_LT(catalog.size(), 200000u);
  Response ok = Fetch(server.port(), verb::post, "/v1/admin/catalog?mode=replace", catalog, kJsonl,
                      kBureau);
  ASSERT_EQ(ok.result(), http::status::ok) << ok.body();
  EXPECT_NE(ok.body().find("\"replaced\":36"), std::string::npos) << ok.body();
  // A stranger is refused before the body is read; beyond the import limit is 413.
  ExpectError(Fetch(server.port(), verb::post, "/v1/admin/catalog", catalog, kJsonl),
              http::status::unauthorized);
  ExpectError(Fetch(server.port(), verb::post, "/v1/admin/catalog",
                    catalog + catalog + catalog, kJsonl, kBureau),
              http::status::payload_too_large);
  ExpectError(Fetch(server.port(), verb::post, "/v1/recommendations",
                    R"({"need":{"description":")" + std::string(5000, 'a') + "\"}}", kJson),
              http::status::payload_too_large);
}

TEST_F(BureauTest, DemandCountsStoredNeedsAgainstSupply) {
  for (int i = 0; i < 2; ++i) {
    Response res = Fetch(port(), verb::post, "/v1/needs",
                         R"({"description":"断路器CE认证检测","service_types":["testing"]})", kJson);
    ASSERT_EQ(res.result(), http::status::created) << res.body();
  }
  Response demand = Fetch(port(), verb::get, "/v1/admin/demand", "", "", kBureau);
  ASSERT_EQ(demand.result(), http::status::ok) << demand.body();
  auto doc = Json(demand);
  EXPECT_EQ(int64_t(doc["total_needs"]), 2);
  bool found = false;
  for (auto row : doc["rows"].get_array()) {
    if (std::string_view(row["service_type"]) != "testing") continue;
    found = true;
    EXPECT_EQ(int64_t(row["needs"]), 2);
    EXPECT_GT(int64_t(row["capabilities"]), 0);
    EXPECT_GT(int64_t(row["monthly_capacity"]), 0);
  }
  EXPECT_TRUE(found) << demand.body();
}

TEST_F(BureauTest, TokensNeverReachTheLog) {
  Response need = Fetch(port(), verb::post, "/v1/needs", R"({"description":"模具设计"})", kJson);
  ASSERT_EQ(need.result(), http::status::created);
  const std::string need_token(std::string_view(Json(need)["access_token"]));
  const std::string need_id(std::string_view(Json(need)["id"]));
  Fetch(port(), verb::get, "/v1/needs/" + need_id, "", "", {{"Authorization", "Bearer " + need_token}});
  Fetch(port(), verb::get, "/v1/admin/demand", "", "", kBureau);
  Fetch(port(), verb::get, "/v1/admin/demand", "", "",
        {{"Authorization", "Bearer a-wrong-guess-0123456789"}});
  Fetch(port(), verb::post, "/v1/admin/reload-config", "", "", kBureau);
  Fetch(port(), verb::put, "/v1/complexes/x", "{", kJson, kBureau);  // an error path
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  const std::string log = ReadFile(root_.path() + "/server.log");
  EXPECT_NE(log.find("bureau routes enabled"), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos) << log;
  EXPECT_EQ(log.find(need_token), std::string::npos) << log;
  EXPECT_EQ(log.find("a-wrong-guess"), std::string::npos) << log;
}

TEST(BureauToken, WithoutATokenTheBureauRoutesAreClosed) {
  TempDir root;
  const std::string config = WriteTestConfig(root.path(), "");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", ""}}, config);
  ASSERT_EQ(server.Start(), "");
  Response res = Fetch(server.port(), verb::get, "/v1/admin/demand", "", "", kBureau);
  ExpectError(res, http::status::forbidden);
  EXPECT_NE(res.body().find("disabled"), std::string::npos) << res.body();
  ExpectError(Fetch(server.port(), verb::get, "/v1/admin/demand", "", "",
                    {{"Authorization", "Bearer "}}),
              http::status::unauthorized);
}

TEST(BureauToken, AShortTokenStopsTheServerAtStart) {
  TempDir root;
  const std::string config = WriteTestConfig(root.path(), "");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", "secret"}}, config);
  server.set_log_file(root.path() + "/server.log");
  EXPECT_NE(server.Start(), "");
  server.Wait();
  const std::string log = ReadFile(root.path() + "/server.log");
  EXPECT_NE(log.find("too short"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
}

TEST(BureauToken, ReadFromAFile) {
  TempDir root;
  const std::string token_file = root.path() + "/bureau.token";
  std::ofstream(token_file) << "  from-a-file-token-0123456789\n";
  chmod(token_file.c_str(), 0600);
  const std::string config = WriteTestConfig(
      root.path(), "[access]\nbureau_token_file = \"" + token_file + "\"\n");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", kToken}}, config);
  ASSERT_EQ(server.Start(), "");
  EXPECT_EQ(Fetch(server.port(), verb::get, "/v1/admin/demand", "", "",
                  {{"Authorization", "Bearer from-a-file-token-0123456789"}})
                .result(),
            http::status::ok);
  // The file wins over the environment.
  ExpectError(Fetch(server.port(), verb::get, "/v1/admin/demand", "", "", kBureau),
              http::status::forbidden);
}

// Several people of the bureau, each with a token of their own: the audit log
// names who did what, and the single token of the environment still works
// under bureau_token_name.
TEST(BureauToken, NamedTokensFromAFileNameWhoActed) {
  TempDir root;
  const std::string tokens_file = root.path() + "/bureau.tokens";
  std::ofstream(tokens_file) << "# officers of the bureau\n"
                                "li.wei   li-wei-token-0123456789abcdef\n"
                                "\n"
                                "zhang.min\tzhang-min-token-0123456789ab\n";
  chmod(tokens_file.c_str(), 0600);
  const std::string config = WriteTestConfig(
      root.path(), "[access]\nbureau_tokens_file = \"" + tokens_file + "\"\nbureau_token_name = \"ops\"\n");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", kToken}}, config);
  server.set_log_file(root.path() + "/server.log");
  ASSERT_EQ(server.Start(), "");
  const std::map<std::string, std::string> li = {{"Authorization", "Bearer li-wei-token-0123456789abcdef"}};
  const std::map<std::string, std::string> zhang = {{"Authorization", "Bearer zhang-min-token-0123456789ab"}};
  const std::string id = "iisc-ouhai-eyewear";
  Response complex = Fetch(server.port(), verb::get, "/v1/complexes/" + id);
  ASSERT_EQ(complex.result(), http::status::ok) << complex.body();
  EXPECT_EQ(Fetch(server.port(), verb::put, "/v1/complexes/" + id, complex.body(), kJson, li).result(),
            http::status::ok);
  EXPECT_EQ(Fetch(server.port(), verb::delete_, "/v1/complexes/" + id, "", "", zhang).result(),
            http::status::no_content);
  ExpectError(Fetch(server.port(), verb::get, "/v1/admin/demand", "", "",
                    {{"Authorization", "Bearer li-wei-token-0123456789abcdeX"}}),
              http::status::forbidden);
  Response audit = Fetch(server.port(), verb::get, "/v1/admin/audit", "", "", kBureau);
  ASSERT_EQ(audit.result(), http::status::ok) << audit.body();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(audit.body()).get(doc), simdjson::SUCCESS) << audit.body();
  std::map<std::string, std::string> actor_of;
  for (simdjson::dom::element e : doc["entries"].get_array()) {
    actor_of[std::string(e["action"].get_string().value())] = std::string(e["actor"].get_string().value());
  }
  EXPECT_EQ(actor_of["catalog.put"], "li.wei") << audit.body();
  EXPECT_EQ(actor_of["catalog.delete"], "zhang.min") << audit.body();
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  const std::string log = ReadFile(root.path() + "/server.log");
  EXPECT_NE(log.find("bureau routes enabled (3 tokens)"), std::string::npos) << log;
  EXPECT_EQ(log.find("li-wei-token"), std::string::npos) << log;
  EXPECT_EQ(log.find("zhang-min-token"), std::string::npos) << log;
}

TEST(BureauToken, ABadTokensFileStopsTheServerAtStartWithoutShowingAToken) {
  TempDir root;
  const std::string tokens_file = root.path() + "/bureau.tokens";
  std::ofstream(tokens_file) << "li.wei li-wei-token-0123456789abcdef\nzhang.min short-secret\n";
  chmod(tokens_file.c_str(), 0600);
  const std::string config =
      WriteTestConfig(root.path(), "[access]\nbureau_tokens_file = \"" + tokens_file + "\"\n");
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", ""}}, config);
  server.set_log_file(root.path() + "/server.log");
  EXPECT_NE(server.Start(), "");
  server.Wait();
  const std::string log = ReadFile(root.path() + "/server.log");
  EXPECT_NE(log.find("line 2"), std::string::npos) << log;
  EXPECT_NE(log.find("too short"), std::string::npos) << log;
  EXPECT_EQ(log.find("short-secret"), std::string::npos) << log;
  EXPECT_EQ(log.find("li-wei-token"), std::string::npos) << log;
}

TEST(BureauCors, OnlyConfiguredOriginsGetGrants) {
  TempDir root;
  const std::string config = WriteTestConfig(
      root.path(), "[access]\ncors_allowed_origins = [\"https://portal.example.cn\"]\n");
  ServerProcess server(root.path() + "/db", {}, config);
  ASSERT_EQ(server.Start(), "");
  const std::map<std::string, std::string> preflight = {
      {"Origin", "https://portal.example.cn"},
      {"Access-Control-Request-Method", "POST"},
      {"Access-Control-Request-Headers", "content-type"}};
  Response ok = Fetch(server.port(), verb::options, "/v1/recommendations", "", "", preflight);
  EXPECT_EQ(ok.result(), http::status::no_content);
  EXPECT_EQ(ok[http::field::access_control_allow_origin], "https://portal.example.cn");
  EXPECT_NE(ok[http::field::access_control_allow_methods].find("POST"), std::string::npos);
  EXPECT_NE(ok[http::field::access_control_allow_headers].find("Content-Type"), std::string::npos);
  EXPECT_EQ(ok[http::field::vary], "Origin");

  auto evil = preflight;
  evil["Origin"] = "https://evil.example";
  Response refused = Fetch(server.port(), verb::options, "/v1/recommendations", "", "", evil);
  ExpectError(refused, http::status::forbidden);
  EXPECT_EQ(refused.count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ(refused.count(http::field::access_control_allow_methods), 0u);

  const std::string body = R"({"need":{"description":"鞋底防滑检测"},"k":2})";
  Response granted = Fetch(server.port(), verb::post, "/v1/recommendations", body, kJson,
                           {{"Origin", "https://portal.example.cn"}});
  EXPECT_EQ(granted.result(), http::status::ok);
  EXPECT_EQ(granted[http::field::access_control_allow_origin], "https://portal.example.cn");
  EXPECT_EQ(granted[http::field::vary], "Origin");
  Response other = Fetch(server.port(), verb::post, "/v1/recommendations", body, kJson,
                         {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.result(), http::status::ok);
  EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ(other[http::field::vary], "Origin");
  // Error answers to the portal carry the grant, so its script can read them.
  Response error = Fetch(server.port(), verb::post, "/v1/recommendations", "{}", kJson,
                         {{"Origin", "https://portal.example.cn"}});
  EXPECT_EQ(error.result(), http::status::bad_request);
  EXPECT_EQ(error[http::field::access_control_allow_origin], "https://portal.example.cn");
}

}  // namespace
}  // namespace iisc::testing
