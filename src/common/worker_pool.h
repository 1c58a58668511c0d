#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace warden {

// A fixed set of threads draining a bounded queue of jobs. Slow work (password hashing, store
// I/O) runs here so it never blocks a gRPC completion thread, and a flood of it is refused
// instead of queued without bound.
//
// Thread-safe. The destructor stops accepting jobs, runs the ones already queued and joins.
class WorkerPool {
 public:
  struct Options {
    std::string name = "worker";
    size_t threads = 2;
    size_t max_queue = 64;
    // Added to the threads' nice value (Linux: per thread). Throughput work such as password
    // hashing runs at a lower priority so that latency-critical calls keep the CPU under a flood.
    int nice = 0;
    // Linux SCHED_IDLE: the threads get only CPU time no normal thread wants.
    bool idle_priority = false;
    // Adaptive: a thread runs its job at SCHED_IDLE only while a backlog of at least `threads`
    // jobs waits (the pool is overloaded), at normal priority otherwise. So a flood cannot take
    // the CPU from latency-critical calls, yet a busy host cannot starve ordinary work either.
    // Going back to normal needs RLIMIT_NICE or CAP_SYS_NICE; without them a thread stays idle.
    bool idle_when_backlogged = false;
  };

  explicit WorkerPool(Options options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`. Returns false, without running it, when the queue is full or the pool stops.
  bool TrySubmit(std::function<void()> job);

  // Stops accepting jobs, finishes the queued ones and joins the threads. Idempotent.
  void Stop();

  size_t QueuedForTest() const;
  // Threads currently running at SCHED_IDLE (adaptive mode).
  size_t IdleThreadsForTest() const { return idle_threads_.load(); }
  // Jobs queued or running.
  size_t PendingForTest() const;

 private:
  void Run();

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  size_t running_ = 0;
  std::atomic<size_t> idle_threads_{0};
  std::once_flag joined_;
  std::vector<std::thread> threads_;
};

}  // namespace warden
