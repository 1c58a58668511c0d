#include "server/health_service.h"

#include <condition_variable>

#include "server/queued_write_reactor.h"

namespace warden::server {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// One Watch stream: sends the current status, then each change (a flip and back while a write
// is in flight sends nothing more).
class HealthService::Watcher final : public QueuedWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService& service, std::string name) : service_(service), name_(std::move(name)) {}

  // Called with the service mutex held.
  void Notify(ServingStatus status, bool end) {
    Queue([status](HealthCheckResponse& pending, const HealthCheckResponse* last_sent) {
      pending.set_status(status);
      return last_sent == nullptr || last_sent->status() != status;
    });
    if (end) {
      End();
    }
  }

 private:
  void Forget() override { service_.Forget(this); }

  HealthService& service_;
  const std::string name_;

  friend class HealthService;
};

HealthService::HealthService(guard::GuardChain& guards, HealthService* mirror,
                             observability::CallObservers* observers)
    : mirror_(mirror),
      check_(BindMethod<::grpc::health::v1::Health>(guards, observers, "Check")),
      watch_guard_(BindMethod<::grpc::health::v1::Health>(guards, "Watch")) {}

HealthService::~HealthService() { Shutdown(); }

void HealthService::SetServing(const std::string& service, bool serving) {
  if (mirror_ != nullptr) {
    mirror_->SetServing(service, serving);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) {
    return;
  }
  const ServingStatus status =
      serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  statuses_[service] = status;
  for (Watcher* watcher : watchers_) {
    if (watcher->name_ == service) {
      watcher->Notify(status, false);
    }
  }
}

HealthService::ServingStatus HealthService::StatusOf(const std::string& service) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

void HealthService::Shutdown() {
  if (mirror_ != nullptr) {
    mirror_->Shutdown();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
  for (auto& [name, status] : statuses_) {
    status = HealthCheckResponse::NOT_SERVING;
  }
  for (Watcher* watcher : watchers_) {
    auto it = statuses_.find(watcher->name_);
    watcher->Notify(it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second,
                    true);
  }
}

void HealthService::Forget(Watcher* watcher) {
  std::lock_guard<std::mutex> lock(mutex_);
  watchers_.erase(watcher);
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  ObservedUnaryReactor* reactor = StartObserved(check_.observers, *context);
  if (!AdmitOrFinish(*check_.guard, *context, reactor).has_value()) {
    return reactor;
  }
  const ServingStatus status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Complete(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
    return reactor;
  }
  response->set_status(status);
  reactor->Complete(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  if (auto* refused = RefuseStreamIfDenied<HealthCheckResponse>(watch_guard_, *context)) {
    return refused;
  }
  auto* watcher = new Watcher(*this, request->service());
  std::lock_guard<std::mutex> lock(mutex_);
  watchers_.insert(watcher);
  auto it = statuses_.find(request->service());
  watcher->Notify(it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second,
                  shut_down_);
  return watcher;
}

}  // namespace warden::server
