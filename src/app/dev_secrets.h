#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "crypto/master_key.h"

// The secrets `wardend --dev` makes for itself under the data directory, so a first run needs
// no key management. Both are written owner-only from the first byte (WritePrivateFile) and
// reused on the next start.
namespace warden::app {

// `data_dir`/master.key: read, or generated on first use. kInvalidArgument for a corrupt file.
absl::StatusOr<crypto::MasterKey> DevMasterKey(const std::string& data_dir);

// `data_dir`/hs256.secret: read when it holds at least 32 bytes, otherwise generated (32 random
// bytes, web-safe base64) and written in its place.
absl::StatusOr<std::string> DevHs256Secret(const std::string& data_dir);

}  // namespace warden::app
