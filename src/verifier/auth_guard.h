#pragma once

#include <map>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "verifier/token_verifier.h"

namespace warden::verifier {

// Who is calling, as the guard admitted them.
struct Principal {
  bool authenticated = false;  // false for public methods
  std::string user_id;
  std::string username;
  std::vector<std::string> roles;
  int64_t expires_at = 0;
};

// Admission for a grpc++ service protected by Warden tokens: the seed's AuthInterceptor done
// right, as a guard called at handler entry (grpc++ 1.51 server interceptors cannot reject a
// call). Public methods (health, reflection, and any listed) pass; every other method needs a
// valid `authorization: Bearer` token, and the roles its policy names (any one of them).
//
// Thread-safe. Keeps a reference to `verifier`.
class AuthGuard {
 public:
  struct MethodPolicy {
    bool is_public = false;
    std::vector<std::string> any_of_roles;  // empty: any authenticated caller
  };
  struct Options {
    // Full method names, e.g. "/example.v1.GreeterService/Greet".
    std::map<std::string, MethodPolicy> methods;
    // Methods under these prefixes are public.
    std::vector<std::string> public_prefixes = {"/grpc.health.v1.Health/",
                                                "/grpc.reflection.v1alpha.ServerReflection/",
                                                "/grpc.reflection.v1.ServerReflection/"};
  };

  AuthGuard(TokenVerifier& verifier, Options options)
      : verifier_(verifier), options_(std::move(options)) {}

  // Returns OK and fills `principal`, or UNAUTHENTICATED / PERMISSION_DENIED with a message.
  grpc::Status Admit(absl::string_view method, const grpc::ServerContextBase& context,
                     Principal& principal) const;

 private:
  TokenVerifier& verifier_;
  const Options options_;
};

}  // namespace warden::verifier
