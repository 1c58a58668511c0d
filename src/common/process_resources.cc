#include "common/process_resources.h"

#include <dirent.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace warden {

uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

uint64_t OpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

int64_t OpenFileCount() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return -1;
  }
  int64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(dir);
  return count - 1;  // the directory's own descriptor
}

int64_t ResidentBytes() {
  FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) {
    return -1;
  }
  long pages_total = 0;
  long pages_resident = 0;
  const int read = std::fscanf(file, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(file);
  if (read != 2) {
    return -1;
  }
  return static_cast<int64_t>(pages_resident) * sysconf(_SC_PAGESIZE);
}

MemoryTrimmer::MemoryTrimmer(Options options) : options_(options) {
  baseline_.store(ResidentBytes());
}

MemoryTrimmer::~MemoryTrimmer() { Stop(); }

void MemoryTrimmer::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, options_.interval, [this] { return stop_; })) {
      lock.unlock();
      TrimIfGrown();
      lock.lock();
    }
  });
}

void MemoryTrimmer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

int64_t MemoryTrimmer::TrimIfGrown() {
  const int64_t before = ResidentBytes();
  if (before < 0) {
    return 0;
  }
  if (before < baseline_.load() + options_.min_growth_bytes) {
    if (before < baseline_.load()) {
      baseline_.store(before);  // follow RSS down, so the next spike is measured from here
    }
    return 0;
  }
  malloc_trim(0);
  const int64_t after = ResidentBytes();
  baseline_.store(after);
  trims_.fetch_add(1);
  const int64_t released = before > after ? before - after : 0;
  released_.fetch_add(released);
  return released;
}

}  // namespace warden
