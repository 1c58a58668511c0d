#include "client/endpoint_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseTargetTest, ReadsGrpcTargetSyntax) {
  absl::StatusOr<Target> dns = ParseTarget("dns:///warden.test:50051");
  ASSERT_TRUE(dns.ok());
  EXPECT_EQ(dns->kind, Target::Kind::kDns);
  EXPECT_EQ(dns->host, "warden.test");
  EXPECT_EQ(dns->port, "50051");
  EXPECT_EQ(dns->dns_server, "");

  absl::StatusOr<Target> server = ParseTarget("dns://127.0.0.1:5353/warden.test:50051");
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server->dns_server, "127.0.0.1:5353");
  EXPECT_EQ(server->host, "warden.test");

  absl::StatusOr<Target> list = ParseTarget("ipv4:127.0.0.1:1,127.0.0.2:2");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->kind, Target::Kind::kStatic);
  EXPECT_THAT(list->endpoints, ElementsAre("ipv4:127.0.0.1:1", "ipv4:127.0.0.2:2"));
  EXPECT_THAT(ParseTarget("ipv6:[::1]:7")->endpoints, ElementsAre("ipv6:[::1]:7"));

  absl::StatusOr<Target> plain = ParseTarget("localhost:50051");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->kind, Target::Kind::kSingle);
  EXPECT_THAT(plain->endpoints, ElementsAre("localhost:50051"));
  EXPECT_TRUE(ParseTarget("unix:/run/warden.sock").ok());
}

TEST(ParseTargetTest, RefusesMalformedTargetsWithTheReason) {
  EXPECT_THAT(ParseTarget("dns:///warden.test").status().message(), HasSubstr("needs name:port"));
  EXPECT_THAT(ParseTarget("dns://resolver.example/warden.test:1").status().message(),
              HasSubstr("IPv4 address"));
  EXPECT_THAT(ParseTarget("ipv4:").status().message(), HasSubstr("lists no address"));
  EXPECT_THAT(ParseTarget("ipv4:127.0.0.1").status().message(), HasSubstr("address:port"));
  EXPECT_THAT(ParseTarget("localhost:99999").status().message(), HasSubstr("host:port"));
  EXPECT_FALSE(ParseTarget("").ok());
}

TEST(ResolverTest, SystemResolverReadsEtcHostsAndAFixedListIsItself) {
  absl::StatusOr<std::vector<std::string>> local =
      MakeResolver(*ParseTarget("dns:///127.0.0.1:50051"))->Resolve();
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_THAT(*local, ElementsAre("ipv4:127.0.0.1:50051"));
  EXPECT_THAT(*MakeResolver(*ParseTarget("ipv4:127.0.0.1:1,127.0.0.2:2"))->Resolve(),
              ElementsAre("ipv4:127.0.0.1:1", "ipv4:127.0.0.2:2"));
  EXPECT_FALSE(MakeResolver(*ParseTarget("dns:///no-such-name.invalid:1"))->Resolve().ok());
}

TEST(ResolverTest, AnUnansweringDnsServerIsAnErrorNotAHang) {
  // Port 9 on loopback (discard) has no DNS server: two one-second tries, then an error.
  absl::StatusOr<std::vector<std::string>> none =
      MakeResolver(*ParseTarget("dns://127.0.0.1:9/warden.test:1"))->Resolve();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace warden::client
