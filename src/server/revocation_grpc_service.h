#pragma once

#include <mutex>
#include <set>

#include "core/revocation_list.h"
#include "server/admission.h"
#include "warden/v1/keys.grpc.pb.h"

namespace warden::server {

// warden.v1.RevocationService: streams the revocation list (a snapshot, then every new entry)
// so verifiers learn of a logout within about a second. Shutdown() ends every stream with OK.
//
// Thread-safe. Keeps a reference to `revocations`, which must outlive it.
class RevocationGrpcService final : public ::warden::v1::RevocationService::CallbackService {
 public:
  RevocationGrpcService(core::RevocationList& revocations, guard::GuardChain& guards);
  ~RevocationGrpcService() override;

  grpc::ServerWriteReactor<::warden::v1::WatchRevocationsResponse>* WatchRevocations(
      grpc::CallbackServerContext* context,
      const ::warden::v1::WatchRevocationsRequest* request) override;

  // Ends every open stream with OK and refuses new ones. Idempotent.
  void Shutdown();
  size_t OpenStreamsForTest() const;

 private:
  class Stream;
  void Forget(Stream* stream);

  core::RevocationList& revocations_;
  mutable std::mutex mutex_;
  std::set<Stream*> streams_;
  bool shut_down_ = false;
  const guard::MethodGuard& watch_guard_;
};

}  // namespace warden::server
