#include "app/audit_command.h"

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "app/stores.h"
#include "common/clock.h"
#include "observability/logging.h"

namespace warden::app {

int RunAuditCommand(const config::ServerConfig& config, const std::vector<std::string>& args,
                    std::ostream& out, std::ostream& err) {
  const char* usage =
      "usage: wardend audit list [--user-id ID] [--username NAME] [--since-seconds N] "
      "[--limit N]  [server flags]\n";
  if (args.empty() || args[0] != "list") {
    err << usage;
    return 2;
  }
  core::AuditQuery query;
  SystemClock clock;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    int64_t number = 0;
    if (flag == "--user-id") {
      query.user_id = value;
    } else if (flag == "--username") {
      query.username = value;
    } else if (flag == "--since-seconds" && absl::SimpleAtoi(value, &number) && number >= 0) {
      query.since = clock.WallNow() - std::chrono::seconds(number);
    } else if (flag == "--limit" && absl::SimpleAtoi(value, &number) && number > 0) {
      query.limit = static_cast<int>(std::min<int64_t>(number, 100000));
    } else {
      err << usage;
      return 2;
    }
  }
  if (args.size() % 2 == 0) {
    err << usage;
    return 2;
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
