#include "server/admission.h"

#include <google/protobuf/descriptor.h>

#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"
#include "server/status_conversion.h"

namespace warden::server {
namespace {

const google::protobuf::ServiceDescriptor* ServiceNamed(absl::string_view service) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      std::string(service));
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "warden: %s\n", message.c_str());
  std::abort();
}

}  // namespace

guard::HeaderValue GrpcCallView::Header(absl::string_view key) const {
  const auto& metadata = context_.client_metadata();
  auto [begin, end] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  if (begin == end) {
    return {};
  }
  return guard::HeaderValue{.value = absl::string_view(begin->second.data(), begin->second.size()),
                            .count = static_cast<int>(std::distance(begin, end))};
}

std::vector<std::string> GrpcCallView::CertificateIdentities() const {
  std::vector<std::string> identities;
  const std::shared_ptr<const grpc::AuthContext> auth = context_.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return identities;
  }
  for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      identities.emplace_back(value.data(), value.size());
    }
  }
  return identities;
}

const guard::MethodGuard& BindMethod(guard::GuardChain& chain, absl::string_view service,
                                     absl::string_view method, guard::MethodOptions options) {
  const google::protobuf::ServiceDescriptor* descriptor = ServiceNamed(service);
  if (descriptor == nullptr) {
    Die(absl::StrCat("no generated descriptor for service ", service));
  }
  if (descriptor->FindMethodByName(std::string(method)) == nullptr) {
    Die(absl::StrCat("service ", service, " has no method ", method));
  }
  return chain.Bind(absl::StrCat("/", service, "/", method), options);
}

std::vector<std::string> MethodsOf(absl::string_view service) {
  std::vector<std::string> names;
  if (const google::protobuf::ServiceDescriptor* descriptor = ServiceNamed(service)) {
    for (int i = 0; i < descriptor->method_count(); ++i) {
      names.push_back(absl::StrCat("/", service, "/", descriptor->method(i)->name()));
    }
  }
  return names;
}

grpc::Status RefusalStatus(grpc::ServerContextBase& context, const absl::Status& status) {
  if (std::optional<std::chrono::milliseconds> retry = RetryAfterOf(status); retry.has_value()) {
    const int64_t seconds = std::max<int64_t>(1, (retry->count() + 999) / 1000);
    context.AddTrailingMetadata("retry-after", std::to_string(seconds));
    context.AddTrailingMetadata("grpc-retry-pushback-ms", std::to_string(retry->count()));
  }
  return ToGrpcStatus(status);
}

std::optional<Admitted> AdmitOrFinish(const guard::MethodGuard& guard,
                                      grpc::CallbackServerContext& context,
                                      ObservedUnaryReactor* reactor) {
  absl::StatusOr<Admitted> admitted = guard.Admit(GrpcCallView(context));
  if (!admitted.ok()) {
    reactor->Complete(RefusalStatus(context, admitted.status()));
    return std::nullopt;
  }
  return *std::move(admitted);
}

}  // namespace warden::server
