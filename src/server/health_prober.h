#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "server/health_service.h"

namespace warden::server {

// Runs `probe` (e.g. a store ping) every `interval` and sets `services` SERVING or NOT_SERVING
// in `health` by its result. `on_tick` runs after every probe (housekeeping such as pruning).
//
// Thread-safe. Keeps a reference to `health`, which must outlive it. The destructor stops it.
class HealthProber {
 public:
  struct Options {
    std::chrono::milliseconds interval = std::chrono::seconds(5);
    std::vector<std::string> services = {""};
  };
  HealthProber(HealthService& health, std::function<absl::Status()> probe,
               std::function<void()> on_tick, Options options);
  ~HealthProber();

  // Starts the background thread. Call at most once.
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();
  // Probes now, on the calling thread. Returns the probe's result.
  absl::Status ProbeOnce();

 private:
  HealthService& health_;
  const std::function<absl::Status()> probe_;
  const std::function<void()> on_tick_;
  const Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool healthy_ = true;
  std::thread thread_;
};

}  // namespace warden::server
