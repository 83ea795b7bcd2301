// One HTTP/1.1 connection: reads a request, hands it to the router, writes
// the answer, and repeats while the client keeps the connection alive.
//
// Every step runs on the connection's strand (the socket's executor). The
// chain is Run → DoRead → ReadHeader → OnReadHeader → (router screens the
// header) → ReadBody → OnRead → (router dispatches) → Send → OnWrite → DoRead.
// A response produced on another thread (a need's durable write, a blocking
// route's handler on the blocking pool) is posted back onto the strand before
// it is written; the reply holds the session alive until then.
//
// Timeouts: a new connection must deliver its first request within
// read_timeout; a kept-alive one may stay silent for idle_timeout, but once a
// request's first byte arrives the whole request (header and body) must
// arrive within read_timeout. A client that trickles bytes (slowloris) is
// answered 408 and closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include "server/http_types.h"
#include "server/router.h"

namespace iisc {

class SessionRegistry;

// Body limits are per route (Router::Screen).
struct SessionLimits {
  size_t max_header_bytes = 16 << 10;
  size_t max_url_bytes = 4096;
  // The whole request (headers and body) must arrive within this time.
  std::chrono::milliseconds read_timeout{10000};
  // A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{30000};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `client` is the peer's ClientKey (client_key.h), what the rate limit
  // counts by.
  Session(boost::asio::ip::tcp::socket&& socket, std::string client, const SessionLimits& limits,
          const Router& router, SessionRegistry* registry);
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts serving. REQUIRES: owned by a shared_ptr.
  void Run();
  // Answers `response` without reading, then closes (used to refuse a
  // connection beyond the limit).
  void Refuse(HttpResponse&& response);
  // Graceful shutdown: a connection waiting for a request is closed now, one
  // with a request in progress closes after answering it. Thread-safe.
  void Drain();

 private:
  void DoRead();
  void ArmReadTimer(std::chrono::milliseconds timeout);
  void DisarmReadTimer();
  void ReadHeader();
  void OnReadHeader(boost::beast::error_code ec, std::size_t bytes);
  void ReadBody();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void OnReadError(boost::beast::error_code ec);
  void Send(HttpResponse&& response);
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void LingerClose();
  void DrainInput();
  void DoClose();

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer read_timer_;
  boost::beast::flat_buffer buffer_;
  // A fresh parser per message: limits and state never leak between requests.
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<HttpResponse> response_;
  // Writes only the header of the answer to a HEAD request.
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>>
      head_serializer_;
  const SessionLimits& limits_;
  const Router& router_;
  SessionRegistry* registry_;
  std::string client_;
  bool first_request_ = true;
  bool head_ = false;      // the request being answered is a HEAD
  bool busy_ = false;      // a request is being handled or answered
  bool draining_ = false;  // close after the current answer
  bool timed_out_ = false;  // the read timer fired and cancelled the read
  uint64_t read_generation_ = 0;  // tells a stale timer firing from a live one
  size_t lingered_bytes_ = 0;
};

}  // namespace iisc
