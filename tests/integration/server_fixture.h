#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "app/warden_server.h"
#include "client/auth_client.h"
#include "client/channel.h"
#include "client/grpc_invoker.h"
#include "client/invoker_auth_stub.h"

namespace warden::testing {

// A real wardend (SQLite in a temp dir, dev keys) on 127.0.0.1:0, and a client for it.
class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Adjusts the configuration before the server starts; call from a subclass SetUp first.
  virtual void Configure(config::ServerConfig& /*config*/) {}

  std::string Address() const;
  ::auth::RegisterRequest User(const std::string& name) const;
  client::AuthClient& client() { return *client_; }

  std::filesystem::path dir_;
  std::unique_ptr<app::WardenServer> server_;
  std::shared_ptr<client::InvokerAuthStub> stub_;
  std::unique_ptr<client::AuthClient> client_;
};

}  // namespace warden::testing
