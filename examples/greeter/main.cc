// example_greeter: a grpc++ service that trusts Warden's tokens locally with the verifier
// library (JWKS + revocation stream), guarding every method but health.
//
//   example_greeter --warden 127.0.0.1:50051 [--listen 127.0.0.1:0]
#include <grpcpp/create_channel.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <signal.h>

#include <atomic>
#include <iostream>

#include "greeter.grpc.pb.h"
#include "verifier/auth_guard.h"
#include "verifier/revocation_watcher.h"
#include "verifier/token_verifier.h"

namespace {

constexpr char kGreet[] = "/example.greeter.v1.GreeterService/Greet";
constexpr char kAdminStats[] = "/example.greeter.v1.GreeterService/AdminStats";

class Greeter final : public example::greeter::v1::GreeterService::Service {
 public:
  explicit Greeter(const warden::verifier::AuthGuard& guard) : guard_(guard) {}

  grpc::Status Greet(grpc::ServerContext* context, const example::greeter::v1::GreetRequest*,
                     example::greeter::v1::GreetResponse* response) override {
    warden::verifier::Principal caller;
    if (grpc::Status admitted = guard_.Admit(kGreet, *context, caller); !admitted.ok()) {
      return admitted;
    }
    greetings_.fetch_add(1);
    response->set_message("Hello, " + caller.username);
    return grpc::Status::OK;
  }

  grpc::Status AdminStats(grpc::ServerContext* context,
                          const example::greeter::v1::AdminStatsRequest*,
                          example::greeter::v1::AdminStatsResponse* response) override {
    warden::verifier::Principal caller;
    if (grpc::Status admitted = guard_.Admit(kAdminStats, *context, caller); !admitted.ok()) {
      return admitted;
    }
    response->set_greetings(greetings_.load());
    return grpc::Status::OK;
  }

 private:
  const warden::verifier::AuthGuard& guard_;
  std::atomic<int64_t> greetings_{0};
};

}  // namespace

int main(int argc, char** argv) {
  std::string warden_address;
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--warden") {
      warden_address = argv[i + 1];
    } else if (flag == "--listen") {
      listen = argv[i + 1];
    }
  }
  if (warden_address.empty()) {
    std::cerr << "usage: example_greeter --warden HOST:PORT [--listen HOST:PORT]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto channel = grpc::CreateChannel(warden_address, grpc::InsecureChannelCredentials());
  warden::SystemClock clock;
  warden::verifier::GrpcJwksSource jwks(channel);
  warden::verifier::TokenVerifier verifier(jwks, clock, {});
  if (absl::Status fetched = verifier.Refresh(); !fetched.ok()) {
    std::cerr << "example_greeter: " << fetched.message() << "\n";
    return 1;
  }
  verifier.StartBackgroundRefresh();
  warden::verifier::RevocationWatcher watcher(channel, verifier.revocations(), {});
  watcher.Start();
  if (!watcher.WaitForSnapshot(std::chrono::seconds(5))) {
    std::cerr << "example_greeter: no revocation snapshot from Warden yet; continuing\n";
  }

  warden::verifier::AuthGuard guard(
      verifier, {.methods = {{kGreet, {}}, {kAdminStats, {.any_of_roles = {"admin"}}}}});
  Greeter service(guard);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "example_greeter: cannot listen on " << listen << "\n";
    return 1;
  }
  std::cerr << "example_greeter: listening on 127.0.0.1:" << port << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  watcher.Stop();
  return 0;
}
