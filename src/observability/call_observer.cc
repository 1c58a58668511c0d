#include "observability/call_observer.h"

#include "absl/container/inlined_vector.h"

namespace warden::observability {
namespace {

class ObservingInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Add(std::unique_ptr<CallObserver> observer) { observers_.push_back(std::move(observer)); }
  bool empty() const { return observers_.empty(); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    for (const std::unique_ptr<CallObserver>& observer : observers_) {
      observer->Observe(*batch);
    }
    batch->Proceed();
  }

 private:
  absl::InlinedVector<std::unique_ptr<CallObserver>, 3> observers_;
};

}  // namespace

grpc::experimental::Interceptor* ObservingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  auto interceptor = std::make_unique<ObservingInterceptor>();
  for (const std::unique_ptr<CallObserverFactory>& factory : factories_) {
    if (std::unique_ptr<CallObserver> observer = factory->Create(info)) {
      interceptor->Add(std::move(observer));
    }
  }
  return interceptor->empty() ? nullptr : interceptor.release();
}

}  // namespace warden::observability
