#include "absl/strings/ascii.h"
#include "storage/postgres/pg_store_support.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {

using pg::S;
using pg::Sql;
using pg::Us;

absl::Status PgAuditStore::AppendAuditEvents(const std::vector<core::AuditEvent>& events) {
  if (events.empty()) {
    return absl::OkStatus();
  }
  return db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    for (const core::AuditEvent& e : events) {
      if (absl::Status s =
              pg::RunOn(conn, Sql().insert_audit_event,
                        {Us(e.at), S(e.type), S(e.user_id), S(absl::AsciiStrToLower(e.username)),
                         S(e.username), S(e.session_id), S(e.detail), S(e.trace_id)});
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<core::AuditEvent>> PgAuditStore::ListAuditEvents(
    const core::AuditQuery& query) {
  std::vector<core::AuditEvent> out;
  absl::Status status = pg::EachLagTolerant(
      db_, replica_, Sql().list_audit_events,
      {S(query.user_id), S(absl::AsciiStrToLower(query.username)),
       query.since.has_value() ? Us(*query.since) : PgParam("0"), std::to_string(query.limit)},
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadAuditEvent(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace warden::storage
