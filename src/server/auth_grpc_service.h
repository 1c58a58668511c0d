#pragma once

#include <functional>

#include "auth.grpc.pb.h"
#include "common/worker_pool.h"
#include "core/auth_service.h"
#include "server/admission.h"
#include "server/unary_call.h"

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
  // Every method passes `guards` first and reports its calls to `observers` (may be null).
  AuthGrpcService(core::AuthService& auth, WorkerPool& hash_pool, WorkerPool& io_pool,
                  guard::GuardChain& guards, observability::CallObservers* observers = nullptr);

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
  core::AuthService& auth_;
  WorkerPool& hash_pool_;
  WorkerPool& io_pool_;
  const BoundMethod register_;
  const BoundMethod login_;
  const BoundMethod refresh_;
  const BoundMethod validate_;
  const BoundMethod logout_;
};

}  // namespace warden::server
