#include "server/http_server.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "server/testing/http_fetch.h"

namespace warden::server {
namespace {

using testing::Fetch;

TEST(HttpServerTest, ServesRoutesWithHeadersAndRefusesTheRest) {
  HttpServer server({.listen = "127.0.0.1:0", .threads = 1});
  server.Route("/hello", [] {
    return HttpResponse{.status = 200,
                        .content_type = "application/json",
                        .body = R"({"hi":1})",
                        .headers = {{"Cache-Control", "max-age=60"}}};
  });
  ASSERT_THAT(server.Start(), IsOk());
  ASSERT_GT(server.port(), 0);
  const std::string ok = Fetch(server.port(), "GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_NE(ok.find("HTTP/1.1 200 OK"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(ok.find("Cache-Control: max-age=60"), std::string::npos);
  EXPECT_NE(ok.find(R"({"hi":1})"), std::string::npos);
  EXPECT_NE(Fetch(server.port(), "GET /nope HTTP/1.0\r\n\r\n").find(" 404 "), std::string::npos);
  EXPECT_NE(Fetch(server.port(), "POST /hello HTTP/1.0\r\nContent-Length: 0\r\n\r\n").find(" 405 "),
            std::string::npos);
  const std::string head = Fetch(server.port(), "HEAD /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.find(R"({"hi":1})"), std::string::npos);
  (void)Fetch(server.port(), "garbage\r\n\r\n");
  EXPECT_NE(Fetch(server.port(), "GET /hello HTTP/1.0\r\n\r\n").find(" 200 "), std::string::npos)
      << "still serving after a malformed request";
  server.Stop();
}

}  // namespace
}  // namespace warden::server
