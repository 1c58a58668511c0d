#include "server/listener_probe.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <cstdint>

#include "health/v1/health.grpc.pb.h"

namespace warden::server {

ListenerProbe::ListenerProbe(Options options) : options_(std::move(options)) {}

bool ListenerProbe::ProbeOnce() {
  static std::atomic<int64_t> probe_id{0};
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("grpc.channel_id", static_cast<int>(probe_id.fetch_add(1)));  // a new connection
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  auto channel = grpc::CreateCustomChannel(options_.target, options_.credentials, args);
  auto stub = ::grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  ::grpc::health::v1::HealthCheckRequest request;
  ::grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    if (failures_.fetch_add(1) + 1 >= options_.failures_to_down) {
      up_.store(false);
    }
  } else {
    failures_.store(0);
    up_.store(true);
  }
  return up_.load();
}

std::shared_ptr<grpc::ChannelCredentials> ListenerProbe::UnverifiedTlsCredentials() {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace warden::server
