#include "server/listener.h"

#include <sstream>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/write.hpp>

#include "server/client_key.h"
#include "server/errors.h"
#include "server/log.h"

namespace iisc {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr std::chrono::milliseconds kAcceptRetry{100};

std::string PerAddressRefusal() {
  HttpResponse res = Overloaded("too many connections from this address; retry shortly");
  res.keep_alive(false);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}
}  // namespace

Listener::Listener(net::io_context& ioc, const SessionLimits& limits, int max_connections,
                   int max_per_address, const Router& router, SessionRegistry* registry)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      limits_(limits),
      max_connections_(max_connections),
      max_per_address_(max_per_address),
      per_address_refusal_(PerAddressRefusal()),
      router_(router),
      registry_(registry) {}

Result<std::shared_ptr<Listener>> Listener::Create(net::io_context& ioc,
                                                   const tcp::endpoint& endpoint,
                                                   const SessionLimits& limits,
                                                   int max_connections, int max_per_address,
                                                   const Router& router,
                                                   SessionRegistry* registry) {
  auto listener = std::make_shared<Listener>(ioc, limits, max_connections, max_per_address,
                                             router, registry);
  beast::error_code ec;
  auto fail = [&](const char* what) {
    return Status::IOError(std::string(what) + " " + endpoint.address().to_string() + ":" +
                           std::to_string(endpoint.port()) + ": " + ec.message());
  };
  listener->acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open a socket for");
  listener->acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("cannot set SO_REUSEADDR on");
  listener->acceptor_.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  listener->acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  return listener;
}

tcp::endpoint Listener::local_endpoint() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::Run() {
  net::dispatch(acceptor_.get_executor(),
                beast::bind_front_handler(&Listener::DoAccept, shared_from_this()));
}

void Listener::Stop() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::DoAccept() {
  // Each connection gets its own strand, so its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stopped
  if (ec) {
    // Typically out of descriptors: keep accepting rather than go deaf, but
    // after a pause, since retrying at once fails the same way in a tight loop.
    LogError("accept failed: %s; retrying in %d ms", ec.message().c_str(),
             static_cast<int>(kAcceptRetry.count()));
    retry_timer_.expires_after(kAcceptRetry);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->DoAccept();
    });
    return;
  }
  std::string client = ClientKey(socket);
  // Only this strand adds sessions, so the count cannot grow between the
  // check and the Add below.
  if (static_cast<int>(registry_->connections_from(client)) >= max_per_address_) {
    RefuseAtAccept(socket);
    return DoAccept();
  }
  const bool full = static_cast<int>(registry_->size()) >= max_connections_;
  auto session = std::make_shared<Session>(std::move(socket), client, limits_, router_, registry_);
  registry_->Add(session, std::move(client));
  if (full) {
    session->Refuse(Overloaded("too many connections; retry shortly"));
  } else {
    session->Run();
  }
  DoAccept();
}

void Listener::RefuseAtAccept(tcp::socket& socket) const {
  // Nothing is read and no session is made: the connection holds no place
  // under the caps and no descriptor beyond this call, however many an
  // address opens (a Session's refusal lingers up to seconds to read the
  // request first). The short answer fits the fresh socket's send buffer, so
  // one non-blocking write sends it whole. If the client's request has
  // already arrived, the close resets the connection after the answer; the
  // client still reads the answer first.
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(per_address_refusal_), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace iisc
