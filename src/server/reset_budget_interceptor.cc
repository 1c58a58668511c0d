#include "server/reset_budget_interceptor.h"

#include <grpcpp/server_context.h>

namespace warden::server {
namespace {

class ResetBudgetObserver final : public observability::CallObserver {
 public:
  ResetBudgetObserver(grpc::experimental::ServerRpcInfo* info, ConnectionTable& table,
                      const Clock& clock)
      : info_(info), table_(table), clock_(clock) {}

  void Observe(grpc::experimental::InterceptorBatchMethods& batch) override {
    using grpc::experimental::InterceptionHookPoints;
    if (batch.QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        batch.GetSendStatus().error_code() == grpc::StatusCode::CANCELLED &&
        info_->server_context() != nullptr) {
      table_.CountCancelled(info_->server_context()->peer(), clock_.SteadyNow());
    }
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  ConnectionTable& table_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<observability::CallObserver> ResetBudgetObserverFactory::Create(
    grpc::experimental::ServerRpcInfo* info) {
  return std::make_unique<ResetBudgetObserver>(info, table_, clock_);
}

}  // namespace warden::server
