#include "core/api_key_service.h"

#include <algorithm>
#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/call_context.h"
#include "core/store_errors.h"
#include "core/validation.h"

namespace warden::core {
namespace {

constexpr absl::string_view kPrefix = "wdn_";
constexpr size_t kIdChars = 12;
constexpr size_t kSecretChars = 32;
constexpr size_t kChecksumChars = 6;
constexpr size_t kKeyLength = 4 + kIdChars + 1 + kSecretChars + kChecksumChars;
constexpr absl::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

absl::Status InvalidKey() { return absl::UnauthenticatedError("invalid API key"); }

// CRC-32 (IEEE 802.3), as GitHub's token checksums use.
uint32_t Crc32(absl::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) {
        c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      }
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string Base62(uint64_t value, size_t width) {
  std::string out(width, '0');
  for (size_t i = width; i-- > 0;) {
    out[i] = kAlphabet[value % 62];
    value /= 62;
  }
  return out;
}

// Unbiased: bytes >= 248 (4 x 62) are dropped.
std::string RandomBase62(RandomSource& random, size_t count) {
  std::string out;
  while (out.size() < count) {
    for (unsigned char byte : random.Bytes(count * 2)) {
      if (byte < 248 && out.size() < count) {
        out.push_back(kAlphabet[byte % 62]);
      }
    }
  }
  return out;
}

bool IsBase62(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return kAlphabet.find(c) != absl::string_view::npos; });
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::optional<std::string> ApiKeyService::IdOfWellFormed(absl::string_view key) {
  if (key.size() != kKeyLength || !absl::StartsWith(key, kPrefix) ||
      key[kPrefix.size() + kIdChars] != '_') {
    return std::nullopt;
  }
  const absl::string_view id = key.substr(kPrefix.size(), kIdChars);
  const absl::string_view secret = key.substr(kPrefix.size() + kIdChars + 1, kSecretChars);
  const absl::string_view checksum = key.substr(key.size() - kChecksumChars);
  if (!IsBase62(id) || !IsBase62(secret) || !IsBase62(checksum)) {
    return std::nullopt;
  }
  if (Base62(Crc32(key.substr(0, key.size() - kChecksumChars)), kChecksumChars) != checksum) {
    return std::nullopt;
  }
  return absl::StrCat(kPrefix, id);
}

absl::StatusOr<NewApiKey> ApiKeyService::Create(const Principal& actor, absl::string_view name,
                                                std::vector<std::string> roles,
                                                std::chrono::seconds ttl) {
  if (name.empty() || name.size() > 64 || HasControlCharacter(name)) {
    return absl::InvalidArgumentError("name: must be 1 to 64 printable characters");
  }
  if (ttl.count() < 0 || ttl > options_.max_ttl) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttl_seconds: must be 0 (never expires) up to ", options_.max_ttl.count()));
  }
  if (roles.size() > 32) {
    return absl::InvalidArgumentError("roles: at most 32 roles");
  }
  for (const std::string& role : roles) {
    if (absl::Status valid = ValidateRoleName(role); !valid.ok()) {
      return valid;
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  const std::string id = RandomBase62(ports_.random, kIdChars);
  const std::string body =
      absl::StrCat(kPrefix, id, "_", RandomBase62(ports_.random, kSecretChars));
  NewApiKey made;
  made.secret = absl::StrCat(body, Base62(Crc32(body), kChecksumChars));
  const WallTime now = ports_.clock.WallNow();
  made.record = ApiKeyRecord{
      .id = absl::StrCat(kPrefix, id),
      .name = std::string(name),
      .hash = ports_.keyed_hasher.Hash(made.secret),
      .roles = std::move(roles),
      .created_by = absl::StrCat(PrincipalKindName(actor.kind), ":", actor.name),
      .created_at = now,
  };
  if (ttl.count() > 0) {
    made.record.expires_at = now + ttl;
  }
  if (absl::Status s = ports_.store.CreateApiKey(made.record); !s.ok()) {
    return FromStore(s, "");
  }
  if (ports_.audit != nullptr) {
    ports_.audit->Record(AuditEvent{
        .at = now,
        .type = "api_key_created",
        .detail =
            absl::StrCat(made.record.id, " \"", made.record.name, "\" roles [",
                         absl::StrJoin(made.record.roles, ","), "] by ", made.record.created_by),
        .trace_id = std::string(CurrentTraceId())});
  }
  return made;
}

absl::StatusOr<std::vector<ApiKeyRecord>> ApiKeyService::List(bool include_revoked) {
  absl::StatusOr<std::vector<ApiKeyRecord>> keys = ports_.store.ListApiKeys(include_revoked);
  if (!keys.ok()) {
    return FromStore(keys.status(), "");
  }
  for (ApiKeyRecord& key : *keys) {
    key.hash.clear();  // never leaves the service
  }
  return keys;
}

absl::Status ApiKeyService::Revoke(const Principal& actor, absl::string_view id) {
  if (!IsWellFormedId(id)) {
    return absl::InvalidArgumentError("id: is not an API key id");
  }
  const WallTime now = ports_.clock.WallNow();
  if (absl::Status s = ports_.store.RevokeApiKey(id, now); !s.ok()) {
    return FromStore(s, "id: no such API key");
  }
  {
    std::lock_guard lock(mutex_);
    cache_.erase(id);
  }
  if (ports_.audit != nullptr) {
    ports_.audit->Record(AuditEvent{
        .at = now,
        .type = "api_key_revoked",
        .detail = absl::StrCat(id, " by ", PrincipalKindName(actor.kind), ":", actor.name),
        .trace_id = std::string(CurrentTraceId())});
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> ApiKeyService::Authenticate(absl::string_view key) {
  std::optional<std::string> id = IdOfWellFormed(key);
  if (!id.has_value()) {
    return InvalidKey();
  }
  const auto steady_now = ports_.clock.SteadyNow();
  std::optional<ApiKeyRecord> record;
  bool touch = false;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(*id);
    if (it != cache_.end() && steady_now - it->second.fetched < options_.cache_ttl) {
      record = it->second.record;
      if (steady_now - it->second.touched >= options_.touch_interval) {
        it->second.touched = steady_now;
        touch = true;
      }
    }
  }
  if (!record.has_value()) {
    absl::StatusOr<ApiKeyRecord> found = ports_.store.FindApiKey(*id);
    if (!found.ok()) {
      if (found.status().code() == absl::StatusCode::kNotFound) {
        return InvalidKey();
      }
      return FromStore(found.status(), "");
    }
    record = *std::move(found);
    std::lock_guard lock(mutex_);
    if (cache_.size() >= options_.cache_capacity) {
      cache_.clear();  // rare (more live keys than the capacity): start over
    }
    cache_.insert_or_assign(
        *id, Cached{.record = *record, .fetched = steady_now, .touched = steady_now});
    touch = true;
  }
  if (!ConstantTimeEquals(ports_.keyed_hasher.Hash(key), record->hash)) {
    return InvalidKey();
  }
  const WallTime now = ports_.clock.WallNow();
  if (record->revoked_at.has_value() ||
      (record->expires_at.has_value() && now >= *record->expires_at)) {
    return InvalidKey();
  }
  if (touch && ports_.defer) {
    ports_.defer([store = &ports_.store, key_id = record->id, now] {
      (void)store->TouchApiKey(key_id, now);
    });
  }
  return Principal{.kind = Principal::Kind::kApiKey,
                   .id = record->id,
                   .name = record->name,
                   .roles = record->roles};
}

}  // namespace warden::core
