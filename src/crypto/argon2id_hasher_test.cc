#include "crypto/argon2id_hasher.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "crypto/sodium_primitives.h"

namespace warden::crypto {
namespace {

TEST(Argon2idPasswordHasherTest, UsesOwaspParametersByDefault) {
  ASSERT_TRUE(InitSodium());
  Argon2idPasswordHasher hasher({});
  absl::StatusOr<std::string> hash = hasher.Hash("correct horse battery");
  ASSERT_THAT(hash, IsOk());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_FALSE(hasher.NeedsRehash(*hash));
}

TEST(Argon2idPasswordHasherTest, VerifiesOnlyTheExactPassword) {
  ASSERT_TRUE(InitSodium());
  Argon2idPasswordHasher hasher({.iterations = 1, .memory_bytes = 64 * 1024});
  const std::string password = std::string("pass\0word-with-nul", 18);
  absl::StatusOr<std::string> hash = hasher.Hash(password);
  ASSERT_THAT(hash, IsOk());
  EXPECT_EQ(hasher.Verify(password, *hash).value(), true);
  EXPECT_EQ(hasher.Verify("pass", *hash).value(), false) << "no truncation at NUL";
  EXPECT_EQ(hasher.Verify(password + "x", *hash).value(), false);
}

TEST(Argon2idPasswordHasherTest, LongPasswordsAreNotTruncated) {
  ASSERT_TRUE(InitSodium());
  Argon2idPasswordHasher hasher({.iterations = 1, .memory_bytes = 64 * 1024});
  const std::string long_password(1024, 'a');
  absl::StatusOr<std::string> hash = hasher.Hash(long_password);
  ASSERT_THAT(hash, IsOk());
  EXPECT_EQ(hasher.Verify(long_password, *hash).value(), true);
  EXPECT_EQ(hasher.Verify(std::string(1023, 'a') + "b", *hash).value(), false);
  EXPECT_EQ(hasher.Verify(std::string(72, 'a'), *hash).value(), false);
}

TEST(Argon2idPasswordHasherTest, WeakerHashNeedsRehashAndMalformedIsAnError) {
  ASSERT_TRUE(InitSodium());
  Argon2idPasswordHasher weak({.iterations = 1, .memory_bytes = 64 * 1024});
  Argon2idPasswordHasher strong({});
  EXPECT_TRUE(strong.NeedsRehash(weak.Hash("password1").value()));
  EXPECT_THAT(strong.Verify("x", "$2b$10$notargon"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace warden::crypto
