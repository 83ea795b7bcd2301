#include "server/session_registry.h"

#include <vector>

#include "server/session.h"

namespace iisc {

void SessionRegistry::Add(const std::shared_ptr<Session>& session, std::string client) {
  bool drain = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++per_client_[client];
    sessions_.emplace(session.get(), Entry{session, std::move(client)});
    drain = draining_;
  }
  if (drain) session->Drain();
}

void SessionRegistry::Remove(const Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  auto count = per_client_.find(it->second.client);
  if (count != per_client_.end() && --count->second == 0) per_client_.erase(count);
  sessions_.erase(it);
}

size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

size_t SessionRegistry::connections_from(const std::string& client) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

void SessionRegistry::DrainAll() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
    for (auto& [ptr, entry] : sessions_) {
      if (auto s = entry.session.lock()) live.push_back(std::move(s));
    }
  }
  // Outside the lock: a session's last reference may drop here, and its
  // destructor removes itself from the registry.
  for (auto& s : live) s->Drain();
}

}  // namespace iisc
