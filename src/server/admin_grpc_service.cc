#include "server/admin_grpc_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"

#include "server/unary_call.h"

namespace warden::server {
namespace {

namespace pb = ::warden::v1;

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

int64_t UnixSeconds(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t.has_value() ? UnixSeconds(*t) : 0;
}

void ToProto(const core::User& user, pb::User& out) {
  out.set_id(user.id);
  out.set_username(user.username);
  out.set_email(user.email);
  out.set_full_name(user.full_name);
  for (const std::string& role : user.roles) {
    out.add_roles(role);
  }
  out.set_disabled(user.disabled);
  out.set_created_at(UnixSeconds(user.created_at));
}

void ToProto(const core::ApiKeyRecord& key, pb::ApiKey& out) {
  out.set_id(key.id);
  out.set_name(key.name);
  for (const std::string& role : key.roles) {
    out.add_roles(role);
  }
  out.set_created_at(UnixSeconds(key.created_at));
  out.set_expires_at(UnixSeconds(key.expires_at));
  out.set_last_used_at(UnixSeconds(key.last_used_at));
  out.set_revoked_at(UnixSeconds(key.revoked_at));
  out.set_created_by(key.created_by);
}

// Admission guarantees a principal for every admin method; this is the fallback if a policy
// file made one public.
const core::Principal& ActorOf(const Admitted& caller) {
  static const core::Principal* anonymous =
      new core::Principal{.kind = core::Principal::Kind::kUser, .id = "", .name = "anonymous"};
  return caller.principal.has_value() ? *caller.principal : *anonymous;
}

absl::Status NoApiKeys() {
  return absl::FailedPreconditionError(
      "API keys are not available: start wardend with a master key (or --dev)");
}

}  // namespace

AdminGrpcService::AdminGrpcService(Deps deps) : deps_(deps) {
  const absl::string_view service = ::warden::v1::AdminService::service_full_name();
  for (const std::string& method : MethodsOf(service)) {
    const std::string name = method.substr(method.rfind('/') + 1);
    methods_[name] =
        BoundMethod{.guard = &BindMethod(deps_.guards, service, name),
                    .observers = observability::BindObservers(deps_.observers, method)};
  }
}

template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* AdminGrpcService::Run(grpc::CallbackServerContext* context,
                                                absl::string_view method, WorkerPool& pool,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response, Handler handle) {
  auto it = methods_.find(method);
  if (it == methods_.end()) {  // not a method of the descriptor: fail closed
    ObservedUnaryReactor* reactor = StartObserved(nullptr, *context);
    reactor->Complete(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no admission guard"));
    return reactor;
  }
  return OffloadUnary<Request, Response>(
      *context, it->second, pool, request, response,
      [handle = std::move(handle)](const Request& in, Response& out, const Admitted& caller,
                                   std::string& principal) -> absl::Status {
        if (caller.principal.has_value()) {
          principal = PrincipalLabel(*caller.principal);
        }
        return handle(in, out, caller);
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::ListUsers(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return Run<pb::ListUsersRequest, pb::ListUsersResponse>(
      context, "ListUsers", deps_.io_pool, request, response,
      [this](const pb::ListUsersRequest& in, pb::ListUsersResponse& out,
             const Admitted&) -> absl::Status {
        if (in.page_size() < 0) {
          return absl::InvalidArgumentError("page_size: must not be negative");
        }
        absl::StatusOr<core::UserPage> page =
            deps_.admin.ListUsers(in.page_token(), static_cast<size_t>(in.page_size()));
        if (!page.ok()) {
          return page.status();
        }
        for (const core::User& user : page->users) {
          ToProto(user, *out.add_users());
        }
        out.set_next_page_token(page->next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::GetUser(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Run<pb::GetUserRequest, pb::GetUserResponse>(
      context, "GetUser", deps_.io_pool, request, response,
      [this](const pb::GetUserRequest& in, pb::GetUserResponse& out,
             const Admitted&) -> absl::Status {
        absl::StatusOr<core::User> user = deps_.admin.GetUser(in.user_id());
        if (!user.ok()) {
          return user.status();
        }
        ToProto(*user, *out.mutable_user());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::SetRoles(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Run<pb::SetRolesRequest, pb::SetRolesResponse>(
      context, "SetRoles", deps_.io_pool, request, response,
      [this](const pb::SetRolesRequest& in, pb::SetRolesResponse& out,
             const Admitted& caller) -> absl::Status {
        absl::StatusOr<core::User> user = deps_.admin.SetRoles(
            ActorOf(caller), in.user_id(), {in.roles().begin(), in.roles().end()});
        if (!user.ok()) {
          return user.status();
        }
        ToProto(*user, *out.mutable_user());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::SetDisabled(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Run<pb::SetDisabledRequest, pb::SetDisabledResponse>(
      context, "SetDisabled", deps_.io_pool, request, response,
      [this](const pb::SetDisabledRequest& in, pb::SetDisabledResponse& out,
             const Admitted& caller) -> absl::Status {
        absl::StatusOr<core::User> user =
            deps_.admin.SetDisabled(ActorOf(caller), in.user_id(), in.disabled());
        if (!user.ok()) {
          return user.status();
        }
        ToProto(*user, *out.mutable_user());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::DeleteUser(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return Run<pb::DeleteUserRequest, pb::DeleteUserResponse>(
      context, "DeleteUser", deps_.io_pool, request, response,
      [this](const pb::DeleteUserRequest& in, pb::DeleteUserResponse&, const Admitted& caller) {
        return deps_.admin.DeleteUser(ActorOf(caller), in.user_id());
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::SetPassword(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Run<pb::SetPasswordRequest, pb::SetPasswordResponse>(
      context, "SetPassword", deps_.hash_pool, request, response,
      [this](const pb::SetPasswordRequest& in, pb::SetPasswordResponse&, const Admitted& caller) {
        return deps_.admin.SetPassword(ActorOf(caller), in.user_id(), in.new_password());
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::ListSessions(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Run<pb::ListSessionsRequest, pb::ListSessionsResponse>(
      context, "ListSessions", deps_.io_pool, request, response,
      [this](const pb::ListSessionsRequest& in, pb::ListSessionsResponse& out,
             const Admitted&) -> absl::Status {
        absl::StatusOr<std::vector<core::Session>> sessions =
            deps_.admin.ListSessions(in.user_id());
        if (!sessions.ok()) {
          return sessions.status();
        }
        for (const core::Session& session : *sessions) {
          pb::Session* s = out.add_sessions();
          s->set_id(session.id);
          s->set_user_id(session.user_id);
          s->set_created_at(UnixSeconds(session.created_at));
          s->set_expires_at(UnixSeconds(session.expires_at));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::RevokeSession(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Run<pb::RevokeSessionRequest, pb::RevokeSessionResponse>(
      context, "RevokeSession", deps_.io_pool, request, response,
      [this](const pb::RevokeSessionRequest& in, pb::RevokeSessionResponse&,
             const Admitted& caller) {
        return deps_.admin.RevokeSession(ActorOf(caller), in.session_id());
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::RevokeUserSessions(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return Run<pb::RevokeUserSessionsRequest, pb::RevokeUserSessionsResponse>(
      context, "RevokeUserSessions", deps_.io_pool, request, response,
      [this](const pb::RevokeUserSessionsRequest& in, pb::RevokeUserSessionsResponse& out,
             const Admitted& caller) -> absl::Status {
        absl::StatusOr<int64_t> revoked =
            deps_.admin.RevokeUserSessions(ActorOf(caller), in.user_id());
        if (!revoked.ok()) {
          return revoked.status();
        }
        out.set_revoked(*revoked);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::CreateApiKey(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Run<pb::CreateApiKeyRequest, pb::CreateApiKeyResponse>(
      context, "CreateApiKey", deps_.io_pool, request, response,
      [this](const pb::CreateApiKeyRequest& in, pb::CreateApiKeyResponse& out,
             const Admitted& caller) -> absl::Status {
        if (deps_.api_keys == nullptr) {
          return NoApiKeys();
        }
        absl::StatusOr<core::NewApiKey> made = deps_.api_keys->Create(
            ActorOf(caller), in.name(), {in.roles().begin(), in.roles().end()},
            std::chrono::seconds(in.ttl_seconds()));
        if (!made.ok()) {
          return made.status();
        }
        ToProto(made->record, *out.mutable_key());
        out.set_secret(made->secret);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::ListApiKeys(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Run<pb::ListApiKeysRequest, pb::ListApiKeysResponse>(
      context, "ListApiKeys", deps_.io_pool, request, response,
      [this](const pb::ListApiKeysRequest& in, pb::ListApiKeysResponse& out,
             const Admitted&) -> absl::Status {
        if (deps_.api_keys == nullptr) {
          return NoApiKeys();
        }
        absl::StatusOr<std::vector<core::ApiKeyRecord>> keys =
            deps_.api_keys->List(in.include_revoked());
        if (!keys.ok()) {
          return keys.status();
        }
        for (const core::ApiKeyRecord& key : *keys) {
          ToProto(key, *out.add_keys());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::RevokeApiKey(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Run<pb::RevokeApiKeyRequest, pb::RevokeApiKeyResponse>(
      context, "RevokeApiKey", deps_.io_pool, request, response,
      [this](const pb::RevokeApiKeyRequest& in, pb::RevokeApiKeyResponse&,
             const Admitted& caller) -> absl::Status {
        if (deps_.api_keys == nullptr) {
          return NoApiKeys();
        }
        return deps_.api_keys->Revoke(ActorOf(caller), in.id());
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::ListAuditEvents(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Run<pb::ListAuditEventsRequest, pb::ListAuditEventsResponse>(
      context, "ListAuditEvents", deps_.io_pool, request, response,
      [this](const pb::ListAuditEventsRequest& in, pb::ListAuditEventsResponse& out,
             const Admitted&) -> absl::Status {
        if (in.limit() < 0 || in.limit() > 1000) {
          return absl::InvalidArgumentError("limit: must be 0 (100) to 1000");
        }
        if (in.since_unix_seconds() < 0) {
          return absl::InvalidArgumentError("since_unix_seconds: must not be negative");
        }
        if (in.user_id().size() > 64 || in.username().size() > 64) {
          return absl::InvalidArgumentError("user_id/username: too long");
        }
        core::AuditQuery query{.user_id = in.user_id(),
                               .username = in.username(),
                               .limit = in.limit() == 0 ? 100 : in.limit()};
        if (in.since_unix_seconds() > 0) {
          query.since =
              std::chrono::system_clock::time_point(std::chrono::seconds(in.since_unix_seconds()));
        }
        absl::StatusOr<std::vector<core::AuditEvent>> events = deps_.audit.ListAuditEvents(query);
        if (!events.ok()) {
          return absl::UnavailableError("audit trail temporarily unavailable, retry later");
        }
        for (const core::AuditEvent& event : *events) {
          pb::AuditEvent* e = out.add_events();
          e->set_seq(event.seq);
          e->set_at_unix_micros(
              std::chrono::duration_cast<std::chrono::microseconds>(event.at.time_since_epoch())
                  .count());
          e->set_type(event.type);
          e->set_user_id(event.user_id);
          e->set_username(event.username);
          e->set_session_id(event.session_id);
          e->set_detail(event.detail);
          e->set_trace_id(event.trace_id);
        }
        return absl::OkStatus();
      });
}

AccountGrpcService::AccountGrpcService(core::AdminService& admin, WorkerPool& hash_pool,
                                       guard::GuardChain& guards,
                                       observability::CallObservers* observers)
    : admin_(admin),
      hash_pool_(hash_pool),
      change_password_(
          BindMethod<::warden::v1::AccountService>(guards, observers, "ChangePassword")) {}

grpc::ServerUnaryReactor* AccountGrpcService::ChangePassword(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return OffloadUnary<pb::ChangePasswordRequest, pb::ChangePasswordResponse>(
      *context, change_password_, hash_pool_, request, response,
      [this](const pb::ChangePasswordRequest& in, pb::ChangePasswordResponse&,
             const Admitted& caller, std::string& principal) -> absl::Status {
        if (!caller.principal.has_value()) {
          return absl::UnauthenticatedError("sign in first: a bearer token is needed");
        }
        principal = PrincipalLabel(*caller.principal);
        return admin_.ChangePassword(*caller.principal, in.current_password(), in.new_password());
      });
}

}  // namespace warden::server
