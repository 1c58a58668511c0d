#include "client/balancing_invoker.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace warden::client {

BalancingInvoker::BalancingInvoker(std::string target, std::unique_ptr<EndpointResolver> resolver,
                                   LaneFactory lanes, Options options, const Clock& clock)
    : target_(std::move(target)),
      resolver_(std::move(resolver)),
      make_lane_(std::move(lanes)),
      options_(options),
      clock_(clock),
      lanes_(std::make_shared<const Lanes>()) {
  (void)Refresh();  // a failure is reported by the first call, and retried in the background
  if (options_.resolve_interval.count() > 0) {
    resolver_thread_ = std::thread([this] { ResolveLoop(); });
  }
}

BalancingInvoker::~BalancingInvoker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (resolver_thread_.joinable()) {
    resolver_thread_.join();
  }
}

std::shared_ptr<const BalancingInvoker::Lanes> BalancingInvoker::Snapshot() const {
  std::lock_guard lock(mutex_);
  return lanes_;
}

absl::Status BalancingInvoker::Refresh() {
  std::lock_guard one_at_a_time(refresh_mutex_);
  absl::StatusOr<std::vector<std::string>> endpoints = resolver_->Resolve();
  if (!endpoints.ok() || endpoints->empty()) {
    absl::Status error = endpoints.ok() ? absl::UnavailableError("no address") : endpoints.status();
    std::lock_guard lock(mutex_);
    last_error_ = error;
    return error;
  }
  std::shared_ptr<const Lanes> old = Snapshot();
  auto fresh = std::make_shared<Lanes>();
  for (const std::string& endpoint : *endpoints) {
    std::shared_ptr<Lane> lane;
    for (const auto& existing : *old) {
      if (existing->endpoint == endpoint) {
        lane = existing;
      }
    }
    if (lane == nullptr) {
      lane = std::make_shared<Lane>();
      lane->endpoint = endpoint;
      lane->invoker = std::make_shared<BreakerInvoker>(endpoint, make_lane_(endpoint),
                                                       options_.breaker, clock_);
    }
    fresh->push_back(std::move(lane));
  }
  std::lock_guard lock(mutex_);
  lanes_ = std::move(fresh);
  last_error_ = absl::OkStatus();
  return absl::OkStatus();
}

void BalancingInvoker::RequestRefresh() {
  {
    std::lock_guard lock(mutex_);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

void BalancingInvoker::ResolveLoop() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Real time here, not clock_: this thread waits, and the fake clock cannot wake it.
    const auto due = last + options_.resolve_interval;
    const auto soonest = last + options_.min_resolve_interval;
    wake_.wait_until(lock, refresh_requested_ ? soonest : due, [&] {
      const auto now = std::chrono::steady_clock::now();
      return stopping_ || now >= due || (refresh_requested_ && now >= soonest);
    });
    if (stopping_) {
      break;
    }
    if (std::chrono::steady_clock::now() < soonest) {
      continue;  // woken by a request before the minimum interval: wait for it
    }
    refresh_requested_ = false;
    lock.unlock();
    (void)Refresh();
    last = std::chrono::steady_clock::now();
    lock.lock();
  }
}

absl::Status BalancingInvoker::Invoke(CallContext& context, const Method& method,
                                      const google::protobuf::Message& request,
                                      google::protobuf::Message& response) {
  std::shared_ptr<const Lanes> lanes = Snapshot();
  if (lanes->empty()) {
    RequestRefresh();
    std::lock_guard lock(mutex_);
    context.not_sent = true;  // nothing went out; a retry after the pause may find one
    return absl::UnavailableError(
        absl::StrCat("no endpoint for ", target_, ": ", last_error_.message()));
  }
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  const size_t n = lanes->size();
  const std::string avoid = std::exchange(context.endpoint, "");
  // Two passes: first only lanes that look able to serve (not the one this call just failed
  // on, not one whose channel is in TRANSIENT_FAILURE); then any lane, so that a call is never
  // refused without being tried when every lane looks bad.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < n; ++i) {
      Lane& lane = *(*lanes)[(start + i) % n];
      if (pass == 0 && n > 1 && (lane.endpoint == avoid || lane.invoker->Unreachable())) {
        continue;
      }
      context.not_sent = false;
      absl::Status status = lane.invoker->Invoke(context, method, request, response);
      if (context.not_sent) {
        continue;  // its breaker is open: try the next endpoint now
      }
      lane.calls.fetch_add(1, std::memory_order_relaxed);
      context.endpoint = lane.endpoint;
      if (status.code() == absl::StatusCode::kUnavailable) {
        RequestRefresh();
      }
      return status;
    }
  }
  context.not_sent = true;
  return absl::UnavailableError(
      absl::StrCat("every endpoint of ", target_, " has its circuit breaker open"));
}

std::vector<BalancingInvoker::EndpointStatus> BalancingInvoker::Endpoints() const {
  std::vector<EndpointStatus> out;
  for (const auto& lane : *Snapshot()) {
    out.push_back({lane->endpoint, lane->invoker->state(), lane->calls.load()});
  }
  return out;
}

}  // namespace warden::client
