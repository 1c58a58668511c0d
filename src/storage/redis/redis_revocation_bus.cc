#include "storage/redis/redis_revocation_bus.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace warden::storage {
namespace {

// Set while this thread applies a revocation that came from Redis, so the list's listener
// (ours) does not publish it back.
thread_local bool applying_remote = false;

std::string RandomOrigin() {
  std::random_device device;
  return absl::StrCat(absl::Hex(device(), absl::kZeroPad8), absl::Hex(device(), absl::kZeroPad8));
}

int64_t Micros(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// The next reply on a subscribed connection, or nullptr when the connection is closed or Redis
// has stopped answering: while the connection is quiet a PING goes out every `ping_every`, and
// a PING still unanswered `ping_every` later means Redis hangs (it may accept connections and
// never reply, e.g. when stopped). Replies are read only once poll() says they have arrived.
redisReply* NextReply(redisContext* context, std::chrono::milliseconds ping_every) {
  bool ping_outstanding = false;
  while (true) {
    void* raw = nullptr;
    if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) {
      return nullptr;
    }
    if (raw != nullptr) {
      return static_cast<redisReply*>(raw);
    }
    pollfd ready{.fd = context->fd, .events = POLLIN, .revents = 0};
    const int polled = poll(&ready, 1, static_cast<int>(ping_every.count()));
    if (polled < 0 && errno == EINTR) {
      continue;
    }
    if (polled < 0 || (polled == 0 && ping_outstanding)) {
      return nullptr;
    }
    if (polled == 0) {
      int done = 0;
      if (redisAppendCommand(context, "PING") != REDIS_OK) {
        return nullptr;
      }
      while (done == 0) {
        if (redisBufferWrite(context, &done) != REDIS_OK) {
          return nullptr;
        }
      }
      ping_outstanding = true;
      continue;
    }
    if (redisBufferRead(context) != REDIS_OK) {
      return nullptr;
    }
    ping_outstanding = false;  // Redis answered something: it is alive
  }
}

}  // namespace

RedisRevocationBus::RedisRevocationBus(core::RevocationList& revocations, Options options,
                                       RedisAddress address)
    : revocations_(revocations),
      options_(std::move(options)),
      address_(std::move(address)),
      origin_(RandomOrigin()) {}

RedisRevocationBus::~RedisRevocationBus() { Stop(); }

redisContext* RedisRevocationBus::Connect() const {
  // Every command waits at most 2 s: a hung Redis must not hold the publisher, or shutdown.
  // The subscriber reads only what poll() says has arrived (see NextReply).
  return ConnectRedis(address_, std::chrono::milliseconds(2000));
}

void RedisRevocationBus::Start() {
  listener_ = revocations_.Subscribe([this](const core::RevocationEvent& e) { OnLocal(e); });
  publisher_thread_ = std::thread([this] { PublishLoop(); });
  subscriber_thread_ = std::thread([this] { SubscribeLoop(); });
}

void RedisRevocationBus::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    if (subscriber_ != nullptr) {
      shutdown(subscriber_->fd, SHUT_RDWR);  // wakes the blocked read
    }
  }
  wake_.notify_all();
  if (listener_ != 0) {
    revocations_.Unsubscribe(listener_);
  }
  if (publisher_thread_.joinable()) {
    publisher_thread_.join();
  }
  if (subscriber_thread_.joinable()) {
    subscriber_thread_.join();
  }
}

void RedisRevocationBus::OnLocal(const core::RevocationEvent& event) {
  if (applying_remote) {
    return;
  }
  std::string message =
      absl::StrCat(origin_, " ", event.kind == core::RevocationEvent::Kind::kToken ? "t" : "s", " ",
                   Micros(event.expires_at), " ", event.id);
  {
    std::lock_guard lock(mutex_);
    if (outbox_.size() >= 10'000) {
      outbox_.pop_front();  // Redis has been away long: the store still has every revocation
    }
    outbox_.push_back(std::move(message));
  }
  wake_.notify_one();
}

void RedisRevocationBus::PublishLoop() {
  redisContext* context = nullptr;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, options_.reconnect_every,
                   [this] { return stopping_ || !outbox_.empty(); });
    if (stopping_) {
      break;
    }
    while (!outbox_.empty()) {
      const std::string message = outbox_.front();
      lock.unlock();
      if (context == nullptr) {
        context = Connect();
      }
      bool sent = false;
      if (context != nullptr) {
        auto* reply = static_cast<redisReply*>(
            redisCommand(context, "PUBLISH %b %b", options_.channel.data(), options_.channel.size(),
                         message.data(), message.size()));
        sent = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
        if (reply != nullptr) {
          freeReplyObject(reply);
        }
        if (!sent) {
          redisFree(context);
          context = nullptr;
        }
      }
      lock.lock();
      if (!sent) {
        break;  // keep the message; retry after reconnect_every
      }
      published_.fetch_add(1);
      outbox_.pop_front();
    }
  }
  if (context != nullptr) {
    redisFree(context);
  }
}

void RedisRevocationBus::SubscribeLoop() {
  while (true) {
    redisContext* context = Connect();
    {
      std::unique_lock lock(mutex_);
      if (stopping_) {
        if (context != nullptr) {
          redisFree(context);
        }
        return;
      }
      if (context == nullptr) {
        wake_.wait_for(lock, options_.reconnect_every, [this] { return stopping_; });
        continue;
      }
      subscriber_ = context;
    }
    auto* reply = static_cast<redisReply*>(
        redisCommand(context, "SUBSCRIBE %b", options_.channel.data(), options_.channel.size()));
    if (reply != nullptr) {
      connected_.store(reply->type != REDIS_REPLY_ERROR);
      freeReplyObject(reply);
    }
    while (connected_.load()) {
      redisReply* message = NextReply(context, options_.ping_every);
      if (message == nullptr) {
        break;
      }
      // ["message", channel, payload]
      if (message->type == REDIS_REPLY_ARRAY && message->elements == 3 &&
          message->element[2]->type == REDIS_REPLY_STRING) {
        const absl::string_view payload(message->element[2]->str, message->element[2]->len);
        std::vector<absl::string_view> parts = absl::StrSplit(payload, absl::MaxSplits(' ', 3));
        int64_t expires_us = 0;
        if (parts.size() == 4 && parts[0] != origin_ && (parts[1] == "t" || parts[1] == "s") &&
            absl::SimpleAtoi(parts[2], &expires_us) && !parts[3].empty()) {
          applying_remote = true;
          revocations_.Apply(core::RevocationEvent{
              .kind = parts[1] == "t" ? core::RevocationEvent::Kind::kToken
                                      : core::RevocationEvent::Kind::kSession,
              .id = std::string(parts[3]),
              .expires_at = core::WallTime(std::chrono::duration_cast<core::WallTime::duration>(
                  std::chrono::microseconds(expires_us)))});
          applying_remote = false;
          received_.fetch_add(1);
        }
      }
      freeReplyObject(message);
    }
    connected_.store(false);
    {
      std::lock_guard lock(mutex_);
      subscriber_ = nullptr;
    }
    redisFree(context);
  }
}

}  // namespace warden::storage
