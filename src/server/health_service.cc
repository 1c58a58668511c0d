#include "server/health_service.h"

#include <condition_variable>

namespace warden::server {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// One Watch stream. Sends the current status, then each change; at most one write in flight.
// Deletes itself in OnDone, after telling the service to forget it.
class HealthService::Watcher final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService& service, std::string name) : service_(service), name_(std::move(name)) {}

  // Called with the service mutex held.
  void Notify(ServingStatus status, bool end) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) {
      return;
    }
    pending_ = status;
    has_pending_ = pending_ != last_sent_ || !sent_any_;
    end_after_write_ = end_after_write_ || end;
    MaybeWriteLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    MaybeWriteLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    service_.Forget(this);
    delete this;
  }

 private:
  void MaybeWriteLocked() {
    if (finished_ || writing_) {
      return;
    }
    if (has_pending_) {
      response_.set_status(pending_);
      last_sent_ = pending_;
      sent_any_ = true;
      has_pending_ = false;
      writing_ = true;
      StartWrite(&response_);
      return;
    }
    if (end_after_write_) {
      FinishLocked(grpc::Status::OK);
    }
  }

  void FinishLocked(const grpc::Status& status) {
    if (!finished_) {
      finished_ = true;
      Finish(status);
    }
  }

  HealthService& service_;
  const std::string name_;
  std::mutex mutex_;
  HealthCheckResponse response_;
  ServingStatus pending_ = HealthCheckResponse::UNKNOWN;
  ServingStatus last_sent_ = HealthCheckResponse::UNKNOWN;
  bool sent_any_ = false;
  bool has_pending_ = false;
  bool writing_ = false;
  bool end_after_write_ = false;
  bool finished_ = false;

  friend class HealthService;
};

HealthService::HealthService() = default;

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
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AdmitOrFinish(admission_, check_gate_, *context, reactor).has_value()) {
    return reactor;
  }
  const ServingStatus status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void HealthService::SetAdmission(Admission* admission) {
  admission_ = admission;
  if (admission_ != nullptr) {
    check_gate_ = &admission_->GateFor("/grpc.health.v1.Health/Check");
    watch_gate_ = &admission_->GateFor("/grpc.health.v1.Health/Watch");
  }
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  if (auto* refused =
          RefuseStreamIfDenied<HealthCheckResponse>(admission_, watch_gate_, *context)) {
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
