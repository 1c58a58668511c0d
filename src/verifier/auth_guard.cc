#include "verifier/auth_guard.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/bearer.h"

namespace warden::verifier {

grpc::Status AuthGuard::Admit(absl::string_view method, const grpc::ServerContextBase& context,
                              Principal& principal) const {
  principal = Principal{};
  MethodPolicy policy;
  if (auto it = options_.methods.find(std::string(method)); it != options_.methods.end()) {
    policy = it->second;
  }
  for (const std::string& prefix : options_.public_prefixes) {
    if (absl::StartsWith(method, prefix)) {
      policy.is_public = true;
    }
  }
  if (policy.is_public) {
    return grpc::Status::OK;
  }
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  absl::string_view token;
  if (begin != end && std::next(begin) == end) {
    token = BearerToken(absl::string_view(begin->second.data(), begin->second.size()));
  }
  if (token.empty()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing bearer token");
  }
  absl::StatusOr<core::AccessClaims> claims = verifier_.Verify(token);
  if (!claims.ok()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(core::kInvalidToken));
  }
  if (!policy.any_of_roles.empty()) {
    bool allowed = false;
    for (const std::string& role : claims->roles) {
      for (const std::string& needed : policy.any_of_roles) {
        allowed = allowed || role == needed;
      }
    }
    if (!allowed) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          absl::StrCat("requires role ", absl::StrJoin(policy.any_of_roles, " or ")));
    }
  }
  principal = Principal{.authenticated = true,
                        .user_id = claims->subject,
                        .username = claims->username,
                        .roles = claims->roles,
                        .expires_at = claims->expires_at};
  return grpc::Status::OK;
}

}  // namespace warden::verifier
