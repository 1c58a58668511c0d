#include "common/connection_table.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace warden {

void ConnectionTable::Add(int fd, ino_t inode, std::string peer, std::string address) {
  if (fd < 0) {
    return;
  }
  absl::MutexLock lock(&mutex_);
  const size_t index = static_cast<size_t>(fd);
  if (entries_.size() <= index) {
    entries_.resize(index + 1);
  }
  entries_[index] = Entry{.inode = inode, .peer = std::move(peer), .address = std::move(address)};
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

bool ConnectionTable::CountCancelled(absl::string_view peer, TimePoint now) {
  int fd = -1;
  if (options_.reset_budget <= 0 || !absl::StartsWith(peer, "fd:") ||
      !absl::SimpleAtoi(peer.substr(3), &fd) || fd < 0) {
    return false;
  }
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    return false;
  }
  absl::MutexLock lock(&mutex_);
  const size_t index = static_cast<size_t>(fd);
  if (index >= entries_.size() || entries_[index].inode != info.st_ino ||
      entries_[index].peer.empty()) {
    return false;
  }
  Entry& entry = entries_[index];
  if (now - entry.window_start >= std::chrono::seconds(1)) {
    entry.window_start = now;
    entry.cancelled = 0;
  }
  if (++entry.cancelled <= options_.reset_budget) {
    return false;
  }
  // gRPC reads EOF and closes the connection itself; calls still queued on it are cancelled.
  shutdown(fd, SHUT_RDWR);
  if (!entry.address.empty()) {
    penalized_until_[entry.address] = now + options_.penalty;
  }
  ++reset_floods_;
  entry = Entry{};
  return true;
}

bool ConnectionTable::Penalized(const std::string& address, TimePoint now) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = penalized_until_.find(address);
  return it != penalized_until_.end() && it->second > now;
}

uint64_t ConnectionTable::reset_floods() const {
  absl::ReaderMutexLock lock(&mutex_);
  return reset_floods_;
}

}  // namespace warden
