#include "observability/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_format.h"
#include "common/call_context.h"

namespace warden::observability {
namespace {

// %* : the log message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        JsonEscape(absl::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %& : `,"trace_id":"..."` while the thread works on a call, nothing otherwise.
class TraceIdFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const absl::string_view id = CurrentTraceId();
    if (id.empty()) {
      return;
    }
    constexpr absl::string_view kPrefix = R"(,"trace_id":")";
    dest.append(kPrefix.data(), kPrefix.data() + kPrefix.size());
    const std::string escaped = JsonEscape(id);
    dest.append(escaped.data(), escaped.data() + escaped.size());
    dest.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TraceIdFlag>();
  }
};

}  // namespace

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += absl::StrFormat("\\u%04x", byte);
        } else {
          out += c;
        }
    }
  }
  return out;
}

absl::Status ConfigureLogging(const std::string& level, LogFormat format) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError("unknown log level " + level);
  }
  std::shared_ptr<spdlog::logger> logger = spdlog::get("wardend");
  if (logger == nullptr) {
    // A sink each (a sink owns its formatter); every line is one fwrite on stdout, which glibc
    // locks, so lines of the two loggers never interleave.
    logger = std::make_shared<spdlog::logger>("wardend",
                                              std::make_shared<spdlog::sinks::stdout_sink_mt>());
    spdlog::register_logger(logger);
    auto access = std::make_shared<spdlog::logger>(
        "access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    access->set_pattern("%v");
    access->set_level(spdlog::level::info);
    spdlog::register_logger(access);  // flushed every second (below), not per line
    auto audit = std::make_shared<spdlog::logger>(
        "audit", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    audit->set_pattern("%v");
    audit->set_level(spdlog::level::info);
    audit->flush_on(spdlog::level::info);
    spdlog::register_logger(audit);
  }
  if (format == LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').add_flag<TraceIdFlag>('&').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"wardend","msg":"%*"%&})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l wardend: %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  // Access and audit lines can be many: flush them in bulk at most a second late (and at exit)
  // rather than one write(2) each.
  spdlog::flush_every(std::chrono::seconds(1));
  return absl::OkStatus();
}

}  // namespace warden::observability
