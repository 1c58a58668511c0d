#include "server/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace warden::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kPrefaceSize = sizeof(kPreface) - 1;
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr auto kAddressSweepInterval = std::chrono::milliseconds(20);
constexpr auto kFailingTooLong = std::chrono::seconds(5);
constexpr int kAcceptsPerWakeup = 64;

// Splits "HOST:PORT" / "[V6]:PORT".
bool SplitHostPort(const std::string& address, std::string& host, std::string& port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return false;
  }
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return true;
}

// "ipv4:1.2.3.4:5678" / "ipv6:[::1]:5678", as gRPC names peers; the bare address in `address`.
std::string PeerText(const sockaddr_storage& storage, std::string& address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (storage.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    address = text;
    return absl::StrCat("ipv4:", text, ":", ntohs(in.sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    address = text;
    if (address.rfind("::ffff:", 0) == 0 && address.find('.') != std::string::npos) {
      address = address.substr(7);  // IPv4-mapped: count it with the IPv4 address
    }
    return absl::StrCat("ipv6:[", text, "]:", ntohs(in6.sin6_port));
  }
  address = "unknown";
  return "unknown";
}

// Milliseconds since the connection last received data (its quietness), or 0 if unknown.
uint32_t QuietMs(int fd) {
  tcp_info info{};
  socklen_t size = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) {
    return 0;
  }
  return info.tcpi_last_data_recv;
}

int DefaultMaxConnections() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return 4096;
  }
  // Half the descriptors for connections leaves room for the store, logs and gRPC's own.
  return static_cast<int>(std::clamp<rlim_t>(limit.rlim_cur / 2, 16, 4096));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConnectionGate>> ConnectionGate::Listen(const std::string& address,
                                                                       Options options,
                                                                       ConnectionTable& table) {
  std::string host;
  std::string port;
  if (!SplitHostPort(address, host, port)) {
    return absl::InvalidArgumentError(absl::StrCat("'", address, "' is not HOST:PORT"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(), port.c_str(),
                                 &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve '", address, "': ", gai_strerror(rc)));
  }
  int fd = -1;
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      last_error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", last_error));
  }
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
  const int bound_port = bound.ss_family == AF_INET6
                             ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                             : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
  if (options.max_connections <= 0) {
    options.max_connections = DefaultMaxConnections();
  }
  return std::unique_ptr<ConnectionGate>(
      new ConnectionGate(fd, bound_port, std::move(options), table));
}

ConnectionGate::ConnectionGate(int listen_fd, int port, Options options, ConnectionTable& table)
    : listen_fd_(listen_fd), port_(port), options_(std::move(options)), table_(table) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event);
  event.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
}

ConnectionGate::~ConnectionGate() {
  Stop();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_, reserve_fd_}) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

void ConnectionGate::Start(grpc::Server& server) {
  server_ = &server;
  accepting_.store(true);
  last_sweep_ = SteadyClock::now();
  thread_ = std::thread([this] { Loop(); });
}

void ConnectionGate::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& [fd, conn] : pending_) {
    close(fd);
  }
  pending_.clear();
  pending_count_.store(0);
  accepting_.store(false);
}

ConnectionGate::Stats ConnectionGate::stats() const {
  return Stats{.accepted = accepted_.load(),
               .evicted_total_cap = evicted_total_.load(),
               .evicted_address_cap = evicted_address_.load(),
               .refused = refused_.load(),
               .penalized = penalized_.load(),
               .preface_timeout = preface_timeout_.load(),
               .bad_preface = bad_preface_.load(),
               .pending_overflow = pending_overflow_.load(),
               .accept_errors = accept_errors_.load(),
               .fd_exhausted = fd_exhausted_.load(),
               .open = open_count_.load(),
               .pending = pending_count_.load(),
               .max_connections = options_.max_connections,
               .accepting = accepting_.load()};
}

void ConnectionGate::Loop() {
  epoll_event events[64];
  while (!stopping_.load()) {
    const int n = epoll_wait(epoll_fd_, events, 64, 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        return;
      }
      if (fd == listen_fd_) {
        OnAcceptable();
      } else {
        OnReadable(fd);
      }
    }
    ExpirePending();
    Sweep(/*force=*/false);
  }
}

void ConnectionGate::OnAcceptable() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    sockaddr_storage from{};
    socklen_t size = sizeof(from);
    const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &size,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      }
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      accept_errors_.fetch_add(1);
      const auto now = SteadyClock::now();
      if (failing_since_ == SteadyClock::time_point{}) {
        failing_since_ = now;
      } else if (now - failing_since_ > kFailingTooLong) {
        accepting_.store(false);
      }
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: spend the reserved one to take the newcomer off the queue (else
        // epoll reports it forever), close it, and close a quiet connection to make room.
        fd_exhausted_.fetch_add(1);
        close(reserve_fd_);
        const int refused = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (refused >= 0) {
          close(refused);
        }
        reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        MakeRoom("", /*address_full=*/false);
      }
      return;  // transient (ENOBUFS, ENOMEM, ...): epoll calls again
    }
    failing_since_ = SteadyClock::time_point{};
    accepting_.store(true);
    struct stat info {};
    fstat(fd, &info);
    Conn conn{.fd = fd, .inode = info.st_ino, .since = SteadyClock::now()};
    conn.peer = PeerText(from, conn.address);
    // A number the kernel hands out again means the connection that had it is gone.
    if (auto stale = open_.find(fd); stale != open_.end()) {
      table_.Remove(fd, stale->second.inode);
      if (--by_address_[stale->second.address] <= 0) {
        by_address_.erase(stale->second.address);
      }
      open_.erase(stale);
      open_count_.fetch_sub(1);
    }
    Admit(std::move(conn));
  }
}

bool ConnectionGate::Exempt(const std::string& address) const {
  if (options_.exempt.empty()) {
    return false;
  }
  std::optional<std::array<uint8_t, 16>> ip = guard::ParseIp(address);
  if (!ip.has_value()) {
    return false;
  }
  return std::any_of(options_.exempt.begin(), options_.exempt.end(),
                     [&](const guard::Cidr& cidr) { return cidr.Contains(*ip); });
}

void ConnectionGate::Admit(Conn conn) {
  if (table_.Penalized(conn.address, conn.since)) {  // it flooded resets a moment ago
    penalized_.fetch_add(1);
    close(conn.fd);
    return;
  }
  const bool capped = options_.max_per_address > 0 && !Exempt(conn.address);
  if (capped) {
    auto it = by_address_.find(conn.address);
    if (it != by_address_.end() && it->second >= options_.max_per_address) {
      Sweep(/*force=*/true);
      it = by_address_.find(conn.address);
      if (it != by_address_.end() && it->second >= options_.max_per_address &&
          !MakeRoom(conn.address, /*address_full=*/true)) {
        refused_.fetch_add(1);
        close(conn.fd);
        return;
      }
    }
  }
  if (open_count_.load() + pending_count_.load() >= options_.max_connections) {
    Sweep(/*force=*/true);
    if (open_count_.load() + pending_count_.load() >= options_.max_connections &&
        !MakeRoom("", /*address_full=*/false)) {
      refused_.fetch_add(1);
      close(conn.fd);
      return;
    }
  }
  if (static_cast<int>(pending_.size()) >= options_.max_pending) {
    // Drop the connection that has waited longest for its preface.
    while (!pending_order_.empty()) {
      auto [fd, since] = pending_order_.front();
      pending_order_.pop_front();
      if (auto it = pending_.find(fd); it != pending_.end() && it->second.since == since) {
        pending_overflow_.fetch_add(1);
        DropPending(fd);
        break;
      }
    }
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  event.data.fd = conn.fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn.fd, &event) != 0) {
    close(conn.fd);
    return;
  }
  ++by_address_[conn.address];
  pending_order_.emplace_back(conn.fd, conn.since);
  const int fd = conn.fd;
  pending_.emplace(fd, std::move(conn));
  pending_count_.fetch_add(1);
  OnReadable(fd);  // the preface may already be there
}

void ConnectionGate::OnReadable(int fd) {
  auto it = pending_.find(fd);
  if (it == pending_.end()) {
    return;
  }
  char buffer[kPrefaceSize];
  const ssize_t n = recv(fd, buffer, kPrefaceSize, MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return;
  }
  if (n <= 0) {  // closed or failed before its preface
    DropPending(fd);
    return;
  }
  if (std::memcmp(buffer, kPreface, static_cast<size_t>(n)) != 0) {
    bad_preface_.fetch_add(1);
    DropPending(fd);
    return;
  }
  if (static_cast<size_t>(n) < kPrefaceSize) {
    return;  // a partial preface: wait for the rest (or the deadline)
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  Conn conn = std::move(it->second);
  pending_.erase(it);
  pending_count_.fetch_sub(1);
  HandOff(std::move(conn));
}

void ConnectionGate::HandOff(Conn conn) {
  const int one = 1;
  setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  table_.Add(conn.fd, conn.inode, conn.peer, conn.address);
  const int fd = conn.fd;
  open_.emplace(fd, std::move(conn));
  open_count_.fetch_add(1);
  accepted_.fetch_add(1);
  grpc::AddInsecureChannelFromFd(server_, fd);
}

void ConnectionGate::DropPending(int fd) {
  auto it = pending_.find(fd);
  if (it == pending_.end()) {
    return;
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (--by_address_[it->second.address] <= 0) {
    by_address_.erase(it->second.address);
  }
  pending_.erase(it);
  pending_count_.fetch_sub(1);
  close(fd);
}

void ConnectionGate::ExpirePending() {
  const auto deadline = SteadyClock::now() - options_.preface_timeout;
  while (!pending_order_.empty()) {
    auto [fd, since] = pending_order_.front();
    auto it = pending_.find(fd);
    if (it != pending_.end() && it->second.since == since) {
      if (since > deadline) {
        return;  // every later one is younger
      }
      preface_timeout_.fetch_add(1);
      DropPending(fd);
    }
    pending_order_.pop_front();
  }
}

void ConnectionGate::Sweep(bool force) {
  const auto now = SteadyClock::now();
  if (now - last_sweep_ < (force ? kAddressSweepInterval : kSweepInterval)) {
    return;
  }
  last_sweep_ = now;
  for (auto it = open_.begin(); it != open_.end();) {
    struct stat info {};
    if (fstat(it->first, &info) == 0 && info.st_ino == it->second.inode) {
      ++it;
      continue;
    }
    table_.Remove(it->first, it->second.inode);
    if (--by_address_[it->second.address] <= 0) {
      by_address_.erase(it->second.address);
    }
    it = open_.erase(it);
    open_count_.fetch_sub(1);
  }
}

bool ConnectionGate::MakeRoom(const std::string& address, bool address_full) {
  std::string target = address;
  if (!address_full) {
    int most = 0;
    for (const auto& [name, count] : by_address_) {
      if (count > most) {
        most = count;
        target = name;
      }
    }
    if (most == 0) {
      return false;
    }
  }
  // A connection still waiting for its preface goes first (oldest), then the quietest open one.
  for (const auto& [fd, since] : pending_order_) {
    if (auto it = pending_.find(fd);
        it != pending_.end() && it->second.since == since && it->second.address == target) {
      (address_full ? evicted_address_ : evicted_total_).fetch_add(1);
      DropPending(fd);
      return true;
    }
  }
  auto quietest = open_.end();
  uint32_t quiet_ms = 0;
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->second.address != target) {
      continue;
    }
    const uint32_t quiet = QuietMs(it->first);
    if (quietest == open_.end() || quiet > quiet_ms) {
      quietest = it;
      quiet_ms = quiet;
    }
  }
  if (quietest == open_.end()) {
    return false;
  }
  struct stat info {};
  if (fstat(quietest->first, &info) == 0 && info.st_ino == quietest->second.inode) {
    // gRPC reads EOF and closes the connection (and its descriptor) itself.
    shutdown(quietest->first, SHUT_RDWR);
  }
  table_.Remove(quietest->first, quietest->second.inode);
  if (--by_address_[target] <= 0) {
    by_address_.erase(target);
  }
  open_.erase(quietest);
  open_count_.fetch_sub(1);
  (address_full ? evicted_address_ : evicted_total_).fetch_add(1);
  return true;
}

}  // namespace warden::server
