#include "cli/commands.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/admin_client.h"
#include "client/auth_client.h"
#include "common/flags.h"
#include "common/private_file.h"
#include "google/protobuf/util/json_util.h"
#include "warden/v1/admin.pb.h"

namespace warden::cli {
namespace {

using Json = nlohmann::json;

constexpr char kUsageText[] = R"(usage: warden [global flags] COMMAND [flags]

Commands:
  register --username U --email E [--full-name N] [--password P | --password-stdin]
  login    --username U [--password P | --password-stdin]   (stores tokens in the credentials file)
  whoami                                                     (validates the stored access token)
  refresh                                                    (rotates the stored refresh token)
  logout                                                     (revokes the session, deletes the file)
  health   [--service NAME]                                  (exit 0 only when SERVING)
  passwd   --current-password P --new-password N               (or both lines on stdin with
                                                             --password-stdin; revokes your other
                                                             sessions)
  admin users list [--page-size N] [--page-token T]
  admin users get|disable|enable|delete USER_ID
  admin users set-password USER_ID [--password P | --password-stdin]
  admin roles set USER_ID ROLE[,ROLE...]
  admin sessions list USER_ID | revoke SESSION_ID | revoke-all USER_ID
  admin apikeys create --name N [--roles R,...] [--ttl-seconds S] | list [--all] | revoke KEY_ID
  admin audit list [--user-id ID] [--username U] [--since-seconds S] [--limit N]
    (admin commands act as the logged-in user, or with an API key: --api-key / WARDEN_API_KEY)

Global flags:
)";

constexpr char kUsageFooter[] = R"(
The password may also come from WARDEN_PASSWORD.
Exit codes: 0 ok, 1 failed (or not serving), 2 usage, 3 unauthenticated, 4 rejected,
            5 unavailable, 6 resource exhausted.
)";

struct Options {
  std::string address = "127.0.0.1:50051";
  bool json = false;
  std::string credentials;
  int timeout_seconds = 10;
  std::string traceparent;
  std::string command;
  std::vector<std::string> words;            // positional words after the command
  std::map<std::string, std::string> flags;  // command flags; "" for value-less flags
  client::ChannelOptions channel;
};

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kUnauthenticated:
      return kUnauthenticated;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
      return kRejected;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnavailable;
    case absl::StatusCode::kResourceExhausted:
      return kResourceExhausted;
    default:
      return kFailed;
  }
}

class Command {
 public:  // the handlers are named by the command table below
  Command(Options options, const std::map<std::string, std::string>& env, client::AuthClient& api,
          std::shared_ptr<client::UnaryInvoker> invoker, Io io)
      : options_(std::move(options)), env_(env), api_(api), invoker_(std::move(invoker)), io_(io) {}

  // Runs the member function the command table names.
  int Dispatch(int (Command::*run)()) { return (this->*run)(); }

 public:
  std::optional<std::string> Flag(const std::string& name) const {
    auto it = options_.flags.find(name);
    if (it == options_.flags.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  std::optional<std::string> Env(const std::string& name) const {
    auto it = env_.find(name);
    if (it == env_.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  }

  int Fail(const absl::Status& status) {
    if (options_.json) {
      io_.out << Json{{"ok", false},
                      {"code", absl::StatusCodeToString(status.code())},
                      {"message", std::string(status.message())}}
                     .dump()
              << "\n";
    }
    io_.err << "warden " << options_.command << ": " << absl::StatusCodeToString(status.code())
            << ": " << status.message() << "\n";
    return ExitCodeFor(status);
  }

  int Usage(const std::string& problem) {
    io_.err << "warden " << options_.command << ": " << problem << "\n";
    return kUsage;
  }

  void Print(const Json& json, const std::string& text) {
    if (options_.json) {
      io_.out << json.dump() << "\n";
    } else {
      io_.out << text;
    }
  }

  std::optional<std::string> Password() {
    if (auto p = Flag("password")) {
      return p;
    }
    if (Flag("password-stdin")) {
      std::string line;
      std::getline(io_.in, line);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      return line;
    }
    return Env("WARDEN_PASSWORD");
  }

  absl::StatusOr<Json> LoadCredentials() {
    std::ifstream in(options_.credentials);
    if (!in) {
      return absl::UnauthenticatedError(
          absl::StrCat("not logged in (no credentials at ", options_.credentials, ")"));
    }
    std::stringstream text;
    text << in.rdbuf();
    Json json = Json::parse(text.str(), nullptr, false);
    if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string()) {
      return absl::FailedPreconditionError(
          absl::StrCat("credentials file ", options_.credentials, " is unreadable"));
    }
    return json;
  }

  absl::Status SaveCredentials(const Json& json) {
    namespace fs = std::filesystem;
    const fs::path path(options_.credentials);
    std::error_code error;
    if (path.has_parent_path()) {
      fs::create_directories(path.parent_path(), error);
    }
    return WritePrivateFile(options_.credentials, json.dump(2) + "\n", PrivateFileMode::kReplace);
  }

  template <typename Response>
  Json TokensJson(const Response& response, const std::string& username) {
    return Json{{"address", options_.address},
                {"username", username},
                {"access_token", response.access_token()},
                {"refresh_token", response.refresh_token()},
                {"token_type", response.token_type()},
                {"expires_in", response.expires_in()}};
  }

  int Register() {
    ::auth::RegisterRequest request;
    request.set_username(Flag("username").value_or(""));
    request.set_email(Flag("email").value_or(""));
    request.set_full_name(Flag("full-name").value_or(""));
    std::optional<std::string> password = Password();
    if (request.username().empty() || request.email().empty() || !password) {
      return Usage(
          "needs --username, --email and a password (--password, --password-stdin or "
          "WARDEN_PASSWORD)");
    }
    request.set_password(*password);
    absl::StatusOr<::auth::RegisterResponse> response = api_.Register(request);
    if (!response.ok()) {
      return Fail(response.status());
    }
    Print(
        Json{{"ok", true}, {"user_id", response->user_id()}, {"message", response->message()}},
        absl::StrCat("registered ", request.username(), " (user id ", response->user_id(), ")\n"));
    return kOk;
  }

  int Login() {
    const std::string username = Flag("username").value_or("");
    std::optional<std::string> password = Password();
    if (username.empty() || !password) {
      return Usage(
          "needs --username and a password (--password, --password-stdin or "
          "WARDEN_PASSWORD)");
    }
    absl::StatusOr<::auth::LoginResponse> response = api_.Login(username, *password);
    if (!response.ok()) {
      return Fail(response.status());
    }
    if (absl::Status saved = SaveCredentials(TokensJson(*response, username)); !saved.ok()) {
      return Fail(saved);
    }
    Print(Json{{"ok", true},
               {"username", username},
               {"token_type", response->token_type()},
               {"expires_in", response->expires_in()},
               {"credentials", options_.credentials}},
          absl::StrCat("logged in as ", username, "; access token valid for ",
                       response->expires_in(), "s; saved to ", options_.credentials, "\n"));
    return kOk;
  }

  int Whoami() {
    absl::StatusOr<Json> credentials = LoadCredentials();
    if (!credentials.ok()) {
      return Fail(credentials.status());
    }
    absl::StatusOr<::auth::TokenInfo> info =
        api_.ValidateToken((*credentials)["access_token"].get<std::string>());
    if (!info.ok()) {
      return Fail(info.status());
    }
    std::vector<std::string> roles(info->roles().begin(), info->roles().end());
    std::string role_text;
    for (const std::string& role : roles) {
      absl::StrAppend(&role_text, role_text.empty() ? "" : ",", role);
    }
    Print(Json{{"ok", true},
               {"user_id", info->user_id()},
               {"username", info->username()},
               {"roles", roles},
               {"expires_at", info->expires_at()}},
          absl::StrCat("user_id:    ", info->user_id(), "\nusername:   ", info->username(),
                       "\nroles:      ", role_text, "\nexpires_at: ", info->expires_at(), "\n"));
    return kOk;
  }

  int Refresh() {
    absl::StatusOr<Json> credentials = LoadCredentials();
    if (!credentials.ok()) {
      return Fail(credentials.status());
    }
    const Json& stored = *credentials;
    if (!stored.contains("refresh_token") || !stored["refresh_token"].is_string()) {
      return Fail(absl::FailedPreconditionError("credentials hold no refresh token"));
    }
    absl::StatusOr<::auth::RefreshTokenResponse> response =
        api_.RefreshToken(stored["refresh_token"].get<std::string>());
    if (!response.ok()) {
      return Fail(response.status());
    }
    const std::string username = stored.contains("username") && stored["username"].is_string()
                                     ? stored["username"].get<std::string>()
                                     : "";
    if (absl::Status saved = SaveCredentials(TokensJson(*response, username)); !saved.ok()) {
      return Fail(saved);
    }
    Print(Json{{"ok", true}, {"expires_in", response->expires_in()}},
          absl::StrCat("tokens rotated; access token valid for ", response->expires_in(), "s\n"));
    return kOk;
  }

  int Logout() {
    absl::StatusOr<Json> credentials = LoadCredentials();
    if (!credentials.ok()) {
      return Fail(credentials.status());
    }
    absl::Status status = api_.Logout((*credentials)["access_token"].get<std::string>());
    if (!status.ok() && status.code() != absl::StatusCode::kUnauthenticated) {
      return Fail(status);  // keep the file: the session may still be live
    }
    std::filesystem::remove(options_.credentials);
    if (!status.ok()) {
      return Fail(status);
    }
    Print(Json{{"ok", true}}, "logged out\n");
    return kOk;
  }

  int Health() {
    const std::string service = Flag("service").value_or("");
    absl::StatusOr<::grpc::health::v1::HealthCheckResponse::ServingStatus> status =
        api_.Health(service);
    if (!status.ok()) {
      return Fail(status.status());
    }
    const std::string name = ::grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*status);
    const bool serving = *status == ::grpc::health::v1::HealthCheckResponse::SERVING;
    Print(Json{{"ok", serving}, {"service", service}, {"status", name}}, name + "\n");
    return serving ? kOk : kFailed;
  }

  // The credential admin and account calls are made with: an API key, or the stored token.
  absl::Status Credential(std::string& bearer, std::string& api_key) {
    if (auto key = Flag("api-key")) {
      api_key = *key;
      return absl::OkStatus();
    }
    if (auto key = Env("WARDEN_API_KEY")) {
      api_key = *key;
      return absl::OkStatus();
    }
    absl::StatusOr<Json> credentials = LoadCredentials();
    if (!credentials.ok()) {
      return credentials.status();
    }
    bearer = (*credentials)["access_token"].get<std::string>();
    return absl::OkStatus();
  }

  // Makes the typed admin or account call as the stored user (or API key) and prints the
  // response as JSON (one line with --output json, indented otherwise).
  template <typename Response, typename Request>
  int CallAndPrint(absl::StatusOr<Response> (client::AdminClient::*call)(const Request&),
                   const Request& request) {
    client::Credential credential;
    if (absl::Status s = Credential(credential.bearer, credential.api_key); !s.ok()) {
      return Fail(s);
    }
    client::AdminClient admin(invoker_, credential);
    absl::StatusOr<Response> response = (admin.*call)(request);
    if (!response.ok()) {
      return Fail(response.status());
    }
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = !options_.json;
    print.preserve_proto_field_names = true;
    std::string text;
    (void)google::protobuf::util::MessageToJsonString(*response, &text, print);
    io_.out << text << (options_.json || text.empty() || text.back() != '\n' ? "\n" : "");
    return kOk;
  }

  std::string Word(size_t i) const {
    return i < options_.words.size() ? options_.words[i] : std::string();
  }

  static std::vector<std::string> SplitList(const std::string& text) {
    std::vector<std::string> out;
    for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(part));
    }
    return out;
  }

  std::optional<int64_t> IntFlag(const std::string& name, bool& bad) {
    std::optional<std::string> text = Flag(name);
    int64_t value = 0;
    if (!text) {
      return std::nullopt;
    }
    if (!absl::SimpleAtoi(*text, &value) || value < 0) {
      bad = true;
      return std::nullopt;
    }
    return value;
  }

  int Passwd() {
    namespace pb = ::warden::v1;
    pb::ChangePasswordRequest request;
    std::optional<std::string> current = Flag("current-password");
    std::optional<std::string> next = Flag("new-password");
    if (Flag("password-stdin")) {
      std::string a;
      std::string b;
      if (std::getline(io_.in, a) && std::getline(io_.in, b)) {
        current = a;
        next = b;
      }
    }
    if (!current || !next) {
      return Usage("needs --current-password and --new-password (or two lines on stdin)");
    }
    request.set_current_password(*current);
    request.set_new_password(*next);
    client::Credential credential;
    if (absl::Status s = Credential(credential.bearer, credential.api_key); !s.ok()) {
      return Fail(s);
    }
    if (absl::StatusOr<pb::ChangePasswordResponse> response =
            client::AdminClient(invoker_, credential).ChangePassword(request);
        !response.ok()) {
      return Fail(response.status());
    }
    Print(Json{{"ok", true}}, "password changed; your other sessions were signed out\n");
    return kOk;
  }

  int Admin() {
    namespace pb = ::warden::v1;
    const std::string noun = Word(0);
    const std::string verb = Word(1);
    const std::string arg = Word(2);
    using client::AdminClient;
    bool bad = false;
    if (noun == "users" && verb == "list") {
      pb::ListUsersRequest request;
      request.set_page_size(static_cast<int32_t>(IntFlag("page-size", bad).value_or(0)));
      request.set_page_token(Flag("page-token").value_or(""));
      return bad ? Usage("--page-size must be a number")
                 : CallAndPrint(&AdminClient::ListUsers, request);
    }
    if (noun == "users" && !arg.empty() && verb == "get") {
      pb::GetUserRequest request;
      request.set_user_id(arg);
      return CallAndPrint(&AdminClient::GetUser, request);
    }
    if (noun == "users" && !arg.empty() && (verb == "disable" || verb == "enable")) {
      pb::SetDisabledRequest request;
      request.set_user_id(arg);
      request.set_disabled(verb == "disable");
      return CallAndPrint(&AdminClient::SetDisabled, request);
    }
    if (noun == "users" && !arg.empty() && verb == "delete") {
      pb::DeleteUserRequest request;
      request.set_user_id(arg);
      return CallAndPrint(&AdminClient::DeleteUser, request);
    }
    if (noun == "users" && !arg.empty() && verb == "set-password") {
      std::optional<std::string> password = Password();
      if (!password) {
        return Usage("needs a password (--password, --password-stdin or WARDEN_PASSWORD)");
      }
      pb::SetPasswordRequest request;
      request.set_user_id(arg);
      request.set_new_password(*password);
      return CallAndPrint(&AdminClient::SetPassword, request);
    }
    if (noun == "roles" && verb == "set" && !arg.empty() && options_.words.size() <= 4) {
      pb::SetRolesRequest request;
      request.set_user_id(arg);
      for (const std::string& role : SplitList(Word(3))) {
        request.add_roles(role);
      }
      return CallAndPrint(&AdminClient::SetRoles, request);
    }
    if (noun == "sessions" && !arg.empty()) {
      if (verb == "list") {
        pb::ListSessionsRequest request;
        request.set_user_id(arg);
        return CallAndPrint(&AdminClient::ListSessions, request);
      }
      if (verb == "revoke") {
        pb::RevokeSessionRequest request;
        request.set_session_id(arg);
        return CallAndPrint(&AdminClient::RevokeSession, request);
      }
      if (verb == "revoke-all") {
        pb::RevokeUserSessionsRequest request;
        request.set_user_id(arg);
        return CallAndPrint(&AdminClient::RevokeUserSessions, request);
      }
    }
    if (noun == "apikeys" && verb == "create") {
      pb::CreateApiKeyRequest request;
      request.set_name(Flag("name").value_or(""));
      for (const std::string& role : SplitList(Flag("roles").value_or(""))) {
        request.add_roles(role);
      }
      request.set_ttl_seconds(IntFlag("ttl-seconds", bad).value_or(0));
      if (request.name().empty() || bad) {
        return Usage("needs --name (and --ttl-seconds as a number)");
      }
      return CallAndPrint(&AdminClient::CreateApiKey, request);
    }
    if (noun == "apikeys" && verb == "list") {
      pb::ListApiKeysRequest request;
      request.set_include_revoked(Flag("all").has_value());
      return CallAndPrint(&AdminClient::ListApiKeys, request);
    }
    if (noun == "apikeys" && verb == "revoke" && !arg.empty()) {
      pb::RevokeApiKeyRequest request;
      request.set_id(arg);
      return CallAndPrint(&AdminClient::RevokeApiKey, request);
    }
    if (noun == "audit" && verb == "list") {
      pb::ListAuditEventsRequest request;
      request.set_user_id(Flag("user-id").value_or(""));
      request.set_username(Flag("username").value_or(""));
      if (std::optional<int64_t> since = IntFlag("since-seconds", bad)) {
        request.set_since_unix_seconds(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count() -
                                       *since);
      }
      request.set_limit(static_cast<int32_t>(IntFlag("limit", bad).value_or(0)));
      if (bad) {
        return Usage("--since-seconds and --limit must be numbers");
      }
      return CallAndPrint(&AdminClient::ListAuditEvents, request);
    }
    return Usage("unknown admin command; see warden --help");
  }

  Options options_;
  const std::map<std::string, std::string>& env_;
  client::AuthClient& api_;
  std::shared_ptr<client::UnaryInvoker> invoker_;
  Io io_;
};

std::string DefaultCredentialsPath(const std::map<std::string, std::string>& env) {
  auto get = [&](const char* name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? "" : it->second;
  };
  if (std::string path = get("WARDEN_CREDENTIALS"); !path.empty()) {
    return path;
  }
  if (std::string xdg = get("XDG_CONFIG_HOME"); !xdg.empty()) {
    return xdg + "/warden/credentials.json";
  }
  const std::string home = get("HOME");
  return (home.empty() ? std::string(".") : home) + "/.config/warden/credentials.json";
}

const flags::FlagSet& GlobalFlags() {
  static const auto* set = new flags::FlagSet({
      {.name = "addr",
       .value_name = "TARGET",
       .env = "WARDEN_ADDR",
       .default_text = "127.0.0.1:50051",
       .help = "server: HOST:PORT, dns:///NAME:PORT (every address, balanced), "
               "dns://DNS-SERVER:PORT/NAME:PORT, ipv4:A:P,B:P"},
      {.name = "output",
       .value_name = "text|json",
       .default_text = "text",
       .help = "output format"},
      {.name = "credentials",
       .value_name = "FILE",
       .env = "WARDEN_CREDENTIALS",
       .default_text = "$XDG_CONFIG_HOME/warden/credentials.json or ~/.config/warden/...",
       .help = "credentials file"},
      {.name = "timeout",
       .value_name = "SECONDS",
       .default_text = "10",
       .help = "per-call deadline"},
      {.name = "traceparent", .value_name = "HEADER", .help = "W3C trace context to send"},
      {.name = "tls", .env = "WARDEN_TLS", .help = "use TLS (implied by --tls-ca and --tls-cert)"},
      {.name = "tls-ca",
       .value_name = "FILE",
       .env = "WARDEN_TLS_CA",
       .default_text = "system roots",
       .help = "CA bundle to verify the server"},
      {.name = "tls-cert",
       .value_name = "FILE",
       .env = "WARDEN_TLS_CERT",
       .help = "client certificate for mutual TLS"},
      {.name = "tls-key", .value_name = "FILE", .env = "WARDEN_TLS_KEY", .help = "its private key"},
      {.name = "tls-server-name",
       .value_name = "NAME",
       .help = "name to check the server certificate against"},
  });
  return *set;
}

// One `warden` command: its own flags, how many words it takes, and the handler.
struct CliCommand {
  std::string name;
  std::vector<std::string> flags;  // names in CommandFlags()
  size_t max_words = 0;
  int (Command::*run)() = nullptr;
};

// Every command flag, declared once; commands pick theirs by name.
const std::vector<flags::Flag>& CommandFlags() {
  static const auto* all = new std::vector<flags::Flag>{
      {.name = "username", .value_name = "U", .help = "user name"},
      {.name = "email", .value_name = "E", .help = "email address"},
      {.name = "full-name", .value_name = "N", .help = "display name"},
      {.name = "password", .value_name = "P", .env = "WARDEN_PASSWORD", .help = "password"},
      {.name = "password-stdin", .help = "read the password (passwd: both) from standard input"},
      {.name = "current-password", .value_name = "P", .help = "the password in use"},
      {.name = "new-password", .value_name = "P", .help = "the password to set"},
      {.name = "service", .value_name = "NAME", .help = "health: the service to check"},
      {.name = "api-key", .value_name = "KEY", .env = "WARDEN_API_KEY", .help = "act with it"},
      {.name = "page-size", .value_name = "N", .help = "listing page size"},
      {.name = "page-token", .value_name = "T", .help = "listing page to continue from"},
      {.name = "roles", .value_name = "R,...", .help = "roles"},
      {.name = "name", .value_name = "N", .help = "API key name"},
      {.name = "ttl-seconds", .value_name = "S", .help = "API key lifetime"},
      {.name = "all", .help = "include revoked keys"},
      {.name = "user-id", .value_name = "ID", .help = "audit: one user's events"},
      {.name = "since-seconds", .value_name = "S", .help = "audit: the last S seconds"},
      {.name = "limit", .value_name = "N", .help = "audit: at most N events"},
  };
  return *all;
}

const std::vector<CliCommand>& CliCommands() {
  static const auto* commands = new std::vector<CliCommand>{
      {"register",
       {"username", "email", "full-name", "password", "password-stdin"},
       0,
       &Command::Register},
      {"login", {"username", "password", "password-stdin"}, 0, &Command::Login},
      {"whoami", {}, 0, &Command::Whoami},
      {"refresh", {}, 0, &Command::Refresh},
      {"logout", {}, 0, &Command::Logout},
      {"health", {"service"}, 0, &Command::Health},
      {"passwd",
       {"current-password", "new-password", "password-stdin", "api-key"},
       0,
       &Command::Passwd},
      {"admin",
       {"page-size", "page-token", "password", "password-stdin", "roles", "name", "ttl-seconds",
        "all", "user-id", "username", "since-seconds", "limit", "api-key"},
       4,
       &Command::Admin},
  };
  return *commands;
}

// The global flags and the command's own, for parsing its command line.
flags::FlagSet FlagsFor(const CliCommand* command) {
  std::vector<flags::Flag> set = GlobalFlags().flags();
  for (const flags::Flag& flag : CommandFlags()) {
    if (command == nullptr || std::find(command->flags.begin(), command->flags.end(), flag.name) !=
                                  command->flags.end()) {
      set.push_back(flag);
    }
  }
  return flags::FlagSet(std::move(set));
}

}  // namespace

std::string UsageText() { return absl::StrCat(kUsageText, GlobalFlags().Usage(), kUsageFooter); }

int Run(const std::vector<std::string>& args, const std::map<std::string, std::string>& environment,
        const StubFactory& stubs, Io io) {
  // Which command: the first word, found with every flag known (so values are not words).
  const flags::Parsed first = FlagsFor(nullptr).Parse(args, {.max_positionals = 5});
  if (first.help || (!first.positionals.empty() && first.positionals[0] == "help")) {
    io.out << UsageText();
    return kOk;
  }
  if (first.positionals.empty()) {
    io.err << UsageText();
    return kUsage;
  }
  const CliCommand* command = nullptr;
  for (const CliCommand& candidate : CliCommands()) {
    if (candidate.name == first.positionals[0]) {
      command = &candidate;
    }
  }
  if (command == nullptr) {
    io.err << "warden: unknown command '" << first.positionals[0] << "'\n" << UsageText();
    return kUsage;
  }
  const flags::Parsed parsed =
      FlagsFor(command).Parse(args, {.max_positionals = 1 + command->max_words});
  if (!parsed.problems.empty()) {
    io.err << "warden " << command->name << ": " << absl::StrJoin(parsed.problems, "; ") << "\n";
    return kUsage;
  }
  std::map<std::string, std::string> global = GlobalFlags().FromEnvironment(environment);
  for (const auto& [name, value] : parsed.values) {
    global[name] = value;
  }
  auto value = [&](const char* name) {
    auto it = global.find(name);
    return it == global.end() ? std::string() : it->second;
  };
  Options options;
  options.command = command->name;
  options.words.assign(parsed.positionals.begin() + 1, parsed.positionals.end());
  for (const auto& [name, text] : parsed.values) {
    if (GlobalFlags().Find(name) == nullptr) {
      options.flags[name] = text;
    }
  }
  options.address = global.contains("addr") ? value("addr") : options.address;
  options.credentials =
      global.contains("credentials") ? value("credentials") : DefaultCredentialsPath(environment);
  options.traceparent = value("traceparent");
  if (const std::string output = value("output"); !output.empty()) {
    if (output != "text" && output != "json") {
      io.err << "warden: --output must be text or json\n";
      return kUsage;
    }
    options.json = output == "json";
  }
  if (global.contains("timeout") &&
      (!absl::SimpleAtoi(value("timeout"), &options.timeout_seconds) ||
       options.timeout_seconds <= 0)) {
    io.err << "warden: --timeout must be a positive number of seconds\n";
    return kUsage;
  }
  options.channel.ca_file = value("tls-ca");
  options.channel.cert_file = value("tls-cert");
  options.channel.key_file = value("tls-key");
  options.channel.server_name = value("tls-server-name");
  bool tls = false;
  if (global.contains("tls") && flags::ParseBool(value("tls"), tls).has_value()) {
    io.err << "warden: --tls (WARDEN_TLS) must be true or false\n";
    return kUsage;
  }
  options.channel.tls = tls || !options.channel.ca_file.empty() ||
                        !options.channel.cert_file.empty() ||
                        !options.channel.server_name.empty() || !options.channel.key_file.empty();
  absl::StatusOr<Stubs> made = stubs(options.address, options.channel);
  if (!made.ok()) {
    io.err << "warden: cannot set up the connection: " << made.status().message() << "\n";
    return kUsage;
  }
  client::AuthClient api =
      client::AuthClient(made->auth, {.timeout = std::chrono::seconds(options.timeout_seconds)})
          .WithTraceparent(options.traceparent);
  return Command(options, environment, api, made->invoker, io).Dispatch(command->run);
}

}  // namespace warden::cli
