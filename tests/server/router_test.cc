#include "server/router.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include <boost/beast/http/field.hpp>

#include "server/auth.h"

namespace iisc {
namespace {

namespace http = boost::beast::http;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(&metrics_) {
    router_.Add(http::verb::get, "/v1/complexes/{id}",
                [](HttpRequest&, const PathParams& p, Reply reply) {
                  HttpResponse res{http::status::ok, 11};
                  res.body() = "complex " + p.at(0);
                  reply(std::move(res));
                });
    router_.Add(http::verb::post, "/v1/things",
                [](HttpRequest& req, const PathParams&, Reply reply) {
                  HttpResponse res{http::status::created, 11};
                  res.body() = req.body();
                  reply(std::move(res));
                },
                RouteOptions{.json_body = true});
    router_.Add(http::verb::get, "/v1/things", [](HttpRequest&, const PathParams&, Reply reply) {
      reply(HttpResponse{http::status::ok, 11});
    });
    router_.Add(http::verb::get, "/boom", [](HttpRequest&, const PathParams&, Reply) {
      throw std::runtime_error("bug");
    });
  }

  HttpResponse Call(http::verb method, std::string target, std::string content_type = "",
                    std::string body = "") {
    HttpRequest req{method, target, 11};
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<HttpResponse> out;
    router_.Dispatch(std::move(req), [&out](HttpResponse&& res) {
      EXPECT_FALSE(out.has_value()) << "replied twice";
      out = std::move(res);
    });
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : HttpResponse{};
  }

  Metrics metrics_;
  Router router_;
};

TEST_F(RouterTest, MatchesPatternsAndDecodesParams) {
  HttpResponse res = Call(http::verb::get, "/v1/complexes/iisc-a%2Db?x=1");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "complex iisc-a-b");
}

TEST_F(RouterTest, PathParamsKeepPlusAndRawBytes) {
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/a+b").body(), "complex a+b");
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/%E4%B8%AD").body(), "complex \xe4\xb8\xad");
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/\xe4\xb8\xad").body(), "complex \xe4\xb8\xad");
}

TEST_F(RouterTest, BrokenQueryStringsAre400InTheErrorShape) {
  for (const char* target : {"/v1/complexes/a?x=%zz", "/v1/complexes/a?x=%4", "/v1/complexes/a?x=\xe4"}) {
    HttpResponse res = Call(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::bad_request) << target;
    EXPECT_NE(res.body().find(R"("code":"invalid_argument")"), std::string::npos) << res.body();
    EXPECT_NE(res.body().find(R"("field":"query")"), std::string::npos) << res.body();
  }
  // Unknown paths stay 404 whatever their query.
  EXPECT_EQ(Call(http::verb::get, "/nope?x=%zz").result(), http::status::not_found);
}

TEST_F(RouterTest, UnknownPathsAre404) {
  EXPECT_EQ(Call(http::verb::get, "/nope").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/a/b").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/%zz").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "/v1/complexes/a%2Fb").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "*").result(), http::status::not_found);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  HttpResponse res = Call(http::verb::delete_, "/v1/things");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "POST, GET, HEAD");
  EXPECT_NE(res.body().find("method_not_allowed"), std::string::npos);
}

TEST_F(RouterTest, HeadIsAnsweredByTheGetRoute) {
  // The router answers as for GET; the session leaves the body unsent.
  HttpResponse res = Call(http::verb::head, "/v1/complexes/a");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "complex a");
  EXPECT_EQ(Call(http::verb::head, "/v1/things").result(), http::status::ok);
  EXPECT_EQ(Call(http::verb::head, "/nope").result(), http::status::not_found);
  Router post_only(&metrics_);
  post_only.Add(http::verb::post, "/v1/post-only",
                [](HttpRequest&, const PathParams&, Reply reply) {
                  reply(HttpResponse{http::status::ok, 11});
                });
  HttpRequest req{http::verb::head, "/v1/post-only", 11};
  std::optional<HttpResponse> out;
  post_only.Dispatch(std::move(req), [&out](HttpResponse&& r) { out = std::move(r); });
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->result(), http::status::method_not_allowed);
  EXPECT_EQ((*out)[http::field::allow], "POST");
}

TEST_F(RouterTest, JsonRoutesRefuseOtherContentTypes) {
  EXPECT_EQ(Call(http::verb::post, "/v1/things", "text/plain", "{}").result(),
            http::status::unsupported_media_type);
  EXPECT_EQ(Call(http::verb::post, "/v1/things", "", "{}").result(),
            http::status::unsupported_media_type);
  HttpResponse ok = Call(http::verb::post, "/v1/things", "application/json", "{}");
  EXPECT_EQ(ok.result(), http::status::created);
  EXPECT_EQ(ok.body(), "{}");
}

TEST_F(RouterTest, AThrowingHandlerIsAnswered500) {
  EXPECT_EQ(Call(http::verb::get, "/boom").result(), http::status::internal_server_error);
}

TEST_F(RouterTest, MetricsCountEveryAnswerByRouteAndClass) {
  Call(http::verb::get, "/v1/complexes/a");
  Call(http::verb::get, "/v1/complexes/b");
  Call(http::verb::post, "/v1/things", "text/plain", "x");
  Call(http::verb::get, "/nope");
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="GET",route="/v1/complexes/{id}",status="2xx"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="POST",route="/v1/things",status="4xx"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="*",route="unmatched",status="4xx"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_request_duration_seconds_bucket{method="GET",route="/v1/complexes/{id}",le="+Inf"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_request_duration_seconds_count{method="GET",route="/v1/complexes/{id}"} 2)"),
            std::string::npos)
      << text;
}

TEST(RouterShedding, BeyondTheInflightLimitAnswers503) {
  Metrics metrics;
  Router router(&metrics, /*max_inflight=*/1);
  std::vector<Reply> parked;  // replies the handler has not given yet
  router.Add(http::verb::get, "/slow", [&parked](HttpRequest&, const PathParams&, Reply reply) {
    parked.push_back(std::move(reply));
  });
  router.Add(http::verb::get, "/healthz", [](HttpRequest&, const PathParams&, Reply reply) {
    reply(HttpResponse{http::status::ok, 11});
  }, RouteOptions{.never_shed = true});

  std::vector<unsigned> answered;
  auto call = [&](const char* target) {
    router.Dispatch(HttpRequest{http::verb::get, target, 11},
                    [&answered](HttpResponse&& res) { answered.push_back(res.result_int()); });
  };
  call("/slow");
  call("/slow");     // over the limit
  call("/healthz");  // exempt
  EXPECT_EQ(answered, (std::vector<unsigned>{503, 200}));
  ASSERT_EQ(parked.size(), 1u);
  parked[0](HttpResponse{http::status::ok, 11});
  call("/slow");  // room again
  EXPECT_EQ(parked.size(), 2u);
  parked[1](HttpResponse{http::status::ok, 11});
  EXPECT_EQ(answered, (std::vector<unsigned>{503, 200, 200, 200}));
}

// A router with a guarded route, a JSON Lines route with its own body limit,
// an exempt health route, a rate limit and a CORS policy.
class ScreeningTest : public ::testing::Test {
 protected:
  ScreeningTest()
      : limiter_(/*per_second=*/1, /*burst=*/2),
        cors_({"https://portal.example.cn"}),
        router_(&metrics_, RouterOptions{.max_inflight = 0,
                                         .max_body_bytes = 1000,
                                         .rate_limiter = &limiter_,
                                         .cors = &cors_}) {
    auto ok = [](HttpRequest&, const PathParams&, Reply reply) {
      reply(HttpResponse{http::status::ok, 11});
    };
    const Guard guard = [](const HttpRequest& req) {
      if (req[http::field::authorization].empty()) return Status::Unauthenticated("token needed");
      if (req[http::field::authorization] != "Bearer good") return Status::PermissionDenied("no");
      return Status::Ok();
    };
    router_.Add(http::verb::put, "/items/{id}", ok, {.json_body = true, .guard = guard});
    router_.Add(http::verb::get, "/items/{id}", ok);
    router_.Add(http::verb::post, "/import", ok,
                {.jsonl_body = true, .max_body_bytes = 50000, .guard = guard});
    router_.Add(http::verb::post, "/backup", ok, {.json_body = true, .body_optional = true});
    router_.Add(http::verb::get, "/healthz", ok, {.never_shed = true});
  }

  static HttpRequest Header(http::verb method, const char* target,
                            std::map<std::string, std::string> fields = {}) {
    HttpRequest req{method, target, 11};
    for (const auto& [k, v] : fields) req.set(k, v);
    return req;
  }

  RateLimiter limiter_;
  CorsPolicy cors_;
  Metrics metrics_;
  Router router_;
};

TEST_F(ScreeningTest, GuardsAndMediaTypesRefuseBeforeTheBody) {
  int calls = 0;  // one client per call: the rate limit is not under test here
  auto put = [&](std::map<std::string, std::string> fields) {
    fields["Content-Length"] = "10";
    return router_.Screen(Header(http::verb::put, "/items/a", fields),
                          "client-" + std::to_string(++calls));
  };
  auto no_token = put({{"Content-Type", "application/json"}});
  ASSERT_TRUE(no_token.answer.has_value());
  EXPECT_EQ(no_token.answer->result(), http::status::unauthorized);
  EXPECT_EQ((*no_token.answer)[http::field::www_authenticate], "Bearer");
  // Credentials first: a stranger learns nothing about the route's media type.
  auto wrong = put({{"Authorization", "Bearer bad"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(wrong.answer.has_value());
  EXPECT_EQ(wrong.answer->result(), http::status::forbidden);
  auto media = put({{"Authorization", "Bearer good"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(media.answer.has_value());
  EXPECT_EQ(media.answer->result(), http::status::unsupported_media_type);
  auto admitted = put({{"Authorization", "Bearer good"}, {"Content-Type", "application/json"}});
  EXPECT_FALSE(admitted.answer.has_value());
  EXPECT_EQ(admitted.body_limit, 1000u);
}

TEST_F(ScreeningTest, BodyLimitsArePerRoute) {
  EXPECT_EQ(router_.max_body_limit(), 50000u);
  auto import = router_.Screen(Header(http::verb::post, "/import",
                                      {{"Authorization", "Bearer good"},
                                       {"Content-Type", "application/x-ndjson"},
                                       {"Content-Length", "20000"}}),
                               "client-a");
  EXPECT_FALSE(import.answer.has_value());
  EXPECT_EQ(import.body_limit, 50000u);
  EXPECT_EQ(router_.BodyLimitFor(Header(http::verb::post, "/import")), 50000u);
  EXPECT_EQ(router_.BodyLimitFor(Header(http::verb::get, "/items/a")), 1000u);
  EXPECT_EQ(router_.BodyLimitFor(Header(http::verb::get, "/nowhere")), 1000u);
  // JSON where JSON Lines is wanted.
  auto json = router_.Screen(Header(http::verb::post, "/import",
                                    {{"Authorization", "Bearer good"},
                                     {"Content-Type", "application/json"}}),
                             "client-b");
  ASSERT_TRUE(json.answer.has_value());
  EXPECT_EQ(json.answer->result(), http::status::unsupported_media_type);
}

TEST_F(ScreeningTest, OptionalBodiesNeedNoContentType) {
  EXPECT_FALSE(router_.Screen(Header(http::verb::post, "/backup"), "c").answer.has_value());
  auto with_body = router_.Screen(
      Header(http::verb::post, "/backup", {{"Content-Length", "2"}}), "d");
  ASSERT_TRUE(with_body.answer.has_value());
  EXPECT_EQ(with_body.answer->result(), http::status::unsupported_media_type);
}

TEST_F(ScreeningTest, RateLimitPerClientWithHealthExempt) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(router_.Screen(Header(http::verb::get, "/items/a"), "c1").answer.has_value());
  }
  auto limited = router_.Screen(Header(http::verb::get, "/items/a"), "c1");
  ASSERT_TRUE(limited.answer.has_value());
  EXPECT_EQ(limited.answer->result(), http::status::too_many_requests);
  EXPECT_EQ((*limited.answer)[http::field::retry_after], "1");
  // Unknown paths count too; health does not; other clients are unaffected.
  EXPECT_EQ(router_.Screen(Header(http::verb::get, "/nope"), "c1").answer->result(),
            http::status::too_many_requests);
  EXPECT_FALSE(router_.Screen(Header(http::verb::get, "/healthz"), "c1").answer.has_value());
  EXPECT_FALSE(router_.Screen(Header(http::verb::get, "/items/a"), "c2").answer.has_value());
}

TEST_F(ScreeningTest, PreflightsAndCorsHeaders) {
  auto preflight = router_.Screen(
      Header(http::verb::options, "/items/a",
             {{"Origin", "https://portal.example.cn"}, {"Access-Control-Request-Method", "PUT"}}),
      "c");
  ASSERT_TRUE(preflight.answer.has_value());
  EXPECT_EQ(preflight.answer->result(), http::status::no_content);
  EXPECT_EQ((*preflight.answer)[http::field::access_control_allow_origin],
            "https://portal.example.cn");
  EXPECT_EQ((*preflight.answer)[http::field::access_control_allow_methods], "PUT, GET, HEAD");
  EXPECT_EQ((*preflight.answer)[http::field::vary], "Origin");

  auto stranger = router_.Screen(
      Header(http::verb::options, "/items/a",
             {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}}),
      "c");
  ASSERT_TRUE(stranger.answer.has_value());
  EXPECT_EQ(stranger.answer->result(), http::status::forbidden);
  EXPECT_EQ(stranger.answer->count(http::field::access_control_allow_origin), 0u);

  // A plain OPTIONS (no CORS) lists the methods.
  auto plain = router_.Screen(Header(http::verb::options, "/items/a"), "d");
  ASSERT_TRUE(plain.answer.has_value());
  EXPECT_EQ(plain.answer->result(), http::status::no_content);
  EXPECT_EQ((*plain.answer)[http::field::allow], "PUT, GET, HEAD");

  // Actual answers carry the grant for an allowed origin only, Vary always.
  std::optional<HttpResponse> got;
  HttpRequest get = Header(http::verb::get, "/items/a", {{"Origin", "https://portal.example.cn"}});
  router_.Dispatch(std::move(get), [&](HttpResponse&& r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)[http::field::access_control_allow_origin], "https://portal.example.cn");
  EXPECT_EQ((*got)[http::field::vary], "Origin");
  got.reset();
  HttpRequest evil = Header(http::verb::get, "/items/a", {{"Origin", "https://evil.example"}});
  router_.Dispatch(std::move(evil), [&](HttpResponse&& r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ((*got)[http::field::vary], "Origin");
}

TEST_F(ScreeningTest, DispatchRepeatsTheGuard) {
  std::optional<HttpResponse> got;
  HttpRequest req = Header(http::verb::put, "/items/a", {{"Content-Type", "application/json"}});
  router_.Dispatch(std::move(req), [&](HttpResponse&& r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->result(), http::status::unauthorized);
}

TEST(Auth, BearerTokens) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer  abc "), "abc");
  EXPECT_FALSE(BearerToken("").has_value());
  EXPECT_FALSE(BearerToken("Bearer").has_value());
  EXPECT_FALSE(BearerToken("Bearer ").has_value());
  EXPECT_FALSE(BearerToken("Basic abc").has_value());
  EXPECT_FALSE(BearerToken("Bearerabc").has_value());
}

}  // namespace
}  // namespace iisc
