// The one place where failures become HTTP: iisc::Status codes and the
// protocol-level refusals (405, 413, 415, ...) are turned into a status line
// and the contract's body {"error":{"code","message","field"}}.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/beast/http/status.hpp>

#include "models/status.h"
#include "server/http_types.h"

namespace iisc {

// HTTP status for an engine or validation error.
boost::beast::http::status HttpStatusFor(StatusCode code);

// The JSON error body; `field` is omitted when empty.
std::string ErrorBody(std::string_view code, std::string_view message, std::string_view field);

// A complete error response for `status`. Internal failures (corruption, I/O,
// bugs) are answered with a generic message so storage details never leak;
// callers log the original.
HttpResponse ErrorResponse(const Status& status);

// Protocol-level refusals that have no StatusCode of their own.
HttpResponse RouteNotFound();
HttpResponse MethodNotAllowed(std::string_view allow);  // sets Allow
// 415; `expected` names the media type the route reads.
HttpResponse UnsupportedMediaType(std::string_view expected = "application/json");
HttpResponse PayloadTooLarge(size_t limit_bytes);
HttpResponse HeaderTooLarge(size_t limit_bytes);
HttpResponse UriTooLong(size_t limit_bytes);
HttpResponse MalformedHttp(std::string_view what);
HttpResponse RequestTimeout();
HttpResponse Overloaded(std::string_view what);
// 429 with Retry-After: whole seconds, rounded up, at least 1.
HttpResponse RateLimited(std::chrono::steady_clock::duration retry_after);

}  // namespace iisc
