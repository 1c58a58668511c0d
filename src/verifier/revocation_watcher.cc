#include "verifier/revocation_watcher.h"

#include "warden/v1/keys.grpc.pb.h"

namespace warden::verifier {

RevocationWatcher::RevocationWatcher(std::shared_ptr<grpc::Channel> channel,
                                     core::RevocationList& revocations, Options options)
    : channel_(std::move(channel)), revocations_(revocations), options_(options) {}

RevocationWatcher::~RevocationWatcher() { Stop(); }

void RevocationWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RevocationWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (current_ != nullptr) {
      current_->TryCancel();
    }
  }
  changed_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool RevocationWatcher::WaitForSnapshot(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return have_snapshot_; });
}

void RevocationWatcher::Run() {
  auto stub = ::warden::v1::RevocationService::NewStub(channel_);
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (;;) {
    grpc::ClientContext context;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        return;
      }
      current_ = &context;
    }
    auto reader = stub->WatchRevocations(&context, {});
    ::warden::v1::WatchRevocationsResponse message;
    while (reader->Read(&message)) {
      for (const ::warden::v1::Revocation& r : message.revocations()) {
        core::RevocationEvent event{
            .kind = r.has_token_id() ? core::RevocationEvent::Kind::kToken
                                     : core::RevocationEvent::Kind::kSession,
            .id = r.has_token_id() ? r.token_id() : r.session_id(),
            .expires_at = core::WallTime(std::chrono::seconds(r.expires_at()))};
        if (!event.id.empty()) {
          revocations_.Apply(event);
        }
      }
      if (message.snapshot()) {
        std::lock_guard<std::mutex> lock(mutex_);
        have_snapshot_ = true;
        backoff = options_.initial_backoff;
        changed_.notify_all();
      }
    }
    (void)reader->Finish();
    std::unique_lock<std::mutex> lock(mutex_);
    current_ = nullptr;
    if (changed_.wait_for(lock, backoff, [this] { return stopping_; })) {
      return;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace warden::verifier
