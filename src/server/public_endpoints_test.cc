#include "server/public_endpoints.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/testing/status_matchers.h"
#include "server/testing/http_fetch.h"

namespace warden::server {
namespace {

using testing::Fetch;
using ::testing::HasSubstr;

TEST(ReadinessTest, SaysWhatIsDegraded) {
  EXPECT_EQ(ReadinessResponse({.serving = true}).body, "SERVING\n");
  EXPECT_EQ(ReadinessResponse({.serving = true}).status, 200);
  const HttpResponse draining = ReadinessResponse({.serving = false});
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(draining.body, "NOT_SERVING\n");
  EXPECT_EQ(
      ReadinessResponse({.serving = true, .redis = Readiness::Redis::kDownFanOutAndLimits}).body,
      "SERVING (redis: down, degraded fan-out, per-replica limits)\n");
  EXPECT_EQ(ReadinessResponse({.serving = true, .redis = Readiness::Redis::kConnected}).body,
            "SERVING (redis: connected)\n");
}

TEST(DiscoveryDocumentTest, NamesTheIssuerAndTheJwksUnderThePublicUrl) {
  const nlohmann::json document = nlohmann::json::parse(
      DiscoveryDocument("https://id.example", "https://id.example", {"ES256"}));
  EXPECT_EQ(document["issuer"], "https://id.example");
  EXPECT_EQ(document["jwks_uri"], "https://id.example/.well-known/jwks.json");
  EXPECT_EQ(document["id_token_signing_alg_values_supported"], nlohmann::json::array({"ES256"}));
}

TEST(PublicEndpointsTest, ServesEveryRouteFromItsSources) {
  prometheus::Registry registry;
  observability::MetricsEndpoint metrics(registry);
  int scrapes = 0;
  metrics.OnScrape([&] { ++scrapes; });
  bool serving = true;
  absl::StatusOr<std::unique_ptr<PublicEndpoints>> endpoints = PublicEndpoints::Start(
      {.listen = "127.0.0.1:0", .issuer = "warden", .jwks_max_age = std::chrono::seconds(60)},
      {.jwks_json = [] { return std::string(R"({"keys":[]})"); },
       .algorithms = [] { return std::vector<std::string>{"EdDSA"}; },
       .readiness = [&] { return Readiness{.serving = serving}; },
       .metrics = &metrics});
  ASSERT_THAT(endpoints, IsOk());
  const int port = (*endpoints)->port();
  EXPECT_EQ((*endpoints)->public_url(), "http://127.0.0.1:" + std::to_string(port));
  const std::string jwks = Fetch(port, "GET /.well-known/jwks.json HTTP/1.0\r\n\r\n");
  EXPECT_THAT(jwks, HasSubstr(R"({"keys":[]})"));
  EXPECT_THAT(jwks, HasSubstr("Cache-Control: public, max-age=60"));
  EXPECT_THAT(Fetch(port, "GET /.well-known/openid-configuration HTTP/1.0\r\n\r\n"),
              HasSubstr((*endpoints)->public_url() + "/.well-known/jwks.json"));
  EXPECT_THAT(Fetch(port, "GET /metrics HTTP/1.0\r\n\r\n"), HasSubstr("version=0.0.4"));
  EXPECT_EQ(scrapes, 1);
  EXPECT_THAT(Fetch(port, "GET /healthz HTTP/1.0\r\n\r\n"), HasSubstr(" 200 "));
  EXPECT_THAT(Fetch(port, "GET /readyz HTTP/1.0\r\n\r\n"), HasSubstr("SERVING"));
  serving = false;
  EXPECT_THAT(Fetch(port, "GET /readyz HTTP/1.0\r\n\r\n"), HasSubstr(" 503 "));
  (*endpoints)->Stop();
}

TEST(PublicEndpointsTest, AConfiguredPublicUrlWinsWithoutItsTrailingSlash) {
  absl::StatusOr<std::unique_ptr<PublicEndpoints>> endpoints =
      PublicEndpoints::Start({.listen = "127.0.0.1:0", .public_url = "https://id.example/"},
                             {.jwks_json = [] { return std::string("{}"); },
                              .algorithms = [] { return std::vector<std::string>{}; },
                              .readiness = [] { return Readiness{}; }});
  ASSERT_THAT(endpoints, IsOk());
  EXPECT_EQ((*endpoints)->public_url(), "https://id.example");
  EXPECT_THAT(Fetch((*endpoints)->port(), "GET /metrics HTTP/1.0\r\n\r\n"), HasSubstr(" 404 "));
}

}  // namespace
}  // namespace warden::server
