// wardend: the Warden authentication server.
#include <cstdlib>
#include <iostream>

#include <algorithm>
#include "absl/strings/str_replace.h"

#include "app/audit_command.h"
#include "app/bootstrap_command.h"
#include "app/keys_command.h"
#include "app/stores.h"
#include "app/warden_server.h"
#include "common/environment.h"
#include "config/server_config.h"
#include "observability/logging.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // `wardend keys SUBCOMMAND [ARGS] [server flags]`: the subcommand's own words come first.
  std::vector<std::string> keys_args;  // the subcommand's own words (keys or audit)
  const bool keys_command = !args.empty() && args[0] == "keys";
  const bool audit_command = !args.empty() && args[0] == "audit";
  if (audit_command) {
    // `wardend audit list [--user-id ID] [--username N] [--since-seconds N] [--limit N] ...`
    args.erase(args.begin());
    static const std::vector<std::string> kAuditFlags = {"--user-id", "--username",
                                                         "--since-seconds", "--limit"};
    if (!args.empty()) {
      keys_args.push_back(args[0]);
      args.erase(args.begin());
    }
    while (args.size() >= 2 &&
           std::find(kAuditFlags.begin(), kAuditFlags.end(), args[0]) != kAuditFlags.end()) {
      keys_args.push_back(args[0]);
      keys_args.push_back(args[1]);
      args.erase(args.begin(), args.begin() + 2);
    }
  }
  const bool migrate_command = !args.empty() && args[0] == "migrate";
  if (migrate_command) {
    args.erase(args.begin());  // `wardend migrate [server flags]`
  }
  const bool bootstrap_command = !args.empty() && args[0] == "bootstrap-admin";
  if (bootstrap_command) {
    // `wardend bootstrap-admin --username NAME [--email EMAIL] [--force] [server flags]`
    args.erase(args.begin());
    for (size_t i = 0; i < args.size();) {
      if (args[i] == "--force") {
        keys_args.push_back(args[i]);
        args.erase(args.begin() + i);
      } else if ((args[i] == "--username" || args[i] == "--email") && i + 1 < args.size()) {
        keys_args.push_back(args[i]);
        keys_args.push_back(args[i + 1]);
        args.erase(args.begin() + i, args.begin() + i + 2);
      } else {
        ++i;
      }
    }
  }
  if (keys_command) {
    args.erase(args.begin());
    // "withdraw KID" takes the next word whatever it looks like (a kid may start with '-').
    const size_t words = !args.empty() && args[0] == "withdraw" ? 2 : 0;
    while (!args.empty() &&
           (keys_args.size() < words || !args[0].starts_with("--") || args[0] == "--immediate")) {
      keys_args.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  warden::config::ConfigSources sources{.environment = warden::ProcessEnvironment(),
                                        .args = args,
                                        .needs_signing_key = !migrate_command};
  absl::StatusOr<warden::config::ServerConfig> config = warden::config::LoadServerConfig(sources);
  if (!config.ok()) {
    if (config.status().code() == absl::StatusCode::kCancelled) {
      std::cout << config.status().message();
      return 0;
    }
    std::cerr << "wardend: invalid configuration:\n  "
              << absl::StrReplaceAll(config.status().message(), {{"\n", "\n  "}}) << "\n";
    return 2;
  }
  if (absl::Status logging = warden::observability::ConfigureLogging(
          config->log_level, config->log_format == "text"
                                 ? warden::observability::LogFormat::kText
                                 : warden::observability::LogFormat::kJson);
      !logging.ok()) {
    std::cerr << "wardend: " << logging.message() << "\n";
    return 2;
  }
  if (keys_command) {
    return warden::app::RunKeysCommand(*config, keys_args, std::cout, std::cerr);
  }
  if (audit_command) {
    return warden::app::RunAuditCommand(*config, keys_args, std::cout, std::cerr);
  }
  if (migrate_command) {
    return warden::app::RunMigrateCommand(*config, std::cout, std::cerr);
  }
  if (bootstrap_command) {
    const char* password = std::getenv("WARDEN_BOOTSTRAP_PASSWORD");
    return warden::app::RunBootstrapCommand(*config, keys_args, password ? password : "", std::cin,
                                            std::cout, std::cerr);
  }
  return warden::app::RunServer(*config);
}
