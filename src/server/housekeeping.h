#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "core/key_rotation.h"
#include "core/ports/audit.h"

namespace warden::server {

// The periodic upkeep the store probe runs next to its ping (every 5 s): the managed key ring's
// rotation tick (a new key is recorded in the audit trail; a key that left the published set
// drops every cached verification) and the purge of expired sessions and revocations.
//
// Thread-safe. Keeps references to its ports.
class Housekeeping {
 public:
  struct Ports {
    core::KeyRotation* rotation = nullptr;  // null: a fixed key or HS256, nothing rotates
    core::AuditSink& audit;
    const Clock& clock;
    std::function<void()> forget_verified_tokens;            // AuthService::ForgetVerifiedTokens
    std::function<absl::StatusOr<int64_t>()> purge_expired;  // AuthService::PurgeExpired
  };
  // `signing_since`: when the key signing now started to (the first rotation tick's answer, or
  // start-up for a fixed key).
  Housekeeping(Ports ports, core::WallTime signing_since);

  void Tick();
  // When the signing key started to sign (warden_signing_key_age_seconds).
  core::WallTime signing_since() const { return core::WallTime(signing_since_.load()); }

 private:
  void Rotate();

  Ports ports_;
  std::atomic<core::WallTime::duration> signing_since_;
};

// Pulls the revocations other replicas made from the shared store every `interval`, so a logout
// anywhere is honoured here within about that long (the Redis bus is faster, when there is one).
// `load` must be idempotent. The thread starts in the constructor and stops in Stop().
//
// Thread-safe.
class RevocationSync {
 public:
  RevocationSync(std::function<absl::Status()> load, std::chrono::milliseconds interval);
  ~RevocationSync() { Stop(); }
  // Stops and joins the thread (a load in progress finishes first). Idempotent.
  void Stop();

 private:
  std::function<absl::Status()> load_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace warden::server
