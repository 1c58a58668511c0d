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

// KEYS: pair hash, account failure times, address hash. ARGV: has_peer, hourly_cap,
// peer_failures, peer_window. Returns {verdict, retry_after_us}: 0 allow, 1 pair delayed,
// 2 pair locked, 3 account capped, 4 address throttled.
constexpr absl::string_view kCheckBody = R"lua(
local p = redis.call('HMGET', KEYS[1], 'lu', 'na', 'ku')
local locked_until, next_attempt, known_until = num(p[1]), num(p[2]), num(p[3])
if now < locked_until then return {2, locked_until - now} end
if now < next_attempt then return {1, next_attempt - now} end
if ARGV[1] == '1' and now < known_until then return {0, 0} end
local pf, win = tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[1] == '1' and pf > 0 then
  local b = redis.call('HMGET', KEYS[3], 's', 'u')
  local spent, updated = num(b[1]), num(b[2])
  if win > 0 and now > updated then spent = math.max(0, spent - (now - updated) * pf / win) end
  local over = spent - (pf - 1)
  if over > 0 then return {4, math.ceil(win * over / pf)} end
end
local cap = tonumber(ARGV[2])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - hour))
  if redis.call('ZCARD', KEYS[2]) >= cap then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {3, num(first[2]) + hour - now}
  end
end
return {0, 0}
)lua";

// KEYS as for the check. ARGV: has_peer, peer_failures, peer_window, lockout_after, lockout,
// free_failures, base_delay, max_delay, hourly_cap. Returns {pair_locked, peer_locked}.
constexpr absl::string_view kFailureBody = R"lua(
local pf, win = tonumber(ARGV[2]), tonumber(ARGV[3])
local lockout_after, lockout = tonumber(ARGV[4]), tonumber(ARGV[5])
local free, base, max_delay, cap = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local p = redis.call('HMGET', KEYS[1], 'f', 'lf', 'lu', 'na', 'ku')
local failures, last, locked_until, next_attempt, known_until = num(p[1]), num(p[2]), num(p[3]), num(p[4]), num(p[5])
local known = ARGV[1] == '1' and now < known_until
if failures > 0 and now - last >= lockout and now >= locked_until then failures = 0 end
failures = failures + 1
local pair_locked = 0
if lockout_after > 0 and failures >= lockout_after then
  locked_until = now + lockout
  next_attempt = locked_until
  failures = 0
  pair_locked = 1
elseif failures > free then
  local doublings = math.min(failures - free - 1, 20)
  next_attempt = now + math.min(base * 2 ^ doublings, max_delay)
end
redis.call('HSET', KEYS[1], 'f', failures, 'lf', fmt(now), 'lu', fmt(locked_until), 'na', fmt(next_attempt))
local keep = math.max(lockout, locked_until - now, next_attempt - now, known_until - now)
redis.call('PEXPIRE', KEYS[1], math.ceil(keep / 1000) + 1000)
if not known and cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - hour))
  local n = redis.call('ZCARD', KEYS[2])
  redis.call('ZADD', KEYS[2], fmt(now), fmt(now) .. '-' .. n)
  if n + 1 > cap then redis.call('ZPOPMIN', KEYS[2]) end
  redis.call('PEXPIRE', KEYS[2], hour / 1000 + 1000)
end
local peer_locked = 0
if ARGV[1] == '1' and pf > 0 then
  local b = redis.call('HMGET', KEYS[3], 's', 'u')
  local spent, updated = num(b[1]), num(b[2])
  if win > 0 and now > updated then spent = math.max(0, spent - (now - updated) * pf / win) end
  local had_budget = spent <= pf - 1
  spent = math.min(spent + 1, pf)
  if had_budget and spent > pf - 1 then peer_locked = 1 end
  redis.call('HSET', KEYS[3], 's', string.format('%.6f', spent), 'u', fmt(now))
  redis.call('PEXPIRE', KEYS[3], math.ceil(win / 1000) + 1000)
end
return {pair_locked, peer_locked}
)lua";

// KEYS: pair hash. ARGV: has_peer, known_address_ttl, lockout.
constexpr absl::string_view kSuccessBody = R"lua(
redis.call('HSET', KEYS[1], 'f', 0, 'na', 0)
local keep = tonumber(ARGV[3])
if ARGV[1] == '1' then
  local ttl = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'ku', fmt(now + ttl))
  keep = math.max(keep, ttl)
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 or left < keep / 1000 then redis.call('PEXPIRE', KEYS[1], math.ceil(keep / 1000) + 1000) end
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
const std::string& SuccessScript() {
  static const std::string* script = new std::string(absl::StrCat(kPrelude, kSuccessBody));
  return *script;
}

std::string Micros(std::chrono::seconds s) {
  return absl::StrCat(std::chrono::duration_cast<std::chrono::microseconds>(s).count());
}

struct Keys {
  std::string pair, account_times, peer;
  // The address comes first in the pair key: it holds no '|', so the key is unambiguous.
  Keys(absl::string_view account_name, absl::string_view peer_name)
      : pair(absl::StrCat("warden:lt:q:", peer_name, "|", account_name)),
        account_times(absl::StrCat("warden:lt:h:", account_name)),
        peer(absl::StrCat("warden:lt:p:", peer_name)) {}
};

}  // namespace

RedisLoginThrottle::RedisLoginThrottle(RedisClient& client, const Clock& clock, Options options)
    : client_(client),
      local_(clock, options),
      check_args_{absl::StrCat(options.hourly_cap), absl::StrCat(options.peer_failures),
                  Micros(options.peer_window)},
      failure_args_{absl::StrCat(options.peer_failures), Micros(options.peer_window),
                    absl::StrCat(options.lockout_after), Micros(options.lockout),
                    absl::StrCat(options.free_failures), Micros(options.base_delay),
                    Micros(options.max_delay),           absl::StrCat(options.hourly_cap)},
      success_args_{Micros(options.known_address_ttl), Micros(options.lockout)} {}

core::ThrottleDecision RedisLoginThrottle::Check(absl::string_view account,
                                                 absl::string_view peer) {
  const Keys keys(account, peer);
  absl::StatusOr<std::vector<int64_t>> reply =
      client_.Eval(CheckScript(), {keys.pair, keys.account_times, keys.peer},
                   {peer.empty() ? "0" : "1", check_args_[0], check_args_[1], check_args_[2]});
  if (!reply.ok() || reply->size() != 2 || (*reply)[0] < 0 || (*reply)[0] > 4) {
    return local_.Check(account, peer);
  }
  using Verdict = core::ThrottleDecision::Verdict;
  static constexpr Verdict kVerdicts[] = {Verdict::kAllow, Verdict::kAccountDelayed,
                                          Verdict::kAccountLocked, Verdict::kAccountCapped,
                                          Verdict::kPeerThrottled};
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
  absl::StatusOr<std::vector<int64_t>> reply = client_.Eval(
      FailureScript(), {keys.pair, keys.account_times, keys.peer},
      {peer.empty() ? "0" : "1", failure_args_[0], failure_args_[1], failure_args_[2],
       failure_args_[3], failure_args_[4], failure_args_[5], failure_args_[6], failure_args_[7]});
  if (!reply.ok() || reply->size() != 2) {
    return local;
  }
  return FailureOutcome{.account_locked = (*reply)[0] == 1, .peer_locked = (*reply)[1] == 1};
}

void RedisLoginThrottle::RecordSuccess(absl::string_view account, absl::string_view peer) {
  local_.RecordSuccess(account, peer);
  const Keys keys(account, peer);
  (void)client_.Eval(SuccessScript(), {keys.pair},
                     {peer.empty() ? "0" : "1", success_args_[0], success_args_[1]});
}

}  // namespace warden::storage
