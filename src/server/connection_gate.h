#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "common/connection_table.h"
#include "guard/client_address.h"

namespace grpc {
class Server;
}

namespace warden::server {

// Accepts the connections of a plaintext gRPC listener itself and hands each one to grpc++ by
// descriptor (grpc::AddInsecureChannelFromFd), so that Warden decides what grpc++ 1.51's own
// listener does not (docs/adr/0016-edge-hardening.md):
//  - a cap on connections in total (derived from RLIMIT_NOFILE unless set) and per client
//    address (trusted proxies exempt); when a cap is reached the connection that has been
//    quiet longest (TCP_INFO last receive) of the address holding the most is closed, so one
//    client's idle or churning connections make room for new clients instead of locking them out;
//  - a deadline for the HTTP/2 client preface, checked before grpc++ sees the connection, and
//    a bound on connections still waiting for one;
//  - an accept loop that survives EMFILE/ENFILE (a reserved descriptor is released to accept
//    and close the newcomer) and every other accept error (CVE-2023-4785 in grpc's own loop).
//
// Thread-safe: one thread of its own runs the loop; Stats() may be read from any thread.
// Keeps references to `table` (filled for every handed-off connection) and, once started, to
// the grpc::Server, which must outlive Stop().
class ConnectionGate {
 public:
  struct Options {
    int max_connections = 0;   // open + waiting; 0: RLIMIT_NOFILE / 2, at most 4096
    int max_per_address = 64;  // 0: no per-address cap
    int max_pending = 256;     // connections that have not sent their preface yet
    std::chrono::milliseconds preface_timeout{5000};
    std::vector<guard::Cidr> exempt;  // addresses without a per-address cap (trusted proxies)
  };

  // Counters since start; gauges are current values.
  struct Stats {
    uint64_t accepted = 0;             // handed to gRPC
    uint64_t evicted_total_cap = 0;    // closed to make room under max_connections
    uint64_t evicted_address_cap = 0;  // closed to make room under max_per_address
    uint64_t refused = 0;              // newcomers closed: no room could be made
    uint64_t penalized = 0;            // newcomers closed: their address flooded resets
    uint64_t preface_timeout = 0;
    uint64_t bad_preface = 0;
    uint64_t pending_overflow = 0;
    uint64_t accept_errors = 0;  // any accept4 error
    uint64_t fd_exhausted = 0;   // of which EMFILE/ENFILE
    int64_t open = 0;            // handed to gRPC and not yet closed
    int64_t pending = 0;
    int64_t max_connections = 0;
    bool accepting = false;  // false once the loop has stopped or failed for > 5 s
  };

  // Binds and listens on `address` ("HOST:PORT", port 0 picks one; IPv4 or [IPv6]).
  static absl::StatusOr<std::unique_ptr<ConnectionGate>> Listen(const std::string& address,
                                                                Options options,
                                                                ConnectionTable& table);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  int port() const { return port_; }
  // Starts the accept thread; connections go to `server` (already started).
  void Start(grpc::Server& server);
  // Stops accepting and closes connections still waiting for their preface. Idempotent.
  void Stop();
  Stats stats() const;

 private:
  struct Conn {
    int fd = -1;
    ino_t inode = 0;
    std::string address;  // client address text, the key of by_address_
    std::string peer;     // "ipv4:1.2.3.4:5678"
    std::chrono::steady_clock::time_point since;
    bool evicting = false;
  };

  ConnectionGate(int listen_fd, int port, Options options, ConnectionTable& table);
  void Loop();
  void OnAcceptable();
  void OnReadable(int fd);
  void Admit(Conn conn);
  void HandOff(Conn conn);
  void DropPending(int fd);
  void ExpirePending();
  void Sweep(bool force);
  bool MakeRoom(const std::string& address, bool address_full);
  bool Exempt(const std::string& address) const;

  const int listen_fd_;
  const int port_;
  Options options_;
  ConnectionTable& table_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;     // eventfd: Stop() wakes the loop
  int reserve_fd_ = -1;  // released on EMFILE to accept and close one newcomer
  grpc::Server* server_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  // Loop thread only.
  std::unordered_map<int, Conn> pending_;  // by fd
  // Oldest first; an entry whose time differs from pending_[fd].since is stale.
  std::deque<std::pair<int, std::chrono::steady_clock::time_point>> pending_order_;
  std::unordered_map<int, Conn> open_;     // by fd
  std::map<std::string, int> by_address_;  // open + pending per client address
  std::chrono::steady_clock::time_point last_sweep_;
  std::chrono::steady_clock::time_point failing_since_{};

  std::atomic<uint64_t> accepted_{0}, evicted_total_{0}, evicted_address_{0}, preface_timeout_{0},
      bad_preface_{0}, refused_{0}, penalized_{0}, pending_overflow_{0}, accept_errors_{0},
      fd_exhausted_{0};
  std::atomic<int64_t> open_count_{0}, pending_count_{0};
  std::atomic<bool> accepting_{false};
};

}  // namespace warden::server
