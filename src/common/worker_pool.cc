#include "common/worker_pool.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

namespace warden {

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {
  const size_t count = options_.threads == 0 ? 1 : options_.threads;
  threads_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queue) {
      return false;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::call_once(joined_, [this] {
    for (std::thread& thread : threads_) {
      thread.join();
    }
  });
}

size_t WorkerPool::PendingForTest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + running_;
}

size_t WorkerPool::QueuedForTest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void WorkerPool::Run() {
  if (options_.idle_priority) {
    // SCHED_IDLE: runs only on CPU time nothing else wants; any normal thread that wakes up
    // preempts it at once. Best effort.
    sched_param param{};
    (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
  }
  if (options_.nice != 0) {
    // Best effort: without permission the thread keeps the default priority.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice);
  }
  bool idle = options_.idle_priority;
  const size_t threads = options_.threads == 0 ? 1 : options_.threads;
  for (;;) {
    std::function<void()> job;
    size_t backlog = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      backlog = queue_.size();
    }
    if (options_.idle_when_backlogged && (backlog >= threads) != idle) {
      sched_param param{};
      if (pthread_setschedparam(pthread_self(), idle ? SCHED_OTHER : SCHED_IDLE, &param) == 0) {
        idle = !idle;
        idle ? idle_threads_.fetch_add(1) : idle_threads_.fetch_sub(1);
      }
    }
    job();
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
}

}  // namespace warden
