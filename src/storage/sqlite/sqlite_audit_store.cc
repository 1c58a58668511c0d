#include "absl/strings/ascii.h"
#include "storage/sqlite/sqlite_store_support.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::storage {

using sql::ToMicros;
using sqlite::Each;
using sqlite::RunOn;
using sqlite::Sql;

absl::Status SqliteAuditStore::AppendAuditEvents(const std::vector<core::AuditEvent>& events) {
  if (events.empty()) {
    return absl::OkStatus();
  }
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    for (const core::AuditEvent& event : events) {
      if (absl::Status s = RunOn(db, Sql().insert_audit_event,
                                 [&](SqliteStatement& st) {
                                   st.Bind(1, ToMicros(event.at))
                                       .Bind(2, event.type)
                                       .Bind(3, event.user_id)
                                       .Bind(4, absl::AsciiStrToLower(event.username))
                                       .Bind(5, event.username)
                                       .Bind(6, event.session_id)
                                       .Bind(7, event.detail)
                                       .Bind(8, event.trace_id);
                                 });
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<core::AuditEvent>> SqliteAuditStore::ListAuditEvents(
    const core::AuditQuery& query) {
  std::vector<core::AuditEvent> out;
  const std::string username_key = absl::AsciiStrToLower(query.username);
  absl::Status status = Each(
      db_, false, Sql().list_audit_events,
      [&](SqliteStatement& st) {
        st.Bind(1, query.user_id)
            .Bind(2, username_key)
            .Bind(3, query.since.has_value() ? ToMicros(*query.since) : int64_t{0})
            .Bind(4, static_cast<int64_t>(query.limit));
      },
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadAuditEvent(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace warden::storage
