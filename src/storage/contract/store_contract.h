#pragma once

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"

namespace warden::storage {

// A backend under test: its stores, and whatever owns their connection.
struct StoreSet {
  std::shared_ptr<void> owner;
  std::unique_ptr<core::UserStore> users;
  std::unique_ptr<core::SessionStore> sessions;
  std::unique_ptr<core::SigningKeyStore> signing_keys;
  std::unique_ptr<core::AuditStore> audit;
  std::unique_ptr<core::ApiKeyStore> api_keys;
};

struct StoreFactory {
  std::string name;
  std::function<StoreSet()> make;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

// The behaviour every UserStore and SessionStore must show, written once and instantiated per
// backend with INSTANTIATE_TEST_SUITE_P(Backend, StoreContract, ...).
class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { stores_ = GetParam().make(); }
  core::UserStore& users() { return *stores_.users; }
  core::SessionStore& sessions() { return *stores_.sessions; }
  core::SigningKeyStore& signing_keys() { return *stores_.signing_keys; }
  core::AuditStore& audit() { return *stores_.audit; }
  core::ApiKeyStore& api_keys() { return *stores_.api_keys; }

 private:
  StoreSet stores_;
};

inline const core::WallTime kContractNow = core::WallTime(std::chrono::seconds(1'800'000'000));
core::User ContractUser(const std::string& name, std::string email = "");
core::Session ContractSession(std::string id, std::string user_id);

// StoreContract with user "alice" and her session "s1" (refresh hash "h1") in place.
class SessionContract : public StoreContract {
 protected:
  void SetUp() override;
  // Rotates with "sealed:<next>" as the sealed successor.
  absl::StatusOr<core::RotateResult> Rotate(std::string presented, std::string next,
                                            core::WallTime now, std::chrono::seconds grace);
  std::string user_id_;
};

}  // namespace warden::storage
