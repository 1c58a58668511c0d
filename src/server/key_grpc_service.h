#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "server/admission.h"
#include "server/unary_call.h"
#include "warden/v1/keys.grpc.pb.h"

namespace warden::server {

// warden.v1.KeyService: the public signing keys over gRPC, the same JWK Set the HTTP listener
// serves. Calls are reported to `observers` (may be null). Thread-safe; `jwks_json` must be
// thread-safe too.
class KeyGrpcService final : public ::warden::v1::KeyService::CallbackService {
 public:
  KeyGrpcService(std::function<std::string()> jwks_json, std::chrono::seconds max_age,
                 guard::GuardChain& guards, observability::CallObservers* observers = nullptr)
      : jwks_json_(std::move(jwks_json)),
        max_age_(max_age),
        get_jwks_(BindMethod<::warden::v1::KeyService>(guards, observers, "GetJwks")) {}

  grpc::ServerUnaryReactor* GetJwks(grpc::CallbackServerContext* context,
                                    const ::warden::v1::GetJwksRequest* request,
                                    ::warden::v1::GetJwksResponse* response) override;

 private:
  const std::function<std::string()> jwks_json_;
  const std::chrono::seconds max_age_;
  const BoundMethod get_jwks_;
};

}  // namespace warden::server
