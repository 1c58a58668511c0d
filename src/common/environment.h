#pragma once

#include <map>
#include <string>

namespace warden {

// Returns the process environment as a map. Only binaries' main() should call it; everything
// else takes the map as an argument.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace warden
