#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "app/wardend_commands.h"

namespace warden::app {

// `wardend bootstrap-admin --username NAME [--email EMAIL] [--force]`: makes the first admin,
// explicitly (there is no default password). An unknown NAME is created with EMAIL and the
// password read from WARDEN_BOOTSTRAP_PASSWORD or, failing that, the first line of `in`; an
// existing user gets the admin role (its sessions are revoked so new tokens carry it). Refuses
// when an admin exists already, unless --force. Returns the exit code.
int RunBootstrapCommand(const CommandInput& input);

}  // namespace warden::app
