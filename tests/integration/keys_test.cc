// warden.v1.KeyService and warden.v1.RevocationService through a real in-process server.
#include <grpcpp/client_context.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "common/testing/status_matchers.h"
#include "server_fixture.h"
#include "warden/v1/keys.grpc.pb.h"

namespace warden::testing {
namespace {

std::string KidOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string header;
  absl::WebSafeBase64Unescape(parts.at(0), &header);
  return nlohmann::json::parse(header)["kid"].get<std::string>();
}

class KeysTest : public ServerFixture {};

TEST_F(KeysTest, GetJwksPublishesTheKeyThatSignsTokens) {
  ASSERT_THAT(client().Register(User("ivy")), IsOk());
  const std::string token = client().Login("ivy", "password-of-ivy")->access_token();
  auto stub = ::warden::v1::KeyService::NewStub(client::MakeChannel(Address()));
  grpc::ClientContext context;
  ::warden::v1::GetJwksResponse response;
  ASSERT_TRUE(stub->GetJwks(&context, {}, &response).ok());
  ASSERT_GE(response.keys_size(), 1);
  EXPECT_EQ(response.keys(0).kid(), KidOf(token));
  EXPECT_EQ(response.keys(0).kty(), "EC");
  EXPECT_EQ(response.keys(0).crv(), "P-256");
  EXPECT_EQ(response.keys(0).alg(), "ES256");
  EXPECT_FALSE(response.keys(0).x().empty());
  EXPECT_GT(response.max_age_seconds(), 0);
  EXPECT_EQ(response.jwks_json(), server_->key_ring().JwksJson());
}

TEST_F(KeysTest, ManualRotationPublishesTheNextKeyBeforeItSigns) {
  ASSERT_NE(server_->key_rotation(), nullptr);
  const std::string before = server_->key_ring().SigningKid();
  absl::StatusOr<std::string> next = server_->key_rotation()->Rotate(/*immediate=*/false);
  ASSERT_THAT(next, IsOk());
  ASSERT_THAT(server_->ProbeForTest(), IsOk());  // a housekeeping tick picks it up
  EXPECT_EQ(server_->key_ring().SigningKid(), before) << "published first, signs later";
  EXPECT_NE(server_->key_ring().JwksJson().find(*next), std::string::npos);
}

TEST_F(KeysTest, RevocationStreamCarriesSnapshotThenLogouts) {
  ASSERT_THAT(client().Register(User("jack")), IsOk());
  const auto login = client().Login("jack", "password-of-jack");
  ASSERT_THAT(login, IsOk());
  auto stub = ::warden::v1::RevocationService::NewStub(client::MakeChannel(Address()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub->WatchRevocations(&context, {});
  ::warden::v1::WatchRevocationsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_TRUE(message.snapshot());
  EXPECT_EQ(message.revocations_size(), 0);

  ASSERT_THAT(client().Logout(login->access_token()), IsOk());
  std::set<std::string> seen;
  while (seen.size() < 2 && reader->Read(&message)) {
    EXPECT_FALSE(message.snapshot());
    for (const auto& revocation : message.revocations()) {
      seen.insert(revocation.has_token_id() ? "jti" : "sid");
      EXPECT_GT(revocation.expires_at(), 0);
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"jti", "sid"}));

  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  while (reader->Read(&message)) {
  }
  EXPECT_TRUE(reader->Finish().ok()) << "draining ends the stream with OK";
}

TEST_F(KeysTest, ReplicasSharingAStoreShareKeysAndTrustEachOthersTokens) {
  // A second replica on the same database and master key (dev mode keeps it in the data dir).
  config::ServerConfig config;
  config.transport.listen = "127.0.0.1:0";
  config.data_dir = dir_.string();
  config.storage.sqlite_path = (dir_ / "warden.db").string();
  config.dev = true;
  config.workers.hash_threads = 1;
  absl::StatusOr<std::unique_ptr<app::WardenServer>> replica = app::WardenServer::Start(config);
  ASSERT_THAT(replica, IsOk());
  EXPECT_EQ((*replica)->key_ring().JwksJson(), server_->key_ring().JwksJson());
  EXPECT_EQ((*replica)->key_ring().SigningKid(), server_->key_ring().SigningKid());

  ASSERT_THAT(client().Register(User("kate")), IsOk());
  const std::string token = client().Login("kate", "password-of-kate")->access_token();
  client::AuthClient other(
      std::make_shared<client::InvokerAuthStub>(std::make_shared<client::GrpcInvoker>(
          client::MakeChannel("127.0.0.1:" + std::to_string((*replica)->port())))),
      {});
  EXPECT_THAT(other.ValidateToken(token), IsOk());
  (*replica)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace
}  // namespace warden::testing
