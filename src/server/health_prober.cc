#include "server/health_prober.h"

#include <spdlog/spdlog.h>

namespace warden::server {

HealthProber::HealthProber(HealthService& health, std::function<absl::Status()> probe,
                           std::function<void()> on_tick, Options options)
    : health_(health),
      probe_(std::move(probe)),
      on_tick_(std::move(on_tick)),
      options_(std::move(options)) {}

HealthProber::~HealthProber() { Stop(); }

void HealthProber::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
      lock.unlock();
      (void)ProbeOnce();
      lock.lock();
    }
  });
}

void HealthProber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

absl::Status HealthProber::ProbeOnce() {
  absl::Status status = probe_();
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changed = status.ok() != healthy_;
    healthy_ = status.ok();
  }
  if (changed) {
    if (status.ok()) {
      spdlog::info("health probe passes again: SERVING");
    } else {
      spdlog::error("health probe failed, NOT_SERVING: {}", std::string(status.message()));
    }
    for (const std::string& service : options_.services) {
      health_.SetServing(service, status.ok());
    }
  }
  if (on_tick_) {
    on_tick_();
  }
  return status;
}

}  // namespace warden::server
