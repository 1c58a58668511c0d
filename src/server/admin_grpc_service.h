#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/worker_pool.h"
#include "core/admin_service.h"
#include "core/api_key_service.h"
#include "core/ports/audit.h"
#include "server/admission.h"
#include "server/unary_call.h"
#include "warden/v1/admin.grpc.pb.h"

namespace warden::server {

using RawAdminBase = ::warden::v1::AdminService::WithRawCallbackMethod_ListUsers<
    ::warden::v1::AdminService::WithRawCallbackMethod_GetUser<
        ::warden::v1::AdminService::WithRawCallbackMethod_SetRoles<
            ::warden::v1::AdminService::WithRawCallbackMethod_SetDisabled<
                ::warden::v1::AdminService::WithRawCallbackMethod_DeleteUser<
                    ::warden::v1::AdminService::WithRawCallbackMethod_SetPassword<
                        ::warden::v1::AdminService::WithRawCallbackMethod_ListSessions<
                            ::warden::v1::AdminService::WithRawCallbackMethod_RevokeSession<
                                ::warden::v1::AdminService::WithRawCallbackMethod_RevokeUserSessions<
                                    ::warden::v1::AdminService::
                                        WithRawCallbackMethod_CreateApiKey<
                                            ::warden::v1::AdminService::
                                                WithRawCallbackMethod_ListApiKeys<
                                                    ::warden::v1::AdminService::
                                                        WithRawCallbackMethod_RevokeApiKey<
                                                            ::warden::v1::AdminService::
                                                                WithRawCallbackMethod_ListAuditEvents<
                                                                    ::warden::v1::AdminService::
                                                                        Service>>>>>>>>>>>>>;

// warden.v1.AdminService over the callback API, every method raw (malformed requests get
// INVALID_ARGUMENT) and behind the admission chain. Store work runs on `io_pool`, password
// hashing on `hash_pool`. `api_keys` may be null (API keys unavailable: FAILED_PRECONDITION).
//
// Thread-safe. Keeps references to everything passed in.
class AdminGrpcService final : public RawAdminBase {
 public:
  struct Deps {
    core::AdminService& admin;
    core::ApiKeyService* api_keys;  // null: API keys are off
    core::AuditStore& audit;
    WorkerPool& io_pool;
    WorkerPool& hash_pool;
    guard::GuardChain& guards;
    observability::CallObservers* observers = nullptr;  // null: calls are not observed
  };
  explicit AdminGrpcService(Deps deps);

#define WARDEN_RAW_METHOD(name)                                                               \
  grpc::ServerUnaryReactor* name(grpc::CallbackServerContext* context,                        \
                                 const grpc::ByteBuffer* request, grpc::ByteBuffer* response) \
      override;
  WARDEN_RAW_METHOD(ListUsers)
  WARDEN_RAW_METHOD(GetUser)
  WARDEN_RAW_METHOD(SetRoles)
  WARDEN_RAW_METHOD(SetDisabled)
  WARDEN_RAW_METHOD(DeleteUser)
  WARDEN_RAW_METHOD(SetPassword)
  WARDEN_RAW_METHOD(ListSessions)
  WARDEN_RAW_METHOD(RevokeSession)
  WARDEN_RAW_METHOD(RevokeUserSessions)
  WARDEN_RAW_METHOD(CreateApiKey)
  WARDEN_RAW_METHOD(ListApiKeys)
  WARDEN_RAW_METHOD(RevokeApiKey)
  WARDEN_RAW_METHOD(ListAuditEvents)
#undef WARDEN_RAW_METHOD

 private:
  template <typename Request, typename Response, typename Handler>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, absl::string_view method,
                                WorkerPool& pool, const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response, Handler handle);

  Deps deps_;
  // Every method of the service's descriptor, by its short name ("ListUsers"), bound once.
  absl::flat_hash_map<std::string, BoundMethod> methods_;
};

// warden.v1.AccountService: self-service for a signed-in user.
class AccountGrpcService final
    : public ::warden::v1::AccountService::WithRawCallbackMethod_ChangePassword<
          ::warden::v1::AccountService::Service> {
 public:
  AccountGrpcService(core::AdminService& admin, WorkerPool& hash_pool, guard::GuardChain& guards,
                     observability::CallObservers* observers = nullptr);
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;

 private:
  core::AdminService& admin_;
  WorkerPool& hash_pool_;
  const BoundMethod change_password_;
};

}  // namespace warden::server
