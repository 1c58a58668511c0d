#include "server/http_server.h"

#include <civetweb.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace warden::server {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

int LogMessage(const mg_connection* /*connection*/, const char* message) {
  spdlog::debug("http: {}", message);
  return 1;  // handled: keep civetweb quiet on stderr
}

}  // namespace

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& path, Handler handler) {
  routes_[path] = std::move(handler);
}

absl::Status HttpServer::Start() {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  const std::string threads = std::to_string(options_.threads);
  const char* settings[] = {"listening_ports",
                            options_.listen.c_str(),
                            "num_threads",
                            threads.c_str(),
                            "request_timeout_ms",
                            "10000",
                            "enable_keep_alive",
                            "yes",
                            nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  callbacks.log_message = &LogMessage;
  context_ = mg_start(&callbacks, this, settings);
  if (context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", options_.listen));
  }
  mg_set_request_handler(context_, "/", &HttpServer::Dispatch, this);
  mg_server_port ports[4];
  const int count = mg_get_server_ports(context_, 4, ports);
  port_ = count > 0 ? ports[0].port : 0;
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (context_ != nullptr) {
    mg_stop(context_);
    context_ = nullptr;
  }
}

int HttpServer::Dispatch(mg_connection* connection, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  const mg_request_info* request = mg_get_request_info(connection);
  const std::string method = request->request_method == nullptr ? "" : request->request_method;
  const std::string path = request->local_uri == nullptr ? "" : request->local_uri;
  HttpResponse response;
  auto route = server->routes_.find(path);
  if (route == server->routes_.end()) {
    response.status = 404;
    response.body = "not found\n";
  } else if (method != "GET" && method != "HEAD") {
    response.status = 405;
    response.body = "method not allowed\n";
    response.headers["Allow"] = "GET, HEAD";
  } else {
    response = route->second();
  }
  std::string head = absl::StrCat("HTTP/1.1 ", response.status, " ", Reason(response.status),
                                  "\r\nContent-Type: ", response.content_type,
                                  "\r\nContent-Length: ", response.body.size(),
                                  "\r\nX-Content-Type-Options: nosniff\r\n");
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&head, "\r\n");
  mg_write(connection, head.data(), head.size());
  if (method != "HEAD") {
    mg_write(connection, response.body.data(), response.body.size());
  }
  return response.status;
}

}  // namespace warden::server
