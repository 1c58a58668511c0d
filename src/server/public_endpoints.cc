#include "server/public_endpoints.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace warden::server {

HttpResponse ReadinessResponse(const Readiness& readiness) {
  absl::string_view redis;
  switch (readiness.redis) {
    case Readiness::Redis::kNotConfigured:
      break;
    case Readiness::Redis::kConnected:
      redis = " (redis: connected)";
      break;
    case Readiness::Redis::kDownFanOut:
      redis = " (redis: down, degraded fan-out)";
      break;
    case Readiness::Redis::kDownFanOutAndLimits:
      redis = " (redis: down, degraded fan-out, per-replica limits)";
      break;
  }
  return HttpResponse{
      .status = readiness.serving ? 200 : 503,
      .body = absl::StrCat(readiness.serving ? "SERVING" : "NOT_SERVING", redis, "\n")};
}

std::string DiscoveryDocument(const std::string& issuer, const std::string& public_url,
                              const std::vector<std::string>& algorithms) {
  return nlohmann::json{
      {"issuer", issuer},
      {"jwks_uri", public_url + "/.well-known/jwks.json"},
      {"id_token_signing_alg_values_supported", algorithms},
      {"token_endpoint_auth_signing_alg_values_supported", algorithms},
      {"response_types_supported", nlohmann::json::array({"token"})},
      {"subject_types_supported", nlohmann::json::array({"public"})},
      {"grant_types_supported", nlohmann::json::array({"password", "refresh_token"})},
  }
      .dump();
}

PublicEndpoints::PublicEndpoints(Options options, Sources sources)
    : options_(std::move(options)),
      sources_(std::move(sources)),
      http_(HttpServer::Options{.listen = options_.listen, .threads = 2}) {}

absl::StatusOr<std::unique_ptr<PublicEndpoints>> PublicEndpoints::Start(Options options,
                                                                        Sources sources) {
  std::unique_ptr<PublicEndpoints> endpoints(
      new PublicEndpoints(std::move(options), std::move(sources)));
  PublicEndpoints& self = *endpoints;
  const std::string cache_control =
      absl::StrCat("public, max-age=", self.options_.jwks_max_age.count());
  self.http_.Route("/.well-known/jwks.json", [&self, cache_control] {
    return HttpResponse{.status = 200,
                        .content_type = "application/jwk-set+json",
                        .body = self.sources_.jwks_json(),
                        .headers = {{"Cache-Control", cache_control}}};
  });
  self.http_.Route("/.well-known/openid-configuration", [&self, cache_control] {
    return HttpResponse{.status = 200,
                        .content_type = "application/json",
                        .body = DiscoveryDocument(self.options_.issuer, self.public_url_,
                                                  self.sources_.algorithms()),
                        .headers = {{"Cache-Control", cache_control}}};
  });
  if (self.sources_.metrics != nullptr) {
    self.http_.Route("/metrics", [&self] {
      return HttpResponse{.status = 200,
                          .content_type = observability::MetricsEndpoint::kContentType,
                          .body = self.sources_.metrics->Scrape()};
    });
  }
  self.http_.Route("/healthz", [] { return HttpResponse{.status = 200, .body = "ok\n"}; });
  self.http_.Route("/readyz", [&self] { return ReadinessResponse(self.sources_.readiness()); });
  if (absl::Status started = self.http_.Start(); !started.ok()) {
    return started;
  }
  const std::string& listen = self.options_.listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  self.public_url_ = self.options_.public_url.empty()
                         ? absl::StrCat("http://", host, ":", self.http_.port())
                         : self.options_.public_url;
  while (!self.public_url_.empty() && self.public_url_.back() == '/') {
    self.public_url_.pop_back();
  }
  return endpoints;
}

}  // namespace warden::server
