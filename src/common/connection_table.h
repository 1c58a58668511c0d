#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace warden {

// The client address of each connection Warden accepted itself and handed to gRPC by file
// descriptor. grpc++ 1.51 names such a connection's peer "fd:N", so whoever needs the real
// address (rate limits, logs) looks it up here. Entries are keyed by descriptor number and
// checked against the socket's inode, so a reused number never answers with an old address.
//
// It also enforces a budget of cancelled calls per connection: grpc++ 1.51 has no limit on
// streams a client opens and resets at once (HTTP/2 Rapid Reset, CVE-2023-44487), so a
// connection that cancels more than `reset_budget` calls within a second is shut down, and its
// client address refused new connections for `penalty`.
//
// Thread-safe.
class ConnectionTable {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Options {
    int reset_budget = 200;  // cancelled calls per connection per second; 0: no budget
    std::chrono::milliseconds penalty{10000};
  };

  ConnectionTable() : ConnectionTable(Options{}) {}
  explicit ConnectionTable(Options options) : options_(options) {}

  // Records that descriptor `fd`, whose socket has inode `inode`, is a connection from `peer`
  // (a gRPC-style peer string such as "ipv4:127.0.0.1:5555") whose client address is `address`.
  void Add(int fd, ino_t inode, std::string peer, std::string address = "");
  // Forgets `fd` if it still names the socket `inode`.
  void Remove(int fd, ino_t inode);
  // Returns the recorded peer for a gRPC peer string "fd:N", or `peer` itself otherwise (and
  // when nothing is recorded for N).
  std::string Resolve(absl::string_view peer) const;
  // Counts a call the client cancelled on connection `peer` ("fd:N"). Returns true when that
  // puts the connection over its budget: it has then been shut down and its address penalized.
  bool CountCancelled(absl::string_view peer, TimePoint now);
  // Whether new connections from `address` are refused for now.
  bool Penalized(const std::string& address, TimePoint now) const;
  // Connections shut down for going over the reset budget, since start.
  uint64_t reset_floods() const;

 private:
  struct Entry {
    ino_t inode = 0;
    std::string peer;
    std::string address;
    TimePoint window_start{};
    int cancelled = 0;
  };
  const Options options_;
  mutable absl::Mutex mutex_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mutex_);  // indexed by descriptor number
  std::map<std::string, TimePoint> penalized_until_ ABSL_GUARDED_BY(mutex_);
  uint64_t reset_floods_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace warden
