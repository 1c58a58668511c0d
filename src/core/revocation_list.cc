#include "core/revocation_list.h"

#include <mutex>

namespace warden::core {

void RevocationList::RevokeToken(absl::string_view token_id, WallTime expires_at) {
  std::unique_lock lock(mutex_);
  tokens_.insert_or_assign(std::string(token_id), expires_at);
}

void RevocationList::RevokeSession(absl::string_view session_id, WallTime expires_at) {
  std::unique_lock lock(mutex_);
  sessions_.insert_or_assign(std::string(session_id), expires_at);
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
