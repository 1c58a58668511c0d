#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "app/wardend_commands.h"

namespace warden::app {

// `wardend keys list|rotate [--immediate]|withdraw KID`: manages the shared signing key ring in
// the store directly (running replicas pick changes up on their next housekeeping tick, within
// seconds). Returns the process exit code.
int RunKeysCommand(const CommandInput& input);

}  // namespace warden::app
