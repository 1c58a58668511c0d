#include "app/audit_command.h"

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "app/stores.h"
#include "common/clock.h"
#include "observability/logging.h"

namespace warden::app {

int RunAuditCommand(const CommandInput& input) {
  const config::ServerConfig& config = input.config;
  const flags::Parsed& own = input.own;
  std::ostream& out = input.out;
  std::ostream& err = input.err;
  if (own.positionals.empty() || own.positionals[0] != "list") {
    err << input.usage;
    return 2;
  }
  core::AuditQuery query;
  SystemClock clock;
  query.user_id = own.Get("user-id").value_or("");
  query.username = own.Get("username").value_or("");
  int64_t number = 0;
  if (std::optional<std::string> since = own.Get("since-seconds")) {
    if (!absl::SimpleAtoi(*since, &number) || number < 0) {
      err << "wardend audit: --since-seconds must be a number >= 0\n" << input.usage;
      return 2;
    }
    query.since = clock.WallNow() - std::chrono::seconds(number);
  }
  if (std::optional<std::string> limit = own.Get("limit")) {
    if (!absl::SimpleAtoi(*limit, &number) || number <= 0) {
      err << "wardend audit: --limit must be a number > 0\n" << input.usage;
      return 2;
    }
    query.limit = static_cast<int>(std::min<int64_t>(number, 100000));
  }
  absl::StatusOr<Stores> stores = OpenStores(config, /*migrate=*/config.dev);
  if (!stores.ok()) {
    err << "wardend audit: " << stores.status().message() << "\n";
    return 1;
  }
  core::AuditStore& store = *stores->audit;
  absl::StatusOr<std::vector<core::AuditEvent>> events = store.ListAuditEvents(query);
  if (!events.ok()) {
    err << "wardend audit: " << events.status().message() << "\n";
    return 1;
  }
  using observability::JsonEscape;
  for (const core::AuditEvent& e : *events) {
    out << "{\"seq\":" << e.seq << ",\"ts\":\""
        << absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromChrono(e.at), absl::UTCTimeZone())
        << "\",\"event\":\"" << JsonEscape(e.type) << "\",\"user_id\":\"" << JsonEscape(e.user_id)
        << "\",\"username\":\"" << JsonEscape(e.username) << "\",\"session_id\":\""
        << JsonEscape(e.session_id) << "\",\"detail\":\"" << JsonEscape(e.detail)
        << "\",\"trace_id\":\"" << JsonEscape(e.trace_id) << "\"}\n";
  }
  return 0;
}

}  // namespace warden::app
