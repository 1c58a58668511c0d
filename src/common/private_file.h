#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warden {

enum class PrivateFileMode {
  kCreateNew,  // never replace an existing file (keys): kAlreadyExists if `path` exists
  kReplace,    // replace `path` atomically (credentials that are rewritten)
};

// Writes a secret to `path`, readable by the owner only from its first byte: the data goes to a
// new sibling file created 0600 with O_EXCL (whatever the umask), is fsynced, then appears at
// `path` in one step (link for kCreateNew, rename for kReplace) and the directory is fsynced.
// Readers see the old file or the whole new one, never a partial or group-readable one; on
// any failure nothing is left behind. Errors name the path (kUnavailable, kAlreadyExists).
absl::Status WritePrivateFile(const std::string& path, absl::string_view contents,
                              PrivateFileMode mode);

}  // namespace warden
