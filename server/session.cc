#include "server/session.h"

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
}  // namespace

Session::Session(net::ip::tcp::socket&& socket, const SessionLimits& limits, const Router& router,
                 SessionRegistry* registry)
    : stream_(std::move(socket)), limits_(limits), router_(router), registry_(registry) {}

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
  parser_.emplace();
  parser_->body_limit(limits_.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  // A kept-alive client may think between requests; a new one must speak.
  stream_.expires_after(first_request_ ? limits_.read_timeout : limits_.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
}

void Session::OnReadHeader(beast::error_code ec, std::size_t) {
  if (ec) return OnReadError(ec);
  first_request_ = false;
  busy_ = true;
  const HttpRequest& req = parser_->get();
  if (req.target().size() > limits_.max_url_bytes) {
    return Send(UriTooLong(limits_.max_url_bytes));
  }
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    // Clients that ask (curl does for larger bodies) wait for this before sending the body.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(limits_.read_timeout);
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
  stream_.expires_after(limits_.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnRead, shared_from_this()));
}

void Session::OnRead(beast::error_code ec, std::size_t) {
  if (ec) return OnReadError(ec);
  stream_.expires_never();  // handling time is the engine's, not the client's
  // The reply may come from any thread; post it onto this session's strand.
  router_.Dispatch(parser_->release(), [self = shared_from_this()](HttpResponse&& res) {
    net::post(self->stream_.get_executor(),
              [self, res = std::move(res)]() mutable { self->Send(std::move(res)); });
  });
}

void Session::OnReadError(beast::error_code ec) {
  // The client went away or was idle too long: nothing to answer.
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof ||
      (ec == beast::error::timeout && buffer_.size() == 0 && !busy_)) {
    return DoClose();
  }
  busy_ = true;
  if (ec == http::error::body_limit) return Send(PayloadTooLarge(limits_.max_body_bytes));
  if (ec == http::error::header_limit) return Send(HeaderTooLarge(limits_.max_header_bytes));
  if (ec == beast::error::timeout) {
    return Send(RequestTimeout());
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    return Send(MalformedHttp(ec.message()));
  }
  DoClose();
}

void Session::Send(HttpResponse&& response) {
  response_.emplace(std::move(response));
  // After a refused read the stream holds unread bytes of unknown meaning:
  // the only safe continuation is to close.
  const bool read_ok = parser_ && parser_->is_done();
  if (!read_ok || draining_) response_->keep_alive(false);
  response_->prepare_payload();
  stream_.expires_after(limits_.read_timeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
}

void Session::OnWrite(beast::error_code ec, std::size_t) {
  busy_ = false;
  if (ec) return DoClose();
  if (!response_->keep_alive()) {
    const bool read_whole_request = parser_ && parser_->is_done();
    return read_whole_request ? DoClose() : LingerClose();
  }
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
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

}  // namespace iisc
