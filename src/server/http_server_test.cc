#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/testing/status_matchers.h"

namespace warden::server {
namespace {

// Sends one raw HTTP/1.0 request to 127.0.0.1:port and returns the whole response.
std::string Fetch(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  (void)write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

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
