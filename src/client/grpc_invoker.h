#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>  // SerializationTraits for protobuf messages

#include <memory>

#include "client/unary_invoker.h"

namespace warden::client {

// The innermost invoker: one unary call on one gRPC channel, by method name (grpc's generic
// stub, so one code path serves every service). Builds a grpc::ClientContext per call from the
// CallContext and reports back the peer and the server's retry pushback. Thread-safe.
class GrpcInvoker final : public UnaryInvoker {
 public:
  explicit GrpcInvoker(std::shared_ptr<grpc::Channel> channel);

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

  bool Unreachable() const override;
  grpc::Channel& channel() { return *channel_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message> stub_;
};

// The client side's one conversion from grpc::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Reads the server's pushback from trailing metadata: grpc-retry-pushback-ms (gRFC A6) first,
// else retry-after in seconds (Warden's admission sends both). Empty when neither parses.
std::optional<std::chrono::milliseconds> ParsePushback(const grpc::ClientContext& context);

}  // namespace warden::client
