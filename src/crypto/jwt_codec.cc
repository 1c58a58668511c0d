#include "crypto/jwt_codec.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warden::crypto {
namespace {

using Json = nlohmann::json;

absl::Status Untrusted() { return absl::UnauthenticatedError("untrusted token"); }

// The value of a base64url digit, or -1.
int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  return c == '_' ? 63 : -1;
}

// Strict base64url without padding: only the 64 digits (no '=', no whitespace), a length a
// whole number of bytes can have, and zero bits after the last byte (one encoding per value).
bool DecodeBase64Url(absl::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4 == 1) {
    return false;
  }
  for (char c : in) {
    if (Base64UrlValue(c) < 0) {
      return false;
    }
  }
  const int last = Base64UrlValue(in.back());
  if ((in.size() % 4 == 2 && (last & 0x0f) != 0) || (in.size() % 4 == 3 && (last & 0x03) != 0)) {
    return false;
  }
  return absl::WebSafeBase64Unescape(in, &out);
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

std::string EncodedHeader(const SigningKey& key) {
  const Json header = {{"alg", std::string(JwtAlgorithmName(key.algorithm()))},
                       {"typ", "at+jwt"},
                       {"kid", key.kid()}};
  return absl::WebSafeBase64Escape(Dump(header));
}

}  // namespace

JwtCodec::JwtCodec(SigningKey active, std::vector<SigningKey> also_trusted)
    : active_(std::move(active)), trusted_(std::move(also_trusted)) {
  encoded_header_ = EncodedHeader(active_);
  known_headers_.emplace_back(encoded_header_, std::string::npos);
  for (size_t i = 0; i < trusted_.size(); ++i) {
    known_headers_.emplace_back(EncodedHeader(trusted_[i]), i);
  }
}

const SigningKey* JwtCodec::KeyOfKnownHeader(absl::string_view encoded) const {
  for (const auto& [header, index] : known_headers_) {
    if (header == encoded) {
      return index == std::string::npos ? &active_ : &trusted_[index];
    }
  }
  return nullptr;
}

const SigningKey* JwtCodec::KeyOfHeader(absl::string_view encoded) const {
  std::string header_text;
  if (!DecodeBase64Url(encoded, header_text)) {
    return nullptr;
  }
  const Json header = Json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) {
    return nullptr;
  }
  std::string alg;
  std::string typ;
  std::string kid;
  if (!GetString(header, "alg", alg) || !GetString(header, "typ", typ) ||
      !GetString(header, "kid", kid) || header.contains("crit")) {
    return nullptr;
  }
  if (typ != "at+jwt" && typ != "application/at+jwt") {
    return nullptr;
  }
  const SigningKey* key = FindKey(kid);
  if (key == nullptr || alg != JwtAlgorithmName(key->algorithm())) {
    return nullptr;
  }
  return key;
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
  // Warden's own headers are a handful of fixed strings: one of them names its key without a
  // parse. Any other header is parsed and checked (an unknown kid, alg or typ is refused).
  const SigningKey* key = KeyOfKnownHeader(parts[0]);
  if (key == nullptr) {
    key = KeyOfHeader(parts[0]);
  }
  std::string payload_text;
  std::string signature;
  if (key == nullptr || !DecodeBase64Url(parts[1], payload_text) ||
      !DecodeBase64Url(parts[2], signature)) {
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
