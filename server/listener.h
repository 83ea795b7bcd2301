// Accepts connections and starts a Session for each, on its own strand.
//
// Two caps: max_connections overall (beyond it a connection gets a 503
// session that answers and closes), and max_per_address per client
// (ClientKey), so that one address cannot take the places of all others.
//
// A connection over its address's cap is answered 503 (the API's error
// shape, Retry-After) and closed right at the accept, without a session.
// The 503 is what nginx's limit_conn answers (limit_conn_status), so a
// client behind a crowded NAT learns why rather than seeing a bare reset.
// Unlike nginx's HTTP limit_conn, which counts a connection only once its
// request header has been read and so does not see a slowloris at all, the
// count starts at the accept, as nginx's stream (TCP) limit_conn does: the
// places a slowloris takes are connections that never finish a header.
// Nothing is read before the answer, so it costs no more than a close.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "models/status.h"
#include "server/router.h"
#include "server/session.h"
#include "server/session_registry.h"

namespace iisc {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; errors (address in use, bad address) come back here
  // rather than from the first accept.
  static Result<std::shared_ptr<Listener>> Create(boost::asio::io_context& ioc,
                                                  const boost::asio::ip::tcp::endpoint& endpoint,
                                                  const SessionLimits& limits, int max_connections,
                                                  int max_per_address, const Router& router,
                                                  SessionRegistry* registry);

  // The bound address, with the real port when port 0 was asked.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void Run();
  // Stops accepting; connections already accepted are left to drain.
  void Stop();

  Listener(boost::asio::io_context& ioc, const SessionLimits& limits, int max_connections,
           int max_per_address, const Router& router, SessionRegistry* registry);

 private:
  void DoAccept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void RefuseAtAccept(boost::asio::ip::tcp::socket& socket) const;

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Paces accepting again after a failure (out of descriptors), so the
  // listener neither spins nor floods the log while the condition lasts.
  boost::asio::steady_timer retry_timer_;
  const SessionLimits& limits_;
  int max_connections_;
  int max_per_address_;
  // The whole 503 for a connection over its address's cap, serialized once.
  std::string per_address_refusal_;
  const Router& router_;
  SessionRegistry* registry_;
};

}  // namespace iisc
