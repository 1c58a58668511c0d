#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// A service credential. The secret itself is never stored: only `hash`, a keyed hash of it.
struct ApiKeyRecord {
  std::string id;  // the public part, "wdn_" + 12 base62 characters
  std::string name;
  std::string hash;
  std::vector<std::string> roles;
  std::string created_by;
  WallTime created_at;
  std::optional<WallTime> expires_at;
  std::optional<WallTime> last_used_at;
  std::optional<WallTime> revoked_at;
};

// Durable API keys. Thread-safe; any method may return kUnavailable.
class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // kAlreadyExists if the id is taken.
  virtual absl::Status CreateApiKey(const ApiKeyRecord& record) = 0;
  // kNotFound if there is none.
  virtual absl::StatusOr<ApiKeyRecord> FindApiKey(absl::string_view id) = 0;
  // Ordered by creation time, oldest first.
  virtual absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(bool include_revoked) = 0;
  // Marks the key revoked at `now` (kept for the record). OK if it already is; kNotFound if none.
  virtual absl::Status RevokeApiKey(absl::string_view id, WallTime now) = 0;
  // Records a use at `now`. kNotFound if there is no such key.
  virtual absl::Status TouchApiKey(absl::string_view id, WallTime now) = 0;
};

}  // namespace warden::core
