#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"

struct redisContext;

namespace warden::storage {

// Where Redis listens and how to log in:
//   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]      (port 6379, database 0 by default)
//   unix://[[USER]:PASSWORD@]/path/to/redis.sock[?db=DB]
// USER and PASSWORD may be percent-encoded. With a password, each connection sends AUTH (with
// the user: Redis 6 ACLs); with a database other than 0, SELECT.
struct RedisAddress {
  std::string host;
  int port = 0;
  std::string unix_path;
  std::string user;
  std::string password;
  int database = 0;
};
absl::StatusOr<RedisAddress> ParseRedisUrl(const std::string& url);

// A new blocking hiredis connection, logged in and on its database, with `timeout` for
// connecting and for every command, or nullptr when Redis cannot be reached or refuses it.
redisContext* ConnectRedis(const RedisAddress& address, std::chrono::milliseconds timeout);

// Short Redis commands (Lua scripts) from many threads: a small pool of blocking connections,
// a bounded wait per command, and a breaker: after a failure Redis is left alone for
// `retry_after` and calls answer UNAVAILABLE at once, so callers use their local fallback
// without waiting on a dead server. The first call after the pause tries again, so it
// recovers by itself when Redis returns.
//
// Thread-safe.
class RedisClient {
 public:
  struct Options {
    std::chrono::milliseconds command_timeout{50};
    std::chrono::milliseconds retry_after{1000};
    size_t max_idle = 8;  // connections kept open between calls
  };

  RedisClient(RedisAddress address, Options options, const Clock& clock);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // EVAL `script` with `keys` and `args`: the reply's integers (an integer reply is one element,
  // an array of integers its elements). UNAVAILABLE when Redis is down, paused by the breaker,
  // or answers an error.
  absl::StatusOr<std::vector<int64_t>> Eval(absl::string_view script,
                                            std::initializer_list<absl::string_view> keys,
                                            std::initializer_list<absl::string_view> args);

  // Whether the last command succeeded (true before the first). While the breaker's pause has
  // run out, answers with a PING, so a scrape or readiness check sees Redis come back.
  bool Healthy();
  // Calls answered UNAVAILABLE (callers fell back to local state), since start.
  int64_t Failures() const { return failures_.load(); }

 private:
  redisContext* Acquire();
  void Release(redisContext* context, bool ok);

  const RedisAddress address_;
  const Options options_;
  const Clock& clock_;
  std::mutex mutex_;
  std::vector<redisContext*> idle_;
  std::chrono::steady_clock::time_point paused_until_;  // guarded by mutex_
  std::atomic<bool> healthy_{true};
  std::atomic<int64_t> failures_{0};
};

}  // namespace warden::storage
