#include "guard/client_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace warden::guard {
namespace {

std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Format(const std::array<uint8_t, 16>& ip) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buffer[INET6_ADDRSTRLEN] = {};
  if (std::memcmp(ip.data(), kMapped, sizeof(kMapped)) == 0) {
    inet_ntop(AF_INET, ip.data() + 12, buffer, sizeof(buffer));
  } else {
    inet_ntop(AF_INET6, ip.data(), buffer, sizeof(buffer));
  }
  return buffer;
}

bool Trusted(const std::array<uint8_t, 16>& ip, const std::vector<Cidr>& trusted) {
  for (const Cidr& cidr : trusted) {
    if (cidr.Contains(ip)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Cidr::Contains(const std::array<uint8_t, 16>& ip) const {
  int bits = prefix_bits;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip[i] & mask) != (address[i] & mask)) {
      return false;
    }
  }
  return true;
}

std::optional<std::array<uint8_t, 16>> ParseIp(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::ConsumePrefix(&text, "[")) {
    if (!absl::ConsumeSuffix(&text, "]")) {
      return std::nullopt;
    }
  }
  const std::string copy(text);
  std::array<uint8_t, 16> ip{};
  in_addr v4;
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    ip[10] = 0xff;
    ip[11] = 0xff;
    std::memcpy(ip.data() + 12, &v4, 4);
    return ip;
  }
  if (inet_pton(AF_INET6, copy.c_str(), ip.data()) == 1) {
    return ip;
  }
  return std::nullopt;
}

absl::StatusOr<Cidr> ParseCidr(absl::string_view text) {
  Cidr cidr;
  absl::string_view address = text;
  int prefix = -1;
  if (const size_t slash = text.find('/'); slash != absl::string_view::npos) {
    address = text.substr(0, slash);
    if (!absl::SimpleAtoi(text.substr(slash + 1), &prefix) || prefix < 0) {
      return absl::InvalidArgumentError(absl::StrCat("not a CIDR: ", text));
    }
  }
  std::optional<std::array<uint8_t, 16>> ip = ParseIp(address);
  if (!ip.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("not an IP network: ", text));
  }
  const bool v4 = address.find(':') == absl::string_view::npos;
  if (prefix < 0) {
    prefix = v4 ? 32 : 128;
  }
  if ((v4 && prefix > 32) || prefix > 128) {
    return absl::InvalidArgumentError(absl::StrCat("prefix too long: ", text));
  }
  cidr.address = *ip;
  cidr.prefix_bits = v4 ? 96 + prefix : prefix;
  return cidr;
}

std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const std::vector<Cidr>& trusted_proxies, bool peer_forwards) {
  std::string decoded = PercentDecode(peer);
  absl::string_view rest = decoded;
  std::optional<std::array<uint8_t, 16>> ip;
  if (absl::ConsumePrefix(&rest, "ipv4:") || absl::ConsumePrefix(&rest, "ipv6:")) {
    const size_t colon = rest.rfind(':');
    if (colon != absl::string_view::npos) {
      ip = ParseIp(rest.substr(0, colon));
    }
  }
  if (!ip.has_value()) {
    return decoded;
  }
  if (forwarded_for.empty() || !(peer_forwards || Trusted(*ip, trusted_proxies))) {
    return Format(*ip);
  }
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    std::optional<std::array<uint8_t, 16>> hop_ip = ParseIp(*hop);
    if (!hop_ip.has_value()) {
      break;  // garbage from here on cannot be believed: the last proxy is the client
    }
    ip = hop_ip;
    if (!Trusted(*hop_ip, trusted_proxies)) {
      break;
    }
  }
  return Format(*ip);
}

}  // namespace warden::guard
