#include "app/signing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "crypto/sodium_primitives.h"
#include "storage/memory/memory_stores.h"

namespace warden::app {
namespace {

namespace fs = std::filesystem;
using Mode = config::SigningMode;

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitSodium());
    config_.data_dir = fs::temp_directory_path() / ("warden-signing-" + std::to_string(getpid()));
    fs::create_directories(config_.data_dir);
  }
  void TearDown() override { fs::remove_all(config_.data_dir); }

  config::ServerConfig config_;
  storage::InMemorySigningKeyStore store_;
  FakeClock clock_;
};

TEST_F(SigningTest, Hs256WithTheConfiguredSecretSignsHs256) {
  config_.tokens.signing = Mode::kHs256;
  config_.tokens.hs256_secret = std::string(32, 's');
  absl::StatusOr<Signing> signing = MakeSigning(config_, std::nullopt, store_, clock_);
  ASSERT_THAT(signing, IsOk());
  EXPECT_EQ(signing->rotation, nullptr);
  EXPECT_EQ(signing->signing_since, clock_.WallNow());
}

TEST_F(SigningTest, TheManagedRingNeedsAMasterKeyAndSignsFromTheFirstCall) {
  config_.tokens.signing = Mode::kManaged;
  EXPECT_THAT(MakeSigning(config_, std::nullopt, store_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs a master key"));
  absl::StatusOr<Signing> signing =
      MakeSigning(config_, crypto::MasterKey::Generate(), store_, clock_);
  ASSERT_THAT(signing, IsOk());
  ASSERT_NE(signing->rotation, nullptr);
  EXPECT_THAT(signing->key_ring->Algorithms(), ::testing::ElementsAre("ES256"));
  EXPECT_LE(signing->signing_since, clock_.WallNow());
}

TEST_F(SigningTest, AMissingKeyFileIsAnErrorNamingIt) {
  config_.tokens.signing = Mode::kStaticKey;
  config_.tokens.signing_key_file = (fs::path(config_.data_dir) / "absent.pem").string();
  absl::StatusOr<Signing> signing = MakeSigning(config_, std::nullopt, store_, clock_);
  EXPECT_FALSE(signing.ok());
  EXPECT_THAT(std::string(signing.status().message()), ::testing::HasSubstr("absent.pem"));
}

TEST_F(SigningTest, TheDevMasterKeyIsKeptAcrossStarts) {
  config_.dev = true;
  absl::StatusOr<std::optional<crypto::MasterKey>> first = ResolveMasterKey(config_);
  ASSERT_THAT(first, IsOk());
  ASSERT_TRUE(first->has_value());
  absl::StatusOr<std::optional<crypto::MasterKey>> again = ResolveMasterKey(config_);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->ToBase64(), (*first)->ToBase64());
  config_.dev = false;
  absl::StatusOr<std::optional<crypto::MasterKey>> none = ResolveMasterKey(config_);
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace warden::app
