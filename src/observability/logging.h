#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warden::observability {

enum class LogFormat { kJson, kText };

// Sends logs to stdout at `level` (trace, debug, info, warn, error, critical, off): one JSON
// object per line ({"ts","level","logger","msg"}) or plain text. Call once, from main().
absl::Status ConfigureLogging(const std::string& level, LogFormat format = LogFormat::kJson);

// Returns `text` escaped for use inside a JSON string (no surrounding quotes).
std::string JsonEscape(absl::string_view text);

}  // namespace warden::observability
