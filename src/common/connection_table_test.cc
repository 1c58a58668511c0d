#include "common/connection_table.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace warden {
namespace {

ino_t InodeOf(int fd) {
  struct stat info {};
  fstat(fd, &info);
  return info.st_ino;
}

TEST(ConnectionTableTest, ResolvesARecordedDescriptorToItsPeer) {
  ConnectionTable table;
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  table.Add(fd, InodeOf(fd), "ipv4:203.0.113.9:4444");
  EXPECT_EQ(table.Resolve("fd:" + std::to_string(fd)), "ipv4:203.0.113.9:4444");
  close(fd);
}

TEST(ConnectionTableTest, PassesOtherPeersThrough) {
  ConnectionTable table;
  EXPECT_EQ(table.Resolve("ipv4:127.0.0.1:5000"), "ipv4:127.0.0.1:5000");
  EXPECT_EQ(table.Resolve("fd:notanumber"), "fd:notanumber");
  EXPECT_EQ(table.Resolve("fd:999999"), "fd:999999");
}

TEST(ConnectionTableTest, ANumberReusedByAnotherFileDoesNotAnswerWithTheOldPeer) {
  ConnectionTable table;
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  table.Add(fd, InodeOf(fd) + 12345, "ipv4:203.0.113.9:4444");  // some other socket's inode
  EXPECT_EQ(table.Resolve("fd:" + std::to_string(fd)), "fd:" + std::to_string(fd));
  close(fd);
}

TEST(ConnectionTableTest, RemoveForgetsOnlyTheSameSocket) {
  ConnectionTable table;
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const ino_t inode = InodeOf(fd);
  table.Add(fd, inode, "ipv4:203.0.113.9:4444");
  table.Remove(fd, inode + 1);
  EXPECT_EQ(table.Resolve("fd:" + std::to_string(fd)), "ipv4:203.0.113.9:4444");
  table.Remove(fd, inode);
  EXPECT_EQ(table.Resolve("fd:" + std::to_string(fd)), "fd:" + std::to_string(fd));
  close(fd);
}

}  // namespace
}  // namespace warden
