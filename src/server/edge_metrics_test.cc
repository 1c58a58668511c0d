#include "server/edge_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace warden::server {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(EdgeMetricsTest, ReportsListenerCountsByReasonWithoutCountingTwice) {
  prometheus::Registry registry;
  EdgeMetrics metrics(registry);
  ConnectionGate::Stats stats{.accepted = 5,
                              .evicted_address_cap = 2,
                              .preface_timeout = 1,
                              .accept_errors = 3,
                              .fd_exhausted = 2,
                              .open = 4,
                              .pending = 1,
                              .max_connections = 512,
                              .accepting = true};
  metrics.UpdateListener("grpc", stats);
  metrics.UpdateListener("grpc", stats);  // a second scrape with nothing new adds nothing
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find(R"(warden_connections_accepted_total{listener="grpc"} 5)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(warden_connections_closed_total{listener="grpc",reason="address_cap"} 2)"),
            std::string::npos);
  EXPECT_NE(
      text.find(R"(warden_connections_closed_total{listener="grpc",reason="preface_timeout"} 1)"),
      std::string::npos);
  EXPECT_NE(text.find(R"(warden_accept_errors_total{kind="fd_exhausted",listener="grpc"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(warden_accept_errors_total{kind="other",listener="grpc"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(warden_connections_open{listener="grpc"} 5)"), std::string::npos);
  EXPECT_NE(text.find(R"(warden_listener_up{listener="grpc"} 1)"), std::string::npos);
  stats.accepting = false;
  stats.accepted = 7;
  metrics.UpdateListener("grpc", stats);
  const std::string later = Scrape(registry);
  EXPECT_NE(later.find(R"(warden_connections_accepted_total{listener="grpc"} 7)"),
            std::string::npos);
  EXPECT_NE(later.find(R"(warden_listener_up{listener="grpc"} 0)"), std::string::npos);
}

TEST(EdgeMetricsTest, ReportsProcessMemoryAndDescriptorsUnderTheStandardNames) {
  prometheus::Registry registry;
  EdgeMetrics metrics(registry);
  metrics.UpdateProcess(nullptr);
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_NE(text.find("process_max_fds "), std::string::npos);
  EXPECT_EQ(text.find("process_open_fds 0\n"), std::string::npos);
}

}  // namespace
}  // namespace warden::server
