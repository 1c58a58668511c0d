#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>

#include "client/token_source.h"
#include "client/unary_invoker.h"

namespace warden::client {

// gRPC call credentials (a MetadataCredentialsPlugin) that attach TokenSource's header to every
// call of any stub on the channel, for services that call their own APIs with Warden tokens.
// gRPC sends call credentials only over channels at least as secure as `min_level`: TLS
// (GRPC_PRIVACY_AND_INTEGRITY) by default; GRPC_SECURITY_NONE also lets them go over a
// plaintext channel (loopback, or a mesh sidecar that encrypts).
std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(
    std::shared_ptr<TokenSource> source,
    grpc_security_level min_level = GRPC_PRIVACY_AND_INTEGRITY);

// The same for the client stack: adds the header to each call that carries no credential of its
// own. A source that fails (session gone) fails the call with its status; nothing is sent.
class AuthenticatingInvoker final : public UnaryInvoker {
 public:
  AuthenticatingInvoker(std::shared_ptr<UnaryInvoker> next, std::shared_ptr<TokenSource> source)
      : next_(std::move(next)), source_(std::move(source)) {}

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

 private:
  std::shared_ptr<UnaryInvoker> next_;
  std::shared_ptr<TokenSource> source_;
};

}  // namespace warden::client
