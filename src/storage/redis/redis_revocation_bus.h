#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/revocation_list.h"
#include "storage/redis/redis_client.h"

struct redisContext;

namespace warden::storage {

// Fans revocations out between replicas over Redis pub/sub: every revocation this replica makes
// is published; every one another replica publishes is applied to this replica's list (and so
// reaches ValidateToken here, with no network call on that path, and the verifier stream).
// Publishing happens on its own thread from a queue; the subscriber reconnects by itself when
// Redis restarts. When Redis is down revocations are not lost (they are in the store, which
// replicas also re-read); they just travel slower.
//
// Thread-safe. Keeps a reference to `revocations`.
class RedisRevocationBus {
 public:
  struct Options {
    std::string channel = "warden:revocations";
    std::chrono::milliseconds reconnect_every{500};
    // A quiet subscription is PINGed this often; no answer within as long again: Redis is
    // taken for down (Connected() false) and the bus reconnects.
    std::chrono::milliseconds ping_every{2000};
  };

  RedisRevocationBus(core::RevocationList& revocations, Options options, RedisAddress address);
  ~RedisRevocationBus();

  void Start();
  // Stops both threads and unsubscribes from the list. Idempotent.
  void Stop();
  // Whether the subscriber is connected and subscribed right now.
  bool Connected() const { return connected_.load(); }
  // Revocations received from other replicas / published by this one (tests, metrics).
  int64_t Received() const { return received_.load(); }
  int64_t Published() const { return published_.load(); }

 private:
  redisContext* Connect() const;
  void PublishLoop();
  void SubscribeLoop();
  void OnLocal(const core::RevocationEvent& event);

  core::RevocationList& revocations_;
  const Options options_;
  const RedisAddress address_;
  const std::string origin_;  // this replica's id in messages, to skip its own
  uint64_t listener_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> outbox_;
  bool stopping_ = false;
  redisContext* subscriber_ = nullptr;  // guarded by mutex_ (Stop shuts its socket down)
  std::thread publisher_thread_;
  std::thread subscriber_thread_;
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> received_{0};
  std::atomic<int64_t> published_{0};
};

}  // namespace warden::storage
