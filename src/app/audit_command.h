#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "app/wardend_commands.h"

namespace warden::app {

// `wardend audit list [--user-id ID] [--username NAME] [--since-seconds N] [--limit N]`:
// prints the audit trail from the store as JSON lines, oldest first. Returns the exit code.
int RunAuditCommand(const CommandInput& input);

}  // namespace warden::app
