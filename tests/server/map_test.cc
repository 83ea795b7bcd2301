// The bureau's supply-demand map over real HTTP: needs stored through the
// API, a request served and rated through the lifecycle, then the map as
// JSON and as CSV (the same numbers in both), its filters, its errors, and
// that only the bureau may read it.
#include <gtest/gtest.h>

#include <csignal>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr const char* kBureauToken = "bureau-map-token-0123456789abcdef";
constexpr const char* kJson = "application/json";

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// The counts of a map row, in the CSV's column order.
const std::vector<std::string> kCounts = {"needs",    "needs_without_good_match", "requests",
                                          "completions", "ratings",             "mean_rating",
                                          "services", "monthly_capacity",       "capacity_left"};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  // The map's CSV quotes nothing (ids and taxonomy names hold no separator).
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

class MapTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new TempDir();
    server_ = new ServerProcess(root_->path() + "/db", {{"IISC_BUREAU_TOKEN", kBureauToken}},
                                WriteTestConfig(root_->path(), "[map]\ngood_match_score = 0.8\n"));
    server_->set_log_file(root_->path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
    Populate();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete root_;
  }

  static uint16_t port() { return server_->port(); }

  static simdjson::dom::element Parse(const Response& res) {
    static std::vector<std::unique_ptr<simdjson::dom::parser>> parsers;
    parsers.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers.back()->parse(res.body());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << res.body();
    return doc.value_unsafe();
  }
  static std::string Str(simdjson::dom::element e, const char* key) {
    std::string_view v;
    if (e[key].get_string().get(v) != simdjson::SUCCESS) return "";
    return std::string(v);
  }
  static std::string Str(simdjson::simdjson_result<simdjson::dom::element> e, const char* key) {
    return Str(e.value(), key);
  }
  static int64_t Int(simdjson::simdjson_result<simdjson::dom::element> e, const char* key) {
    return Int(e.value(), key);
  }
  static int64_t Int(simdjson::dom::element e, const char* key) {
    int64_t v = -1;
    EXPECT_EQ(e[key].get_int64().get(v), simdjson::SUCCESS) << key;
    return v;
  }

  // Three needs: one given its field and county, served and rated 5; one
  // of a given kind in Lucheng; one whose field the engine infers.
  static void Populate() {
    Response a = Fetch(port(), verb::post, "/v1/needs",
                       R"({"description":"我们是柳市做小型断路器的，想做温升和寿命试验","county":"yueqing","field":"electrical","service_types":["testing"]})",
                       kJson);
    ASSERT_EQ(a.result(), http::status::created) << a.body();
    auto doc = Parse(a);
    const std::string need_id = Str(doc, "id"), need_token = Str(doc, "access_token");
    std::string service;
    for (auto r : doc["recommendations"].get_array()) {
      service = Str(r, "capability_id");
      break;
    }
    ASSERT_FALSE(service.empty());
    capability_ = service;
    ASSERT_EQ(Fetch(port(), verb::post, "/v1/needs", R"({"description":"鞋底防滑检测","county":"lucheng","service_types":["testing"]})", kJson)
                  .result(),
              http::status::created);
    ASSERT_EQ(Fetch(port(), verb::post, "/v1/needs", R"({"description":"眼镜架外观设计"})", kJson).result(),
              http::status::created);

    Response requested = Fetch(port(), verb::post, "/v1/needs/" + need_id + "/requests",
                               R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need_token));
    ASSERT_EQ(requested.result(), http::status::created) << requested.body();
    std::string rid;
    for (auto r : Parse(requested)["requests"].get_array()) rid = Str(r, "id");
    const std::string complex = service.substr(0, service.find('/'));
    Response issued = Fetch(port(), verb::post, "/v1/admin/complex-tokens",
                            R"({"complex_id":")" + complex + R"(","name":"map test"})", kJson, Bearer(kBureauToken));
    ASSERT_EQ(issued.result(), http::status::created) << issued.body();
    complex_token_ = Str(Parse(issued), "token");
    need_token_ = need_token;
    for (const char* action : {"accept", "start", "complete"}) {
      Response done = Fetch(port(), verb::post, "/v1/requests/" + rid + "/" + action, "", "", Bearer(complex_token_));
      ASSERT_EQ(done.result(), http::status::ok) << action << ": " << done.body();
    }
    Response rated = Fetch(port(), verb::post, "/v1/requests/" + rid + "/rate", R"({"rating":5})", kJson,
                           Bearer(need_token));
    ASSERT_EQ(rated.result(), http::status::ok) << rated.body();
  }

  static Response Get(const std::string& target, const std::string& token = kBureauToken) {
    return Fetch(port(), verb::get, target, "", "", Bearer(token));
  }

  static TempDir* root_;
  static ServerProcess* server_;
  static std::string capability_, complex_token_, need_token_;
};

TempDir* MapTest::root_ = nullptr;
ServerProcess* MapTest::server_ = nullptr;
std::string MapTest::capability_, MapTest::complex_token_, MapTest::need_token_;

TEST_F(MapTest, JsonCountsTheNeedsTheirRequestsAndTheCapacityLeft) {
  Response res = Get("/v1/admin/map");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/json");
  auto map = Parse(res);
  double threshold = 0;
  ASSERT_EQ(map["good_match_score"].get_double().get(threshold), simdjson::SUCCESS);
  EXPECT_EQ(threshold, 0.8);  // from [map] of the server's config
  EXPECT_TRUE(map["service_type"].is_null());
  EXPECT_TRUE(map["month"].is_null());
  auto total = map["total"];
  EXPECT_EQ(Int(total, "needs"), 3);
  EXPECT_EQ(Int(total, "requests"), 1);
  EXPECT_EQ(Int(total, "completions"), 1);
  EXPECT_EQ(Int(total, "ratings"), 1);
  double mean = 0;
  ASSERT_EQ(total["mean_rating"].get_double().get(mean), simdjson::SUCCESS);
  EXPECT_EQ(mean, 5.0);
  EXPECT_EQ(Int(total, "services"), 177);  // the demo catalog
  // The accepted request took one place of this month's capacity.
  EXPECT_EQ(Int(total, "capacity_left"), Int(total, "monthly_capacity") - 1);
  EXPECT_EQ(Int(map["attribution"], "given"), 1);
  EXPECT_EQ(Int(map["attribution"], "inferred"), 2);

  bool served_cell = false;
  int64_t needs_in_cells = 0;
  for (auto cell : map["cells"].get_array()) {
    needs_in_cells += Int(cell, "needs");
    if (Str(cell, "field") == "electrical" && Str(cell, "county") == "yueqing") {
      served_cell = true;
      EXPECT_EQ(Int(cell, "needs"), 1);
      EXPECT_EQ(Int(cell, "requests"), 1);
      EXPECT_EQ(Int(cell, "ratings"), 1);
      EXPECT_GT(Int(cell, "services"), 0);
      EXPECT_EQ(Int(cell, "capacity_left"), Int(cell, "monthly_capacity") - 1);
    }
    if (Str(cell, "field") == "footwear" && Str(cell, "county") == "lucheng") {
      EXPECT_EQ(Int(cell, "needs"), 1);  // its field inferred
    }
  }
  EXPECT_TRUE(served_cell);
  EXPECT_EQ(needs_in_cells, 3);
  int64_t testing_needs = -1;
  for (auto row : map["service_types"].get_array()) {
    if (Str(row, "service_type") == "testing") testing_needs = Int(row, "needs");
  }
  EXPECT_GE(testing_needs, 2);
  auto months = map["trends"]["months"].get_array();
  EXPECT_EQ(months.size(), 12u);
  auto series = map["trends"]["series"].get_array();
  ASSERT_EQ(series.size(), 5u);  // every need, then the 4 categories
  auto all = series.at(0);
  EXPECT_TRUE(all["category"].is_null());
  int64_t last = -1;
  for (auto v : all["needs"].get_array()) last = v.get_int64().value_unsafe();
  EXPECT_EQ(last, 3);  // all stored this month
}

TEST_F(MapTest, CsvHoldsTheSameNumbersAsJsonWithChineseNames) {
  Response json = Get("/v1/admin/map");
  Response csv = Get("/v1/admin/map.csv");
  ASSERT_EQ(csv.result(), http::status::ok) << csv.body();
  EXPECT_EQ(csv[http::field::content_type], "text/csv; charset=utf-8");
  EXPECT_NE(std::string(csv[http::field::content_disposition]).find("attachment; filename=\"iisc-supply-demand-"),
            std::string::npos);
  const std::string& body = csv.body();
  ASSERT_EQ(body.substr(0, 3), "\xEF\xBB\xBF");  // Excel reads it as UTF-8
  std::vector<std::string> lines;
  for (size_t at = 3; at < body.size();) {
    const size_t end = body.find("\r\n", at);
    ASSERT_NE(end, std::string::npos) << "every line ends with CRLF";
    lines.push_back(body.substr(at, end - at));
    at = end + 2;
  }
  const std::vector<std::string> header = SplitCsvLine(lines.at(0));
  ASSERT_EQ(header.size(), 6 + kCounts.size());
  EXPECT_EQ(header[2], "field_id");
  EXPECT_EQ(header[4], "county_id");
  for (size_t i = 0; i < kCounts.size(); ++i) EXPECT_EQ(header[6 + i], kCounts[i]);
  // field id, county id -> the row.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> row = SplitCsvLine(lines[i]);
    ASSERT_EQ(row.size(), header.size()) << lines[i];
    rows[{row[2], row[4]}] = row;
  }
  EXPECT_GE(rows.size(), 35u * 12u);  // every field by every county
  auto electrical = rows.at({"electrical", "yueqing"});
  EXPECT_EQ(electrical[1], "重点传统产业");
  EXPECT_EQ(electrical[3], "电气");
  EXPECT_EQ(electrical[5], "乐清市");

  size_t matched = 0;
  for (auto cell : Parse(json)["cells"].get_array()) {
    const std::string field = Str(cell, "field"), county = Str(cell, "county");
    auto row = rows.find({field, county});
    ASSERT_NE(row, rows.end()) << field << " x " << county;
    for (size_t i = 0; i < kCounts.size(); ++i) {
      const std::string& text = row->second[6 + i];
      if (kCounts[i] == "mean_rating") {
        double mean = 0;
        if (cell["mean_rating"].get_double().get(mean) == simdjson::SUCCESS) {
          ASSERT_FALSE(text.empty()) << field << " x " << county;
          EXPECT_NEAR(std::stod(text), mean, 0.005) << field << " x " << county;
        } else {
          EXPECT_EQ(text, "");
        }
        continue;
      }
      EXPECT_EQ(text, std::to_string(Int(cell, kCounts[i].c_str()))) << kCounts[i] << " of " << field << " x " << county;
    }
    row->second.clear();
    ++matched;
  }
  EXPECT_GT(matched, 0u);
  // The rows JSON leaves out (nothing there) are all zeros.
  for (const auto& [key, row] : rows) {
    if (row.empty()) continue;
    for (size_t i = 0; i < kCounts.size(); ++i) {
      EXPECT_EQ(row[6 + i], kCounts[i] == "mean_rating" ? "" : "0") << key.first << " x " << key.second;
    }
  }
}

TEST_F(MapTest, FiltersByKindOfServiceAndByMonth) {
  auto testing = Parse(Get("/v1/admin/map?service_type=testing"));
  EXPECT_EQ(Str(testing, "service_type"), "testing");
  EXPECT_EQ(testing["service_types"].get_array().size(), 1u);
  const int64_t testing_services = Int(testing["total"], "services");
  auto all = Parse(Get("/v1/admin/map"));
  EXPECT_LT(testing_services, Int(all["total"], "services"));
  ASSERT_NE(capability_.find("/testing-"), std::string::npos) << capability_;
  EXPECT_EQ(Int(testing["total"], "requests"), 1);

  const std::string this_month = Str(all, "capacity_month");
  auto now = Parse(Get("/v1/admin/map?month=" + this_month));
  EXPECT_EQ(Str(now, "month"), this_month);
  EXPECT_EQ(Int(now["total"], "needs"), 3);
  auto long_ago = Parse(Get("/v1/admin/map?month=2001-01"));
  EXPECT_EQ(Int(long_ago["total"], "needs"), 0);
  EXPECT_EQ(Int(long_ago["total"], "requests"), 0);
  // Capacity is always this month's.
  EXPECT_EQ(Int(long_ago["total"], "capacity_left"), Int(all["total"], "capacity_left"));

  auto strict = Parse(Get("/v1/admin/map?good_match_score=1"));
  EXPECT_EQ(Int(strict["total"], "needs_without_good_match"), 3);
  auto lenient = Parse(Get("/v1/admin/map?good_match_score=0"));
  EXPECT_EQ(Int(lenient["total"], "needs_without_good_match"), 0);

  Response csv = Get("/v1/admin/map.csv?service_type=testing&month=" + this_month);
  ASSERT_EQ(csv.result(), http::status::ok);
  EXPECT_NE(std::string(csv[http::field::content_disposition]).find(this_month + "-testing.csv"), std::string::npos);
}

TEST_F(MapTest, BadQueriesAreRefusedInTheErrorShape) {
  for (const char* route : {"/v1/admin/map", "/v1/admin/map.csv"}) {
    const std::string r = route;
    EXPECT_EQ(ExpectError(Get(r + "?month=2025-13"), http::status::bad_request, "invalid_argument"), "month");
    EXPECT_EQ(ExpectError(Get(r + "?month=june"), http::status::bad_request, "invalid_argument"), "month");
    EXPECT_EQ(ExpectError(Get(r + "?service_type=astrology"), http::status::bad_request, "invalid_argument"),
              "service_type");
    EXPECT_EQ(ExpectError(Get(r + "?good_match_score=1.5"), http::status::bad_request, "invalid_argument"),
              "good_match_score");
  }
}

TEST_F(MapTest, OnlyTheBureauReadsTheMap) {
  for (const char* route : {"/v1/admin/map", "/v1/admin/map.csv"}) {
    ExpectError(Fetch(port(), verb::get, route), http::status::unauthorized, "unauthenticated");
    ExpectError(Get(route, "not-the-bureau-token-0123456789"), http::status::forbidden, "permission_denied");
    ExpectError(Get(route, complex_token_), http::status::forbidden, "permission_denied");
    ExpectError(Get(route, need_token_), http::status::forbidden, "permission_denied");
  }
}

TEST_F(MapTest, TheMapIsTheSameAfterARestart) {
  Response before = Get("/v1/admin/map");
  ASSERT_EQ(before.result(), http::status::ok);
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  const std::string config = root_->path() + "/server.toml";
  delete server_;
  server_ = new ServerProcess(root_->path() + "/db", {{"IISC_BUREAU_TOKEN", kBureauToken}}, config);
  server_->set_log_file(root_->path() + "/server.log");
  ASSERT_EQ(server_->Start(), "");
  Response after = Get("/v1/admin/map");
  ASSERT_EQ(after.result(), http::status::ok);
  // Everything but the moment it was computed at.
  auto strip = [](std::string body) { return body.substr(body.find(",\"good_match_score\"")); };
  EXPECT_EQ(strip(after.body()), strip(before.body()));
}

}  // namespace
}  // namespace iisc::testing
