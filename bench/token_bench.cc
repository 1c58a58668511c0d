// CPU cost of the ValidateToken path, without the network: signature verification per
// algorithm (a cold token) and AuthService::Validate on a token seen before (cache hit).
#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "core/auth_service.h"
#include "crypto/argon2id_hasher.h"
#include "crypto/jwt_codec.h"
#include "crypto/sodium_primitives.h"
#include "storage/memory/testing/fake_auth_ports.h"

namespace warden {
namespace {

core::AccessClaims Claims() {
  return core::AccessClaims{.issuer = "warden",
                            .audience = "warden",
                            .subject = "00000000-0000-4000-8000-000000000000",
                            .username = "bench",
                            .roles = {"user"},
                            .token_id = "jti-bench",
                            .session_id = "sid-bench",
                            .issued_at = 1,
                            .not_before = 1,
                            .expires_at = 4102444800};
}

crypto::SigningKey Key(crypto::JwtAlgorithm algorithm) {
  if (algorithm == crypto::JwtAlgorithm::kHS256) {
    return crypto::SigningKey::FromSecret("0123456789abcdef0123456789abcdef");
  }
  return crypto::SigningKey::Generate(algorithm).value();
}

void BM_JwtVerify(benchmark::State& state) {
  const auto algorithm = static_cast<crypto::JwtAlgorithm>(state.range(0));
  crypto::JwtCodec codec(Key(algorithm));
  const std::string token = codec.Sign(Claims()).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.Verify(token));
  }
  state.SetLabel(std::string(crypto::JwtAlgorithmName(algorithm)));
}
BENCHMARK(BM_JwtVerify)
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kES256))
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kEdDSA))
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kHS256));

void BM_JwtSign(benchmark::State& state) {
  const auto algorithm = static_cast<crypto::JwtAlgorithm>(state.range(0));
  crypto::JwtCodec codec(Key(algorithm));
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.Sign(Claims()));
  }
  state.SetLabel(std::string(crypto::JwtAlgorithmName(algorithm)));
}
BENCHMARK(BM_JwtSign)
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kES256))
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kEdDSA))
    ->Arg(static_cast<int>(crypto::JwtAlgorithm::kHS256));

void BM_ValidateCachedToken(benchmark::State& state) {
  crypto::InitSodium();
  SystemClock clock;
  storage::testing::MemoryAuthState stores;
  crypto::Argon2idPasswordHasher hasher({.iterations = 1, .memory_bytes = 64 * 1024});
  crypto::JwtCodec codec(Key(crypto::JwtAlgorithm::kES256));
  crypto::SodiumRandomSource random;
  crypto::Sha256TokenHasher token_hasher;
  crypto::SodiumTokenSealer sealer;
  auto auth =
      core::AuthService::Create(storage::testing::AuthPortsOver(stores,
                                                                {.hasher = hasher,
                                                                 .codec = codec,
                                                                 .random = random,
                                                                 .token_hasher = token_hasher,
                                                                 .sealer = sealer},
                                                                clock),
                                {})
          .value();
  const std::string token = codec.Sign(Claims()).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(auth->Validate(token));
  }
}
BENCHMARK(BM_ValidateCachedToken);

void BM_Argon2idOwasp(benchmark::State& state) {
  crypto::InitSodium();
  crypto::Argon2idPasswordHasher hasher({});
  const std::string hash = hasher.Hash("bench-password").value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(hasher.Verify("bench-password", hash));
  }
}
BENCHMARK(BM_Argon2idOwasp)->Unit(benchmark::kMillisecond)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace warden

BENCHMARK_MAIN();
