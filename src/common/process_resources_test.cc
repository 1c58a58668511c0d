#include "common/process_resources.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace warden {
namespace {

TEST(ProcessResourcesTest, RaisesTheSoftDescriptorLimitToTheHardOne) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max <= 64) {
    GTEST_SKIP() << "hard limit too low to lower the soft one";
  }
  rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(OpenFileLimit(), 64u);
  EXPECT_EQ(RaiseOpenFileLimit(), static_cast<uint64_t>(saved.rlim_max));
  EXPECT_EQ(OpenFileLimit(), static_cast<uint64_t>(saved.rlim_max));
  setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(ProcessResourcesTest, CountsOpenDescriptorsAndResidentMemory) {
  EXPECT_GE(OpenFileCount(), 3);
  EXPECT_GT(ResidentBytes(), 0);
}

// Sanitizers replace glibc's allocator, so malloc_trim has nothing to give back under them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcAllocator = false;
#else
constexpr bool kGlibcAllocator = true;
#endif

TEST(MemoryTrimmerTest, GivesFreedHeapBackAfterASpike) {
  if (!kGlibcAllocator) {
    GTEST_SKIP() << "a sanitizer's allocator is in use, not glibc's";
  }
  MemoryTrimmer trimmer({.min_growth_bytes = 16 << 20});
  EXPECT_EQ(trimmer.TrimIfGrown(), 0);  // nothing grew
  // Many small blocks (below the mmap threshold, so free() alone keeps them in the heap),
  // touched so they are resident, then freed in an order that leaves the top of the heap free.
  std::vector<char*> blocks;
  for (int i = 0; i < 64 * 1024; ++i) {
    char* block = static_cast<char*>(std::malloc(2048));
    std::memset(block, 1, 2048);
    blocks.push_back(block);
  }
  const int64_t peak = ResidentBytes();
  // Keep one block in 64, so the heap cannot shrink from its top by itself: the freed pages in
  // between stay resident until trimmed.
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 64 != 63) {
      std::free(blocks[i]);
    }
  }
  const int64_t released = trimmer.TrimIfGrown();
  EXPECT_GT(released, 64 << 20) << "peak " << peak << " now " << ResidentBytes();
  EXPECT_EQ(trimmer.trims(), 1u);
  for (size_t i = 63; i < blocks.size(); i += 64) {
    std::free(blocks[i]);
  }
}

}  // namespace
}  // namespace warden
