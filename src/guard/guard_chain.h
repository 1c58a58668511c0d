#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "guard/guard.h"

namespace warden::guard {

// The checks of every guard for one method, run in the chain's order; the first refusal ends
// the call. Thread-safe; built by GuardChain::Bind and valid for the chain's life.
class MethodGuard {
 public:
  MethodGuard(std::string method, std::vector<std::unique_ptr<MethodCheck>> checks)
      : method_(std::move(method)), checks_(std::move(checks)) {}
  const std::string& method() const { return method_; }
  // Who the call is from, or the status to finish it with.
  absl::StatusOr<Admitted> Admit(const CallView& call) const;

 private:
  std::string method_;
  std::vector<std::unique_ptr<MethodCheck>> checks_;
};

// The one admission chain every RPC passes at handler entry (grpc++ 1.51 server interceptors
// cannot reject a call). Services take it by reference and bind each of their methods at
// start-up, so a service cannot be built without one; what a chain admits is decided by its
// guards (MakeAdmissionChain for the server's, AllowAll for tests and probe-only listeners).
//
// Thread-safe.
class GuardChain {
 public:
  explicit GuardChain(std::vector<std::unique_ptr<Guard>> guards) : guards_(std::move(guards)) {}
  // A chain without guards: admits every call, anonymously. Say so where it is used.
  static std::unique_ptr<GuardChain> AllowAll();

  // The guard of `method` ("/package.Service/Method"); a method bound twice keeps its first
  // options. Call at start-up: binding builds rate limiters. The reference stays valid.
  const MethodGuard& Bind(absl::string_view method, MethodOptions options = {});

 private:
  std::vector<std::unique_ptr<Guard>> guards_;
  std::mutex mutex_;
  absl::node_hash_map<std::string, MethodGuard> methods_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace warden::guard
