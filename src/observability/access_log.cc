#include "observability/access_log.h"

#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "observability/grpc_metrics.h"
#include "observability/logging.h"

namespace warden::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kTraceIdHeader[] = "x-warden-trace-id";

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(c)) {
      return false;
    }
  }
  return true;
}

// 32 lower-case hex digits. Made for every call the handler may audit, logged or not, so it is
// written by hand: absl::StrFormat cost about a thousand instructions per call here.
std::string NewTraceId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (const size_t half : {size_t{0}, size_t{16}}) {
    uint64_t bits = engine();
    for (size_t i = 16; i-- > 0; bits >>= 4) {
      id[half + i] = kHex[bits & 0xf];
    }
  }
  return id;
}

bool Sampled(double rate) {
  if (rate >= 1.0) {
    return true;
  }
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine) < rate;
}

class AccessLogObserver final : public CallObserver {
 public:
  AccessLogObserver(grpc::experimental::ServerRpcInfo* info,
                    AccessLogObserverFactory::Options options, const Clock& clock)
      : info_(info), options_(options), clock_(clock) {}

  void Observe(grpc::experimental::InterceptorBatchMethods& batch) override {
    if (batch.QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      started_ = clock_.SteadyNow();
      auto* metadata = batch.GetRecvInitialMetadata();
      if (metadata != nullptr) {
        auto it = metadata->find("traceparent");
        if (it != metadata->end()) {
          const absl::string_view header(it->second.data(), it->second.size());
          trace_id_ = TraceIdFromTraceparent(header);
          if (!trace_id_.empty()) {
            parent_span_id_ = std::string(header.substr(36, 16));
          }
        }
      }
      if (trace_id_.empty()) {
        trace_id_ = NewTraceId();
        // Hand the new id to the handler (ServerContext::client_metadata is this map); the
        // strings live in this interceptor, which lives as long as the call.
        if (metadata != nullptr) {
          metadata->emplace(grpc::string_ref(kTraceIdHeader), grpc::string_ref(trace_id_));
        }
      }
    }
    if (batch.QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const int code = static_cast<int>(batch.GetSendStatus().error_code());
      std::string principal;
      if (auto* trailers = batch.GetSendTrailingMetadata(); trailers != nullptr) {
        static const auto* principal_key = new std::string(kPrincipalTrailer);
        auto it = trailers->find(*principal_key);
        if (it != trailers->end()) {
          principal = it->second;
          trailers->erase(it);
        }
      }
      if (options_.exporter != nullptr) {
        const auto end = clock_.WallNow();
        const auto elapsed = clock_.SteadyNow() - started_;
        const int64_t end_nanos =
            std::chrono::duration_cast<std::chrono::nanoseconds>(end.time_since_epoch()).count();
        options_.exporter->Export(Span{
            .trace_id = trace_id_,
            .span_id = NewSpanId(),
            .parent_span_id = parent_span_id_,
            .name = info_->method(),
            .start_unix_nanos =
                end_nanos - std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
            .end_unix_nanos = end_nanos,
            .grpc_code = code});
      }
      // A call the client cancelled (a reset stream) is counted by the metrics but never
      // logged: one line per reset stream would let a rapid-reset flood write the log.
      const bool selected =
          code != static_cast<int>(grpc::StatusCode::CANCELLED) &&
          (options_.mode == AccessLogObserverFactory::Mode::kAll ||
           (options_.mode == AccessLogObserverFactory::Mode::kErrors && code != 0));
      if (selected && Sampled(options_.sample_rate)) {
        const double ms =
            std::chrono::duration<double, std::milli>(clock_.SteadyNow() - started_).count();
        std::string peer =
            info_->server_context() != nullptr ? info_->server_context()->peer() : "";
        if (options_.connections != nullptr) {
          peer = options_.connections->Resolve(peer);
        }
        if (auto logger = spdlog::get("access")) {
          logger->info(absl::StrFormat(
              R"({"ts":"%s","level":"info","logger":"access","event":"rpc","method":"%s",)"
              R"("grpc_code":"%s","duration_ms":%.3f,"peer":"%s","principal":"%s","trace_id":"%s"})",
              FormatNow(), JsonEscape(info_->method()), GrpcCodeName(code), ms, JsonEscape(peer),
              JsonEscape(principal), trace_id_));
        }
      }
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

  grpc::experimental::ServerRpcInfo* info_;
  const AccessLogObserverFactory::Options options_;
  const Clock& clock_;
  std::chrono::steady_clock::time_point started_;
  std::string trace_id_;
  std::string parent_span_id_;
};

}  // namespace

std::string TraceIdFromTraceparent(absl::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" flags
  if (traceparent.size() < 55 || traceparent[2] != '-' || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return "";
  }
  const absl::string_view version = traceparent.substr(0, 2);
  const absl::string_view trace_id = traceparent.substr(3, 32);
  const absl::string_view parent_id = traceparent.substr(36, 16);
  const absl::string_view flags = traceparent.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags) || trace_id == std::string(32, '0') || parent_id == std::string(16, '0') ||
      (version == "00" && traceparent.size() != 55)) {
    return "";
  }
  return std::string(trace_id);
}

std::unique_ptr<CallObserver> AccessLogObserverFactory::Create(
    grpc::experimental::ServerRpcInfo* info) {
  if (options_.mode == Mode::kOff && options_.exporter == nullptr) {
    return nullptr;
  }
  return std::make_unique<AccessLogObserver>(info, options_, clock_);
}

}  // namespace warden::observability
