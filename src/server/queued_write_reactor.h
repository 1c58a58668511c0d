#pragma once

#include <grpcpp/support/server_callback.h>

#include <mutex>

#include "absl/functional/function_ref.h"

namespace warden::server {

// A server-streaming reactor with at most one write in flight. Whatever arrives while a write is
// in flight is folded into the one message waiting to go (the subclass says how: replace a
// status, append events), so a slow client costs one pending message, never a growing queue.
// Deletes itself when gRPC is done with the call, after Forget().
//
// Thread-safe: Queue, Release and End may be called from any thread.
template <typename Response>
class QueuedWriteReactor : public grpc::ServerWriteReactor<Response> {
 public:
  // Changes the message waiting to go; `last_sent` is the message most recently handed to gRPC
  // (nullptr before the first). Returns whether there is something to send.
  using Update = absl::FunctionRef<bool(Response& pending, const Response* last_sent)>;

  // Applies `update` and writes when no write is in flight. Ignored once the stream finished.
  void Queue(Update update) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) {
      return;
    }
    has_pending_ = update(pending_, sent_any_ ? &in_flight_ : nullptr);
    WriteLocked();
  }
  // Starts writing what was queued (a reactor made `held` queues without writing).
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = false;
    WriteLocked();
  }
  // Finishes the call with OK once the pending message is written.
  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    ending_ = true;
    WriteLocked();
  }

  void OnWriteDone(bool ok) final {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    WriteLocked();
  }
  void OnCancel() final {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  void OnDone() final {
    Forget();
    delete this;
  }

 protected:
  explicit QueuedWriteReactor(bool held = false) : held_(held) {}
  ~QueuedWriteReactor() override = default;
  // Called once, when gRPC is done with the call, just before the reactor deletes itself: the
  // place to drop it from whatever registry knows it.
  virtual void Forget() = 0;

 private:
  void WriteLocked() {
    if (finished_ || writing_ || held_) {
      return;
    }
    if (has_pending_) {
      in_flight_ = std::move(pending_);
      pending_.Clear();
      has_pending_ = false;
      sent_any_ = true;
      writing_ = true;
      this->StartWrite(&in_flight_);
      return;
    }
    if (ending_) {
      FinishLocked(grpc::Status::OK);
    }
  }
  void FinishLocked(const grpc::Status& status) {
    if (!finished_) {
      finished_ = true;
      this->Finish(status);
    }
  }

  std::mutex mutex_;
  Response pending_;
  Response in_flight_;  // also the last message sent, once sent_any_
  bool has_pending_ = false;
  bool sent_any_ = false;
  bool held_;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
};

}  // namespace warden::server
