#include "server_fixture.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"

namespace warden::testing {

void ServerFixture::SetUp() {
  static int counter = 0;
  dir_ =
      std::filesystem::temp_directory_path() / absl::StrCat("warden-it-", getpid(), "-", counter++);
  config::ServerConfig config;
  config.transport.listen = "127.0.0.1:0";
  config.data_dir = dir_.string();
  config.storage.sqlite_path = (dir_ / "warden.db").string();
  config.dev = true;
  config.workers.hash_threads = 2;
  Configure(config);
  absl::StatusOr<std::unique_ptr<app::WardenServer>> server = app::WardenServer::Start(config);
  ASSERT_THAT(server, IsOk());
  server_ = *std::move(server);
  stub_ = std::make_shared<client::InvokerAuthStub>(
      std::make_shared<client::GrpcInvoker>(client::MakeChannel(Address())));
  client_ = std::make_unique<client::AuthClient>(stub_, client::AuthClient::Options{});
}

void ServerFixture::TearDown() {
  client_.reset();
  stub_.reset();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_.reset();
  }
  std::filesystem::remove_all(dir_);
}

std::string ServerFixture::Address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

::auth::RegisterRequest ServerFixture::User(const std::string& name) const {
  ::auth::RegisterRequest request;
  request.set_username(name);
  request.set_email(name + "@example.com");
  request.set_password("password-of-" + name);
  request.set_full_name("User " + name);
  return request;
}

}  // namespace warden::testing
