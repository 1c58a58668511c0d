#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "core/revocation_list.h"

namespace warden::verifier {

// Keeps `revocations` in step with Warden's warden.v1.RevocationService stream: applies the
// snapshot and every later revocation; reconnects with backoff (up to `max_backoff`) when the
// stream ends. Runs on its own thread between Start() and Stop().
//
// Thread-safe. Keeps a reference to `revocations`.
class RevocationWatcher {
 public:
  struct Options {
    std::chrono::milliseconds initial_backoff = std::chrono::milliseconds(200);
    std::chrono::milliseconds max_backoff = std::chrono::seconds(5);
  };
  RevocationWatcher(std::shared_ptr<grpc::Channel> channel, core::RevocationList& revocations,
                    Options options);
  ~RevocationWatcher();

  void Start();
  // Ends the stream and joins the thread. Idempotent.
  void Stop();
  // Blocks until a snapshot has been applied, or `timeout` passes. Returns whether it was.
  bool WaitForSnapshot(std::chrono::milliseconds timeout);

 private:
  void Run();

  std::shared_ptr<grpc::Channel> channel_;
  core::RevocationList& revocations_;
  const Options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool have_snapshot_ = false;
  grpc::ClientContext* current_ = nullptr;
  std::thread thread_;
};

}  // namespace warden::verifier
