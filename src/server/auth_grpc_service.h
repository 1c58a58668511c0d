#pragma once

#include <functional>

#include "auth.grpc.pb.h"
#include "common/worker_pool.h"
#include "core/auth_service.h"

namespace warden::server {

// auth.AuthService over the gRPC callback API. ValidateToken runs inline (pure CPU, no I/O);
// the other RPCs are handed to bounded worker pools: `hash_pool` for Register and Login
// (Argon2id), `io_pool` for RefreshToken and Logout (store I/O). A full pool answers
// RESOURCE_EXHAUSTED with a retry hint instead of queueing without bound.
//
// Thread-safe. Keeps references to `auth` and both pools; they must outlive the server.
class AuthGrpcService final : public ::auth::AuthService::CallbackService {
 public:
  AuthGrpcService(core::AuthService& auth, WorkerPool& hash_pool, WorkerPool& io_pool)
      : auth_(auth), hash_pool_(hash_pool), io_pool_(io_pool) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const ::auth::RegisterRequest* request,
                                     ::auth::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const ::auth::LoginRequest* request,
                                  ::auth::LoginResponse* response) override;
  grpc::ServerUnaryReactor* RefreshToken(grpc::CallbackServerContext* context,
                                         const ::auth::RefreshTokenRequest* request,
                                         ::auth::RefreshTokenResponse* response) override;
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const google::protobuf::Empty* request,
                                          ::auth::TokenInfo* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const google::protobuf::Empty* request,
                                   google::protobuf::Empty* response) override;

 private:
  // Runs `work` on `pool` and finishes the call with its status; RESOURCE_EXHAUSTED if the pool
  // is full.
  grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context, WorkerPool& pool,
                                    std::function<absl::Status()> work);

  core::AuthService& auth_;
  WorkerPool& hash_pool_;
  WorkerPool& io_pool_;
};

}  // namespace warden::server
