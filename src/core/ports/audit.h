#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/model.h"

namespace warden::core {

// One security event of the audit trail. `seq` is assigned by the store (strictly increasing).
struct AuditEvent {
  int64_t seq = 0;
  WallTime at;
  std::string type;  // register, login_success, login_failure, refresh, refresh_reuse_detected,
                     // logout, session_revoked, key_rotated, key_withdrawn
  std::string user_id;
  std::string username;
  std::string session_id;
  std::string detail;    // e.g. the failure reason; never a secret
  std::string trace_id;  // of the call that caused it, when known
};

struct AuditQuery {
  std::string user_id;   // empty: any
  std::string username;  // empty: any (lower-cased match)
  std::optional<WallTime> since;
  int limit = 100;
};

// Durable, ordered audit trail. Thread-safe; may return kUnavailable.
class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Appends `events` in order, atomically.
  virtual absl::Status AppendAuditEvents(const std::vector<AuditEvent>& events) = 0;
  // Returns matching events, oldest first.
  virtual absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) = 0;
};

// Where use cases report security events. Must not block: implementations queue.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void Record(AuditEvent event) = 0;
};

}  // namespace warden::core
