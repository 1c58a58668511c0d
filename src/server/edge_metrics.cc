#include "server/edge_metrics.h"

namespace warden::server {

EdgeMetrics::EdgeMetrics(prometheus::Registry& registry)
    : open_(prometheus::BuildGauge()
                .Name("warden_connections_open")
                .Help("Connections a listener holds now (handed to gRPC or awaiting the preface).")
                .Register(registry)),
      max_(prometheus::BuildGauge()
               .Name("warden_connections_max")
               .Help("The listener's connection cap (--max-connections).")
               .Register(registry)),
      accepted_(prometheus::BuildCounter()
                    .Name("warden_connections_accepted_total")
                    .Help("Connections that sent an HTTP/2 preface and were handed to gRPC.")
                    .Register(registry)),
      closed_(prometheus::BuildCounter()
                  .Name("warden_connections_closed_total")
                  .Help("Connections Warden closed itself, by reason: address_cap and total_cap "
                        "(the quietest connection closed to make room), refused (no room could be "
                        "made), reset_flood_penalty (the address flooded resets), preface_timeout, "
                        "bad_preface (not HTTP/2), pending_overflow, reset_flood (a connection "
                        "cancelled more calls per second than the budget).")
                  .Register(registry)),
      accept_errors_(prometheus::BuildCounter()
                         .Name("warden_accept_errors_total")
                         .Help("accept() failures by kind: fd_exhausted (EMFILE/ENFILE), other.")
                         .Register(registry)),
      up_(prometheus::BuildGauge()
              .Name("warden_listener_up")
              .Help("1 while the listener accepts new connections; 0 means restart the process.")
              .Register(registry)),
      resident_(prometheus::BuildGauge()
                    .Name("process_resident_memory_bytes")
                    .Help("Resident memory size in bytes.")
                    .Register(registry)
                    .Add({})),
      open_fds_(prometheus::BuildGauge()
                    .Name("process_open_fds")
                    .Help("Number of open file descriptors.")
                    .Register(registry)
                    .Add({})),
      max_fds_(prometheus::BuildGauge()
                   .Name("process_max_fds")
                   .Help("Maximum number of open file descriptors (soft RLIMIT_NOFILE).")
                   .Register(registry)
                   .Add({})),
      trims_(prometheus::BuildCounter()
                 .Name("warden_memory_trims_total")
                 .Help("Times freed heap memory was given back to the kernel after a spike.")
                 .Register(registry)
                 .Add({})),
      trimmed_bytes_(prometheus::BuildCounter()
                         .Name("warden_memory_trimmed_bytes_total")
                         .Help("Resident bytes given back by those trims.")
                         .Register(registry)
                         .Add({})) {}

void EdgeMetrics::Advance(prometheus::Counter& counter, const std::string& key, uint64_t total) {
  uint64_t& reported = reported_[key];
  if (total > reported) {
    counter.Increment(static_cast<double>(total - reported));
    reported = total;
  }
}

void EdgeMetrics::UpdateListener(const std::string& name, const ConnectionGate::Stats& stats) {
  std::lock_guard lock(mutex_);
  open_.Add({{"listener", name}}).Set(static_cast<double>(stats.open + stats.pending));
  max_.Add({{"listener", name}}).Set(static_cast<double>(stats.max_connections));
  up_.Add({{"listener", name}}).Set(stats.accepting ? 1 : 0);
  Advance(accepted_.Add({{"listener", name}}), name + "/accepted", stats.accepted);
  const std::pair<const char*, uint64_t> reasons[] = {{"address_cap", stats.evicted_address_cap},
                                                      {"total_cap", stats.evicted_total_cap},
                                                      {"refused", stats.refused},
                                                      {"preface_timeout", stats.preface_timeout},
                                                      {"reset_flood_penalty", stats.penalized},
                                                      {"bad_preface", stats.bad_preface},
                                                      {"pending_overflow", stats.pending_overflow}};
  for (const auto& [reason, total] : reasons) {
    Advance(closed_.Add({{"listener", name}, {"reason", reason}}), name + "/closed/" + reason,
            total);
  }
  Advance(accept_errors_.Add({{"listener", name}, {"kind", "fd_exhausted"}}), name + "/errors/fd",
          stats.fd_exhausted);
  Advance(accept_errors_.Add({{"listener", name}, {"kind", "other"}}), name + "/errors/other",
          stats.accept_errors - std::min(stats.accept_errors, stats.fd_exhausted));
}

void EdgeMetrics::UpdateResetFloods(uint64_t total) {
  std::lock_guard lock(mutex_);
  Advance(closed_.Add({{"listener", "grpc"}, {"reason", "reset_flood"}}), "reset_flood", total);
}

void EdgeMetrics::SetListenerUp(const std::string& name, bool up) {
  std::lock_guard lock(mutex_);
  up_.Add({{"listener", name}}).Set(up ? 1 : 0);
}

void EdgeMetrics::UpdateProcess(const MemoryTrimmer* trimmer) {
  std::lock_guard lock(mutex_);
  resident_.Set(static_cast<double>(ResidentBytes()));
  open_fds_.Set(static_cast<double>(OpenFileCount()));
  max_fds_.Set(static_cast<double>(OpenFileLimit()));
  if (trimmer != nullptr) {
    Advance(trims_, "trims", trimmer->trims());
    Advance(trimmed_bytes_, "trimmed", static_cast<uint64_t>(trimmer->released_bytes()));
  }
}

}  // namespace warden::server
