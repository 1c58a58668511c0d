#include "common/call_context.h"

namespace warden {
namespace {

thread_local std::string current_trace_id;

}  // namespace

absl::string_view CurrentTraceId() { return current_trace_id; }

ScopedTraceId::ScopedTraceId(std::string trace_id) : previous_(std::move(current_trace_id)) {
  current_trace_id = std::move(trace_id);
}

ScopedTraceId::~ScopedTraceId() { current_trace_id = std::move(previous_); }

}  // namespace warden
