#pragma once

#include <map>
#include <string>
#include <vector>

#include "guard/call.h"

namespace warden::guard::testing {

// A call as a test describes it: a peer, request headers (a key may repeat) and the identities
// of a verified client certificate.
class FakeCall final : public CallView {
 public:
  FakeCall& WithPeer(std::string peer) {
    peer_ = std::move(peer);
    return *this;
  }
  FakeCall& WithHeader(std::string key, std::string value) {
    headers_.emplace(std::move(key), std::move(value));
    return *this;
  }
  FakeCall& WithCertificate(std::vector<std::string> identities) {
    identities_ = std::move(identities);
    return *this;
  }

  std::string Peer() const override { return peer_; }
  HeaderValue Header(absl::string_view key) const override {
    auto [begin, end] = headers_.equal_range(std::string(key));
    if (begin == end) {
      return {};
    }
    return HeaderValue{.value = begin->second,
                       .count = static_cast<int>(std::distance(begin, end))};
  }
  std::vector<std::string> CertificateIdentities() const override { return identities_; }

 private:
  std::string peer_ = "ipv4:192.0.2.10:40000";
  std::multimap<std::string, std::string> headers_;
  std::vector<std::string> identities_;
};

}  // namespace warden::guard::testing
