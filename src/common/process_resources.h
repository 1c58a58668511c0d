#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace warden {

// Raises the soft RLIMIT_NOFILE to the hard limit (the common soft default of 1024 is far
// below what a server holding many connections needs). Returns the soft limit now in force.
uint64_t RaiseOpenFileLimit();
// Returns the soft RLIMIT_NOFILE.
uint64_t OpenFileLimit();
// Returns the number of open descriptors of this process (from /proc/self/fd), or -1.
int64_t OpenFileCount();
// Returns this process's resident set size in bytes (from /proc/self/statm), or -1.
int64_t ResidentBytes();

// Gives freed heap memory back to the kernel after a spike: glibc's malloc keeps what a burst of
// connections or calls freed in its arenas, so RSS would stay at the peak. Every `interval` it
// checks RSS and calls malloc_trim(0) when RSS has grown by `min_growth_bytes` since the last
// trim (a trim walks every arena, so it is not done when nothing grew).
//
// Thread-safe; runs one thread of its own between Start() and Stop().
class MemoryTrimmer {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};
    int64_t min_growth_bytes = 8 << 20;
  };

  explicit MemoryTrimmer(Options options);
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  void Start();
  void Stop();
  // Trims now if RSS grew by at least min_growth_bytes since the last trim; returns the bytes
  // RSS went down by (0 if it did not trim).
  int64_t TrimIfGrown();
  uint64_t trims() const { return trims_.load(); }
  int64_t released_bytes() const { return released_.load(); }

 private:
  const Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<int64_t> baseline_{0};
  std::atomic<uint64_t> trims_{0};
  std::atomic<int64_t> released_{0};
};

}  // namespace warden
