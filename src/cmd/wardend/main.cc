// wardend: the Warden authentication server and its maintenance commands.
#include <iostream>
#include <string>
#include <vector>

#include "app/wardend_commands.h"
#include "common/environment.h"

int main(int argc, char** argv) {
  return warden::app::RunWardend(std::vector<std::string>(argv + 1, argv + argc),
                                 warden::ProcessEnvironment(), std::cin, std::cout, std::cerr);
}
