#include "server/key_grpc_service.h"

#include <nlohmann/json.hpp>

namespace warden::server {

grpc::ServerUnaryReactor* KeyGrpcService::GetJwks(grpc::CallbackServerContext* context,
                                                  const ::warden::v1::GetJwksRequest* /*request*/,
                                                  ::warden::v1::GetJwksResponse* response) {
  ObservedUnaryReactor* reactor = StartObserved(get_jwks_.observers, *context);
  if (!AdmitOrFinish(*get_jwks_.guard, *context, reactor).has_value()) {
    return reactor;
  }
  const std::string json = jwks_json_();
  const nlohmann::json jwks = nlohmann::json::parse(json, nullptr, false);
  if (jwks.is_object() && jwks.contains("keys") && jwks["keys"].is_array()) {
    for (const nlohmann::json& key : jwks["keys"]) {
      ::warden::v1::Jwk* jwk = response->add_keys();
      auto text = [&key](const char* name) {
        auto it = key.find(name);
        return it != key.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      jwk->set_kty(text("kty"));
      jwk->set_crv(text("crv"));
      jwk->set_x(text("x"));
      jwk->set_y(text("y"));
      jwk->set_kid(text("kid"));
      jwk->set_alg(text("alg"));
      jwk->set_use(text("use"));
    }
  }
  response->set_jwks_json(json);
  response->set_max_age_seconds(max_age_.count());
  reactor->Complete(grpc::Status::OK);
  return reactor;
}

}  // namespace warden::server
