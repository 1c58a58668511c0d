#include "client/tracing_invoker.h"

#include <random>

#include "absl/strings/str_format.h"

namespace warden::client {

std::string TracingInvoker::NewTraceparent() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t high = 0;
  uint64_t low = 0;
  uint64_t span = 0;
  while (high == 0 && low == 0) {  // an all-zero trace id is invalid
    high = random();
    low = random();
  }
  while (span == 0) {
    span = random();
  }
  return absl::StrFormat("00-%016x%016x-%016x-01", high, low, span);
}

absl::Status TracingInvoker::Invoke(CallContext& context, const Method& method,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message& response) {
  std::string traceparent = context.Metadata("traceparent");
  if (traceparent.empty()) {
    traceparent = NewTraceparent();
    context.metadata.emplace_back("traceparent", traceparent);
  }
  const auto start = clock_.SteadyNow();
  absl::Status status = next_->Invoke(context, method, request, response);
  if (observer_) {
    observer_(CallRecord{.method = method,
                         .status = status,
                         .duration = std::chrono::duration_cast<std::chrono::microseconds>(
                             clock_.SteadyNow() - start),
                         .peer = context.peer,
                         .attempts = std::max(1, context.attempts),
                         .traceparent = traceparent});
  }
  return status;
}

}  // namespace warden::client
