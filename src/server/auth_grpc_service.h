#pragma once

#include <functional>

#include "auth.grpc.pb.h"
#include "common/worker_pool.h"
#include "core/auth_service.h"
#include "server/admission.h"

namespace warden::server {

// The generated service with every method in raw (ByteBuffer) form, so that Warden parses
// requests itself and answers a malformed one with INVALID_ARGUMENT (the framework would say
// UNIMPLEMENTED with no message).
using RawAuthService = ::auth::AuthService::WithRawCallbackMethod_Register<
    ::auth::AuthService::WithRawCallbackMethod_Login<
        ::auth::AuthService::WithRawCallbackMethod_RefreshToken<
            ::auth::AuthService::WithRawCallbackMethod_ValidateToken<
                ::auth::AuthService::WithRawCallbackMethod_Logout<::auth::AuthService::Service>>>>>;

// auth.AuthService over the gRPC callback API. ValidateToken runs inline (pure CPU, no I/O);
// the other RPCs are handed to bounded worker pools: `hash_pool` for Register and Login
// (Argon2id), `io_pool` for RefreshToken and Logout (store I/O). A full pool answers
// RESOURCE_EXHAUSTED with a retry hint instead of queueing without bound.
//
// Thread-safe. Keeps references to `auth` and both pools; they must outlive the server.
class AuthGrpcService final : public RawAuthService {
 public:
  // With `annotate_principal`, each call names its principal (user id) in a trailing metadata
  // entry that the observing interceptor reads for the access log and removes before sending.
  // Every method passes `guards` first.
  AuthGrpcService(core::AuthService& auth, WorkerPool& hash_pool, WorkerPool& io_pool,
                  guard::GuardChain& guards, bool annotate_principal = false);

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RefreshToken(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

 private:
  // Names the call's principal for the access log (see annotate_principal).
  void Annotate(grpc::CallbackServerContext& context, const std::string& user_id);
  // Parses the request; on success runs `handle(request, response)` on `pool` and finishes the
  // call with its status and serialized response. INVALID_ARGUMENT for a malformed request,
  // RESOURCE_EXHAUSTED (with grpc-retry-pushback-ms) when the pool is full.
  // The handler gets the parsed request, the response to fill and the admitted caller.
  template <typename Request, typename Response, typename Handler>
  grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context,
                                    const guard::MethodGuard& guard, WorkerPool& pool,
                                    const grpc::ByteBuffer* request_bytes,
                                    grpc::ByteBuffer* response_bytes, Handler handle);

  core::AuthService& auth_;
  WorkerPool& hash_pool_;
  WorkerPool& io_pool_;
  const bool annotate_principal_;
  const guard::MethodGuard& register_guard_;
  const guard::MethodGuard& login_guard_;
  const guard::MethodGuard& refresh_guard_;
  const guard::MethodGuard& validate_guard_;
  const guard::MethodGuard& logout_guard_;
};

}  // namespace warden::server
