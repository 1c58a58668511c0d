#include "app/wardend_commands.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "app/audit_command.h"
#include "app/bootstrap_command.h"
#include "app/keys_command.h"
#include "app/stores.h"
#include "app/warden_server.h"
#include "observability/logging.h"

namespace warden::app {
namespace {

constexpr int kUsageExit = 2;

std::string UsageOf(const Subcommand& command) {
  std::string out = absl::StrCat("usage: wardend ", command.name, command.name.empty() ? "" : " ",
                                 command.synopsis, "\n");
  if (!command.flags.flags().empty()) {
    absl::StrAppend(&out, command.flags.Usage());
  }
  return out;
}

std::string Overview() {
  std::string out = "wardend: the Warden authentication server\n\nCommands:\n";
  for (const Subcommand& command : WardendCommands()) {
    absl::StrAppend(&out, "  wardend ", command.name, command.name.empty() ? "" : " ",
                    command.synopsis, "\n      ", command.summary, "\n");
  }
  absl::StrAppend(&out, "\n", config::ServerUsage());
  return out;
}

}  // namespace

const std::vector<Subcommand>& WardendCommands() {
  static const auto* commands = new std::vector<Subcommand>{
      {.name = "",
       .synopsis = "[server flags]",
       .summary = "serve gRPC (and HTTP, health) until SIGTERM",
       .flags = flags::FlagSet(std::vector<flags::Flag>{}),
       .run = [](const CommandInput& input) { return RunServer(input.config); }},
      {.name = "migrate",
       .synopsis = "[server flags]",
       .summary = "apply the store's schema migrations and exit (needs no signing key)",
       .flags = flags::FlagSet(std::vector<flags::Flag>{}),
       .needs_signing_key = false,
       .run =
           [](const CommandInput& input) {
             return RunMigrateCommand(input.config, input.out, input.err);
           }},
      {.name = "keys",
       .synopsis = "list | rotate [--immediate] | withdraw [--] KID  [server flags]",
       .summary = "manage the managed signing key ring in the store",
       .flags = flags::FlagSet({flags::Flag{
           .name = "immediate", .help = "rotate: the new key signs at once (not yet cached)"}}),
       .max_words = 2,
       .run = RunKeysCommand},
      {.name = "audit",
       .synopsis = "list [flags]  [server flags]",
       .summary = "print the audit trail from the store as JSON lines, oldest first",
       .flags = flags::FlagSet(
           {{.name = "user-id", .value_name = "ID", .help = "only events of this user"},
            {.name = "username", .value_name = "NAME", .help = "only events naming this user"},
            {.name = "since-seconds", .value_name = "N", .help = "only the last N seconds"},
            {.name = "limit", .value_name = "N", .help = "at most N events (1..100000)"}}),
       .max_words = 1,
       .run = RunAuditCommand},
      {.name = "bootstrap-admin",
       .synopsis = "--username NAME [--email EMAIL] [--force]  [server flags]",
       .summary = "make the first admin (password from WARDEN_BOOTSTRAP_PASSWORD or the first "
                  "line of standard input)",
       .flags = flags::FlagSet(
           {{.name = "username", .value_name = "NAME", .help = "the admin's user name"},
            {.name = "email", .value_name = "EMAIL", .help = "email of a user created now"},
            {.name = "force", .help = "even when an admin exists already"}}),
       .run = RunBootstrapCommand},
  };
  return *commands;
}

int RunWardend(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment, std::istream& in,
               std::ostream& out, std::ostream& err) {
  const Subcommand* command = &WardendCommands().front();
  std::vector<std::string> rest = args;
  if (!rest.empty() && !absl::StartsWith(rest.front(), "-")) {
    command = nullptr;
    for (const Subcommand& candidate : WardendCommands()) {
      if (!candidate.name.empty() && candidate.name == rest.front()) {
        command = &candidate;
      }
    }
    if (command == nullptr) {
      err << "wardend: unknown command '" << rest.front() << "'\n\n" << Overview();
      return kUsageExit;
    }
    rest.erase(rest.begin());
  }
  const std::string usage = UsageOf(*command);
  const flags::Parsed own = command->flags.Parse(
      rest, {.max_positionals = command->max_words, .pass_on = &config::ServerFlags()});
  if (own.help) {
    out << (command->name.empty() ? Overview() : usage + "\n" + config::ServerUsage());
    return 0;
  }
  absl::StatusOr<config::ServerConfig> config =
      config::LoadServerConfig({.environment = environment,
                                .args = own.passed_on,
                                .needs_signing_key = command->needs_signing_key});
  if (!own.problems.empty() || !config.ok()) {
    std::vector<std::string> problems = own.problems;
    if (!config.ok()) {
      problems.emplace_back(config.status().message());
    }
    err << "wardend" << (command->name.empty() ? "" : " ") << command->name
        << ": invalid command line or configuration:\n  "
        << absl::StrReplaceAll(absl::StrJoin(problems, "\n"), {{"\n", "\n  "}}) << "\n"
        << usage;
    return kUsageExit;
  }
  if (absl::Status logging = observability::ConfigureLogging(
          config->observability.log_level,
          config->observability.log_format == config::LogFormat::kText
              ? observability::LogFormat::kText
              : observability::LogFormat::kJson);
      !logging.ok()) {
    err << "wardend: " << logging.message() << "\n";
    return kUsageExit;
  }
  return command->run({.config = *config,
                       .own = own,
                       .environment = environment,
                       .usage = usage,
                       .in = in,
                       .out = out,
                       .err = err});
}

}  // namespace warden::app
