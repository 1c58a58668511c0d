#include "client/breaker_invoker.h"

#include "absl/strings/str_cat.h"

namespace warden::client {

BreakerInvoker::BreakerInvoker(std::string endpoint, std::shared_ptr<UnaryInvoker> next,
                               resilience::BreakerOptions options, const Clock& clock)
    : endpoint_(std::move(endpoint)), next_(std::move(next)), breaker_(options, clock) {}

bool BreakerInvoker::IsEndpointFault(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

absl::Status BreakerInvoker::Invoke(CallContext& context, const Method& method,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message& response) {
  if (!breaker_.Allow()) {
    context.not_sent = true;
    return absl::UnavailableError(absl::StrCat("circuit breaker open for ", endpoint_));
  }
  absl::Status status = next_->Invoke(context, method, request, response);
  breaker_.Record(!IsEndpointFault(status.code()));
  return status;
}

}  // namespace warden::client
