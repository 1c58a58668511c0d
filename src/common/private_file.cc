#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace warden {
namespace {

absl::Status Failed(absl::string_view what, const std::string& path, int error) {
  return absl::UnavailableError(absl::StrCat("cannot ", what, " ", path, ": ", strerror(error)));
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void SyncDirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

}  // namespace

absl::Status WritePrivateFile(const std::string& path, absl::string_view contents,
                              PrivateFileMode mode) {
  static std::atomic<unsigned> sequence{0};
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid(), ".", sequence.fetch_add(1));
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Failed("create", tmp, errno);
  }
  int error = 0;
  if (fchmod(fd, 0600) != 0 || !WriteAll(fd, contents) || fsync(fd) != 0) {
    error = errno;
  }
  if (close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error != 0) {
    unlink(tmp.c_str());
    return Failed("write", tmp, error);
  }
  if (mode == PrivateFileMode::kCreateNew) {
    const int linked = link(tmp.c_str(), path.c_str());
    error = linked == 0 ? 0 : errno;
    unlink(tmp.c_str());
    if (error == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(path, " already exists"));
    }
    if (error != 0) {
      return Failed("create", path, error);
    }
  } else if (rename(tmp.c_str(), path.c_str()) != 0) {
    error = errno;
    unlink(tmp.c_str());
    return Failed("replace", path, error);
  }
  SyncDirectoryOf(path);
  return absl::OkStatus();
}

}  // namespace warden
