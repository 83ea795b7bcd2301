#include "server/session.h"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/errors.h"
#include "server/session_registry.h"

namespace iisc {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {
// After refusing a request mid-stream: how long, and how much, of what the
// client still sends is read and dropped before the socket is closed.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 8 << 20;
// Bytes read at once while waiting for a kept-alive connection's next request.
constexpr size_t kFirstReadBytes = 4096;

// What RFC 9112 requires a server to refuse (400, then close) before reading
// a body; nullptr when the header is acceptable.
const char* FramingError(const HttpRequest& req, bool chunked) {
  // Without chunked as the final coding, a request body's length is unknown:
  // reading to the end of the stream would let one request swallow the next.
  if (req.count(http::field::transfer_encoding) > 0 && !chunked) {
    return "Transfer-Encoding other than chunked is not supported";
  }
  const size_t hosts = req.count(http::field::host);
  if (hosts > 1) return "more than one Host header";
  if (hosts == 0 && req.version() >= 11) return "an HTTP/1.1 request must carry a Host header";
  return nullptr;
}

}  // namespace

Session::Session(net::ip::tcp::socket&& socket, std::string client, const SessionLimits& limits,
                 const Router& router, SessionRegistry* registry)
    : stream_(std::move(socket)),
      read_timer_(stream_.get_executor()),
      limits_(limits),
      router_(router),
      registry_(registry),
      client_(std::move(client)) {}

Session::~Session() { registry_->Remove(this); }

void Session::Run() {
  // The socket was accepted onto this session's strand; start there so no
  // member is touched from two threads.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::DoRead, shared_from_this()));
}

void Session::Refuse(HttpResponse&& response) {
  response.keep_alive(false);
  response.prepare_payload();
  net::post(stream_.get_executor(), [self = shared_from_this(), r = std::move(response)]() mutable {
    self->busy_ = true;
    self->Send(std::move(r));
  });
}

void Session::Drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    // Waiting for a request: nothing is in flight, so close now.
    if (!self->busy_) self->DoClose();
  });
}

void Session::DoRead() {
  if (draining_) return DoClose();
  head_ = false;
  parser_.emplace();
  // Until the route is known, the largest body any route takes; Screen
  // narrows it to the route's own limit.
  parser_->body_limit(router_.max_body_limit());
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  // A new connection must speak at once; its deadline runs from the accept.
  if (first_request_ || buffer_.size() > 0) return ReadHeader();
  // A kept-alive client may think between requests, up to the idle timeout.
  ArmReadTimer(limits_.idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(kFirstReadBytes),
      [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
        self->buffer_.commit(bytes);
        self->DisarmReadTimer();
        if (ec) return self->DoClose();  // idle too long, or gone: nothing to answer
        self->ReadHeader();
      });
}

void Session::ArmReadTimer(std::chrono::milliseconds timeout) {
  // Not the stream's own timeout: that closes the socket, and a client that
  // sent part of a request is owed a 408 first.
  stream_.expires_never();
  timed_out_ = false;
  read_timer_.expires_after(timeout);
  read_timer_.async_wait([self = shared_from_this(), armed = ++read_generation_](
                             beast::error_code ec) {
    // Cancelled, or fired just as its read finished and the session moved on.
    if (ec || armed != self->read_generation_) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
}

void Session::DisarmReadTimer() {
  ++read_generation_;
  read_timer_.cancel();
}

void Session::ReadHeader() {
  // From the request's first byte, all of it must arrive within read_timeout
  // (header and body together: the timer is not reset for the body).
  ArmReadTimer(limits_.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
}

void Session::OnReadHeader(beast::error_code ec, std::size_t) {
  if (ec) return OnReadError(ec);
  first_request_ = false;
  busy_ = true;
  const HttpRequest& req = parser_->get();
  head_ = req.method() == http::verb::head;
  // Protocol violations close the connection after the answer: whoever sends
  // them is unlikely to frame its next request any better.
  if (req.target().size() > limits_.max_url_bytes) {
    HttpResponse res = UriTooLong(limits_.max_url_bytes);
    res.keep_alive(false);
    router_.Decorate(req, res);
    return Send(std::move(res));
  }
  if (const char* wrong = FramingError(req, parser_->chunked())) {
    HttpResponse res = MalformedHttp(wrong);
    res.keep_alive(false);
    router_.Decorate(req, res);
    return Send(std::move(res));
  }
  Router::Screening screening = router_.Screen(req, client_);
  if (screening.answer) return Send(std::move(*screening.answer));
  const auto length = parser_->content_length();
  if (length && *length > screening.body_limit) {
    HttpResponse res = PayloadTooLarge(screening.body_limit);
    router_.Decorate(req, res);
    return Send(std::move(res));
  }
  parser_->body_limit(screening.body_limit);
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    // Clients that ask (curl does for larger bodies) wait for this before sending the body.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code wec, std::size_t) {
                       if (wec) return self->DoClose();
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnRead, shared_from_this()));
}

void Session::OnRead(beast::error_code ec, std::size_t) {
  if (ec) return OnReadError(ec);
  DisarmReadTimer();  // handling time is the engine's, not the client's
  // The reply may come from any thread; post it onto this session's strand.
  router_.Dispatch(parser_->release(), [self = shared_from_this()](HttpResponse&& res) {
    net::post(self->stream_.get_executor(),
              [self, res = std::move(res)]() mutable { self->Send(std::move(res)); });
  });
}

void Session::OnReadError(beast::error_code ec) {
  DisarmReadTimer();
  if (timed_out_) {
    // Nothing of a request arrived: a silent client is simply let go.
    if (buffer_.size() == 0 && !busy_) return DoClose();
    ec = beast::error::timeout;
  }
  // The client went away: nothing to answer.
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    return DoClose();
  }
  busy_ = true;
  if (parser_->is_header_done()) head_ = parser_->get().method() == http::verb::head;
  HttpResponse res;
  if (ec == http::error::body_limit) {
    // The header is parsed even when its Content-Length was refused.
    res = PayloadTooLarge(router_.BodyLimitFor(parser_->get()));
  } else if (ec == http::error::header_limit) {
    res = HeaderTooLarge(limits_.max_header_bytes);
  } else if (ec == beast::error::timeout) {
    res = RequestTimeout();
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    res = MalformedHttp(ec.message());
  } else {
    return DoClose();
  }
  router_.Decorate(parser_->get(), res);
  Send(std::move(res));
}

void Session::Send(HttpResponse&& response) {
  DisarmReadTimer();  // reading is over, whether the request was read or refused
  response_.emplace(std::move(response));
  // After a refused read the stream holds unread bytes of unknown meaning:
  // the only safe continuation is to close.
  const bool read_ok = parser_ && parser_->is_done();
  if (!read_ok || draining_) response_->keep_alive(false);
  response_->prepare_payload();
  stream_.expires_after(limits_.read_timeout);
  if (head_) {
    // The header keeps the Content-Length of the body a GET would receive.
    head_serializer_.emplace(*response_);
    http::async_write_header(stream_, *head_serializer_,
                             beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
    return;
  }
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
}

void Session::OnWrite(beast::error_code ec, std::size_t) {
  busy_ = false;
  if (ec) return DoClose();
  if (!response_->keep_alive()) {
    // Unread input (a refused body, or bytes after the last request) would
    // make the close an RST that can destroy the answer in flight.
    const bool nothing_unread = parser_ && parser_->is_done() && buffer_.size() == 0;
    return nothing_unread ? DoClose() : LingerClose();
  }
  head_serializer_.reset();
  response_.reset();
  DoRead();
}

void Session::LingerClose() {
  // Closing a socket that still has unread input makes the kernel answer with
  // RST, which can destroy the error response before the client reads it.
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  buffer_.consume(buffer_.size());
  DrainInput();
}

void Session::DrainInput() {
  // The bytes land in the buffer's spare space and are never committed.
  stream_.async_read_some(buffer_.prepare(16 << 10), [self = shared_from_this()](
                                                         beast::error_code ec, std::size_t n) {
    self->lingered_bytes_ += n;
    if (ec || self->lingered_bytes_ > kLingerBytes) return self->DoClose();
    self->DrainInput();
  });
}

void Session::DoClose() {
  DisarmReadTimer();  // a pending wait holds the session alive until it fires
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

}  // namespace iisc
