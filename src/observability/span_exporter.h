#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace warden::observability {

// One finished server span.
struct Span {
  std::string trace_id;        // 32 lowercase hex
  std::string span_id;         // 16 lowercase hex
  std::string parent_span_id;  // 16 hex, or empty for a root span
  std::string name;            // "/package.Service/Method"
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
  int grpc_code = 0;
};

// Exports spans to an OpenTelemetry collector over OTLP/HTTP (JSON encoding, POST to
// `endpoint`, e.g. http://127.0.0.1:4318/v1/traces) in batches from a background thread, with
// libcurl. Export() only queues; when the queue is full, spans are dropped and counted. A
// collector that is down costs a failed POST per batch, never a request.
//
// Thread-safe. Stop() (or the destructor) sends what is queued, once.
class SpanExporter {
 public:
  struct Options {
    std::string endpoint;
    std::string service_name = "warden";
    size_t max_queue = 8192;
    size_t max_batch = 512;
    std::chrono::milliseconds flush_interval = std::chrono::seconds(1);
    std::chrono::milliseconds timeout = std::chrono::seconds(5);
  };
  explicit SpanExporter(Options options);
  ~SpanExporter();

  void Export(Span span);
  void Start();
  void Stop();
  size_t dropped() const;
  size_t exported() const;

  // Returns the OTLP/JSON body for `spans` (exposed for tests).
  std::string Encode(const std::deque<Span>& spans) const;

 private:
  void Run();
  bool Post(const std::string& body);

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Span> queue_;
  size_t dropped_ = 0;
  size_t exported_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// Returns 16 random lowercase hex digits (a span id).
std::string NewSpanId();

}  // namespace warden::observability
