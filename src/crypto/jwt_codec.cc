#include "crypto/jwt_codec.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warden::crypto {
namespace {

using Json = nlohmann::json;

absl::Status Untrusted() { return absl::UnauthenticatedError("untrusted token"); }

// Strict base64url without padding: rejects '=', whitespace and non-canonical trailing bits.
bool DecodeBase64Url(absl::string_view in, std::string& out) {
  if (in.empty() || in.find('=') != absl::string_view::npos) {
    return false;
  }
  if (!absl::WebSafeBase64Unescape(in, &out)) {
    return false;
  }
  return absl::WebSafeBase64Escape(out) == in;
}

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool GetString(const Json& object, const char* name, std::string& out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool GetSeconds(const Json& object, const char* name, int64_t& out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) {
    return false;
  }
  out = it->get<int64_t>();
  return true;
}

}  // namespace

JwtCodec::JwtCodec(SigningKey active, std::vector<SigningKey> also_trusted)
    : active_(std::move(active)), trusted_(std::move(also_trusted)) {
  const Json header = {{"alg", std::string(JwtAlgorithmName(active_.algorithm()))},
                       {"typ", "at+jwt"},
                       {"kid", active_.kid()}};
  encoded_header_ = absl::WebSafeBase64Escape(Dump(header));
}

const SigningKey* JwtCodec::FindKey(absl::string_view kid) const {
  if (kid == active_.kid()) {
    return &active_;
  }
  for (const SigningKey& key : trusted_) {
    if (key.kid() == kid) {
      return &key;
    }
  }
  return nullptr;
}

absl::StatusOr<std::string> JwtCodec::Sign(const core::AccessClaims& claims) const {
  Json payload = {
      {"iss", claims.issuer},     {"aud", claims.audience},      {"sub", claims.subject},
      {"exp", claims.expires_at}, {"iat", claims.issued_at},     {"nbf", claims.not_before},
      {"jti", claims.token_id},   {"username", claims.username}, {"roles", claims.roles},
  };
  if (!claims.session_id.empty()) {
    payload["sid"] = claims.session_id;
  }
  std::string token = absl::StrCat(encoded_header_, ".", absl::WebSafeBase64Escape(Dump(payload)));
  absl::StatusOr<std::string> signature = active_.Sign(token);
  if (!signature.ok()) {
    return signature.status();
  }
  absl::StrAppend(&token, ".", absl::WebSafeBase64Escape(*signature));
  return token;
}

std::string JwtCodec::PeekKid(absl::string_view token) {
  const size_t dot = token.find('.');
  if (dot == absl::string_view::npos || dot > 1024) {
    return "";
  }
  std::string header_text;
  if (!DecodeBase64Url(token.substr(0, dot), header_text)) {
    return "";
  }
  const Json header = Json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  std::string kid;
  if (!header.is_object() || !GetString(header, "kid", kid) || kid.size() > 256) {
    return "";
  }
  return kid;
}

absl::StatusOr<core::AccessClaims> JwtCodec::Verify(absl::string_view token) const {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Untrusted();
  }
  std::string header_text;
  std::string payload_text;
  std::string signature;
  if (!DecodeBase64Url(parts[0], header_text) || !DecodeBase64Url(parts[1], payload_text) ||
      !DecodeBase64Url(parts[2], signature)) {
    return Untrusted();
  }
  const Json header = Json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) {
    return Untrusted();
  }
  std::string alg;
  std::string typ;
  std::string kid;
  if (!GetString(header, "alg", alg) || !GetString(header, "typ", typ) ||
      !GetString(header, "kid", kid) || header.contains("crit")) {
    return Untrusted();
  }
  if (typ != "at+jwt" && typ != "application/at+jwt") {
    return Untrusted();
  }
  const SigningKey* key = FindKey(kid);
  if (key == nullptr || alg != JwtAlgorithmName(key->algorithm())) {
    return Untrusted();
  }
  const absl::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!key->Verify(signing_input, signature)) {
    return Untrusted();
  }

  const Json payload = Json::parse(payload_text, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) {
    return Untrusted();
  }
  core::AccessClaims claims;
  if (!GetString(payload, "iss", claims.issuer) || !GetString(payload, "sub", claims.subject) ||
      !GetString(payload, "jti", claims.token_id) ||
      !GetSeconds(payload, "exp", claims.expires_at) ||
      !GetSeconds(payload, "iat", claims.issued_at) ||
      !GetSeconds(payload, "nbf", claims.not_before)) {
    return Untrusted();
  }
  if (auto aud = payload.find("aud"); aud != payload.end() && aud->is_string()) {
    claims.audience = aud->get<std::string>();
  } else if (aud != payload.end() && aud->is_array() && aud->size() == 1 && (*aud)[0].is_string()) {
    claims.audience = (*aud)[0].get<std::string>();
  } else {
    return Untrusted();
  }
  (void)GetString(payload, "username", claims.username);
  (void)GetString(payload, "sid", claims.session_id);
  if (auto roles = payload.find("roles"); roles != payload.end()) {
    if (!roles->is_array()) {
      return Untrusted();
    }
    for (const Json& role : *roles) {
      if (!role.is_string()) {
        return Untrusted();
      }
      claims.roles.push_back(role.get<std::string>());
    }
  }
  return claims;
}

}  // namespace warden::crypto
