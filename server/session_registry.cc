#include "server/session_registry.h"

#include <vector>

#include "server/session.h"

namespace iisc {

void SessionRegistry::Add(const std::shared_ptr<Session>& session) {
  bool drain = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.emplace(session.get(), session);
    drain = draining_;
  }
  if (drain) session->Drain();
}

void SessionRegistry::Remove(const Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
}

size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::draining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return draining_;
}

void SessionRegistry::DrainAll() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  // Outside the lock: a session's last reference may drop here, and its
  // destructor removes itself from the registry.
  for (auto& s : live) s->Drain();
}

}  // namespace iisc
