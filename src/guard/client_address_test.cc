#include "guard/client_address.h"

#include <gtest/gtest.h>

namespace warden::guard {
namespace {

std::vector<Cidr> Proxies(std::initializer_list<const char*> texts) {
  std::vector<Cidr> out;
  for (const char* text : texts) {
    out.push_back(ParseCidr(text).value());
  }
  return out;
}

TEST(ClientAddressTest, TakesTheTcpPeerByDefault) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.9:51234", "", {}), "203.0.113.9");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8::1]:51234", "", {}), "2001:db8::1");
  EXPECT_EQ(ClientAddress("ipv6:%5B::1%5D:51234", "", {}), "::1");
  EXPECT_EQ(ClientAddress("unix:/tmp/socket", "", {}), "unix:/tmp/socket");
}

TEST(ClientAddressTest, IgnoresForwardedForFromUntrustedPeers) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.9:1", "198.51.100.1", {}), "203.0.113.9");
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.9:1", "198.51.100.1", Proxies({"10.0.0.0/8"})),
            "203.0.113.9");
}

TEST(ClientAddressTest, WalksForwardedForFromTheRightPastTrustedProxies) {
  const std::vector<Cidr> proxies = Proxies({"10.0.0.0/8", "2001:db8:ffff::/48"});
  EXPECT_EQ(ClientAddress("ipv4:10.1.2.3:1", "198.51.100.7", proxies), "198.51.100.7");
  // A client cannot prepend a fake address: the right-most untrusted hop wins.
  EXPECT_EQ(ClientAddress("ipv4:10.1.2.3:1", "1.1.1.1, 198.51.100.7, 10.9.9.9", proxies),
            "198.51.100.7");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8:ffff::5]:1", "2001:db8:1::9", proxies), "2001:db8:1::9");
  // Only proxies all the way: the left-most hop is as far as anyone can tell.
  EXPECT_EQ(ClientAddress("ipv4:10.1.2.3:1", "10.0.0.1, 10.0.0.2", proxies), "10.0.0.1");
  // Garbage stops the walk at the last address that could be believed.
  EXPECT_EQ(ClientAddress("ipv4:10.1.2.3:1", "198.51.100.7, not-an-ip", proxies), "10.1.2.3");
}

TEST(CidrTest, ParsesAndMatches) {
  const Cidr v4 = ParseCidr("192.168.0.0/16").value();
  EXPECT_TRUE(v4.Contains(*ParseIp("192.168.44.1")));
  EXPECT_FALSE(v4.Contains(*ParseIp("192.169.0.1")));
  EXPECT_FALSE(v4.Contains(*ParseIp("::1")));
  const Cidr host = ParseCidr("127.0.0.1").value();
  EXPECT_TRUE(host.Contains(*ParseIp("127.0.0.1")));
  EXPECT_FALSE(host.Contains(*ParseIp("127.0.0.2")));
  const Cidr v6 = ParseCidr("fd00::/8").value();
  EXPECT_TRUE(v6.Contains(*ParseIp("[fd12::1]")));
  EXPECT_TRUE(ParseCidr("0.0.0.0/0").value().Contains(*ParseIp("8.8.8.8")));
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "example.com", "1.2.3/8"}) {
    EXPECT_FALSE(ParseCidr(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace warden::guard
