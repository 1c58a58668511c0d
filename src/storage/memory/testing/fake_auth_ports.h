#pragma once

#include "common/testing/fake_clock.h"
#include "core/admin_service.h"
#include "core/auth_service.h"
#include "core/revocation_list.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

namespace warden::storage::testing {

// The crypto ports of the use cases: fakes in unit tests, the real ones in benchmarks.
struct AuthCrypto {
  core::PasswordHasher& hasher;
  core::AccessTokenCodec& codec;
  core::RandomSource& random;
  core::TokenHasher& token_hasher;
  const core::TokenSealer& sealer;
};

// In-memory stores and revocations, the state every auth fixture and benchmark starts from.
struct MemoryAuthState {
  InMemoryUserStore users;
  InMemorySessionStore sessions;
  core::RevocationList revocations;
};

// AuthService's ports over that state (no throttle, events or audit: a test adds what it checks).
inline core::AuthService::Ports AuthPortsOver(MemoryAuthState& state, const AuthCrypto& crypto,
                                              const Clock& clock,
                                              core::RevocationList* revocations = nullptr) {
  return core::AuthService::Ports{
      .users = state.users,
      .sessions = state.sessions,
      .hasher = crypto.hasher,
      .codec = crypto.codec,
      .random = crypto.random,
      .token_hasher = crypto.token_hasher,
      .sealer = crypto.sealer,
      .revocations = revocations != nullptr ? *revocations : state.revocations,
      .clock = clock};
}

// Every port the auth use cases need, as in-memory stores and core fakes, for fixtures to derive
// from (the members are the fixture's own): AuthService and AdminService over the same users,
// sessions, revocations and clock.
class FakeAuthPorts {
 protected:
  // AuthService's ports over the fakes (see AuthPortsOver).
  core::AuthService::Ports AuthPorts() { return AuthPorts(revocations_); }
  core::AuthService::Ports AuthPorts(core::RevocationList& revocations) {
    return AuthPortsOver(state_, Crypto(), clock_, &revocations);
  }
  core::AdminService::Ports AdminPorts() {
    return core::AdminService::Ports{.users = users_,
                                     .sessions = sessions_,
                                     .hasher = hasher_,
                                     .random = random_,
                                     .revocations = revocations_,
                                     .clock = clock_};
  }
  AuthCrypto Crypto() {
    return AuthCrypto{.hasher = hasher_,
                      .codec = codec_,
                      .random = random_,
                      .token_hasher = token_hasher_,
                      .sealer = sealer_};
  }

  MemoryAuthState state_;
  InMemoryUserStore& users_ = state_.users;
  InMemorySessionStore& sessions_ = state_.sessions;
  core::FakePasswordHasher hasher_;
  core::FakeAccessTokenCodec codec_;
  core::FakeRandomSource random_;
  core::FakeTokenHasher token_hasher_;
  core::FakeTokenSealer sealer_;
  core::RevocationList& revocations_ = state_.revocations;
  FakeClock clock_;
};

}  // namespace warden::storage::testing
