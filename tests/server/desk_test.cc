// The bureau's desk over real HTTP: config versions (apply a draft, the file
// rewritten, the diff, rollback taking effect on the next request and itself
// audited, kept across restarts), the audit log, what-if replay (a draft
// that changes nothing reports exactly no change), learned weights as a
// draft never activated, and why-not for the bureau and a complex (another
// complex and the SME refused).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr const char* kBureauToken = "bureau-desk-token-0123456789";
constexpr const char* kJson = "application/json";

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A JSON string literal of `text`.
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class DeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The desk rewrites the scoring file: a copy of the shipped one.
    scoring_ = root_.path() + "/scoring.toml";
    std::filesystem::copy_file(IISC_SOURCE_DIR "/configs/scoring.toml", scoring_);
    original_ = ReadFile(scoring_);
    config_ = root_.path() + "/server.toml";
    std::ofstream out(config_);
    out << "[paths]\nscoring_config = \"" << scoring_ << "\"\n"
        << "vocabulary_dir = \"" IISC_SOURCE_DIR "/configs/vocabulary\"\n"
        << "intent_corpus_dir = \"" IISC_SOURCE_DIR "/configs/intent\"\n"
        << "taxonomy_file = \"" IISC_SOURCE_DIR "/data/taxonomy.json\"\n"
        << "seed_catalog = \"" IISC_SOURCE_DIR "/data/demo-catalog.jsonl\"\n"
        << "[access]\nbureau_token_name = \"desk-officer\"\nrate_limit_per_second = 0\n"
        << "[durability]\nbackup_dir = \"" << root_.path() << "/backups\"\n";
    out.close();
    Start();
  }
  void Start() {
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}},
                                              config_);
    server_->set_log_file(root_.path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
  }
  void Restart() {
    ASSERT_EQ(server_->Stop(SIGTERM), 0);
    Start();
  }
  uint16_t port() const { return server_->port(); }

  simdjson::dom::element Parse(const Response& res) {
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers_.back()->parse(res.body());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << res.body();
    return doc.value_unsafe();
  }
  static std::string Str(simdjson::dom::element e, const char* key) {
    std::string_view v;
    return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : "";
  }
  static int64_t Int(simdjson::dom::element e, const char* key) {
    int64_t v = -1;
    return e[key].get_int64().get(v) == simdjson::SUCCESS ? v : -1;
  }
  static double Num(simdjson::dom::element e, const char* key) {
    double v = -1;
    return e[key].get_double().get(v) == simdjson::SUCCESS ? v : -1;
  }
  Response Bureau(verb method, const std::string& target, const std::string& body = "") {
    return Fetch(port(), method, target, body, body.empty() ? "" : kJson, Bearer(kBureauToken));
  }
  std::string ConfigVersionServing() {
    Response res = Fetch(port(), verb::post, "/v1/recommendations", R"({"need":{"description":"断路器CE认证检测"}})", kJson);
    return Str(Parse(res), "config_version");
  }
  std::string SubmitNeed(const std::string& description, std::string* token = nullptr) {
    Response res = Fetch(port(), verb::post, "/v1/needs", R"({"description":")" + description + R"("})", kJson);
    EXPECT_EQ(res.result(), http::status::created);
    auto doc = Parse(res);
    if (token != nullptr) *token = Str(doc, "access_token");
    return Str(doc, "id");
  }

  TempDir root_;
  std::string scoring_, original_, config_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(DeskTest, DraftsApplyAuditedRollBackAndSurviveRestarts) {
  Response history = Bureau(verb::get, "/v1/admin/config-versions");
  ASSERT_EQ(history.result(), http::status::ok) << history.body();
  simdjson::dom::element first = Parse(history)["versions"].at(0);
  EXPECT_EQ(Str(first, "source"), "start");
  const std::string v1 = Str(first, "version");
  EXPECT_EQ(ConfigVersionServing(), v1);

  // A broken draft is refused like the file would be, naming the key; nothing changes.
  Response broken = Bureau(verb::post, "/v1/admin/config-versions",
                           R"({"toml":)" + Quote(Replace(original_, "region = 0.5", "region = 11")) + "}");
  ExpectError(broken, http::status::bad_request, "invalid_argument");
  EXPECT_NE(broken.body().find("region"), std::string::npos) << broken.body();
  EXPECT_EQ(ReadFile(scoring_), original_);

  const std::string draft = Replace(original_, "region = 0.5", "region = 2.0");
  Response applied = Bureau(verb::post, "/v1/admin/config-versions",
                            R"({"toml":)" + Quote(draft) + R"(,"reason":"county services first"})");
  ASSERT_EQ(applied.result(), http::status::created) << applied.body();
  auto v2doc = Parse(applied);
  EXPECT_EQ(Int(v2doc, "seq"), 2);
  EXPECT_EQ(Str(v2doc, "applied_by"), "desk-officer");
  EXPECT_EQ(Str(v2doc, "reason"), "county services first");
  EXPECT_NE(Str(v2doc, "diff").find("- region = 0.5"), std::string::npos) << Str(v2doc, "diff");
  EXPECT_NE(Str(v2doc, "diff").find("+ region = 2.0"), std::string::npos);
  const std::string v2 = Str(v2doc, "version");
  EXPECT_NE(v2, v1);
  EXPECT_EQ(ConfigVersionServing(), v2);
  EXPECT_EQ(ReadFile(scoring_), draft) << "the file stays the source a bureau reads";

  // Rollback: effective on the next request, itself a version and audited.
  Response rolled = Bureau(verb::post, "/v1/admin/config-versions/1/rollback", R"({"reason":"complaints"})");
  ASSERT_EQ(rolled.result(), http::status::ok) << rolled.body();
  EXPECT_EQ(Str(Parse(rolled), "source"), "rollback");
  EXPECT_EQ(ConfigVersionServing(), v1);
  EXPECT_EQ(ReadFile(scoring_), original_);
  ExpectError(Bureau(verb::post, "/v1/admin/config-versions/99/rollback"), http::status::not_found);
  // A rollback to what already serves changes nothing, and is audited all the same.
  ASSERT_EQ(Bureau(verb::post, "/v1/admin/config-versions/1/rollback").result(), http::status::ok);

  Response audit = Bureau(verb::get, "/v1/admin/audit");
  ASSERT_EQ(audit.result(), http::status::ok);
  std::vector<std::string> actions;
  for (auto e : Parse(audit)["entries"].get_array()) actions.push_back(Str(e, "action"));
  EXPECT_EQ(actions,
            (std::vector<std::string>{"config.apply", "config.apply", "config.rollback", "config.rollback"}));

  // Other bureau actions are audited too; none of it is the SME's or a complex's to read.
  ASSERT_EQ(Bureau(verb::post, "/v1/admin/complex-tokens", R"({"complex_id":"iisc-yueqing-electrical"})").result(),
            http::status::created);
  ASSERT_EQ(Bureau(verb::post, "/v1/admin/backup", R"({"name":"desk-1"})").result(), http::status::created);
  ExpectError(Fetch(port(), verb::get, "/v1/admin/audit"), http::status::unauthorized);
  ExpectError(Fetch(port(), verb::get, "/v1/admin/config-versions", "", "", Bearer("ct_not-the-bureau")),
              http::status::forbidden);

  Restart();
  Response kept = Bureau(verb::get, "/v1/admin/config-versions");
  auto versions = Parse(kept)["versions"].get_array();
  EXPECT_EQ(versions.size(), 3u) << "a restart on the same file records nothing new";
  Response kept_audit = Bureau(verb::get, "/v1/admin/audit?after=4");
  std::vector<std::string> later;
  for (auto e : Parse(kept_audit)["entries"].get_array()) later.push_back(Str(e, "action"));
  EXPECT_EQ(later, (std::vector<std::string>{"token.issue", "backup"}));
  EXPECT_EQ(ConfigVersionServing(), v1);
}

TEST_F(DeskTest, RevokingATokenTwiceIsAuditedOnce) {
  Response issued =
      Bureau(verb::post, "/v1/admin/complex-tokens", R"({"complex_id":"iisc-yueqing-electrical"})");
  ASSERT_EQ(issued.result(), http::status::created) << issued.body();
  const std::string id = Str(Parse(issued), "id");
  Response first = Bureau(verb::delete_, "/v1/admin/complex-tokens/" + id);
  ASSERT_EQ(first.result(), http::status::no_content);
  EXPECT_EQ(first.count("Already-Revoked"), 0u);
  Response again = Bureau(verb::delete_, "/v1/admin/complex-tokens/" + id);
  ASSERT_EQ(again.result(), http::status::no_content);
  EXPECT_EQ(again["Already-Revoked"], "true");
  ExpectError(Bureau(verb::delete_, "/v1/admin/complex-tokens/ctk-0000000000000000"),
              http::status::not_found, "not_found");

  Response audit = Bureau(verb::get, "/v1/admin/audit");
  ASSERT_EQ(audit.result(), http::status::ok);
  std::vector<std::string> revocations;
  for (auto e : Parse(audit)["entries"].get_array()) {
    if (Str(e, "action") == "token.revoke") revocations.push_back(Str(e, "target"));
  }
  EXPECT_EQ(revocations, std::vector<std::string>{id});
  // The revocation keeps its first time.
  Response tokens = Bureau(verb::get, "/v1/admin/complex-tokens");
  ASSERT_EQ(tokens.result(), http::status::ok);
  EXPECT_GT(Int(Parse(tokens)["tokens"].at(0), "revoked_unix_ms"), 0);
}

TEST_F(DeskTest, WhatIfOfAnUnchangedDraftIsExactlyNoChange) {
  for (const char* d : {"断路器出口欧盟需要CE认证检测", "鞋厂想设计新款运动鞋", "想申请发明专利", "需要一笔贷款",
                        "阀门厂想参加展会"}) {
    SubmitNeed(d);
  }
  Response same = Bureau(verb::post, "/v1/admin/what-if", R"({"toml":)" + Quote(original_) + "}");
  ASSERT_EQ(same.result(), http::status::ok) << same.body();
  auto report = Parse(same);
  EXPECT_EQ(Int(report, "needs"), 5);
  EXPECT_EQ(Num(report, "top1_changed_share"), 0.0);
  EXPECT_EQ(Num(report, "mean_overlap_at5"), 1.0);
  EXPECT_EQ(report["complexes"].get_array().size(), 0u);
  EXPECT_EQ(report["counties"].get_array().size(), 0u);

  // The service type ignored: places move between complexes, and the window is honoured.
  Response moved = Bureau(verb::post, "/v1/admin/what-if",
                          R"({"last_n":3,"toml":)" + Quote(Replace(original_, "service = 2.0", "service = 0.0")) + "}");
  ASSERT_EQ(moved.result(), http::status::ok) << moved.body();
  auto moved_report = Parse(moved);
  EXPECT_EQ(Int(moved_report, "needs"), 3);
  EXPECT_LT(Num(moved_report, "mean_overlap_at5"), 1.0) << moved.body();
  EXPECT_GT(moved_report["complexes"].get_array().size(), 0u) << moved.body();
  ExpectError(Bureau(verb::post, "/v1/admin/what-if", R"({"toml":"[weights]\ntext = -1\n"})"),
              http::status::bad_request);
}

TEST_F(DeskTest, LearnedWeightsAreADraftNeverActivated) {
  ExpectError(Bureau(verb::post, "/v1/admin/learned-weights"), http::status::bad_request);  // no outcomes yet
  // One outcome: a need whose SME took up its third service and rated it 5.
  std::string token;
  const std::string need = SubmitNeed("断路器出口欧盟需要CE认证检测", &token);
  Response read = Fetch(port(), verb::get, "/v1/needs/" + need, "", "", Bearer(token));
  const std::string service = std::string(Parse(read)["recommended_capability_ids"].at(2).get_string().value());
  Response created = Fetch(port(), verb::post, "/v1/needs/" + need + "/requests",
                           R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(token));
  ASSERT_EQ(created.result(), http::status::created);
  const std::string rid = Str(Parse(created)["requests"].at(0), "id");
  Response issued = Bureau(verb::post, "/v1/admin/complex-tokens",
                           R"({"complex_id":")" + service.substr(0, service.find('/')) + R"("})");
  const std::string complex_token = Str(Parse(issued), "token");
  for (const char* action : {"accept", "start", "complete"}) {
    ASSERT_EQ(Fetch(port(), verb::post, "/v1/requests/" + rid + "/" + action, "", "", Bearer(complex_token)).result(),
              http::status::ok);
  }
  ASSERT_EQ(Fetch(port(), verb::post, "/v1/requests/" + rid + "/rate", R"({"rating":5})", kJson, Bearer(token)).result(),
            http::status::ok);

  const std::string before = ConfigVersionServing();
  Response learned = Bureau(verb::post, "/v1/admin/learned-weights");
  ASSERT_EQ(learned.result(), http::status::ok) << learned.body();
  auto doc = Parse(learned);
  EXPECT_EQ(Int(doc["training"], "needs"), 1);
  EXPECT_GE(Num(doc["training"], "ndcg5_after"), Num(doc["training"], "ndcg5_before"));
  EXPECT_EQ(Int(doc["what_if"], "needs_with_outcomes"), 1);
  EXPECT_FALSE(Str(doc, "toml").empty());
  EXPECT_EQ(ConfigVersionServing(), before) << "never activated by itself";
  EXPECT_EQ(ReadFile(scoring_), original_);
  // The draft is a valid configuration the bureau can apply.
  ASSERT_EQ(Bureau(verb::post, "/v1/admin/config-versions", R"({"toml":)" + Quote(Str(doc, "toml")) + "}").result(),
            http::status::created);
}

TEST_F(DeskTest, WhyNotForTheBureauAndForTheComplexItself) {
  const std::string body =
      R"({"need":{"description":"断路器出口欧盟需要CE认证检测","county":"yueqing"},"k":3,"capability_id":"iisc-ouhai-eyewear/design-1"})";
  Response res = Bureau(verb::post, "/v1/admin/why-not", body);
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto doc = Parse(res);
  EXPECT_FALSE(doc["in_top_k"].get_bool().value());
  EXPECT_NE(res.body().find("type_mismatch"), std::string::npos) << res.body();
  EXPECT_FALSE(Str(doc["kth"], "capability_id").empty());

  const std::string token = Str(Parse(Bureau(verb::post, "/v1/admin/complex-tokens",
                                             R"({"complex_id":"iisc-ouhai-eyewear"})")),
                                "token");
  Response own = Fetch(port(), verb::post, "/v1/complexes/iisc-ouhai-eyewear/why-not",
                       R"({"need":{"description":"眼镜架新款外观设计"},"k":5,"complex_id":"iisc-ouhai-eyewear"})", kJson,
                       Bearer(token));
  ASSERT_EQ(own.result(), http::status::ok) << own.body();
  ExpectError(Fetch(port(), verb::post, "/v1/complexes/iisc-yueqing-electrical/why-not", body, kJson, Bearer(token)),
              http::status::forbidden);
  ExpectError(Fetch(port(), verb::post, "/v1/complexes/iisc-ouhai-eyewear/why-not",
                    R"({"need":{"description":"x"},"capability_id":"iisc-yueqing-electrical/testing-1"})", kJson,
                    Bearer(token)),
              http::status::forbidden);
  std::string need_token;
  SubmitNeed("眼镜", &need_token);
  ExpectError(Fetch(port(), verb::post, "/v1/admin/why-not", body, kJson, Bearer(need_token)),
              http::status::forbidden);
  ExpectError(Bureau(verb::post, "/v1/admin/why-not", R"({"need":{"description":"x"}})"), http::status::bad_request);
  ExpectError(Bureau(verb::post, "/v1/admin/why-not", R"({"need":{"description":"x"},"capability_id":"nope/x-1"})"),
              http::status::not_found);
}

TEST_F(DeskTest, AComplexWhyNotByNeedIdAnswersOnlyForAStoredNeed) {
  const std::string token = Str(Parse(Bureau(verb::post, "/v1/admin/complex-tokens",
                                             R"({"complex_id":"iisc-ouhai-eyewear"})")),
                                "token");
  const std::string need_id = SubmitNeed("眼镜架新款外观设计");
  ASSERT_FALSE(need_id.empty());
  const std::string target = "/v1/complexes/iisc-ouhai-eyewear/why-not";
  auto ask = [&](const std::string& id, const std::string& as) {
    return Fetch(port(), verb::post, target,
                 R"({"need_id":")" + id + R"(","k":5,"complex_id":"iisc-ouhai-eyewear"})", kJson,
                 Bearer(as));
  };
  Response stored = ask(need_id, token);
  ASSERT_EQ(stored.result(), http::status::ok) << stored.body();
  // Ranked as the stored need itself would be.
  Response by_text = Fetch(port(), verb::post, target,
                           R"({"need":{"description":"眼镜架新款外观设计"},"k":5,"complex_id":"iisc-ouhai-eyewear"})",
                           kJson, Bearer(token));
  ASSERT_EQ(by_text.result(), http::status::ok) << by_text.body();
  EXPECT_EQ(Str(Parse(stored), "capability_id"), Str(Parse(by_text), "capability_id"));
  EXPECT_EQ(Int(Parse(stored), "rank"), Int(Parse(by_text), "rank"));
  EXPECT_EQ(Num(Parse(stored), "score"), Num(Parse(by_text), "score"));

  for (const std::string& as : {token, std::string(kBureauToken)}) {
    for (const std::string& unknown : {std::string("need-0000000000000000"), need_id + "x"}) {
      SCOPED_TRACE(unknown);
      EXPECT_EQ(ExpectError(ask(unknown, as), http::status::not_found, "not_found"), "");
    }
  }
}

}  // namespace
}  // namespace iisc::testing
