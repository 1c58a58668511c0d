#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "health/v1/health.grpc.pb.h"
#include "server/admission.h"
#include "server/unary_call.h"

namespace warden::server {

// grpc.health.v1.Health: Check and Watch, overall ("") and per service. Unknown services get
// NOT_FOUND from Check and SERVICE_UNKNOWN from Watch (as the protocol specifies). Shutdown()
// turns every service NOT_SERVING, tells the watchers, then ends their streams with OK, so a
// draining server is not held open by watchers.
//
// Thread-safe.
class HealthService final : public ::grpc::health::v1::Health::CallbackService {
 public:
  using ServingStatus = ::grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Check and Watch pass `guards`; Check reports its calls to `observers` (may be null; Watch is
  // observed by the interceptor). Every SetServing and Shutdown is applied to `mirror` too
  // (another listener's instance: a service object serves one server); it may be null.
  explicit HealthService(guard::GuardChain& guards, HealthService* mirror = nullptr,
                         observability::CallObservers* observers = nullptr);
  ~HealthService() override;

  // Sets `service` ("" for the whole server) to SERVING or NOT_SERVING. Ignored after Shutdown.
  void SetServing(const std::string& service, bool serving);
  // Returns the status of `service`, or SERVICE_UNKNOWN.
  ServingStatus StatusOf(const std::string& service) const;
  // Everything NOT_SERVING, and every Watch stream ends. Idempotent.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const ::grpc::health::v1::HealthCheckRequest* request,
                                  ::grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<::grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const ::grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  void Forget(Watcher* watcher);

  mutable std::mutex mutex_;
  std::map<std::string, ServingStatus> statuses_;
  std::set<Watcher*> watchers_;
  bool shut_down_ = false;
  HealthService* const mirror_;
  const BoundMethod check_;
  const guard::MethodGuard& watch_guard_;
};

}  // namespace warden::server
