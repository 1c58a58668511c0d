#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden::guard {

// An IPv4 or IPv6 network (IPv4 kept as IPv4-mapped IPv6).
struct Cidr {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 128;
  bool Contains(const std::array<uint8_t, 16>& ip) const;
};

// Parses "10.0.0.0/8", "2001:db8::/32" or a single address.
absl::StatusOr<Cidr> ParseCidr(absl::string_view text);
// Parses an IPv4 or IPv6 address (IPv6 possibly in brackets); nullopt if it is neither.
std::optional<std::array<uint8_t, 16>> ParseIp(absl::string_view text);

// The client address of a call, as text ("203.0.113.9", "2001:db8::1"), from the gRPC peer
// ("ipv4:1.2.3.4:5678", "ipv6:[::1]:5678", percent-encoded or not). When the peer is a trusted
// proxy (or `peer_forwards`: the caller was identified as a backend that names its users'
// addresses), `x-forwarded-for` is walked from the right and the first address that is not a
// trusted proxy is the client. Without a usable address the peer string itself is returned.
std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const std::vector<Cidr>& trusted_proxies, bool peer_forwards = false);

}  // namespace warden::guard
