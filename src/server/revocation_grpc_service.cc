#include "server/revocation_grpc_service.h"

#include <chrono>
#include <deque>

#include "server/queued_write_reactor.h"

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

// One WatchRevocations stream: the snapshot first, then every event, batched while a write is
// in flight.
class RevocationGrpcService::Stream final : public QueuedWriteReactor<WatchRevocationsResponse> {
 public:
  // Held until Begin, so events pushed between Subscribe and the snapshot ride along with it
  // (a duplicate is harmless) and the first message is always the snapshot.
  explicit Stream(RevocationGrpcService& service)
      : QueuedWriteReactor(/*held=*/true), service_(service) {}

  // Called once, before the reactor is returned.
  void Begin(const std::vector<core::RevocationEvent>& snapshot) {
    Queue([&snapshot](WatchRevocationsResponse& pending, const WatchRevocationsResponse*) {
      pending.set_snapshot(true);
      for (const core::RevocationEvent& event : snapshot) {
        AddTo(pending, event);
      }
      return true;
    });
    Release();
  }

  void Push(const core::RevocationEvent& event) {
    Queue([&event](WatchRevocationsResponse& pending, const WatchRevocationsResponse*) {
      AddTo(pending, event);
      return true;
    });
  }

  uint64_t listener = 0;

 private:
  void Forget() override { service_.Forget(this); }

  RevocationGrpcService& service_;
};

RevocationGrpcService::RevocationGrpcService(core::RevocationList& revocations,
                                             guard::GuardChain& guards)
    : revocations_(revocations),
      watch_guard_(BindMethod<::warden::v1::RevocationService>(guards, "WatchRevocations")) {}

RevocationGrpcService::~RevocationGrpcService() { Shutdown(); }

grpc::ServerWriteReactor<WatchRevocationsResponse>* RevocationGrpcService::WatchRevocations(
    grpc::CallbackServerContext* context,
    const ::warden::v1::WatchRevocationsRequest* /*request*/) {
  if (auto* refused = RefuseStreamIfDenied<WatchRevocationsResponse>(watch_guard_, *context)) {
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
