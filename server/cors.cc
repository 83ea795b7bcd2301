#include "server/cors.h"

#include <algorithm>

#include <boost/beast/http/field.hpp>

#include "server/errors.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {
// How long a browser may cache a preflight's answer.
constexpr std::string_view kPreflightMaxAgeSeconds = "600";
}  // namespace

bool CorsPolicy::Allows(std::string_view origin) const {
  return !origin.empty() && std::find(allowed_.begin(), allowed_.end(), origin) != allowed_.end();
}

void CorsPolicy::Decorate(std::string_view origin, HttpResponse& response) const {
  response.set(http::field::vary, "Origin");
  if (!Allows(origin)) return;
  response.set(http::field::access_control_allow_origin, origin);
  // Without this the portal's script could not read them.
  response.set(http::field::access_control_expose_headers,
               "Location, Retry-After, WWW-Authenticate, Idempotent-Replayed, Already-Revoked");
}

HttpResponse CorsPolicy::Preflight(std::string_view origin,
                                   std::string_view allowed_methods) const {
  if (!Allows(origin)) {
    HttpResponse res = ErrorResponse(Status::PermissionDenied(
        "origin " + std::string(origin) + " is not allowed to call this API from a browser"));
    res.set(http::field::vary, "Origin");
    return res;
  }
  HttpResponse res{http::status::no_content, 11};
  res.set(http::field::vary, "Origin");
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::access_control_allow_methods, allowed_methods);
  // Idempotency-Key: the lifecycle's writes take it, so a portal can retry them.
  res.set(http::field::access_control_allow_headers, "Authorization, Content-Type, Idempotency-Key");
  res.set(http::field::access_control_max_age, kPreflightMaxAgeSeconds);
  return res;
}

}  // namespace iisc
