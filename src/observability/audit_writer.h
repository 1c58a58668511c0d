#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/ports/audit.h"

namespace warden::observability {

// The audit trail's writer: Record() only queues (never blocks a request); a background thread
// writes batches to the store in order and emits each event as a JSON line on the "audit"
// logger. When the store fails, the batch is retried, so events wait instead of being lost;
// only a full queue (max_queue) drops events, and counts them.
//
// Thread-safe. Keeps a reference to `store`. Stop() (or the destructor) flushes what is queued.
class AuditWriter final : public core::AuditSink {
 public:
  struct Options {
    size_t max_queue = 100000;
    size_t max_batch = 256;
    std::chrono::milliseconds flush_interval = std::chrono::milliseconds(200);
  };
  AuditWriter(core::AuditStore& store, Options options);
  ~AuditWriter() override;

  void Record(core::AuditEvent event) override;
  void Start();
  // Writes everything queued (retrying a failing store for at most `deadline`), then stops.
  void Stop(std::chrono::milliseconds deadline = std::chrono::seconds(5));
  // Blocks until everything recorded so far is in the store (tests).
  void FlushForTest();
  size_t dropped() const;

 private:
  void Run();
  static std::string ToJson(const core::AuditEvent& event);

  core::AuditStore& store_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<core::AuditEvent> queue_;
  size_t in_flight_ = 0;
  size_t dropped_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_;
  std::thread thread_;
};

}  // namespace warden::observability
