#include "core/revocation_list.h"

#include <mutex>

namespace warden::core {

void RevocationList::RevokeToken(absl::string_view token_id, WallTime expires_at) {
  Apply({.kind = RevocationEvent::Kind::kToken,
         .id = std::string(token_id),
         .expires_at = expires_at});
}

void RevocationList::RevokeSession(absl::string_view session_id, WallTime expires_at) {
  Apply({.kind = RevocationEvent::Kind::kSession,
         .id = std::string(session_id),
         .expires_at = expires_at});
}

void RevocationList::Apply(const RevocationEvent& event) {
  {
    std::unique_lock lock(mutex_);
    auto& entries = event.kind == RevocationEvent::Kind::kToken ? tokens_ : sessions_;
    auto [it, inserted] = entries.try_emplace(event.id, event.expires_at);
    if (!inserted) {
      if (it->second >= event.expires_at) {
        return;  // nothing new: no event
      }
      it->second = event.expires_at;
    }
  }
  Notify(event);
}

void RevocationList::Notify(const RevocationEvent& event) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  for (auto& [handle, listener] : listeners_) {
    listener(event);
  }
}

std::vector<RevocationEvent> RevocationList::Snapshot() const {
  std::shared_lock lock(mutex_);
  std::vector<RevocationEvent> out;
  out.reserve(tokens_.size() + sessions_.size());
  for (const auto& [id, expires_at] : tokens_) {
    out.push_back({.kind = RevocationEvent::Kind::kToken, .id = id, .expires_at = expires_at});
  }
  for (const auto& [id, expires_at] : sessions_) {
    out.push_back({.kind = RevocationEvent::Kind::kSession, .id = id, .expires_at = expires_at});
  }
  return out;
}

uint64_t RevocationList::Subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  const uint64_t handle = next_listener_++;
  listeners_.emplace(handle, std::move(listener));
  return handle;
}

void RevocationList::Unsubscribe(uint64_t handle) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  listeners_.erase(handle);
}

bool RevocationList::IsRevoked(absl::string_view token_id, absl::string_view session_id) const {
  std::shared_lock lock(mutex_);
  if (tokens_.empty() && sessions_.empty()) {
    return false;
  }
  return tokens_.contains(token_id) || (!session_id.empty() && sessions_.contains(session_id));
}

void RevocationList::Prune(WallTime now) {
  std::unique_lock lock(mutex_);
  absl::erase_if(tokens_, [now](const auto& entry) { return entry.second < now; });
  absl::erase_if(sessions_, [now](const auto& entry) { return entry.second < now; });
}

size_t RevocationList::SizeForTest() const {
  std::shared_lock lock(mutex_);
  return tokens_.size() + sessions_.size();
}

}  // namespace warden::core
