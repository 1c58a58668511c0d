#pragma once

#include <optional>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "guard/guard_chain.h"
#include "server/observed_reactor.h"

// Where gRPC meets the guard chain (guard/): the call description the guards read, binding a
// service's methods by their generated descriptors, and finishing a refused call.
namespace warden::server {

using guard::Admitted;

// The guards' view of a gRPC call. Cheap to make; lookups happen when a guard asks.
class GrpcCallView final : public guard::CallView {
 public:
  explicit GrpcCallView(const grpc::ServerContextBase& context) : context_(context) {}
  std::string Peer() const override { return context_.peer(); }
  guard::HeaderValue Header(absl::string_view key) const override;
  std::vector<std::string> CertificateIdentities() const override;

 private:
  const grpc::ServerContextBase& context_;
};

// Binds `method` of the service named `service` ("package.Service") in `chain`. The method must
// be in the service's generated descriptor: a name that is not aborts at start-up, so no
// handler can run behind a misspelled (and so rule-less) name.
const guard::MethodGuard& BindMethod(guard::GuardChain& chain, absl::string_view service,
                                     absl::string_view method, guard::MethodOptions options = {});

// The same, with the service named by its generated class (for example ::auth::AuthService).
template <typename Service>
const guard::MethodGuard& BindMethod(guard::GuardChain& chain, absl::string_view method,
                                     guard::MethodOptions options = {}) {
  return BindMethod(chain, Service::service_full_name(), method, options);
}

// The full names ("/package.Service/Method") of every method of `service`, from its descriptor.
std::vector<std::string> MethodsOf(absl::string_view service);

// Adds the `retry-after` (seconds) and `grpc-retry-pushback-ms` trailers when `status` carries
// a retry hint, and converts it to a grpc::Status.
grpc::Status RefusalStatus(grpc::ServerContextBase& context, const absl::Status& status);

// Admits the call or finishes `reactor` with the refusal. Returns nullopt when refused.
std::optional<Admitted> AdmitOrFinish(const guard::MethodGuard& guard,
                                      grpc::CallbackServerContext& context,
                                      ObservedUnaryReactor* reactor);

// A server-streaming call refused at admission: finishes at once with the refusal.
template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// For server-streaming methods: nullptr when admitted, else a reactor that ends the call with
// the refusal.
template <typename Response>
grpc::ServerWriteReactor<Response>* RefuseStreamIfDenied(const guard::MethodGuard& guard,
                                                         grpc::CallbackServerContext& context) {
  absl::StatusOr<Admitted> admitted = guard.Admit(GrpcCallView(context));
  if (admitted.ok()) {
    return nullptr;
  }
  return new RefusedStream<Response>(RefusalStatus(context, admitted.status()));
}

}  // namespace warden::server
