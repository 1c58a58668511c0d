#include "storage/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace warden::storage {

namespace {

// %XX escapes (a password may hold ':', '@' or '/').
absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= text.size() || !absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) {
      return absl::InvalidArgumentError("redis: bad %-escape in the URL");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

// "[USER]:PASSWORD@" at the front of `rest`, if there.
absl::Status ConsumeCredentials(absl::string_view& rest, RedisAddress& address) {
  const size_t at = rest.find('@');
  if (at == absl::string_view::npos) {
    return absl::OkStatus();
  }
  const absl::string_view credentials = rest.substr(0, at);
  rest.remove_prefix(at + 1);
  const size_t colon = credentials.find(':');
  absl::StatusOr<std::string> user =
      PercentDecode(colon == absl::string_view::npos ? "" : credentials.substr(0, colon));
  absl::StatusOr<std::string> password =
      PercentDecode(colon == absl::string_view::npos ? credentials : credentials.substr(colon + 1));
  if (!user.ok() || !password.ok()) {
    return absl::InvalidArgumentError("redis: bad %-escape in the URL");
  }
  address.user = *std::move(user);
  address.password = *std::move(password);
  return absl::OkStatus();
}

bool ParseDatabase(absl::string_view text, int& database) {
  return absl::SimpleAtoi(text, &database) && database >= 0 && database < 1024;
}

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisUrl(const std::string& url) {
  absl::string_view rest = url;
  RedisAddress address;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    if (absl::Status s = ConsumeCredentials(rest, address); !s.ok()) {
      return s;
    }
    if (rest.empty() || rest.front() != '/') {
      return absl::InvalidArgumentError("redis: unix:// needs an absolute socket path");
    }
    if (const size_t query = rest.find('?'); query != absl::string_view::npos) {
      absl::string_view params = rest.substr(query + 1);
      rest = rest.substr(0, query);
      if (!absl::ConsumePrefix(&params, "db=") || !ParseDatabase(params, address.database)) {
        return absl::InvalidArgumentError("redis: the only unix:// parameter is db=N");
      }
    }
    address.unix_path = std::string(rest);
    return address;
  }
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        "redis: expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path");
  }
  if (absl::Status s = ConsumeCredentials(rest, address); !s.ok()) {
    return s;
  }
  if (const size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    const absl::string_view database = rest.substr(slash + 1);
    if (!database.empty() && !ParseDatabase(database, address.database)) {
      return absl::InvalidArgumentError("redis: bad database number");
    }
    rest = rest.substr(0, slash);
  }
  const size_t colon = rest.rfind(':');
  address.host = std::string(colon == absl::string_view::npos ? rest : rest.substr(0, colon));
  address.port = 6379;
  if (colon != absl::string_view::npos &&
      (!absl::SimpleAtoi(rest.substr(colon + 1), &address.port) || address.port <= 0 ||
       address.port > 65535)) {
    return absl::InvalidArgumentError("redis: bad port");
  }
  if (address.host.empty()) {
    return absl::InvalidArgumentError("redis: missing host");
  }
  return address;
}

namespace {

// Runs one setup command; false when Redis refuses it.
bool Setup(redisContext* context, std::initializer_list<absl::string_view> parts) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (absl::string_view part : parts) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  const bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  if (reply != nullptr) {
    freeReplyObject(reply);
  }
  return ok;
}

}  // namespace

redisContext* ConnectRedis(const RedisAddress& address, std::chrono::milliseconds timeout) {
  const timeval tv{.tv_sec = timeout.count() / 1000,
                   .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  redisContext* context = address.unix_path.empty()
                              ? redisConnectWithTimeout(address.host.c_str(), address.port, tv)
                              : redisConnectUnixWithTimeout(address.unix_path.c_str(), tv);
  if (context == nullptr) {
    return nullptr;
  }
  if (context->err != 0 || redisSetTimeout(context, tv) != REDIS_OK) {
    redisFree(context);
    return nullptr;
  }
  const std::string database = std::to_string(address.database);
  const bool ready =
      (address.password.empty() ||
       (address.user.empty() ? Setup(context, {"AUTH", address.password})
                             : Setup(context, {"AUTH", address.user, address.password}))) &&
      (address.database == 0 || Setup(context, {"SELECT", database}));
  if (!ready) {
    redisFree(context);
    return nullptr;
  }
  return context;
}

RedisClient::RedisClient(RedisAddress address, Options options, const Clock& clock)
    : address_(std::move(address)), options_(options), clock_(clock) {}

RedisClient::~RedisClient() {
  for (redisContext* context : idle_) {
    redisFree(context);
  }
}

redisContext* RedisClient::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (clock_.SteadyNow() < paused_until_) {
      return nullptr;
    }
    if (!idle_.empty()) {
      redisContext* context = idle_.back();
      idle_.pop_back();
      return context;
    }
  }
  redisContext* context = ConnectRedis(address_, options_.command_timeout);
  if (context == nullptr) {
    Release(nullptr, false);
  }
  return context;
}

void RedisClient::Release(redisContext* context, bool ok) {
  healthy_.store(ok);
  std::lock_guard lock(mutex_);
  if (ok && idle_.size() < options_.max_idle) {
    idle_.push_back(context);
    return;
  }
  if (context != nullptr) {
    redisFree(context);
  }
  if (!ok) {
    paused_until_ = clock_.SteadyNow() + options_.retry_after;
    // Connections opened before the failure are likely broken too.
    for (redisContext* stale : idle_) {
      redisFree(stale);
    }
    idle_.clear();
  }
}

absl::StatusOr<std::vector<int64_t>> RedisClient::Eval(
    absl::string_view script, std::initializer_list<absl::string_view> keys,
    std::initializer_list<absl::string_view> args) {
  redisContext* context = Acquire();
  if (context == nullptr) {
    failures_.fetch_add(1);
    return absl::UnavailableError("redis unavailable");
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  const std::string key_count = std::to_string(keys.size());
  auto add = [&](absl::string_view part) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  };
  add("EVAL");
  add(script);
  add(key_count);
  for (absl::string_view key : keys) {
    add(key);
  }
  for (absl::string_view arg : args) {
    add(arg);
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {  // connection lost or timed out: the context is unusable
    Release(context, false);
    failures_.fetch_add(1);
    return absl::UnavailableError("redis: no reply (connection lost or timed out)");
  }
  std::vector<int64_t> values;
  bool ok = true;
  std::string error;
  if (reply->type == REDIS_REPLY_INTEGER) {
    values.push_back(reply->integer);
  } else if (reply->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < reply->elements; ++i) {
      if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
        ok = false;
        error = "unexpected script reply";
        break;
      }
      values.push_back(reply->element[i]->integer);
    }
  } else {
    ok = false;
    error = reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len)
                                             : "unexpected script reply";
  }
  freeReplyObject(reply);
  // A script error (a read-only replica, OOM, a busy script) is Redis refusing: pause as well.
  Release(context, ok);
  if (!ok) {
    failures_.fetch_add(1);
    return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  return values;
}

bool RedisClient::Healthy() {
  if (healthy_.load()) {
    return true;
  }
  redisContext* context = Acquire();  // nullptr while paused
  if (context == nullptr) {
    return false;
  }
  auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
  const bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  if (reply != nullptr) {
    freeReplyObject(reply);
  }
  Release(context, ok);
  return ok;
}

}  // namespace warden::storage
