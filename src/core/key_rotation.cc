#include "core/key_rotation.h"

#include <algorithm>

namespace warden::core {

KeyPlan PlanKeys(const std::vector<SigningKeyRecord>& keys, WallTime now,
                 const KeyScheduleOptions& options) {
  std::vector<const SigningKeyRecord*> live;
  for (const SigningKeyRecord& key : keys) {
    if (!key.withdrawn_at.has_value()) {
      live.push_back(&key);
    }
  }
  std::sort(live.begin(), live.end(), [](const auto* a, const auto* b) {
    return a->activate_at < b->activate_at || (a->activate_at == b->activate_at && a->kid < b->kid);
  });

  KeyPlan plan;
  const SigningKeyRecord* signing = nullptr;
  for (const SigningKeyRecord* key : live) {
    if (key->activate_at <= now) {
      signing = key;
    }
  }
  for (size_t i = 0; i < live.size(); ++i) {
    const SigningKeyRecord* key = live[i];
    // A key is done once its successor has signed for retire_after.
    const bool superseded = i + 1 < live.size() && live[i + 1]->activate_at <= now &&
                            now - live[i + 1]->activate_at > options.retire_after;
    if (superseded) {
      plan.purgeable.push_back(key->kid);
    } else {
      plan.trusted.push_back(*key);
    }
  }
  for (const SigningKeyRecord& key : keys) {
    if (key.withdrawn_at.has_value() && now - *key.withdrawn_at > options.retire_after) {
      plan.purgeable.push_back(key.kid);
    }
  }
  if (signing != nullptr) {
    plan.signing_kid = signing->kid;
  }

  const SigningKeyRecord* newest = live.empty() ? nullptr : live.back();
  if (signing == nullptr) {
    // Nothing signs (a new ring, or every key withdrawn): a key is needed at once.
    plan.schedule_next_at = now;
  } else if (newest->activate_at <= now) {
    // No successor yet: schedule one rotation_period after the newest took over, but never
    // sooner than publish_ahead from now.
    plan.schedule_next_at =
        std::max(newest->activate_at + options.rotation_period, now + options.publish_ahead);
    // Only create it once it is within publish_ahead (+ slack) of being needed, so a freshly
    // started ring does not carry a key for a whole period before it is used.
    if (*plan.schedule_next_at - now > 2 * options.publish_ahead) {
      plan.schedule_next_at.reset();
    }
  }
  return plan;
}

absl::StatusOr<KeyRotation::TickResult> KeyRotation::Tick() {
  std::lock_guard<std::mutex> lock(mutex_);
  TickResult result;
  absl::StatusOr<std::vector<SigningKeyRecord>> keys = ports_.store.ListSigningKeys();
  if (!keys.ok()) {
    return keys.status();
  }
  WallTime now = ports_.clock.WallNow();
  KeyPlan plan = PlanKeys(*keys, now, options_.schedule);
  if (plan.schedule_next_at.has_value()) {
    absl::StatusOr<SigningKeyRecord> created =
        ports_.factory.CreateSigningKey(options_.algorithm, now, *plan.schedule_next_at);
    if (!created.ok()) {
      return created.status();
    }
    absl::Status inserted = ports_.store.InsertSigningKey(*created);
    if (!inserted.ok() && inserted.code() != absl::StatusCode::kAlreadyExists) {
      return inserted;
    }
    result.created = inserted.ok();
    // Another replica may have won the race: re-read either way.
    keys = ports_.store.ListSigningKeys();
    if (!keys.ok()) {
      return keys.status();
    }
    plan = PlanKeys(*keys, now, options_.schedule);
  }
  if (!plan.signing_kid.has_value()) {
    return absl::FailedPreconditionError("no signing key is active");
  }
  std::set<std::string> trusted;
  for (const SigningKeyRecord& key : plan.trusted) {
    trusted.insert(key.kid);
  }
  if (trusted != installed_ || *plan.signing_kid != installed_signing_) {
    if (absl::Status s = ports_.installer.InstallSigningKeys(*plan.signing_kid, plan.trusted);
        !s.ok()) {
      return s;
    }
  }
  for (const std::string& kid : installed_) {
    if (!trusted.contains(kid)) {
      result.trust_removed = true;
    }
  }
  installed_ = trusted;
  installed_signing_ = *plan.signing_kid;
  for (const std::string& kid : plan.purgeable) {
    (void)ports_.store.DeleteSigningKey(kid);  // best effort; the next tick retries
  }
  result.signing_kid = *plan.signing_kid;
  for (const SigningKeyRecord& key : plan.trusted) {
    if (key.kid == *plan.signing_kid) {
      result.signing_since = key.activate_at;
    }
  }
  result.trusted_kids = std::move(trusted);
  return result;
}

absl::StatusOr<std::string> KeyRotation::Rotate(bool immediate) {
  const WallTime now = ports_.clock.WallNow();
  const WallTime activate_at = immediate ? now : now + options_.schedule.publish_ahead;
  absl::StatusOr<SigningKeyRecord> created =
      ports_.factory.CreateSigningKey(options_.algorithm, now, activate_at);
  if (!created.ok()) {
    return created.status();
  }
  if (absl::Status s = ports_.store.InsertSigningKey(*created); !s.ok()) {
    return s;
  }
  return created->kid;
}

absl::Status KeyRotation::Withdraw(absl::string_view kid) {
  return ports_.store.WithdrawSigningKey(kid, ports_.clock.WallNow());
}

}  // namespace warden::core
