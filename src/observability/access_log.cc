#include "observability/access_log.h"

#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/str_format.h"
#include "observability/grpc_metrics.h"
#include "observability/logging.h"

namespace warden::observability {
namespace {

bool Sampled(double rate) {
  if (rate >= 1.0) {
    return true;
  }
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine) < rate;
}

// Every call of one method.
class AccessLogObserver final : public MethodObserver {
 public:
  AccessLogObserver(absl::string_view method, AccessLogObserverFactory::Options options,
                    const Clock& clock)
      : method_(method), options_(options), clock_(clock) {}

  void Finished(CallRecord& call) override {
    const int code = call.code;
    if (options_.exporter != nullptr) {
      const auto end = clock_.WallNow();
      const auto elapsed = call.finished - call.started;
      const int64_t end_nanos =
          std::chrono::duration_cast<std::chrono::nanoseconds>(end.time_since_epoch()).count();
      options_.exporter->Export(Span{
          .trace_id = call.trace_id(),
          .span_id = NewSpanId(),
          .parent_span_id = call.parent_span_id(),
          .name = method_,
          .start_unix_nanos =
              end_nanos - std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
          .end_unix_nanos = end_nanos,
          .grpc_code = code});
    }
    // A call the client cancelled (a reset stream) is counted by the metrics but never
    // logged: one line per reset stream would let a rapid-reset flood write the log.
    const bool selected = code != static_cast<int>(grpc::StatusCode::CANCELLED) &&
                          (options_.mode == AccessLogObserverFactory::Mode::kAll ||
                           (options_.mode == AccessLogObserverFactory::Mode::kErrors && code != 0));
    if (!selected || !Sampled(options_.sample_rate)) {
      return;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(call.finished - call.started).count();
    std::string peer = call.context() != nullptr ? call.context()->peer() : "";
    if (options_.connections != nullptr) {
      peer = options_.connections->Resolve(peer);
    }
    if (auto logger = spdlog::get("access")) {
      logger->info(absl::StrFormat(
          R"({"ts":"%s","level":"info","logger":"access","event":"rpc","method":"%s",)"
          R"("grpc_code":"%s","duration_ms":%.3f,"peer":"%s","principal":"%s","trace_id":"%s"})",
          FormatNow(), JsonEscape(method_), GrpcCodeName(code), ms, JsonEscape(peer),
          JsonEscape(call.principal), call.trace_id()));
    }
  }

 private:
  std::string FormatNow() const {
    const auto now = clock_.WallNow();
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now - seconds).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  }

  const std::string method_;
  const AccessLogObserverFactory::Options options_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<MethodObserver> AccessLogObserverFactory::ForMethod(absl::string_view method) {
  if (options_.mode == Mode::kOff && options_.exporter == nullptr) {
    return nullptr;
  }
  return std::make_unique<AccessLogObserver>(method, options_, clock_);
}

}  // namespace warden::observability
