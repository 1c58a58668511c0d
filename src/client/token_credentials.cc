#include "client/token_credentials.h"

#include "absl/strings/match.h"

namespace warden::client {
namespace {

class TokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit TokenPlugin(std::shared_ptr<TokenSource> source) : source_(std::move(source)) {}

  // Runs on a gRPC thread (IsBlocking() is true), so a refresh may block here.
  grpc::Status GetMetadata(grpc::string_ref service_url, grpc::string_ref, const grpc::AuthContext&,
                           std::multimap<grpc::string, grpc::string>* metadata) override {
    // Health is public, and gRPC runs the channel's client-side health check through these
    // credentials too: a failing credential must not mark every server unhealthy.
    if (absl::EndsWith(absl::string_view(service_url.data(), service_url.size()),
                       "/grpc.health.v1.Health")) {
      return grpc::Status::OK;
    }
    absl::StatusOr<std::pair<std::string, std::string>> header = source_->Header();
    if (!header.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(header.status().code()),
                          std::string(header.status().message()));
    }
    metadata->emplace(header->first, header->second);
    return grpc::Status::OK;
  }

  grpc::string DebugString() override { return "warden::client::TokenCallCredentials"; }

 private:
  std::shared_ptr<TokenSource> source_;
};

}  // namespace

std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(std::shared_ptr<TokenSource> source,
                                                            grpc_security_level min_level) {
  return grpc::experimental::MetadataCredentialsFromPlugin(
      std::make_unique<TokenPlugin>(std::move(source)), min_level);
}

absl::Status AuthenticatingInvoker::Invoke(CallContext& context, const Method& method,
                                           const google::protobuf::Message& request,
                                           google::protobuf::Message& response) {
  if (context.Metadata("authorization").empty() && context.Metadata("x-api-key").empty()) {
    absl::StatusOr<std::pair<std::string, std::string>> header = source_->Header();
    if (!header.ok()) {
      return header.status();
    }
    context.metadata.push_back(*std::move(header));
  }
  return next_->Invoke(context, method, request, response);
}

}  // namespace warden::client
