#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"

struct mg_context;
struct mg_connection;

namespace warden::server {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::map<std::string, std::string> headers;
};

// A small HTTP/1.1 listener (civetweb) for what is not gRPC: JWKS, discovery, probes, metrics.
// Serves exact paths registered before Start(), GET and HEAD only.
//
// Thread-safe after Start(); handlers run on civetweb's threads and must be thread-safe.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;
  struct Options {
    std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
    int threads = 2;
  };

  explicit HttpServer(Options options) : options_(std::move(options)) {}
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `path` (exact match) with `handler`. Call before Start().
  void Route(const std::string& path, Handler handler);
  // Starts listening. Returns kUnavailable naming the address if it cannot.
  absl::Status Start();
  // Stops serving; waits for running handlers. Idempotent.
  void Stop();
  int port() const { return port_; }

 private:
  static int Dispatch(mg_connection* connection, void* self);

  const Options options_;
  std::map<std::string, Handler> routes_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace warden::server
