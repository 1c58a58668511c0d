#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "common/flags.h"
#include "config/server_config.h"

// wardend's subcommands in one table: each names its own flags and words, which come before the
// server flags (`wardend keys rotate --immediate --store postgres://...`).
namespace warden::app {

struct CommandInput {
  const config::ServerConfig& config;
  const flags::Parsed& own;  // the subcommand's own flags and words
  const std::map<std::string, std::string>& environment;
  const std::string& usage;  // the subcommand's usage line, for its own refusals
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

struct Subcommand {
  std::string name;      // empty: the server itself (no subcommand word)
  std::string synopsis;  // what follows the name in the usage line
  std::string summary;
  flags::FlagSet flags;
  size_t max_words = 0;
  bool needs_signing_key = true;
  std::function<int(const CommandInput&)> run;
};

// The table, the server first.
const std::vector<Subcommand>& WardendCommands();

// Runs `wardend [COMMAND] [its flags and words] [server flags]`; returns the exit code (2 for a
// bad command line or configuration).
int RunWardend(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment, std::istream& in,
               std::ostream& out, std::ostream& err);

}  // namespace warden::app
