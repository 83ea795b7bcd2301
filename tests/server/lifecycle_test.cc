// The need lifecycle over real HTTP with its three roles: the SME (the need's
// token), the complex (a token the bureau issued) and the bureau. Drives whole
// cycles, the refused transitions, object-level authorization, idempotent
// retries, the reverse feed with its personal-data rule, events, expiry, and
// what survives a restart.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr const char* kBureauToken = "bureau-lifecycle-token-0123456789";
constexpr const char* kJson = "application/json";
constexpr const char* kEnterprise = "乐清市测试电器有限公司";
constexpr const char* kContact = "0577-12345678";

std::map<std::string, std::string> Bearer(const std::string& token,
                                          const std::string& idempotency_key = "") {
  std::map<std::string, std::string> h = {{"Authorization", "Bearer " + token}};
  if (!idempotency_key.empty()) h["Idempotency-Key"] = idempotency_key;
  return h;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(""); }

  void Start(const std::string& sections) {
    config_ = WriteTestConfig(root_.path(), sections);
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}},
                                              config_);
    server_->set_log_file(root_.path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
  }

  void Restart() {
    ASSERT_EQ(server_->Stop(SIGTERM), 0);
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}},
                                              config_);
    server_->set_log_file(root_.path() + "/server.log");
    ASSERT_EQ(server_->Start(), "");
  }

  uint16_t port() const { return server_->port(); }

  simdjson::dom::element Parse(const Response& res) {
    bodies_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = bodies_.back()->parse(res.body());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << res.body();
    return doc.value_unsafe();
  }

  static std::string Str(simdjson::dom::element e, const char* key) {
    std::string_view v;
    if (e[key].get_string().get(v) != simdjson::SUCCESS) return "";
    return std::string(v);
  }

  struct Need {
    std::string id;
    std::string token;
    std::vector<std::string> recommended;  // capability ids, best first
  };
  Need Submit(const std::string& description) {
    const std::string body = R"({"description":")" + description +
                             R"(","county":"yueqing","enterprise":{"name":")" + kEnterprise +
                             R"(","contact":")" + kContact + R"("}})";
    Response res = Fetch(port(), verb::post, "/v1/needs", body, kJson);
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    auto doc = Parse(res);
    Need need{Str(doc, "id"), Str(doc, "access_token"), {}};
    for (auto r : doc["recommendations"].get_array()) need.recommended.push_back(Str(r, "capability_id"));
    return need;
  }

  std::string IssueComplexToken(const std::string& complex_id) {
    Response res = Fetch(port(), verb::post, "/v1/admin/complex-tokens",
                         R"({"complex_id":")" + complex_id + R"(","name":"front desk"})", kJson,
                         Bearer(kBureauToken));
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return Str(Parse(res), "token");
  }

  // The first request of a write's answer.
  std::string RequestId(const Response& res) {
    auto doc = Parse(res);
    for (auto r : doc["requests"].get_array()) return Str(r, "id");
    return "";
  }
  std::string StateOf(const std::string& request_id, const std::string& token) {
    Response res = Fetch(port(), verb::get, "/v1/requests/" + request_id, "", "", Bearer(token));
    EXPECT_EQ(res.result(), http::status::ok) << res.body();
    return Str(Parse(res), "state");
  }
  Response Act(const std::string& request_id, const std::string& action, const std::string& token,
               const std::string& body = "", const std::string& key = "") {
    return Fetch(port(), verb::post, "/v1/requests/" + request_id + "/" + action, body,
                 body.empty() ? "" : kJson, Bearer(token, key));
  }
  static std::string ComplexOf(const std::string& capability_id) {
    return capability_id.substr(0, capability_id.find('/'));
  }

  TempDir root_;
  std::string config_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> bodies_;
};

TEST_F(LifecycleTest, WholeCycleWithTheThreeRolesAndTheRefusedTransitions) {
  const Need need = Submit("我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测");
  ASSERT_FALSE(need.recommended.empty());
  const std::string service = need.recommended[0];
  const std::string complex = ComplexOf(service);

  // The SME requests the best service; a retry with the same key does not double.
  const std::string body = R"({"capability_ids":[")" + service + R"("],"message":"请尽快联系"})";
  Response created = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests", body, kJson,
                           Bearer(need.token, "key-1"));
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  const std::string rid = RequestId(created);
  Response retried = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests", body, kJson,
                           Bearer(need.token, "key-1"));
  EXPECT_EQ(retried.result(), http::status::created);
  EXPECT_EQ(retried["Idempotent-Replayed"], "true");
  EXPECT_EQ(RequestId(retried), rid);
  Response listed = Fetch(port(), verb::get, "/v1/needs/" + need.id + "/requests", "", "", Bearer(need.token));
  ASSERT_EQ(listed.result(), http::status::ok);
  EXPECT_EQ(Parse(listed)["requests"].get_array().size(), 1u) << listed.body();
  // The same key for another body is refused; a second live request for the same service too.
  ExpectError(Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                    R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need.token, "key-1")),
              http::status::bad_request, "invalid_argument");
  Response again = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                         R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need.token));
  ExpectError(again, http::status::conflict, "invalid_transition");

  const std::string complex_token = IssueComplexToken(complex);
  ASSERT_FALSE(complex_token.empty());
  // Another complex's token: this request is not its to see or answer.
  std::string other_complex;
  for (const std::string& id : need.recommended) {
    if (ComplexOf(id) != complex) other_complex = ComplexOf(id);
  }
  ASSERT_FALSE(other_complex.empty());
  const std::string other_token = IssueComplexToken(other_complex);
  ExpectError(Fetch(port(), verb::get, "/v1/requests/" + rid, "", "", Bearer(other_token)),
              http::status::forbidden);
  ExpectError(Act(rid, "accept", other_token), http::status::forbidden);
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/" + complex + "/requests", "", "", Bearer(other_token)),
              http::status::forbidden);
  // Guessed ids are 404, whoever asks; no token is 401; the SME cannot act as the complex.
  ExpectError(Act("req-000000000000000000000000", "accept", complex_token), http::status::not_found);
  ExpectError(Fetch(port(), verb::get, "/v1/requests/req-guess", "", "", Bearer(need.token)),
              http::status::not_found);
  ExpectError(Fetch(port(), verb::post, "/v1/requests/" + rid + "/accept"), http::status::unauthorized);
  ExpectError(Act(rid, "accept", need.token), http::status::forbidden);
  ExpectError(Act(rid, "dance", complex_token), http::status::not_found);

  // The complex sees the request with the SME's contact, and answers it.
  Response inbox = Fetch(port(), verb::get, "/v1/complexes/" + complex + "/requests?state=requested", "", "",
                         Bearer(complex_token));
  ASSERT_EQ(inbox.result(), http::status::ok) << inbox.body();
  EXPECT_NE(inbox.body().find(kContact), std::string::npos);
  Response early = Act(rid, "complete", complex_token);
  EXPECT_EQ(ExpectError(early, http::status::conflict, "invalid_transition"), "");
  EXPECT_EQ(Str(Parse(early)["error"], "state"), "requested");
  ASSERT_EQ(Act(rid, "accept", complex_token, "", "c-1").result(), http::status::ok);
  EXPECT_EQ(Act(rid, "accept", complex_token, "", "c-1")["Idempotent-Replayed"], "true");
  ExpectError(Act(rid, "accept", complex_token), http::status::conflict, "invalid_transition");
  ExpectError(Act(rid, "rate", need.token, R"({"rating":5})"), http::status::conflict);
  ASSERT_EQ(Act(rid, "start", complex_token).result(), http::status::ok);
  ASSERT_EQ(Act(rid, "complete", complex_token).result(), http::status::ok);
  ExpectError(Act(rid, "rate", need.token, R"({"rating":6})"), http::status::bad_request);
  Response rated = Act(rid, "rate", need.token, R"({"rating":5,"comment":"检测很快"})");
  ASSERT_EQ(rated.result(), http::status::ok) << rated.body();
  ExpectError(Act(rid, "rate", need.token, R"({"rating":4})"), http::status::conflict, "invalid_transition");
  ExpectError(Act(rid, "withdraw", need.token), http::status::conflict, "invalid_transition");

  // Every transition is in the history, by whom; the need page shows it.
  Response read = Fetch(port(), verb::get, "/v1/needs/" + need.id, "", "", Bearer(need.token));
  ASSERT_EQ(read.result(), http::status::ok);
  auto stored = Parse(read);
  auto history = stored["requests"].at(0)["history"].get_array();
  std::vector<std::string> states;
  for (auto t : history) states.push_back(Str(t, "state"));
  EXPECT_EQ(states, (std::vector<std::string>{"requested", "accepted", "in_service", "completed", "rated"}));
  EXPECT_EQ(Str(stored, "status"), "open");

  // The outcome is a labeled example for learning.
  Response outcomes = Fetch(port(), verb::get, "/v1/admin/outcomes", "", "", Bearer(kBureauToken));
  ASSERT_EQ(outcomes.result(), http::status::ok);
  EXPECT_NE(outcomes.body().find("\"rating\":5"), std::string::npos) << outcomes.body();
  EXPECT_NE(outcomes.body().find(service), std::string::npos);
  ExpectError(Fetch(port(), verb::get, "/v1/admin/outcomes", "", "", Bearer(complex_token)),
              http::status::forbidden);
  // As intent examples: a line the intent corpus reads, teaching the type taken up.
  Response examples = Fetch(port(), verb::get, "/v1/admin/outcomes?format=intent", "", "", Bearer(kBureauToken));
  ASSERT_EQ(examples.result(), http::status::ok);
  auto example = Parse(examples);
  EXPECT_EQ(Str(example, "text"), "我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测");
  EXPECT_EQ(Str(example, "lang"), "zh");
  EXPECT_NE(examples.body().find("\"service_types\":[\"testing\"]"), std::string::npos) << examples.body();

  // All of it survives a restart.
  Restart();
  EXPECT_EQ(StateOf(rid, need.token), "rated");
  EXPECT_EQ(StateOf(rid, complex_token), "rated");
}

TEST_F(LifecycleTest, ARetriedNeedSubmissionStoresOneNeedAndAnswersTheSameToken) {
  const std::string body = R"({"description":"想给新款眼镜架申请外观专利","county":"ouhai"})";
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "6f1c1f9e-9d1b-4c39-9a55-1d2e3f4a5b6c"}};
  Response first = Fetch(port(), verb::post, "/v1/needs", body, kJson, key);
  ASSERT_EQ(first.result(), http::status::created) << first.body();
  Response retry = Fetch(port(), verb::post, "/v1/needs", body, kJson, key);
  ASSERT_EQ(retry.result(), http::status::created) << retry.body();
  EXPECT_EQ(retry["Idempotent-Replayed"], "true");
  EXPECT_EQ(first["Idempotent-Replayed"], "");
  const std::string id = Str(Parse(first), "id");
  const std::string token = Str(Parse(first), "access_token");
  EXPECT_EQ(Str(Parse(retry), "id"), id);
  EXPECT_EQ(Str(Parse(retry), "access_token"), token);
  ExpectError(Fetch(port(), verb::post, "/v1/needs", R"({"description":"另一条需求"})", kJson, key),
              http::status::bad_request);
  // One need was stored: the bureau's event feed has one submission for it.
  Response events = Fetch(port(), verb::get, "/v1/events", "", "", Bearer(kBureauToken));
  size_t submissions = 0;
  for (size_t at = events.body().find("need.submitted"); at != std::string::npos;
       at = events.body().find("need.submitted", at + 1)) {
    ++submissions;
  }
  EXPECT_EQ(submissions, 1u) << events.body();
  // The token answered to the retry opens the need, after a restart too.
  Restart();
  EXPECT_EQ(Fetch(port(), verb::get, "/v1/needs/" + id, "", "", Bearer(token)).result(), http::status::ok);
  Response after = Fetch(port(), verb::post, "/v1/needs", body, kJson, key);
  EXPECT_EQ(Str(Parse(after), "access_token"), token);
}

TEST_F(LifecycleTest, ANeedOfSeveralKindsIsAnsweredWithABundle) {
  Response res = Fetch(port(), verb::post, "/v1/recommendations",
                       R"({"need":{"description":"想设计新产品外观并申请专利","service_types":["design","ipr"]},"k":3})",
                       kJson);
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto bundle = Parse(res)["bundle"].get_array();
  ASSERT_EQ(bundle.error(), simdjson::SUCCESS) << res.body();
  std::vector<std::string> types;
  for (auto item : bundle.value_unsafe()) types.push_back(Str(item, "service_type"));
  EXPECT_EQ(types, (std::vector<std::string>{"design", "ipr"})) << res.body();
  Response single = Fetch(port(), verb::post, "/v1/recommendations",
                          R"({"need":{"description":"想申请一项发明专利"}})", kJson);
  EXPECT_EQ(single.body().find("\"bundle\""), std::string::npos);
}

TEST_F(LifecycleTest, DeclineProposeWithdrawAndDelete) {
  const Need need = Submit("鞋厂想找人帮忙设计新款运动鞋的外观和鞋底花纹");
  ASSERT_GE(need.recommended.size(), 2u);
  const std::string service = need.recommended[0];
  const std::string complex = ComplexOf(service);
  const std::string complex_token = IssueComplexToken(complex);

  Response created = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                           R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need.token));
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  const std::string first = RequestId(created);
  EXPECT_EQ(ExpectError(Act(first, "decline", complex_token), http::status::bad_request), "reason");
  ASSERT_EQ(Act(first, "decline", complex_token, R"({"reason":"本月排满"})").result(), http::status::ok);
  EXPECT_EQ(StateOf(first, need.token), "declined");

  // A new request for it, answered with a proposal of another of the complex's services.
  Response complex_doc = Fetch(port(), verb::get, "/v1/complexes/" + complex);
  std::string other_service;
  for (auto s : Parse(complex_doc)["services"].get_array()) {
    if (Str(s, "id") != service) other_service = Str(s, "id");
  }
  ASSERT_FALSE(other_service.empty());
  Response second_res = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                              R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need.token));
  ASSERT_EQ(second_res.result(), http::status::created) << second_res.body();
  const std::string second = RequestId(second_res);
  EXPECT_EQ(ExpectError(Act(second, "propose", complex_token, R"({"capability_id":"elsewhere/x-1"})"),
                        http::status::bad_request),
            "capability_id");
  ASSERT_EQ(Act(second, "propose", complex_token,
                R"({"capability_id":")" + other_service + R"(","message":"建议改做这个"})")
                .result(),
            http::status::ok);
  ExpectError(Act(second, "accept-proposal", complex_token), http::status::forbidden);
  Response taken = Act(second, "accept-proposal", need.token);
  ASSERT_EQ(taken.result(), http::status::ok) << taken.body();
  simdjson::dom::element taken_doc = Parse(taken)["requests"].at(0);
  EXPECT_EQ(Str(taken_doc, "state"), "accepted");
  EXPECT_EQ(Str(taken_doc, "capability_id"), other_service);

  // Withdrawing the need withdraws what is still open and takes no more requests.
  Response withdrawn = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/withdraw", "", "", Bearer(need.token));
  ASSERT_EQ(withdrawn.result(), http::status::ok) << withdrawn.body();
  EXPECT_EQ(StateOf(second, need.token), "withdrawn");
  Response refused = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                           R"({"capability_ids":[")" + service + R"("]})", kJson, Bearer(need.token));
  ExpectError(refused, http::status::conflict, "invalid_transition");
  EXPECT_EQ(Str(Parse(refused)["error"], "state"), "withdrawn");

  // Deleting erases the personal data; the anonymous facts stay.
  Response deleted = Fetch(port(), verb::delete_, "/v1/needs/" + need.id, "", "", Bearer(need.token));
  ASSERT_EQ(deleted.result(), http::status::ok) << deleted.body();
  Response after = Fetch(port(), verb::get, "/v1/needs/" + need.id, "", "", Bearer(kBureauToken));
  ASSERT_EQ(after.result(), http::status::ok);
  EXPECT_EQ(after.body().find("运动鞋"), std::string::npos) << after.body();
  EXPECT_EQ(after.body().find(kEnterprise), std::string::npos);
  EXPECT_EQ(after.body().find(kContact), std::string::npos);
  EXPECT_EQ(Str(Parse(after), "status"), "deleted");
  EXPECT_EQ(Str(Parse(after)["need"], "county"), "yueqing");
  ExpectError(Fetch(port(), verb::delete_, "/v1/needs/" + need.id, "", "", Bearer(need.token)),
              http::status::conflict, "invalid_transition");
  Restart();
  Response restarted = Fetch(port(), verb::get, "/v1/needs/" + need.id, "", "", Bearer(kBureauToken));
  EXPECT_EQ(restarted.body().find(kEnterprise), std::string::npos);
  EXPECT_EQ(Str(Parse(restarted), "status"), "deleted");
}

TEST_F(LifecycleTest, FeedShowsContactsOnlyToComplexesTheSmeAsked) {
  const Need need = Submit("断路器出口欧盟需要CE认证检测，想找检测机构");
  ASSERT_FALSE(need.recommended.empty());
  const std::string complex = ComplexOf(need.recommended[0]);
  const std::string token = IssueComplexToken(complex);
  const std::string feed_path = "/v1/complexes/" + complex + "/needs";

  Response feed = Fetch(port(), verb::get, feed_path, "", "", Bearer(token));
  ASSERT_EQ(feed.result(), http::status::ok) << feed.body();
  EXPECT_NE(feed.body().find(need.id), std::string::npos);
  EXPECT_NE(feed.body().find("CE认证"), std::string::npos);
  EXPECT_EQ(feed.body().find(kContact), std::string::npos) << "contact shown before any request";
  EXPECT_EQ(feed.body().find(kEnterprise), std::string::npos);

  ASSERT_EQ(Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                  R"({"capability_ids":[")" + need.recommended[0] + R"("]})", kJson, Bearer(need.token))
                .result(),
            http::status::created);
  Response asked = Fetch(port(), verb::get, feed_path, "", "", Bearer(token));
  EXPECT_NE(asked.body().find(kContact), std::string::npos) << asked.body();

  // Filters, paging and who may read.
  Response typed = Fetch(port(), verb::get, feed_path + "?service_type=financing", "", "", Bearer(token));
  ASSERT_EQ(typed.result(), http::status::ok);
  EXPECT_EQ(typed.body().find(need.id), std::string::npos);
  EXPECT_EQ(Fetch(port(), verb::get, feed_path, "", "", Bearer(kBureauToken)).result(), http::status::ok);
  ExpectError(Fetch(port(), verb::get, feed_path, "", "", Bearer(need.token)), http::status::forbidden);
  ExpectError(Fetch(port(), verb::get, feed_path + "?min_score=2", "", "", Bearer(token)), http::status::bad_request);
  ExpectError(Fetch(port(), verb::get, feed_path + "?cursor=zzz", "", "", Bearer(token)), http::status::bad_request);
  ExpectError(Fetch(port(), verb::get, "/v1/complexes/no-such/needs", "", "", Bearer(kBureauToken)),
              http::status::not_found);

  // A revoked token grants nothing at once.
  Response tokens = Fetch(port(), verb::get, "/v1/admin/complex-tokens", "", "", Bearer(kBureauToken));
  ASSERT_EQ(tokens.result(), http::status::ok);
  const std::string token_id = Str(Parse(tokens)["tokens"].at(0), "id");
  EXPECT_EQ(tokens.body().find(token), std::string::npos) << "a token is shown only once";
  ASSERT_EQ(Fetch(port(), verb::delete_, "/v1/admin/complex-tokens/" + token_id, "", "", Bearer(kBureauToken))
                .result(),
            http::status::no_content);
  ExpectError(Fetch(port(), verb::get, feed_path, "", "", Bearer(token)), http::status::forbidden);
}

TEST_F(LifecycleTest, EventsAreOrderedCarryNoPersonalDataAndSurviveRestarts) {
  const Need need = Submit("想给厂里的工人做一次安全生产培训");
  ASSERT_EQ(Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                  R"({"capability_ids":[")" + need.recommended[0] + R"("]})", kJson, Bearer(need.token))
                .result(),
            http::status::created);
  Response first = Fetch(port(), verb::get, "/v1/events?limit=1", "", "", Bearer(kBureauToken));
  ASSERT_EQ(first.result(), http::status::ok) << first.body();
  auto page = Parse(first);
  EXPECT_EQ(page["events"].get_array().size(), 1u);
  const std::string cursor = Str(page, "next_cursor");
  Response rest = Fetch(port(), verb::get, "/v1/events?after=" + cursor, "", "", Bearer(kBureauToken));
  auto rest_doc = Parse(rest);
  ASSERT_EQ(rest_doc["events"].get_array().size(), 1u) << rest.body();
  EXPECT_EQ(Str(rest_doc["events"].at(0), "type"), "request.created");
  for (const Response* r : {&first, &rest}) {
    EXPECT_EQ(r->body().find(kEnterprise), std::string::npos);
    EXPECT_EQ(r->body().find(kContact), std::string::npos);
    EXPECT_EQ(r->body().find("安全生产"), std::string::npos);
  }
  ExpectError(Fetch(port(), verb::get, "/v1/events", "", "", Bearer(need.token)), http::status::forbidden);
  ExpectError(Fetch(port(), verb::get, "/v1/events?after=x", "", "", Bearer(kBureauToken)),
              http::status::bad_request);

  // The cursor read before a restart still reads on after it, and new events follow.
  const std::string last = Str(rest_doc, "next_cursor");
  Restart();
  Submit("需要申请一项发明专利");
  Response later = Fetch(port(), verb::get, "/v1/events?after=" + last, "", "", Bearer(kBureauToken));
  auto later_doc = Parse(later);
  ASSERT_EQ(later_doc["events"].get_array().size(), 1u) << later.body();
  EXPECT_EQ(Str(later_doc["events"].at(0), "type"), "need.submitted");
  int64_t seq = 0;
  ASSERT_EQ(later_doc["events"].at(0)["seq"].get_int64().get(seq), simdjson::SUCCESS);
  EXPECT_EQ(seq, std::stoll(last) + 1);
}

TEST_F(LifecycleTest, UnansweredRequestsExpire) {
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  Start("[workflow]\nrequest_expiry_seconds = 1\nexpiry_sweep_seconds = 1\n");
  const Need need = Submit("想找机构帮忙做产品的检测认证");
  Response created = Fetch(port(), verb::post, "/v1/needs/" + need.id + "/requests",
                           R"({"capability_ids":[")" + need.recommended[0] + R"("]})", kJson, Bearer(need.token));
  ASSERT_EQ(created.result(), http::status::created);
  const std::string rid = RequestId(created);
  // Polled with a deadline: the sweep runs every second.
  std::string state;
  EXPECT_TRUE(PollUntil([&] {
    state = StateOf(rid, need.token);
    return state == "expired";
  })) << "still " << state;
  const std::string token = IssueComplexToken(ComplexOf(need.recommended[0]));
  ExpectError(Act(rid, "accept", token), http::status::conflict, "invalid_transition");
}

TEST_F(LifecycleTest, AssignmentPlansWithinCapacityAndReportsGreedy) {
  // One glaze lab with a single slot left this month, wanted by two needs.
  const std::string lab =
      R"({"id":"iisc-taishun-ceramics","name":{"zh":"泰顺陶瓷测试综合体","en":"Taishun Ceramics Test Complex"},)"
      R"("county":"taishun","level":"county","provincial_listed":false,"fields":["crafts_gifts"],)"
      R"("services":[{"id":"iisc-taishun-ceramics/testing-1","type":"testing",)"
      R"("institution":{"zh":"泰顺陶瓷釉料检测站","en":"Taishun Glaze Lab"},"fields":["crafts_gifts"],)"
      R"("description":{"zh":"陶瓷釉料铅镉溶出检测","en":"Lead and cadmium release tests of ceramic glazes"},)"
      R"("capacity_per_month":1,"rating":4.0,"price_level":"subsidized"}]})";
  ASSERT_EQ(Fetch(port(), verb::put, "/v1/complexes/iisc-taishun-ceramics", lab, kJson, Bearer(kBureauToken))
                .result(),
            http::status::created);
  const std::string glaze = R"({"description":"陶瓷釉料铅镉溶出检测","service_types":["testing"]})";
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(Fetch(port(), verb::post, "/v1/needs", glaze, kJson).result(), http::status::created);
  }
  ExpectError(Fetch(port(), verb::post, "/v1/admin/assignment", "", "", Bearer("not-the-bureau-token")),
              http::status::forbidden);
  ExpectError(Fetch(port(), verb::post, "/v1/admin/assignment", R"({"candidates_per_type":0})", kJson,
                    Bearer(kBureauToken)),
              http::status::bad_request);
  Response res = Fetch(port(), verb::post, "/v1/admin/assignment", R"({"candidates_per_type":5})", kJson,
                       Bearer(kBureauToken));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto doc = Parse(res);
  int64_t open_needs = 0, plan_slots = 0, greedy_slots = 0, plan_over = 0, unconstrained_over = 0;
  ASSERT_EQ(doc["open_needs"].get_int64().get(open_needs), simdjson::SUCCESS);
  EXPECT_EQ(open_needs, 2);
  ASSERT_EQ(doc["plan"]["slots_filled"].get_int64().get(plan_slots), simdjson::SUCCESS);
  ASSERT_EQ(doc["greedy"]["slots_filled"].get_int64().get(greedy_slots), simdjson::SUCCESS);
  ASSERT_EQ(doc["plan"]["services_over_capacity"].get_int64().get(plan_over), simdjson::SUCCESS);
  ASSERT_EQ(doc["unconstrained"]["services_over_capacity"].get_int64().get(unconstrained_over),
            simdjson::SUCCESS);
  EXPECT_EQ(plan_over, 0);
  EXPECT_GE(plan_slots, greedy_slots);
  EXPECT_EQ(plan_slots, 2) << "the second need has other testing services with room";
  EXPECT_GE(unconstrained_over, 1) << "both needs' best service is the one-slot lab";
  int lab_pairs = 0;
  for (auto pair : doc["plan"]["pairs"].get_array()) {
    lab_pairs += Str(pair, "capability_id") == "iisc-taishun-ceramics/testing-1";
  }
  EXPECT_EQ(lab_pairs, 1);
}

}  // namespace
}  // namespace iisc::testing
