#include "observability/audit_writer.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "observability/logging.h"

namespace warden::observability {

AuditWriter::AuditWriter(core::AuditStore& store, Options options)
    : store_(store), options_(options) {}

AuditWriter::~AuditWriter() { Stop(); }

void AuditWriter::Record(core::AuditEvent event) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(event));
  }
  wake_.notify_one();
}

void AuditWriter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AuditWriter::Stop(std::chrono::milliseconds deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) {
      return;
    }
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + deadline;
  }
  wake_.notify_all();
  thread_.join();
}

void AuditWriter::FlushForTest() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.notify_all();
  drained_.wait(lock, [this] { return queue_.empty() && in_flight_ == 0; });
}

size_t AuditWriter::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

std::string AuditWriter::ToJson(const core::AuditEvent& event) {
  return absl::StrFormat(
      R"({"ts":"%s","level":"info","logger":"audit","event":"%s","user_id":"%s",)"
      R"("username":"%s","session_id":"%s","detail":"%s","trace_id":"%s"})",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromChrono(event.at), absl::UTCTimeZone()),
      JsonEscape(event.type), JsonEscape(event.user_id), JsonEscape(event.username),
      JsonEscape(event.session_id), JsonEscape(event.detail), JsonEscape(event.trace_id));
}

void AuditWriter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.flush_interval,
                   [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    if (queue_.empty()) {
      drained_.notify_all();
      if (stopping_) {
        return;
      }
      continue;
    }
    const size_t count = std::min(queue_.size(), options_.max_batch);
    std::vector<core::AuditEvent> batch(queue_.begin(), queue_.begin() + count);
    in_flight_ = count;
    lock.unlock();
    const absl::Status written = store_.AppendAuditEvents(batch);
    if (written.ok()) {
      if (auto logger = spdlog::get("audit")) {
        for (const core::AuditEvent& event : batch) {
          logger->info(ToJson(event));
        }
      }
    } else {
      spdlog::error("audit trail: cannot write {} event(s), will retry: {}", count,
                    std::string(written.message()));
    }
    lock.lock();
    in_flight_ = 0;
    if (written.ok()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
    } else if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
      spdlog::error("audit trail: giving up on {} event(s) at shutdown", queue_.size());
      dropped_ += queue_.size();
      queue_.clear();
    } else {
      // Back off before retrying the same batch.
      wake_.wait_for(lock, options_.flush_interval, [] { return false; });
    }
  }
}

}  // namespace warden::observability
