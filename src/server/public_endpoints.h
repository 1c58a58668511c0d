#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "observability/metrics_endpoint.h"
#include "server/http_server.h"

namespace warden::server {

// What /readyz reports.
struct Readiness {
  enum class Redis {
    kNotConfigured,
    kConnected,
    kDownFanOut,           // revocations travel through the store only
    kDownFanOutAndLimits,  // ... and rate limits are counted per replica
  };
  bool serving = false;  // the auth service's health status is SERVING
  Redis redis = Redis::kNotConfigured;
};

// The /readyz response: 200 "SERVING" or 503 "NOT_SERVING"; a replica without Redis still
// serves (degraded), and says so.
HttpResponse ReadinessResponse(const Readiness& readiness);

// The OpenID discovery document of an issuer whose keys are at `public_url`/.well-known/jwks.json.
std::string DiscoveryDocument(const std::string& issuer, const std::string& public_url,
                              const std::vector<std::string>& algorithms);

// The HTTP listener's routes: /.well-known/jwks.json and /.well-known/openid-configuration (both
// cached for `jwks_max_age`), /metrics (when a metrics endpoint is given), /healthz, /readyz.
//
// Thread-safe. The sources must be thread-safe and outlive it.
class PublicEndpoints {
 public:
  struct Sources {
    std::function<std::string()> jwks_json;
    std::function<std::vector<std::string>()> algorithms;
    std::function<Readiness()> readiness;
    const observability::MetricsEndpoint* metrics = nullptr;  // null: no /metrics
  };
  struct Options {
    std::string listen;      // HOST:PORT (port 0: any)
    std::string issuer;      // the tokens' `iss`
    std::string public_url;  // empty: http://HOST:PORT of the listener
    std::chrono::seconds jwks_max_age{300};
  };

  // Listens; kUnavailable naming the address if it cannot.
  static absl::StatusOr<std::unique_ptr<PublicEndpoints>> Start(Options options, Sources sources);
  void Stop() { http_.Stop(); }

  int port() const { return http_.port(); }
  // The base URL the discovery document names (no trailing slash).
  const std::string& public_url() const { return public_url_; }

 private:
  PublicEndpoints(Options options, Sources sources);

  const Options options_;
  const Sources sources_;
  HttpServer http_;
  std::string public_url_;
};

}  // namespace warden::server
