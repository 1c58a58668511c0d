#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

// The one command-line helper of wardend, its subcommands and warden: flags are declared once
// (name, value, environment variable, default, help) and the same declaration parses arguments,
// reads the environment and writes the usage text and the Markdown reference.
namespace warden::flags {

struct Flag {
  std::string name;        // without the leading "--"
  std::string value_name;  // "VALUE", "FILE", ...; empty: a switch (--name or --name=false)
  std::string env;         // environment variable, or empty
  std::string default_text;
  std::string help;

  bool is_switch() const { return value_name.empty(); }
};

struct Parsed {
  std::map<std::string, std::string> values;  // as given; a bare switch is "true"
  std::vector<std::string> positionals;
  std::vector<std::string> passed_on;  // arguments of the `pass_on` set, in order, with values
  std::vector<std::string> problems;   // one sentence each, naming the flag
  bool help = false;                   // --help or -h was given

  bool Has(absl::string_view name) const { return values.contains(std::string(name)); }
  // A switch given bare or as true/1/yes (Parse turns every accepted spelling into true/false).
  bool IsOn(absl::string_view name) const { return Get(name) == "true"; }
  std::optional<std::string> Get(absl::string_view name) const;
};

struct ParseOptions {
  // Positional words allowed (0: none); "--" ends the flags, everything after it is positional.
  size_t max_positionals = 0;
  // Flags of this set are not parsed here but handed on in Parsed::passed_on (the server flags
  // after a subcommand's own).
  const class FlagSet* pass_on = nullptr;
};

class FlagSet {
 public:
  explicit FlagSet(std::vector<Flag> flags);

  const Flag* Find(absl::string_view name) const;
  const std::vector<Flag>& flags() const { return flags_; }

  Parsed Parse(const std::vector<std::string>& args, const ParseOptions& options = {}) const;

  // Values of the declared environment variables that are set and not empty, by flag name.
  std::map<std::string, std::string> FromEnvironment(
      const std::map<std::string, std::string>& environment) const;

  // "  --name VALUE  (ENV)\n      help (default)\n" per flag.
  std::string Usage() const;
  // | Flag | Environment | Default | Meaning |, one row per flag.
  std::string MarkdownTable() const;

 private:
  std::vector<Flag> flags_;
};

// Value checks shared by every flag user; each returns a problem sentence or nullopt.
std::optional<std::string> ParseBool(absl::string_view text, bool& out);
std::optional<std::string> ParseUint32(absl::string_view text, uint32_t& out);

}  // namespace warden::flags
