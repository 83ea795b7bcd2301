// Accepts connections and starts a Session for each, on its own strand.
#pragma once

#include <memory>

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
                                                  const Router& router, SessionRegistry* registry);

  // The bound address, with the real port when port 0 was asked.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void Run();
  // Stops accepting; connections already accepted are left to drain.
  void Stop();

  Listener(boost::asio::io_context& ioc, const SessionLimits& limits, int max_connections,
           const Router& router, SessionRegistry* registry);

 private:
  void DoAccept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Paces accepting again after a failure (out of descriptors), so the
  // listener neither spins nor floods the log while the condition lasts.
  boost::asio::steady_timer retry_timer_;
  const SessionLimits& limits_;
  int max_connections_;
  const Router& router_;
  SessionRegistry* registry_;
};

}  // namespace iisc
