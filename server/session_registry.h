// The live connections, so that shutdown can drain them and the listener can
// cap their number, overall and per client. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace iisc {

class Session;

class SessionRegistry {
 public:
  // `client` is the session's ClientKey (client_key.h).
  void Add(const std::shared_ptr<Session>& session, std::string client);
  void Remove(const Session* session);
  size_t size() const;
  // Live sessions of `client`.
  size_t connections_from(const std::string& client) const;
  // Asks every live session to finish its current request and close;
  // sessions added afterwards are drained as they start.
  void DrainAll();

 private:
  struct Entry {
    std::weak_ptr<Session> session;
    std::string client;
  };
  mutable std::mutex mu_;
  std::unordered_map<const Session*, Entry> sessions_;  // GUARDED_BY(mu_)
  // Clients with at least one live session (so the map stays as small as
  // the connections, whoever connected before).
  std::unordered_map<std::string, size_t> per_client_;  // GUARDED_BY(mu_)
  bool draining_ = false;                               // GUARDED_BY(mu_)
};

}  // namespace iisc
