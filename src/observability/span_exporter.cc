#include "observability/span_exporter.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace warden::observability {
namespace {

size_t IgnoreBody(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

nlohmann::json Attribute(const char* key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

}  // namespace

std::string NewSpanId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  uint64_t id = 0;
  while (id == 0) {
    id = engine();
  }
  return absl::StrFormat("%016x", id);
}

SpanExporter::SpanExporter(Options options) : options_(std::move(options)) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)curl_ready;
}

SpanExporter::~SpanExporter() { Stop(); }

void SpanExporter::Export(Span span) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= options_.max_queue || stopping_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(span));
  }
  if (queue_.size() >= options_.max_batch) {
    wake_.notify_one();
  }
}

void SpanExporter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SpanExporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

size_t SpanExporter::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

size_t SpanExporter::exported() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return exported_;
}

std::string SpanExporter::Encode(const std::deque<Span>& spans) const {
  nlohmann::json out = nlohmann::json::array();
  for (const Span& span : spans) {
    const size_t slash = span.name.rfind('/');
    const std::string service =
        slash == std::string::npos || slash == 0 ? "" : span.name.substr(1, slash - 1);
    const std::string method = slash == std::string::npos ? span.name : span.name.substr(slash + 1);
    nlohmann::json json = {
        {"traceId", span.trace_id},
        {"spanId", span.span_id},
        {"name", span.name},
        {"kind", 2},  // SPAN_KIND_SERVER
        {"startTimeUnixNano", std::to_string(span.start_unix_nanos)},
        {"endTimeUnixNano", std::to_string(span.end_unix_nanos)},
        {"attributes",
         {Attribute("rpc.system", "grpc"),
          Attribute("rpc.service", service),
          Attribute("rpc.method", method),
          {{"key", "rpc.grpc.status_code"},
           {"value", {{"intValue", std::to_string(span.grpc_code)}}}}}},
        {"status", {{"code", span.grpc_code == 0 ? 1 : 2}}},
    };
    if (!span.parent_span_id.empty()) {
      json["parentSpanId"] = span.parent_span_id;
    }
    out.push_back(std::move(json));
  }
  return nlohmann::json{
      {"resourceSpans",
       {{{"resource", {{"attributes", {Attribute("service.name", options_.service_name)}}}},
         {"scopeSpans", {{{"scope", {{"name", "warden"}}}, {"spans", out}}}}}}}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool SpanExporter::Post(const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return false;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, options_.endpoint.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &IgnoreBody);
  const CURLcode result = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (result != CURLE_OK || status < 200 || status >= 300) {
    spdlog::debug("OTLP export to {} failed: {} (HTTP {})", options_.endpoint,
                  curl_easy_strerror(result), status);
    return false;
  }
  return true;
}

void SpanExporter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.flush_interval,
                   [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    const bool last = stopping_;
    while (!queue_.empty()) {
      const size_t count = std::min(queue_.size(), options_.max_batch);
      std::deque<Span> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
      lock.unlock();
      const bool sent = Post(Encode(batch));
      lock.lock();
      if (sent) {
        exported_ += count;
      } else {
        dropped_ += count;
        break;  // the collector is down: drop the rest of this round, try again later
      }
    }
    if (last) {
      return;
    }
  }
}

}  // namespace warden::observability
