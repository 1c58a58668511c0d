// The framework's floor: a bare grpc++ callback server for auth.AuthService whose ValidateToken
// returns a constant TokenInfo and whose Login and RefreshToken return constant tokens, with no
// auth work at all.
// bench/run.sh measures wardend against it side by side.
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <signal.h>

#include <iostream>

#include "auth.grpc.pb.h"

namespace {

class FloorService final : public auth::AuthService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const google::protobuf::Empty* /*request*/,
                                          auth::TokenInfo* response) override {
    response->set_user_id("00000000-0000-4000-8000-000000000000");
    response->set_username("bench");
    response->add_roles("user");
    response->set_expires_at(4102444800);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const auth::LoginRequest* /*request*/,
                                  auth::LoginResponse* response) override {
    response->set_access_token("constant-access-token");
    response->set_refresh_token("constant-refresh-token");
    response->set_token_type("Bearer");
    response->set_expires_in(900);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* RefreshToken(grpc::CallbackServerContext* context,
                                         const auth::RefreshTokenRequest* /*request*/,
                                         auth::RefreshTokenResponse* response) override {
    response->set_access_token("constant-access-token");
    response->set_expires_in(900);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  FloorService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "floor_server: cannot listen\n";
    return 1;
  }
  std::cerr << "floor_server: listening on 127.0.0.1:" << port << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
