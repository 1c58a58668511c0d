#include "server/housekeeping.h"

#include <spdlog/spdlog.h>

namespace warden::server {

Housekeeping::Housekeeping(Ports ports, core::WallTime signing_since)
    : ports_(std::move(ports)), signing_since_(signing_since.time_since_epoch()) {}

void Housekeeping::Tick() {
  Rotate();
  absl::StatusOr<int64_t> purged = ports_.purge_expired();
  if (!purged.ok()) {
    spdlog::warn("housekeeping failed: {}", std::string(purged.status().message()));
  } else if (*purged > 0) {
    spdlog::debug("housekeeping deleted {} expired rows", *purged);
  }
}

void Housekeeping::Rotate() {
  if (ports_.rotation == nullptr) {
    return;
  }
  absl::StatusOr<core::KeyRotation::TickResult> tick = ports_.rotation->Tick();
  if (!tick.ok()) {
    // Keep signing with the installed keys; the next tick retries.
    spdlog::error("key rotation: {}", std::string(tick.status().message()));
    return;
  }
  signing_since_.store(tick->signing_since.time_since_epoch());
  if (tick->created) {
    ports_.audit.Record(core::AuditEvent{.at = ports_.clock.WallNow(),
                                         .type = "key_rotated",
                                         .detail = "scheduled the next signing key"});
    spdlog::info("key rotation: scheduled a new signing key; published set now {} key(s)",
                 tick->trusted_kids.size());
  }
  if (tick->trust_removed) {
    ports_.forget_verified_tokens();
    spdlog::info("key rotation: a key left the published set; {} signs", tick->signing_kid);
  }
}

RevocationSync::RevocationSync(std::function<absl::Status()> load,
                               std::chrono::milliseconds interval)
    : load_(std::move(load)), interval_(interval) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      if (absl::Status synced = load_(); !synced.ok()) {
        spdlog::debug("revocation sync: {}", std::string(synced.message()));
      }
      lock.lock();
    }
  });
}

void RevocationSync::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace warden::server
