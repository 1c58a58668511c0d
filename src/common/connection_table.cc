#include "common/connection_table.h"

#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace warden {

void ConnectionTable::Add(int fd, ino_t inode, std::string peer) {
  if (fd < 0) {
    return;
  }
  absl::MutexLock lock(&mutex_);
  const size_t index = static_cast<size_t>(fd);
  if (entries_.size() <= index) {
    entries_.resize(index + 1);
  }
  entries_[index] = Entry{.inode = inode, .peer = std::move(peer)};
}

void ConnectionTable::Remove(int fd, ino_t inode) {
  if (fd < 0) {
    return;
  }
  absl::MutexLock lock(&mutex_);
  const size_t index = static_cast<size_t>(fd);
  if (index < entries_.size() && entries_[index].inode == inode) {
    entries_[index] = Entry{};
  }
}

std::string ConnectionTable::Resolve(absl::string_view peer) const {
  int fd = -1;
  if (!absl::StartsWith(peer, "fd:") || !absl::SimpleAtoi(peer.substr(3), &fd) || fd < 0) {
    return std::string(peer);
  }
  // The descriptor is still open while its call runs, so its inode tells whether the entry is
  // this connection's.
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    return std::string(peer);
  }
  absl::ReaderMutexLock lock(&mutex_);
  const size_t index = static_cast<size_t>(fd);
  if (index < entries_.size() && entries_[index].inode == info.st_ino &&
      !entries_[index].peer.empty()) {
    return entries_[index].peer;
  }
  return std::string(peer);
}

}  // namespace warden
