// Start-up to the first answered call: starts a server RUNS times and times each start from the
// exec to the first SERVING answer of grpc.health.v1.Health/Check; prints each time, the median,
// and the server's RSS once it answered (its idle footprint).
//   startup RUNS -- SERVER_COMMAND...
// "{port}" in the command becomes a loopback port the kernel just handed out (bound to port 0,
// then closed). Every wait is bounded (10 s per start); the server is stopped with SIGTERM.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "health/v1/health.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool Connectable(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

long RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[2]) != "--") {
    std::fprintf(stderr, "usage: startup RUNS -- SERVER_COMMAND...\n");
    return 2;
  }
  const int runs = std::stoi(argv[1]);
  std::vector<double> millis;
  for (int run = 0; run < runs; ++run) {
    const int port = FreePort();
    std::vector<std::string> words(argv + 3, argv + argc);
    for (std::string& word : words) {
      if (size_t at = word.find("{port}"); at != std::string::npos) {
        word.replace(at, 6, std::to_string(port));
      }
    }
    std::vector<char*> command;
    for (std::string& word : words) {
      command.push_back(word.data());
    }
    command.push_back(nullptr);
    const Clock::time_point start = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execv(command[0], command.data());
      _exit(127);
    }
    const Clock::time_point give_up = start + std::chrono::seconds(10);
    bool answered = false;
    while (!answered && Clock::now() < give_up) {
      if (!Connectable(port)) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
          "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      grpc::health::v1::HealthCheckResponse response;
      answered = stub->Check(&context, {}, &response).ok() &&
                 response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const long rss = RssKib(pid);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!answered) {
      std::printf("run %d: no answer within 10 s\n", run + 1);
      return 1;
    }
    std::printf("run %d: first answer after %.1f ms, RSS then %.1f MiB\n", run + 1, ms,
                static_cast<double>(rss) / 1024.0);
    millis.push_back(ms);
  }
  std::sort(millis.begin(), millis.end());
  std::printf("start-up to first answer: median %.1f ms, min %.1f, max %.1f over %d runs\n",
              millis[millis.size() / 2], millis.front(), millis.back(), runs);
  return 0;
}
