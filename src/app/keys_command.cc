#include "app/keys_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "app/stores.h"
#include "common/clock.h"
#include "core/key_rotation.h"
#include "crypto/key_ring.h"
#include "crypto/sodium_primitives.h"

namespace warden::app {
namespace {

std::string Format(core::WallTime t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromChrono(t), absl::UTCTimeZone());
}

absl::StatusOr<crypto::MasterKey> LoadMasterKey(const config::ServerConfig& config) {
  if (!config.tokens.master_key.empty()) {
    return crypto::MasterKey::FromBase64(config.tokens.master_key);
  }
  std::ifstream in(config.data_dir + "/master.key");
  if (!in) {
    return absl::FailedPreconditionError(
        "no master key: set --master-key-file (or run the server once with --dev)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return crypto::MasterKey::FromBase64(text.str());
}

}  // namespace

int RunKeysCommand(const CommandInput& input) {
  const config::ServerConfig& config = input.config;
  const std::vector<std::string>& words = input.own.positionals;
  const std::string& usage = input.usage;
  std::ostream& out = input.out;
  std::ostream& err = input.err;
  if (words.empty()) {
    err << usage;
    return 2;
  }
  if (config.tokens.signing != config::SigningMode::kManaged) {
    err << "wardend keys: the managed key ring is not in use (a fixed key file or HS256 is "
           "configured)\n";
    return 2;
  }
  if (!crypto::InitSodium()) {
    err << "wardend keys: libsodium could not be initialised\n";
    return 1;
  }
  absl::StatusOr<Stores> stores = OpenStores(config, /*migrate=*/config.dev);
  if (!stores.ok()) {
    err << "wardend keys: " << stores.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<crypto::MasterKey> master = LoadMasterKey(config);
  if (!master.ok()) {
    err << "wardend keys: " << master.status().message() << "\n";
    return 2;
  }
  core::SigningKeyStore& store = *stores->signing_keys;
  core::AuditStore& audit = *stores->audit;
  crypto::KeyRing ring(*std::move(master));
  SystemClock clock;
  const core::KeyScheduleOptions schedule{
      .rotation_period = config.tokens.rotation_period,
      .publish_ahead = 2 * config.tokens.jwks_max_age,
      .retire_after = config.tokens.auth.access_ttl + config.tokens.auth.leeway};
  core::KeyRotation rotation(
      {.store = store, .factory = ring, .installer = ring, .clock = clock},
      {.algorithm = config::JwtAlgorithmName(config.tokens.algorithm), .schedule = schedule});

  const std::string& command = words[0];
  const bool immediate = input.own.IsOn("immediate");
  if (command == "list" && words.size() == 1 && !immediate) {
    absl::StatusOr<std::vector<core::SigningKeyRecord>> keys = store.ListSigningKeys();
    if (!keys.ok()) {
      err << "wardend keys: " << keys.status().message() << "\n";
      return 1;
    }
    const core::WallTime now = clock.WallNow();
    const core::KeyPlan plan = core::PlanKeys(*keys, now, schedule);
    for (const core::SigningKeyRecord& key : *keys) {
      std::string state = "retired";
      if (key.withdrawn_at.has_value()) {
        state = "withdrawn";
      } else if (plan.signing_kid == key.kid) {
        state = "signing";
      } else if (key.activate_at > now) {
        state = "next";
      }
      out << key.kid << "  " << key.algorithm << "  " << state << "  activates "
          << Format(key.activate_at) << "\n";
    }
    return 0;
  }
  if (command == "rotate" && words.size() == 1) {
    absl::StatusOr<std::string> kid = rotation.Rotate(immediate);
    if (!kid.ok()) {
      err << "wardend keys: " << kid.status().message() << "\n";
      return 1;
    }
    (void)audit.AppendAuditEvents({core::AuditEvent{
        .at = clock.WallNow(),
        .type = "key_rotated",
        .detail = absl::StrCat("manual: ", *kid, immediate ? " (immediate)" : "")}});
    out << "new key " << *kid << (immediate ? " signs now" : " is published now and signs in ")
        << (immediate ? "" : absl::StrCat(schedule.publish_ahead.count(), "s")) << "\n";
    return 0;
  }
  if (command == "withdraw" && words.size() == 2 && !immediate) {
    absl::Status withdrawn = rotation.Withdraw(words[1]);
    if (!withdrawn.ok()) {
      err << "wardend keys: " << withdrawn.message() << "\n";
      return withdrawn.code() == absl::StatusCode::kNotFound ? 4 : 1;
    }
    (void)audit.AppendAuditEvents(
        {core::AuditEvent{.at = clock.WallNow(), .type = "key_withdrawn", .detail = words[1]}});
    out << "withdrew " << words[1] << ": no longer trusted; servers replace it within seconds\n";
    return 0;
  }
  err << usage;
  return 2;
}

}  // namespace warden::app
