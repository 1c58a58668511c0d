#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config/server_config.h"

namespace warden::app {

// `wardend audit list [--user-id ID] [--username NAME] [--since-seconds N] [--limit N]`:
// prints the audit trail from the store as JSON lines, oldest first. Returns the exit code.
int RunAuditCommand(const config::ServerConfig& config, const std::vector<std::string>& args,
                    std::ostream& out, std::ostream& err);

}  // namespace warden::app
