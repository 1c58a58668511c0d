#include "crypto/sodium_primitives.h"

#include <gtest/gtest.h>

#include "crypto/master_key.h"

namespace warden::crypto {
namespace {

TEST(HmacSha256TokenHasherTest, MatchesRfc4231TestCase2) {
  ASSERT_TRUE(InitSodium());
  HmacSha256TokenHasher hasher("Jefe");
  // RFC 4231 4.3: 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843, base64url.
  EXPECT_EQ(hasher.Hash("what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
  EXPECT_NE(HmacSha256TokenHasher("other").Hash("what do ya want for nothing?"),
            hasher.Hash("what do ya want for nothing?"));
}

TEST(MasterKeyTest, SubkeysAreStablePerPurposeAndIndependent) {
  ASSERT_TRUE(InitSodium());
  MasterKey key = MasterKey::Generate();
  MasterKey same = MasterKey::FromBase64(key.ToBase64()).value();
  EXPECT_EQ(key.DeriveSubkey(1, "apikeys"), same.DeriveSubkey(1, "apikeys"));
  EXPECT_EQ(key.DeriveSubkey(1, "apikeys").size(), 32u);
  EXPECT_NE(key.DeriveSubkey(1, "apikeys"), key.DeriveSubkey(2, "apikeys"));
  EXPECT_NE(key.DeriveSubkey(1, "apikeys"), key.DeriveSubkey(1, "other"));
  EXPECT_NE(key.DeriveSubkey(1, "apikeys"), MasterKey::Generate().DeriveSubkey(1, "apikeys"));
}

}  // namespace
}  // namespace warden::crypto

namespace warden::crypto {
namespace {

TEST(SodiumTokenSealerTest, OnlyTheKeyTokenOpensWhatItSealed) {
  ASSERT_TRUE(InitSodium());
  SodiumTokenSealer sealer;
  const std::string sealed = sealer.Seal("wrt_old", "wrt_successor");
  EXPECT_TRUE(sealed.starts_with("v1."));
  EXPECT_EQ(sealed.find("wrt_successor"), std::string::npos);
  EXPECT_EQ(sealer.Open("wrt_old", sealed), "wrt_successor");
  EXPECT_EQ(sealer.Open("wrt_other", sealed), std::nullopt);
  EXPECT_NE(sealer.Seal("wrt_old", "wrt_successor"), sealed) << "a fresh nonce each time";
  // Flip one bit inside the tag. The last character would not do: with 53 bytes sealed its two
  // low bits are padding, which the decoder ignores, so 'A' -> 'B' there changes nothing.
  std::string tampered = sealed;
  char& inside = tampered[tampered.size() - 5];
  inside = inside == 'A' ? 'B' : 'A';
  EXPECT_EQ(sealer.Open("wrt_old", tampered), std::nullopt);
  EXPECT_EQ(sealer.Open("wrt_old", "v1.!!"), std::nullopt);
  EXPECT_EQ(sealer.Open("wrt_old", ""), std::nullopt);
}

}  // namespace
}  // namespace warden::crypto
