#pragma once

#include <sys/types.h>

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
// Thread-safe.
class ConnectionTable {
 public:
  // Records that descriptor `fd`, whose socket has inode `inode`, is a connection from `peer`
  // (a gRPC-style peer string such as "ipv4:127.0.0.1:5555").
  void Add(int fd, ino_t inode, std::string peer);
  // Forgets `fd` if it still names the socket `inode`.
  void Remove(int fd, ino_t inode);
  // Returns the recorded peer for a gRPC peer string "fd:N", or `peer` itself otherwise (and
  // when nothing is recorded for N).
  std::string Resolve(absl::string_view peer) const;

 private:
  struct Entry {
    ino_t inode = 0;
    std::string peer;
  };
  mutable absl::Mutex mutex_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mutex_);  // indexed by descriptor number
};

}  // namespace warden
