#include "observability/call_observer.h"

#include <random>

#include "absl/strings/ascii.h"

namespace warden::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(c)) {
      return false;
    }
  }
  return true;
}

// 32 lower-case hex digits, written by hand: absl::StrFormat cost about a thousand
// instructions per call.
std::string NewTraceId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (const size_t half : {size_t{0}, size_t{16}}) {
    uint64_t bits = engine();
    for (size_t i = 16; i-- > 0; bits >>= 4) {
      id[half + i] = kHex[bits & 0xf];
    }
  }
  return id;
}

// Observes one call of a method no handler reports.
class ObservingInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(std::unique_ptr<MethodObservers> observers,
                       const grpc::ServerContextBase* context)
      : observers_(std::move(observers)), call_(observers_->method(), context) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      if (auto* metadata = batch->GetRecvInitialMetadata(); metadata != nullptr) {
        if (auto it = metadata->find("traceparent"); it != metadata->end()) {
          call_.ReadTraceparent(absl::string_view(it->second.data(), it->second.size()));
        }
      }
      observers_->Start(call_);
    }
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      observers_->Received();
    }
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      observers_->Sent();
    }
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      call_.code = static_cast<int>(batch->GetSendStatus().error_code());
      observers_->Finish(call_);
    }
    batch->Proceed();
  }

 private:
  std::unique_ptr<MethodObservers> observers_;
  CallRecord call_;
};

}  // namespace

std::string TraceIdFromTraceparent(absl::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" flags
  if (traceparent.size() < 55 || traceparent[2] != '-' || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return "";
  }
  const absl::string_view version = traceparent.substr(0, 2);
  const absl::string_view trace_id = traceparent.substr(3, 32);
  const absl::string_view parent_id = traceparent.substr(36, 16);
  const absl::string_view flags = traceparent.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags) || trace_id == std::string(32, '0') || parent_id == std::string(16, '0') ||
      (version == "00" && traceparent.size() != 55)) {
    return "";
  }
  return std::string(trace_id);
}

void CallRecord::ReadTraceparent(absl::string_view header) {
  trace_id_ = TraceIdFromTraceparent(header);
  if (!trace_id_.empty()) {
    parent_span_id_ = std::string(header.substr(36, 16));
  }
}

const std::string& CallRecord::trace_id() {
  if (trace_id_.empty()) {
    trace_id_ = NewTraceId();
  }
  return trace_id_;
}

void MethodObservers::Start(CallRecord& call) const {
  call.started = clock_.SteadyNow();
  for (const std::unique_ptr<MethodObserver>& observer : observers_) {
    observer->Started(call);
  }
}

void MethodObservers::Received() const {
  for (const std::unique_ptr<MethodObserver>& observer : observers_) {
    observer->Received();
  }
}

void MethodObservers::Sent() const {
  for (const std::unique_ptr<MethodObserver>& observer : observers_) {
    observer->Sent();
  }
}

void MethodObservers::Finish(CallRecord& call) const {
  call.finished = clock_.SteadyNow();
  for (const std::unique_ptr<MethodObserver>& observer : observers_) {
    observer->Finished(call);
  }
}

std::unique_ptr<MethodObservers> CallObservers::Make(absl::string_view method) const {
  auto observers = std::make_unique<MethodObservers>(std::string(method), clock_);
  for (const std::unique_ptr<CallObserverFactory>& factory : factories_) {
    if (std::unique_ptr<MethodObserver> observer = factory->ForMethod(method)) {
      observers->Add(std::move(observer));
    }
  }
  return observers;
}

const MethodObservers* CallObservers::Bind(absl::string_view method) {
  std::unique_ptr<MethodObservers>& slot = bound_[method];
  if (slot == nullptr) {
    slot = Make(method);
  }
  return slot.get();
}

std::unique_ptr<MethodObservers> CallObservers::ForCall(absl::string_view method) const {
  return Make(method);
}

absl::flat_hash_set<std::string> CallObservers::BoundMethods() const {
  absl::flat_hash_set<std::string> methods;
  for (const auto& [method, observers] : bound_) {
    methods.insert(method);
  }
  return methods;
}

const MethodObservers* BindObservers(CallObservers* observers, absl::string_view method) {
  return observers == nullptr ? nullptr : observers->Bind(method);
}

grpc::experimental::Interceptor* ObservingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const absl::string_view method = info->method();
  if (skipped_.contains(method)) {
    return nullptr;  // its handler reports the call itself
  }
  std::unique_ptr<MethodObservers> observers = observers_.ForCall(method);
  if (observers->empty()) {
    return nullptr;
  }
  return new ObservingInterceptor(std::move(observers), info->server_context());
}

}  // namespace warden::observability
