#pragma once

#include <memory>
#include <vector>

#include <grpcpp/support/server_interceptor.h>

// Everything that watches calls (metrics, access log and spans, the reset budget) shares one
// grpc++ interceptor: each interceptor of its own costs grpc++ another pass through its
// interception machinery at every hook point of every call (bench/RESULTS.md "Instructions per
// call": three interceptors were 13,000 instructions of a 75,000-instruction ValidateToken).
namespace warden::observability {

// One call's observer: sees each interception point of the call; never proceeds, hijacks or
// fails the call (the shared interceptor proceeds once every observer has looked).
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void Observe(grpc::experimental::InterceptorBatchMethods& batch) = 0;
};

class CallObserverFactory {
 public:
  virtual ~CallObserverFactory() = default;
  // nullptr: nothing to observe on this call.
  virtual std::unique_ptr<CallObserver> Create(grpc::experimental::ServerRpcInfo* info) = 0;
};

// The one interceptor: runs the observers of a call, in the order given, then proceeds.
class ObservingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservingInterceptorFactory(std::vector<std::unique_ptr<CallObserverFactory>> factories)
      : factories_(std::move(factories)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::vector<std::unique_ptr<CallObserverFactory>> factories_;
};

}  // namespace warden::observability
