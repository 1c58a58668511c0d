#pragma once
// The redis-server the ctest fixture started (tests/redis/redis_fixture.sh): its URL is in the
// file named by WARDEN_TEST_REDIS_FILE.
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/redis/redis_client.h"

namespace warden::storage {

inline RedisAddress FixtureAddress() {
  const char* file = std::getenv("WARDEN_TEST_REDIS_FILE");
  std::string url;
  if (file != nullptr) {
    std::ifstream in(file);
    std::getline(in, url);
  }
  absl::StatusOr<RedisAddress> address = ParseRedisUrl(url);
  return address.ok() ? *address : RedisAddress{};
}

// Names no other test (or earlier run on the same server) uses.
inline std::string Unique(absl::string_view what) {
  static std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(what, "-", random());
}

}  // namespace warden::storage
