#include "common/worker_pool.h"
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <future>
#include <memory>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

namespace warden {
namespace {

TEST(WorkerPoolTest, RunsSubmittedJobs) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool({.name = "t", .threads = 2, .max_queue = 100});
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&] { ran.fetch_add(1); }));
    }
  }  // destructor drains the queue
  EXPECT_EQ(ran.load(), 50);
}

TEST(WorkerPoolTest, RefusesWhenQueueIsFull) {
  WorkerPool pool({.name = "t", .threads = 1, .max_queue = 2});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the only thread is now busy
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));
  EXPECT_EQ(pool.QueuedForTest(), 2u);
  release.set_value();
  pool.Stop();
  EXPECT_EQ(pool.QueuedForTest(), 0u);
}

TEST(WorkerPoolTest, RefusesAfterStop) {
  WorkerPool pool({.name = "t", .threads = 1, .max_queue = 2});
  pool.Stop();
  pool.Stop();
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace warden

namespace warden {
namespace {

TEST(WorkerPoolPriorityTest, IdlePriorityThreadsRunUnderSchedIdle) {
  WorkerPool pool(WorkerPool::Options{.name = "idle", .threads = 1, .idle_priority = true});
  std::promise<int> policy;
  ASSERT_TRUE(pool.TrySubmit([&policy] {
    int current = -1;
    sched_param param{};
    pthread_getschedparam(pthread_self(), &current, &param);
    policy.set_value(current);
  }));
  EXPECT_EQ(policy.get_future().get(), SCHED_IDLE);
  pool.Stop();
}

TEST(WorkerPoolPriorityTest, AdaptiveThreadsGoIdleOnlyUnderABacklog) {
  WorkerPool pool(WorkerPool::Options{
      .name = "adaptive", .threads = 1, .max_queue = 8, .idle_when_backlogged = true});
  auto policy_of_job = [&pool] {
    auto policy = std::make_shared<std::promise<int>>();
    std::future<int> result = policy->get_future();
    EXPECT_TRUE(pool.TrySubmit([policy] {
      int current = -1;
      sched_param param{};
      pthread_getschedparam(pthread_self(), &current, &param);
      policy->set_value(current);
    }));
    return result;
  };
  EXPECT_EQ(policy_of_job().get(), SCHED_OTHER);  // no backlog
  // Hold the only thread, queue three jobs: the first of them starts with two waiting.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(pool.TrySubmit([released] { released.wait(); }));
  std::future<int> first = policy_of_job();
  std::future<int> second = policy_of_job();
  std::future<int> third = policy_of_job();
  release.set_value();
  EXPECT_EQ(first.get(), SCHED_IDLE);
  EXPECT_EQ(second.get(), SCHED_IDLE);
  EXPECT_EQ(third.get(), SCHED_OTHER);  // the backlog is gone: back to normal
  EXPECT_EQ(policy_of_job().get(), SCHED_OTHER);
  pool.Stop();
}

TEST(WorkerPoolPriorityTest, NiceIsAppliedPerThread) {
  WorkerPool pool(WorkerPool::Options{.name = "nice", .threads = 1, .nice = 5});
  std::promise<int> nice;
  ASSERT_TRUE(pool.TrySubmit([&nice] {
    errno = 0;
    nice.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))));
  }));
  EXPECT_EQ(nice.get_future().get(), std::min(19, getpriority(PRIO_PROCESS, 0) + 5));
  pool.Stop();
}

}  // namespace
}  // namespace warden
