#include "storage/redis/redis_login_throttle.h"

#include "absl/strings/str_cat.h"

namespace warden::storage {
namespace {

// Times are microseconds of Redis's clock; '%.0f' writes them without an exponent.
// KEYS: account hash, account failure times, address hash, address failure times.
constexpr absl::string_view kPrelude = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local hour = 3600000000
local function num(v) return tonumber(v or '0') or 0 end
local function fmt(v) return string.format('%.0f', v) end
)lua";

// ARGV: has_peer, hourly_cap. Returns {verdict, retry_after_us}: 0 allow, 1 account delayed,
// 2 account locked, 3 address locked.
constexpr absl::string_view kCheckBody = R"lua(
if ARGV[1] == '1' then
  local peer_until = num(redis.call('HGET', KEYS[3], 'lu'))
  if now < peer_until then return {3, peer_until - now} end
end
local a = redis.call('HMGET', KEYS[1], 'lu', 'na')
local locked_until, next_attempt = num(a[1]), num(a[2])
if now < locked_until then return {2, locked_until - now} end
local cap = tonumber(ARGV[2])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - hour))
  if redis.call('ZCARD', KEYS[2]) >= cap then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {2, num(first[2]) + hour - now}
  end
end
if now < next_attempt then return {1, next_attempt - now} end
return {0, 0}
)lua";

// ARGV: has_peer, peer_failures, peer_window, peer_lockout, lockout_after, lockout,
// free_failures, base_delay, max_delay, hourly_cap. Returns {account_locked, peer_locked}.
constexpr absl::string_view kFailureBody = R"lua(
local peer_failures, peer_window, peer_lockout = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lockout_after, lockout = tonumber(ARGV[5]), tonumber(ARGV[6])
local free, base, max_delay, cap = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local peer_locked = 0
if ARGV[1] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now - peer_window))
  local n = redis.call('ZCARD', KEYS[4])
  redis.call('ZADD', KEYS[4], fmt(now), fmt(now) .. '-' .. n)
  redis.call('PEXPIRE', KEYS[4], math.ceil(peer_window / 1000) + 1000)
  if peer_failures > 0 and n + 1 >= peer_failures then
    redis.call('HSET', KEYS[3], 'lu', fmt(now + peer_lockout))
    redis.call('PEXPIRE', KEYS[3], math.ceil(peer_lockout / 1000) + 1000)
    redis.call('DEL', KEYS[4])
    peer_locked = 1
  end
end
local a = redis.call('HMGET', KEYS[1], 'f', 'lf', 'lu', 'na')
local failures, last, locked_until, next_attempt = num(a[1]), num(a[2]), num(a[3]), num(a[4])
if failures > 0 and now - last >= lockout and now >= locked_until then failures = 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - hour))
local n = redis.call('ZCARD', KEYS[2])
redis.call('ZADD', KEYS[2], fmt(now), fmt(now) .. '-' .. n)
if cap > 0 and n + 1 > cap then redis.call('ZPOPMIN', KEYS[2]) end
redis.call('PEXPIRE', KEYS[2], hour / 1000 + 1000)
failures = failures + 1
local account_locked = 0
if lockout_after > 0 and failures >= lockout_after then
  locked_until = now + lockout
  next_attempt = locked_until
  failures = 0
  account_locked = 1
elseif failures > free then
  local doublings = math.min(failures - free - 1, 20)
  next_attempt = now + math.min(base * 2 ^ doublings, max_delay)
end
redis.call('HSET', KEYS[1], 'f', failures, 'lf', fmt(now), 'lu', fmt(locked_until), 'na', fmt(next_attempt))
local keep = math.max(lockout, locked_until - now, next_attempt - now)
redis.call('PEXPIRE', KEYS[1], math.ceil(keep / 1000) + 1000)
return {account_locked, peer_locked}
)lua";

constexpr absl::string_view kSuccessScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'f', 0, 'na', 0) end
return 0
)lua";

const std::string& CheckScript() {
  static const std::string* script = new std::string(absl::StrCat(kPrelude, kCheckBody));
  return *script;
}
const std::string& FailureScript() {
  static const std::string* script = new std::string(absl::StrCat(kPrelude, kFailureBody));
  return *script;
}

std::string Micros(std::chrono::seconds s) {
  return absl::StrCat(std::chrono::duration_cast<std::chrono::microseconds>(s).count());
}

struct Keys {
  std::string account, account_times, peer, peer_times;
  Keys(absl::string_view account_name, absl::string_view peer_name)
      : account(absl::StrCat("warden:lt:a:", account_name)),
        account_times(absl::StrCat("warden:lt:h:", account_name)),
        peer(absl::StrCat("warden:lt:p:", peer_name)),
        peer_times(absl::StrCat("warden:lt:f:", peer_name)) {}
};

}  // namespace

RedisLoginThrottle::RedisLoginThrottle(RedisClient& client, const Clock& clock, Options options)
    : client_(client),
      local_(clock, options),
      hourly_cap_(absl::StrCat(options.hourly_cap)),
      failure_args_{absl::StrCat(options.peer_failures),
                    Micros(options.peer_window),
                    Micros(options.peer_lockout),
                    absl::StrCat(options.lockout_after),
                    Micros(options.lockout),
                    absl::StrCat(options.free_failures),
                    Micros(options.base_delay),
                    Micros(options.max_delay),
                    absl::StrCat(options.hourly_cap)} {}

core::ThrottleDecision RedisLoginThrottle::Check(absl::string_view account,
                                                 absl::string_view peer) {
  const Keys keys(account, peer);
  absl::StatusOr<std::vector<int64_t>> reply =
      client_.Eval(CheckScript(), {keys.account, keys.account_times, keys.peer},
                   {peer.empty() ? "0" : "1", hourly_cap_});
  if (!reply.ok() || reply->size() != 2 || (*reply)[0] < 0 || (*reply)[0] > 3) {
    return local_.Check(account, peer);
  }
  using Verdict = core::ThrottleDecision::Verdict;
  static constexpr Verdict kVerdicts[] = {Verdict::kAllow, Verdict::kAccountDelayed,
                                          Verdict::kAccountLocked, Verdict::kPeerLocked};
  core::ThrottleDecision decision{.verdict = kVerdicts[(*reply)[0]]};
  if (decision.verdict != Verdict::kAllow) {
    decision.retry_after =
        std::max(std::chrono::seconds(1),
                 std::chrono::ceil<std::chrono::seconds>(std::chrono::microseconds((*reply)[1])));
  }
  return decision;
}

core::LoginThrottle::FailureOutcome RedisLoginThrottle::RecordFailure(absl::string_view account,
                                                                      absl::string_view peer) {
  const FailureOutcome local = local_.RecordFailure(account, peer);  // the fallback's memory
  const Keys keys(account, peer);
  absl::StatusOr<std::vector<int64_t>> reply =
      client_.Eval(FailureScript(), {keys.account, keys.account_times, keys.peer, keys.peer_times},
                   {peer.empty() ? "0" : "1", failure_args_[0], failure_args_[1], failure_args_[2],
                    failure_args_[3], failure_args_[4], failure_args_[5], failure_args_[6],
                    failure_args_[7], failure_args_[8]});
  if (!reply.ok() || reply->size() != 2) {
    return local;
  }
  return FailureOutcome{.account_locked = (*reply)[0] == 1, .peer_locked = (*reply)[1] == 1};
}

void RedisLoginThrottle::RecordSuccess(absl::string_view account) {
  local_.RecordSuccess(account);
  const Keys keys(account, "");
  (void)client_.Eval(kSuccessScript, {keys.account}, {});
}

}  // namespace warden::storage
