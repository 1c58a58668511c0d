#include "storage/redis/redis_rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace warden::storage {
namespace {

// GCRA: the key holds the "theoretical arrival time" (TAT) of the next token, in microseconds
// of Redis's clock. A call is allowed when TAT is at most `tolerance` ahead of now, and pushes
// TAT one interval on. Returns 0 when allowed, else the microseconds to wait. Numbers stay
// below 2^53, so Lua's doubles hold them exactly; '%.0f' writes them without an exponent.
constexpr absl::string_view kGcraScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return math.ceil(wait) end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
return 0
)lua";

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisClient& client, absl::string_view name,
                                   resilience::RateSpec spec, const Clock& clock)
    : client_(client),
      prefix_(absl::StrCat("warden:rl:", name, ":")),
      interval_us_(absl::StrCat(std::llround(1e6 / spec.per_second))),
      tolerance_us_(
          absl::StrCat(std::llround((std::max(spec.burst, 1.0) - 1.0) * 1e6 / spec.per_second))),
      local_(spec, clock) {}

std::chrono::nanoseconds RedisRateLimiter::Take(absl::string_view key) {
  // This replica's own bucket, always: it is what the limit falls back to.
  const std::chrono::nanoseconds local_wait = local_.Take(key);
  absl::StatusOr<std::vector<int64_t>> shared =
      client_.Eval(kGcraScript, {absl::StrCat(prefix_, key)}, {interval_us_, tolerance_us_});
  if (!shared.ok() || shared->size() != 1) {
    return local_wait;
  }
  return std::chrono::microseconds((*shared)[0]);
}

}  // namespace warden::storage
