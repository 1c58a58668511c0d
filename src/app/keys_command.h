#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config/server_config.h"

namespace warden::app {

// `wardend keys list|rotate [--immediate]|withdraw KID`: manages the shared signing key ring in
// the store directly (running replicas pick changes up on their next housekeeping tick, within
// seconds). Returns the process exit code.
int RunKeysCommand(const config::ServerConfig& config, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);

}  // namespace warden::app
