#include "client/grpc_invoker.h"

#include <future>

#include "absl/strings/numbers.h"

namespace warden::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::optional<std::chrono::milliseconds> ParsePushback(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto value = [&](const char* key) -> std::optional<int64_t> {
    auto it = trailers.find(key);
    int64_t number = 0;
    if (it == trailers.end() ||
        !absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &number)) {
      return std::nullopt;
    }
    return number;
  };
  if (std::optional<int64_t> ms = value("grpc-retry-pushback-ms")) {
    return std::chrono::milliseconds(*ms);
  }
  if (std::optional<int64_t> seconds = value("retry-after")) {
    return std::chrono::seconds(*seconds);
  }
  return std::nullopt;
}

GrpcInvoker::GrpcInvoker(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)), stub_(channel_) {}

bool GrpcInvoker::Unreachable() const {
  return channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

absl::Status GrpcInvoker::Invoke(CallContext& context, const Method& method,
                                 const google::protobuf::Message& request,
                                 google::protobuf::Message& response) {
  grpc::ClientContext call;
  call.set_deadline(context.deadline == std::chrono::system_clock::time_point{}
                        ? std::chrono::system_clock::now() + method.timeout
                        : context.deadline);
  for (const auto& [key, value] : context.metadata) {
    call.AddMetadata(key, value);
  }
  std::promise<grpc::Status> done;
  stub_.UnaryCall(&call, method.name, grpc::StubOptions(), &request, &response,
                  [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  context.peer = call.peer();
  context.pushback = status.ok() ? std::nullopt : ParsePushback(call);
  return FromGrpcStatus(status);
}

}  // namespace warden::client
