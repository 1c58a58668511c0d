#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

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
