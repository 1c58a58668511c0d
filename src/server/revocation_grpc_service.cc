#include "server/revocation_grpc_service.h"

#include <chrono>
#include <deque>

namespace warden::server {

using ::warden::v1::WatchRevocationsResponse;

namespace {

void AddTo(WatchRevocationsResponse& response, const core::RevocationEvent& event) {
  ::warden::v1::Revocation* revocation = response.add_revocations();
  if (event.kind == core::RevocationEvent::Kind::kToken) {
    revocation->set_token_id(event.id);
  } else {
    revocation->set_session_id(event.id);
  }
  revocation->set_expires_at(
      std::chrono::duration_cast<std::chrono::seconds>(event.expires_at.time_since_epoch())
          .count());
}

}  // namespace

// One WatchRevocations stream: batches events that arrive while a write is in flight.
class RevocationGrpcService::Stream final
    : public grpc::ServerWriteReactor<WatchRevocationsResponse> {
 public:
  Stream(RevocationGrpcService& service) : service_(service) {}

  // Starts with the snapshot, then listens. Called once, before the reactor is returned.
  void Begin(std::vector<core::RevocationEvent> snapshot) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Events pushed between Subscribe and now are already in pending_: they ride along with the
    // snapshot (a duplicate is harmless), so the first message is always the snapshot.
    pending_.set_snapshot(true);
    for (const core::RevocationEvent& event : snapshot) {
      AddTo(pending_, event);
    }
    has_pending_ = true;
    begun_ = true;
    WriteLocked();
  }

  void Push(const core::RevocationEvent& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) {
      return;
    }
    AddTo(pending_, event);
    has_pending_ = true;
    if (begun_) {
      WriteLocked();
    }
  }

  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    ending_ = true;
    WriteLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    WriteLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    service_.Forget(this);
    delete this;
  }

  uint64_t listener = 0;

 private:
  void WriteLocked() {
    if (finished_ || writing_) {
      return;
    }
    if (has_pending_) {
      in_flight_ = std::move(pending_);
      pending_.Clear();
      has_pending_ = false;
      writing_ = true;
      StartWrite(&in_flight_);
      return;
    }
    if (ending_) {
      FinishLocked(grpc::Status::OK);
    }
  }

  void FinishLocked(const grpc::Status& status) {
    if (!finished_) {
      finished_ = true;
      Finish(status);
    }
  }

  RevocationGrpcService& service_;
  std::mutex mutex_;
  WatchRevocationsResponse pending_;
  WatchRevocationsResponse in_flight_;
  bool has_pending_ = false;
  bool begun_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
};

RevocationGrpcService::RevocationGrpcService(core::RevocationList& revocations,
                                             Admission* admission)
    : revocations_(revocations), admission_(admission) {
  if (admission_ != nullptr) {
    watch_gate_ = &admission_->GateFor("/warden.v1.RevocationService/WatchRevocations");
  }
}

RevocationGrpcService::~RevocationGrpcService() { Shutdown(); }

grpc::ServerWriteReactor<WatchRevocationsResponse>* RevocationGrpcService::WatchRevocations(
    grpc::CallbackServerContext* context,
    const ::warden::v1::WatchRevocationsRequest* /*request*/) {
  if (auto* refused =
          RefuseStreamIfDenied<WatchRevocationsResponse>(admission_, watch_gate_, *context)) {
    return refused;
  }
  auto* stream = new Stream(*this);
  std::lock_guard<std::mutex> lock(mutex_);
  streams_.insert(stream);
  // Subscribe before the snapshot, so nothing falls between them (a duplicate is harmless).
  stream->listener =
      revocations_.Subscribe([stream](const core::RevocationEvent& e) { stream->Push(e); });
  stream->Begin(revocations_.Snapshot());
  if (shut_down_) {
    stream->End();
  }
  return stream;
}

void RevocationGrpcService::Forget(Stream* stream) {
  revocations_.Unsubscribe(stream->listener);
  std::lock_guard<std::mutex> lock(mutex_);
  streams_.erase(stream);
}

void RevocationGrpcService::Shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shut_down_ = true;
  for (Stream* stream : streams_) {
    stream->End();
  }
}

size_t RevocationGrpcService::OpenStreamsForTest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return streams_.size();
}

}  // namespace warden::server
