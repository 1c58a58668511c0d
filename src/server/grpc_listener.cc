#include "server/grpc_listener.h"

#include <grpcpp/security/credentials.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace warden::server {

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Start(
    Options options, const std::vector<grpc::Service*>& services, ConnectionTable& connections,
    const InterceptorsFor& interceptors) {
  std::unique_ptr<GrpcListener> listener(new GrpcListener(std::move(options)));
  const Options& o = listener->options_;
  grpc::ServerBuilder builder;
  if (!o.tls.enabled() && !o.address.starts_with("unix:")) {
    absl::StatusOr<std::unique_ptr<ConnectionGate>> gate = ConnectionGate::Listen(
        o.address,
        ConnectionGate::Options{.max_connections = o.max_connections,
                                .max_per_address = o.max_connections_per_address,
                                .preface_timeout = o.limits.handshake_timeout,
                                .exempt = o.exempt},
        connections);
    if (!gate.ok()) {
      return absl::UnavailableError(gate.status().message());
    }
    listener->gate_ = *std::move(gate);
  } else {
    builder.AddListeningPort(o.address, ServerCredentialsFor(o.tls), &listener->port_);
  }
  if (!o.reflection) {
    builder.SetOption(std::make_unique<WithoutReflection>());
  }
  for (grpc::Service* service : services) {
    builder.RegisterService(service);
  }
  ApplyLimits(o.limits, builder);
  if (interceptors) {
    if (Interceptors made = interceptors(); !made.empty()) {
      builder.experimental().SetInterceptorCreators(std::move(made));
    }
  }
  listener->server_ = builder.BuildAndStart();
  if (listener->gate_ != nullptr && listener->server_ != nullptr) {
    listener->gate_->Start(*listener->server_);
    listener->port_ = listener->gate_->port();
  }
  if (listener->server_ == nullptr || listener->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", o.address));
  }
  if (listener->gate_ == nullptr && !o.address.starts_with("unix:")) {
    const std::string host = o.address.substr(0, o.address.rfind(':'));
    const bool wildcard = host.empty() || host == "0.0.0.0" || host == "[::]" || host == "*";
    listener->probe_ = std::make_unique<ListenerProbe>(ListenerProbe::Options{
        .target = absl::StrCat(wildcard ? "127.0.0.1" : host, ":", listener->port_),
        .credentials = o.tls.enabled() ? ListenerProbe::UnverifiedTlsCredentials()
                                       : grpc::InsecureChannelCredentials()});
  }
  return listener;
}

absl::Status GrpcListener::Probe() {
  if (gate_ != nullptr && !gate_->stats().accepting) {
    spdlog::error("the {} listener no longer accepts connections (accept errors: {})",
                  options_.name, gate_->stats().accept_errors);
    return absl::UnavailableError("listener not accepting");
  }
  if (probe_ != nullptr && !probe_->ProbeOnce()) {
    spdlog::error("{} no longer answers new connections; restart this process", options_.address);
    return absl::UnavailableError("listener not accepting");
  }
  return absl::OkStatus();
}

void GrpcListener::Report(EdgeMetrics& metrics) const {
  if (gate_ != nullptr) {
    metrics.UpdateListener(options_.name, gate_->stats());
  } else if (probe_ != nullptr) {
    metrics.SetListenerUp(options_.name, probe_->up());
  }
}

void GrpcListener::StopAccepting() {
  if (gate_ != nullptr) {
    gate_->Stop();  // the connections gRPC has are drained by Shutdown
  }
}

void GrpcListener::Shutdown(std::chrono::system_clock::time_point deadline) {
  StopAccepting();
  server_->Shutdown(deadline);
}

}  // namespace warden::server
