#pragma once

#include "common/testing/fake_clock.h"
#include "core/admin_service.h"
#include "core/auth_service.h"
#include "core/revocation_list.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

namespace warden::storage::testing {

// Every port the auth use cases need, as in-memory stores and core fakes, for fixtures to derive
// from (the members are the fixture's own): AuthService and AdminService over the same users,
// sessions, revocations and clock.
class FakeAuthPorts {
 protected:
  // AuthService's ports (no throttle, events or audit: a test adds what it checks).
  core::AuthService::Ports AuthPorts() { return AuthPorts(revocations_); }
  core::AuthService::Ports AuthPorts(core::RevocationList& revocations) {
    return core::AuthService::Ports{.users = users_,
                                    .sessions = sessions_,
                                    .hasher = hasher_,
                                    .codec = codec_,
                                    .random = random_,
                                    .token_hasher = token_hasher_,
                                    .sealer = sealer_,
                                    .revocations = revocations,
                                    .clock = clock_};
  }
  core::AdminService::Ports AdminPorts() {
    return core::AdminService::Ports{.users = users_,
                                     .sessions = sessions_,
                                     .hasher = hasher_,
                                     .random = random_,
                                     .revocations = revocations_,
                                     .clock = clock_};
  }

  InMemoryUserStore users_;
  InMemorySessionStore sessions_;
  core::FakePasswordHasher hasher_;
  core::FakeAccessTokenCodec codec_;
  core::FakeRandomSource random_;
  core::FakeTokenHasher token_hasher_;
  core::FakeTokenSealer sealer_;
  core::RevocationList revocations_;
  FakeClock clock_;
};

}  // namespace warden::storage::testing
