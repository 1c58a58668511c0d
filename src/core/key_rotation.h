#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "core/ports/signing_keys.h"

namespace warden::core {

// Timing of the signing-key life cycle.
struct KeyScheduleOptions {
  // How long a key signs before its successor takes over.
  std::chrono::seconds rotation_period = std::chrono::hours(24);
  // A new key is published this long before it signs: at least one JWKS cache lifetime, so
  // verifiers that cached the JWKS already know it.
  std::chrono::seconds publish_ahead = std::chrono::minutes(15);
  // A key stays published this long after its successor took over: the longest an access token
  // it signed can live (access TTL + leeway).
  std::chrono::seconds retire_after = std::chrono::minutes(15) + std::chrono::seconds(30);
};

// What the key rows mean at one instant. Pure: the same rows and time give the same answer.
struct KeyPlan {
  std::optional<std::string> signing_kid;  // newest key with activate_at <= now
  std::vector<SigningKeyRecord> trusted;   // published and accepted for verification
  std::vector<std::string> purgeable;      // no token they signed can be valid any more
  // When set, a new key should exist activating at this time (none scheduled yet).
  std::optional<WallTime> schedule_next_at;
};

// Returns the plan for `keys` at `now`.
KeyPlan PlanKeys(const std::vector<SigningKeyRecord>& keys, WallTime now,
                 const KeyScheduleOptions& options);

// Keeps the signing keys turning: reads the shared rows, creates the next key when it is due,
// installs the current set, deletes keys nobody can need. Run Tick() periodically on every
// replica; they converge because the plan depends only on the rows and the time.
//
// Thread-safe (Tick and Rotate are serialised). Keeps references to the ports and the clock.
class KeyRotation {
 public:
  struct Options {
    std::string algorithm = "ES256";
    KeyScheduleOptions schedule;
  };
  struct Ports {
    SigningKeyStore& store;
    SigningKeyFactory& factory;
    SigningKeyInstaller& installer;
    const Clock& clock;
  };
  // What a tick changed.
  struct TickResult {
    std::string signing_kid;
    WallTime signing_since;  // activate_at of the signing key
    std::set<std::string> trusted_kids;
    bool trust_removed = false;  // a kid trusted before is no longer trusted
    bool created = false;
  };

  KeyRotation(Ports ports, Options options) : ports_(ports), options_(std::move(options)) {}

  absl::StatusOr<TickResult> Tick();
  // Schedules a new key now: it signs after publish_ahead, or at once when `immediate` (for a
  // compromised key: combine with Withdraw). Returns the new kid.
  absl::StatusOr<std::string> Rotate(bool immediate);
  // Stops trusting `kid` at once (emergency).
  absl::Status Withdraw(absl::string_view kid);

 private:
  Ports ports_;
  const Options options_;
  std::mutex mutex_;
  std::set<std::string> installed_;
  std::string installed_signing_;
};

}  // namespace warden::core
