#include "storage/memory/memory_stores.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace warden::storage {

absl::Status InMemoryUserStore::Create(const core::User& user) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (id_by_username_.contains(user.username_key)) {
    return absl::AlreadyExistsError("username: already taken");
  }
  if (id_by_email_.contains(user.email_key)) {
    return absl::AlreadyExistsError("email: already registered");
  }
  if (by_id_.contains(user.id) || deleted_.contains(user.id)) {
    return absl::AlreadyExistsError("id: already used");
  }
  by_id_.emplace(user.id, user);
  id_by_username_.emplace(user.username_key, user.id);
  id_by_email_.emplace(user.email_key, user.id);
  return absl::OkStatus();
}

absl::StatusOr<core::User> InMemoryUserStore::FindByUsernameKey(absl::string_view username_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto id = id_by_username_.find(username_key);
  if (id == id_by_username_.end()) {
    return absl::NotFoundError("no such user");
  }
  return by_id_.at(id->second);
}

absl::StatusOr<core::User> InMemoryUserStore::FindById(absl::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return absl::NotFoundError("no such user");
  }
  return it->second;
}

absl::Status InMemoryUserStore::UpdatePasswordHash(absl::string_view id,
                                                   absl::string_view password_hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return absl::NotFoundError("no such user");
  }
  it->second.password_hash = std::string(password_hash);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<core::User>> InMemoryUserStore::ListUsers(
    absl::string_view after_username_key, size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, std::string>> keys(id_by_username_.begin(),
                                                        id_by_username_.end());
  std::sort(keys.begin(), keys.end());
  std::vector<core::User> out;
  for (const auto& [key, id] : keys) {
    if (out.size() >= limit) {
      break;
    }
    if (key > after_username_key) {
      out.push_back(by_id_.at(id));
    }
  }
  return out;
}

absl::Status InMemoryUserStore::UpdateRoles(absl::string_view id,
                                            const std::vector<std::string>& roles) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return absl::NotFoundError("no such user");
  }
  it->second.roles = roles;
  return absl::OkStatus();
}

absl::Status InMemoryUserStore::SetDisabled(absl::string_view id, bool disabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return absl::NotFoundError("no such user");
  }
  it->second.disabled = disabled;
  return absl::OkStatus();
}

absl::Status InMemoryUserStore::DeleteUser(absl::string_view id, core::WallTime) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return absl::NotFoundError("no such user");
  }
  id_by_username_.erase(it->second.username_key);
  id_by_email_.erase(it->second.email_key);
  by_id_.erase(it);
  deleted_.insert(std::string(id));
  return absl::OkStatus();
}

void InMemoryUserStore::ReplaceForTest(const core::User& user) {
  std::lock_guard<std::mutex> lock(mutex_);
  by_id_.insert_or_assign(user.id, user);
}

absl::Status InMemorySessionStore::CreateSession(const core::Session& session,
                                                 absl::string_view refresh_hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (sessions_.contains(session.id) || refresh_.contains(refresh_hash)) {
    return absl::AlreadyExistsError("session exists");
  }
  sessions_.emplace(session.id, session);
  refresh_.emplace(std::string(refresh_hash), RefreshRecord{session.id, std::nullopt});
  return absl::OkStatus();
}

absl::StatusOr<core::RotateResult> InMemorySessionStore::Rotate(
    const core::RotateRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto token = refresh_.find(request.presented_hash);
  if (token == refresh_.end()) {
    return core::RotateResult{.outcome = core::RotateOutcome::kNotFound};
  }
  core::Session& session = sessions_.at(token->second.session_id);
  core::RotateResult result{.outcome = core::RotateOutcome::kRotated, .session = session};
  RefreshRecord& presented = token->second;
  if (session.revoked_at.has_value()) {
    result.outcome = core::RotateOutcome::kRevoked;
  } else if (request.now >= session.expires_at) {
    result.outcome = core::RotateOutcome::kExpired;
  } else if (session.refresh_mode == core::RefreshMode::kStable) {
    result.outcome = core::RotateOutcome::kKept;
  } else if (presented.spent_at.has_value()) {
    auto successor = refresh_.find(presented.successor_hash);
    if (request.now - *presented.spent_at <= request.grace && successor != refresh_.end() &&
        !successor->second.spent_at.has_value()) {
      result.outcome = core::RotateOutcome::kRetried;
      result.sealed_successor = presented.sealed_successor;
      result.rotated_at = *presented.spent_at;
    } else {
      session.revoked_at = request.now;
      result.session = session;
      result.outcome = core::RotateOutcome::kReuseDetected;
    }
  } else {
    presented.spent_at = request.now;
    presented.successor_hash = request.next_hash;
    presented.sealed_successor = request.sealed_next;
    refresh_.emplace(request.next_hash, RefreshRecord{.session_id = session.id});
  }
  return result;
}

absl::Status InMemorySessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return absl::NotFoundError("no such session");
  }
  if (!it->second.revoked_at.has_value()) {
    it->second.revoked_at = now;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<core::Session>> InMemorySessionStore::ListUserSessions(
    absl::string_view user_id, core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::Session> out;
  for (const auto& [id, session] : sessions_) {
    if (session.user_id == user_id && !session.revoked_at.has_value() && now < session.expires_at) {
      out.push_back(session);
    }
  }
  std::sort(out.begin(), out.end(), [](const core::Session& a, const core::Session& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
  });
  return out;
}

absl::StatusOr<std::vector<core::Session>> InMemorySessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::Session> out;
  for (auto& [id, session] : sessions_) {
    if (session.user_id == user_id && !session.revoked_at.has_value() && now < session.expires_at) {
      session.revoked_at = now;
      out.push_back(session);
    }
  }
  return out;
}

absl::Status InMemorySessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  std::lock_guard<std::mutex> lock(mutex_);
  revoked_tokens_.insert_or_assign(revocation.id, revocation.expires_at);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<core::Session>> InMemorySessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::Session> out;
  for (const auto& [id, session] : sessions_) {
    if (session.revoked_at.has_value() && *session.revoked_at >= since) {
      out.push_back(session);
    }
  }
  return out;
}

absl::StatusOr<std::vector<core::Revocation>> InMemorySessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::Revocation> out;
  for (const auto& [id, expires_at] : revoked_tokens_) {
    if (expires_at > now) {
      out.push_back(core::Revocation{.id = id, .expires_at = expires_at});
    }
  }
  return out;
}

absl::StatusOr<int64_t> InMemorySessionStore::PurgeExpired(core::WallTime before) {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t deleted = 0;
  deleted += absl::erase_if(refresh_, [&](const auto& entry) {
    return sessions_.at(entry.second.session_id).expires_at < before;
  });
  deleted += absl::erase_if(sessions_,
                            [&](const auto& entry) { return entry.second.expires_at < before; });
  deleted +=
      absl::erase_if(revoked_tokens_, [&](const auto& entry) { return entry.second < before; });
  return deleted;
}

absl::StatusOr<std::vector<core::SigningKeyRecord>> InMemorySigningKeyStore::ListSigningKeys() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::SigningKeyRecord> keys = keys_;
  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return a.activate_at < b.activate_at; });
  return keys;
}

absl::Status InMemorySigningKeyStore::InsertSigningKey(const core::SigningKeyRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const core::SigningKeyRecord& key : keys_) {
    if (key.kid == record.kid || key.activate_at == record.activate_at) {
      return absl::AlreadyExistsError("signing key exists");
    }
  }
  keys_.push_back(record);
  return absl::OkStatus();
}

absl::Status InMemorySigningKeyStore::WithdrawSigningKey(absl::string_view kid,
                                                         core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (core::SigningKeyRecord& key : keys_) {
    if (key.kid == kid) {
      if (!key.withdrawn_at.has_value()) {
        key.withdrawn_at = now;
      }
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError("no such signing key");
}

absl::Status InMemorySigningKeyStore::DeleteSigningKey(absl::string_view kid) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(keys_, [&](const core::SigningKeyRecord& key) { return key.kid == kid; });
  return absl::OkStatus();
}

absl::Status InMemoryAuditStore::AppendAuditEvents(const std::vector<core::AuditEvent>& events) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (core::AuditEvent event : events) {
    event.seq = static_cast<int64_t>(events_.size()) + 1;
    events_.push_back(std::move(event));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<core::AuditEvent>> InMemoryAuditStore::ListAuditEvents(
    const core::AuditQuery& query) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::AuditEvent> out;
  for (const core::AuditEvent& event : events_) {
    if ((!query.user_id.empty() && event.user_id != query.user_id) ||
        (!query.username.empty() &&
         absl::AsciiStrToLower(event.username) != absl::AsciiStrToLower(query.username)) ||
        (query.since.has_value() && event.at < *query.since)) {
      continue;
    }
    out.push_back(event);
    if (static_cast<int>(out.size()) >= query.limit) {
      break;
    }
  }
  return out;
}

absl::Status InMemoryApiKeyStore::CreateApiKey(const core::ApiKeyRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const core::ApiKeyRecord& key : keys_) {
    if (key.id == record.id) {
      return absl::AlreadyExistsError("API key id already used");
    }
  }
  keys_.push_back(record);
  return absl::OkStatus();
}

absl::StatusOr<core::ApiKeyRecord> InMemoryApiKeyStore::FindApiKey(absl::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const core::ApiKeyRecord& key : keys_) {
    if (key.id == id) {
      return key;
    }
  }
  return absl::NotFoundError("no such API key");
}

absl::StatusOr<std::vector<core::ApiKeyRecord>> InMemoryApiKeyStore::ListApiKeys(
    bool include_revoked) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<core::ApiKeyRecord> out;
  for (const core::ApiKeyRecord& key : keys_) {
    if (include_revoked || !key.revoked_at.has_value()) {
      out.push_back(key);
    }
  }
  return out;
}

absl::Status InMemoryApiKeyStore::RevokeApiKey(absl::string_view id, core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (core::ApiKeyRecord& key : keys_) {
    if (key.id == id) {
      if (!key.revoked_at.has_value()) {
        key.revoked_at = now;
      }
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError("no such API key");
}

absl::Status InMemoryApiKeyStore::TouchApiKey(absl::string_view id, core::WallTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (core::ApiKeyRecord& key : keys_) {
    if (key.id == id) {
      key.last_used_at = now;
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError("no such API key");
}

}  // namespace warden::storage
