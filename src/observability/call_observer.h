#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"

// Everything that watches calls (metrics, access log and spans, the reset budget) sees them
// through one shape, whoever drives it:
//   - Warden's own unary handlers report their calls themselves (server/observed_reactor.h):
//     no grpc++ interceptor runs on those calls at all. Any interceptor costs grpc++ a pass
//     through its interception machinery at every hook point of every call: about 6,000 of a
//     ValidateToken's 70,000 instructions (bench/RESULTS.md "Instructions per call").
//   - Every other call (streams, reflection, unknown methods) is observed by one interceptor.
namespace warden::observability {

// Returns the trace id of a W3C `traceparent` header ("00-<32 hex>-<16 hex>-<2 hex>"), or empty
// when it is absent or malformed (all-zero ids are invalid too).
std::string TraceIdFromTraceparent(absl::string_view traceparent);

// One call as its observers see it. Owned by whoever drives the observation; used by one thread
// at a time.
class CallRecord {
 public:
  CallRecord(absl::string_view method, const grpc::ServerContextBase* context)
      : method_(method), context_(context) {}

  absl::string_view method() const { return method_; }                 // "/package.Service/Method"
  const grpc::ServerContextBase* context() const { return context_; }  // may be null

  // Takes the caller's trace from its `traceparent` header (ignored when malformed).
  void ReadTraceparent(absl::string_view header);
  // The caller's trace id, or a new one made on first use (32 lower-case hex digits).
  const std::string& trace_id();
  const std::string& parent_span_id() const { return parent_span_id_; }  // empty: none

  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point finished;
  int code = 0;                 // the gRPC status code sent, once finished
  absl::string_view principal;  // who the handler says called, once finished (may be empty)

 private:
  absl::string_view method_;
  const grpc::ServerContextBase* context_;
  std::string trace_id_;
  std::string parent_span_id_;
};

// Watches every call of one method; shared by those calls, so thread-safe. Never changes a call.
class MethodObserver {
 public:
  virtual ~MethodObserver() = default;
  virtual void Started(CallRecord& /*call*/) {}
  virtual void Received() {}  // a request message arrived
  virtual void Sent() {}      // a response message is about to be sent
  virtual void Finished(CallRecord& call) = 0;
};

class CallObserverFactory {
 public:
  virtual ~CallObserverFactory() = default;
  // nullptr: nothing to observe on this method.
  virtual std::unique_ptr<MethodObserver> ForMethod(absl::string_view method) = 0;
};

// The observers of one method, in the order their factories were given.
class MethodObservers {
 public:
  MethodObservers(std::string method, const Clock& clock)
      : method_(std::move(method)), clock_(clock) {}
  void Add(std::unique_ptr<MethodObserver> observer) { observers_.push_back(std::move(observer)); }
  bool empty() const { return observers_.empty(); }
  const std::string& method() const { return method_; }

  void Start(CallRecord& call) const;
  void Received() const;
  void Sent() const;
  // Call before the status is handed to grpc++: the call may be gone right after.
  void Finish(CallRecord& call) const;

 private:
  const std::string method_;
  const Clock& clock_;
  absl::InlinedVector<std::unique_ptr<MethodObserver>, 3> observers_;
};

// The server's call observers. Handlers Bind their methods while the server is being built,
// before any listener starts; the interceptor skips the methods bound by then.
class CallObservers {
 public:
  CallObservers(std::vector<std::unique_ptr<CallObserverFactory>> factories, const Clock& clock)
      : factories_(std::move(factories)), clock_(clock) {}

  // The observers of `method`, for a handler that reports its calls itself. Stays valid as long
  // as this object; binding a method twice returns the same observers.
  const MethodObservers* Bind(absl::string_view method);
  // Observers made for one call of a method no handler reports (the interceptor's calls).
  std::unique_ptr<MethodObservers> ForCall(absl::string_view method) const;
  // The methods bound so far.
  absl::flat_hash_set<std::string> BoundMethods() const;
  bool empty() const { return factories_.empty(); }

 private:
  std::unique_ptr<MethodObservers> Make(absl::string_view method) const;

  std::vector<std::unique_ptr<CallObserverFactory>> factories_;
  const Clock& clock_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodObservers>> bound_;
};

// nullptr when `observers` is (nothing observes calls).
const MethodObservers* BindObservers(CallObservers* observers, absl::string_view method);

// The one interceptor: observes the calls of every method not bound when it was made.
class ObservingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservingInterceptorFactory(const CallObservers& observers)
      : observers_(observers), skipped_(observers.BoundMethods()) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const CallObservers& observers_;
  const absl::flat_hash_set<std::string> skipped_;
};

}  // namespace warden::observability
