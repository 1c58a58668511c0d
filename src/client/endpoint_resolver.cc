#include "client/endpoint_resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace warden::client {
namespace {

// Splits "name:port" or "[v6]:port".
bool SplitHostPort(absl::string_view text, std::string& host, std::string& port) {
  if (absl::ConsumePrefix(&text, "[")) {
    const size_t close = text.find("]:");
    if (close == absl::string_view::npos) {
      return false;
    }
    host = std::string(text.substr(0, close));
    port = std::string(text.substr(close + 2));
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos) {
      return false;
    }
    host = std::string(text.substr(0, colon));
    port = std::string(text.substr(colon + 1));
  }
  int number = 0;
  return !host.empty() && absl::SimpleAtoi(port, &number) && number > 0 && number < 65536;
}

std::string Endpoint(int family, const std::string& address, const std::string& port) {
  return family == AF_INET6 ? absl::StrCat("ipv6:[", address, "]:", port)
                            : absl::StrCat("ipv4:", address, ":", port);
}

class FixedResolver final : public EndpointResolver {
 public:
  explicit FixedResolver(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {}
  absl::StatusOr<std::vector<std::string>> Resolve() override { return endpoints_; }

 private:
  const std::vector<std::string> endpoints_;
};

// getaddrinfo: /etc/hosts, then the system's DNS servers.
class SystemDnsResolver final : public EndpointResolver {
 public:
  SystemDnsResolver(std::string host, std::string port)
      : host_(std::move(host)), port_(std::move(port)) {}

  absl::StatusOr<std::vector<std::string>> Resolve() override {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &found); rc != 0) {
      return absl::UnavailableError(absl::StrCat("cannot resolve ", host_, ": ", gai_strerror(rc)));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
    std::vector<std::string> endpoints;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* bytes =
          a->ai_family == AF_INET6
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
      if (inet_ntop(a->ai_family, bytes, text, sizeof text) != nullptr) {
        endpoints.push_back(Endpoint(a->ai_family, text, port_));
      }
    }
    std::sort(endpoints.begin(), endpoints.end());
    endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
    return endpoints;
  }

 private:
  const std::string host_;
  const std::string port_;
};

// Asks one DNS server (dns://server:port/name:port, as gRPC's c-ares resolver does) for the A
// and AAAA records, with glibc's resolver: no search list, two tries of one second each.
class ServerDnsResolver final : public EndpointResolver {
 public:
  ServerDnsResolver(sockaddr_in server, std::string host, std::string port)
      : server_(server), host_(std::move(host)), port_(std::move(port)) {}

  absl::StatusOr<std::vector<std::string>> Resolve() override {
    struct __res_state state {};
    if (res_ninit(&state) != 0) {
      return absl::UnavailableError("cannot initialise the DNS resolver");
    }
    state.nsaddr_list[0] = server_;
    state.nscount = 1;
    state.retrans = 1;
    state.retry = 2;
    std::vector<std::string> endpoints;
    bool answered = false;
    for (auto [type, family] : {std::pair{ns_t_a, AF_INET}, std::pair{ns_t_aaaa, AF_INET6}}) {
      unsigned char answer[4096];
      const int length = res_nquery(&state, host_.c_str(), ns_c_in, type, answer, sizeof answer);
      if (length < 0) {
        answered |= state.res_h_errno == NO_DATA || state.res_h_errno == HOST_NOT_FOUND;
        continue;
      }
      answered = true;
      ns_msg message;
      if (ns_initparse(answer, length, &message) != 0) {
        continue;
      }
      for (int i = 0; i < ns_msg_count(message, ns_s_an); ++i) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, i, &record) != 0 || ns_rr_type(record) != type) {
          continue;
        }
        char text[INET6_ADDRSTRLEN] = {};
        if (inet_ntop(family, ns_rr_rdata(record), text, sizeof text) != nullptr &&
            ns_rr_rdlen(record) == (family == AF_INET ? 4 : 16)) {
          endpoints.push_back(Endpoint(family, text, port_));
        }
      }
    }
    res_nclose(&state);
    if (endpoints.empty()) {
      return absl::UnavailableError(absl::StrCat(
          answered ? "no A or AAAA record for " : "no answer from the DNS server for ", host_));
    }
    std::sort(endpoints.begin(), endpoints.end());
    endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
    return endpoints;
  }

 private:
  const sockaddr_in server_;
  const std::string host_;
  const std::string port_;
};

// "a.b.c.d" or "a.b.c.d:port" (53 when absent). Only IPv4 server addresses are supported.
bool ParseDnsServer(const std::string& text, sockaddr_in& server) {
  std::string host = text;
  std::string port = "53";
  if (text.find(':') != std::string::npos && !SplitHostPort(text, host, port)) {
    return false;
  }
  int number = 0;
  server = sockaddr_in{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(absl::SimpleAtoi(port, &number) ? number : 0));
  return number > 0 && inet_pton(AF_INET, host.c_str(), &server.sin_addr) == 1;
}

}  // namespace

absl::StatusOr<Target> ParseTarget(const std::string& text) {
  Target target;
  absl::string_view rest = text;
  if (absl::ConsumePrefix(&rest, "dns:")) {
    target.kind = Target::Kind::kDns;
    if (absl::ConsumePrefix(&rest, "//")) {
      const size_t slash = rest.find('/');
      if (slash == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            "a dns target is dns:///name:port or dns://server/name:port");
      }
      target.dns_server = std::string(rest.substr(0, slash));
      rest.remove_prefix(slash + 1);
      sockaddr_in server;
      if (!target.dns_server.empty() && !ParseDnsServer(target.dns_server, server)) {
        return absl::InvalidArgumentError(absl::StrCat("bad DNS server ", target.dns_server, " in ",
                                                       text, ": needs an IPv4 address[:port]"));
      }
    }
    if (!SplitHostPort(rest, target.host, target.port)) {
      return absl::InvalidArgumentError(absl::StrCat("bad dns target ", text, ": needs name:port"));
    }
    return target;
  }
  for (const char* scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(rest, scheme)) {
      target.kind = Target::Kind::kStatic;
      rest.remove_prefix(5);
      for (absl::string_view address : absl::StrSplit(rest, ',', absl::SkipEmpty())) {
        std::string host;
        std::string port;
        if (!SplitHostPort(address, host, port)) {
          return absl::InvalidArgumentError(
              absl::StrCat("bad address ", address, " in ", text, ": needs address:port"));
        }
        target.endpoints.push_back(absl::StrCat(scheme, address));
        target.host = host;
        target.port = port;
      }
      if (target.endpoints.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(text, " lists no address"));
      }
      return target;
    }
  }
  target.kind = Target::Kind::kSingle;
  target.endpoints = {text};
  if (!absl::StartsWith(text, "unix:") && !SplitHostPort(text, target.host, target.port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad address ", text, ": needs host:port"));
  }
  return target;
}

std::unique_ptr<EndpointResolver> MakeResolver(const Target& target) {
  if (target.kind != Target::Kind::kDns) {
    return std::make_unique<FixedResolver>(target.endpoints);
  }
  if (target.dns_server.empty()) {
    return std::make_unique<SystemDnsResolver>(target.host, target.port);
  }
  sockaddr_in server{};
  (void)ParseDnsServer(target.dns_server, server);  // ParseTarget checked it
  return std::make_unique<ServerDnsResolver>(server, target.host, target.port);
}

}  // namespace warden::client
