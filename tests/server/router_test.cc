#include "server/router.h"

#include <gtest/gtest.h>

#include <optional>

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
  EXPECT_EQ(res[http::field::allow], "POST, GET");
  EXPECT_NE(res.body().find("method_not_allowed"), std::string::npos);
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
