// wardend: the Warden authentication server.
#include <iostream>

#include "absl/strings/str_replace.h"
#include "app/warden_server.h"
#include "common/environment.h"
#include "config/server_config.h"
#include "observability/logging.h"

int main(int argc, char** argv) {
  warden::config::ConfigSources sources{.environment = warden::ProcessEnvironment(),
                                        .args = {argv + 1, argv + argc}};
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
  if (absl::Status logging = warden::observability::ConfigureLogging(config->log_level);
      !logging.ok()) {
    std::cerr << "wardend: " << logging.message() << "\n";
    return 2;
  }
  return warden::app::RunServer(*config);
}
