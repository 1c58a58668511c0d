#include "observability/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace warden::observability {

absl::Status ConfigureLogging(const std::string& level) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError("unknown log level " + level);
  }
  std::shared_ptr<spdlog::logger> logger = spdlog::get("wardend");
  if (logger == nullptr) {
    logger = spdlog::stderr_logger_mt("wardend");
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l wardend: %v", spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return absl::OkStatus();
}

}  // namespace warden::observability
