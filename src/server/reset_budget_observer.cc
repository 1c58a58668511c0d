#include "server/reset_budget_observer.h"

namespace warden::server {
namespace {

class ResetBudgetObserver final : public observability::MethodObserver {
 public:
  ResetBudgetObserver(ConnectionTable& table, const Clock& clock) : table_(table), clock_(clock) {}

  void Finished(observability::CallRecord& call) override {
    if (call.code == static_cast<int>(grpc::StatusCode::CANCELLED) && call.context() != nullptr) {
      table_.CountCancelled(call.context()->peer(), clock_.SteadyNow());
    }
  }

 private:
  ConnectionTable& table_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<observability::MethodObserver> ResetBudgetObserverFactory::ForMethod(
    absl::string_view /*method*/) {
  return std::make_unique<ResetBudgetObserver>(table_, clock_);
}

}  // namespace warden::server
