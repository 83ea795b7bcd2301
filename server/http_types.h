// The HTTP message types every part of server/ shares, so that handlers,
// router and session agree on one body type.
#pragma once

#include <functional>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace iisc {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Delivers the one response to a request. Callable from any thread, exactly
// once; the session moves the response back onto its own executor.
using Reply = std::function<void(HttpResponse&&)>;

}  // namespace iisc
