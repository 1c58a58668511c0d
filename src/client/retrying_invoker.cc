#include "client/retrying_invoker.h"

namespace warden::client {

RetryingInvoker::RetryingInvoker(std::shared_ptr<UnaryInvoker> next, Options options,
                                 const Clock& clock,
                                 std::function<void(std::chrono::milliseconds)> sleep,
                                 std::function<double()> random)
    : next_(std::move(next)),
      options_(options),
      clock_(clock),
      sleep_(std::move(sleep)),
      random_(std::move(random)),
      throttle_(options.throttle_max_tokens, options.throttle_token_ratio) {}

bool RetryingInvoker::Retryable(const absl::Status& status, const CallContext& context,
                                const Method& method) const {
  if (context.not_sent) {
    return true;
  }
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    return context.pushback.has_value();
  }
  return method.idempotent && status.code() == absl::StatusCode::kUnavailable;
}

absl::Status RetryingInvoker::Invoke(CallContext& context, const Method& method,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message& response) {
  if (context.deadline == std::chrono::system_clock::time_point{}) {
    context.deadline = clock_.WallNow() + method.timeout;  // one deadline for all attempts
  }
  for (int attempt = 1;; ++attempt) {
    context.attempts = attempt;
    context.pushback.reset();
    context.not_sent = false;
    absl::Status status = next_->Invoke(context, method, request, response);
    if (status.ok()) {
      throttle_.RecordSuccess();
      return status;
    }
    if (!Retryable(status, context, method)) {
      return status;
    }
    throttle_.RecordFailure();
    if (attempt >= options_.backoff.max_attempts || !throttle_.RetryAllowed()) {
      return status;
    }
    std::chrono::milliseconds pause =
        context.pushback ? *context.pushback : BackoffDelay(options_.backoff, attempt, random_());
    if (pause.count() < 0 || clock_.WallNow() + pause >= context.deadline) {
      return status;
    }
    if (pause.count() > 0) {
      sleep_(pause);
    }
    response.Clear();
  }
}

}  // namespace warden::client
