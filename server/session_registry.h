// The live connections, so that shutdown can drain them and the listener can
// cap their number. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace iisc {

class Session;

class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& session);
  void Remove(const Session* session);
  size_t size() const;
  // Asks every live session to finish its current request and close;
  // sessions added afterwards are drained as they start.
  void DrainAll();
  bool draining() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;  // GUARDED_BY(mu_)
  bool draining_ = false;                                               // GUARDED_BY(mu_)
};

}  // namespace iisc
