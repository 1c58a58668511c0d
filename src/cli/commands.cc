#include "cli/commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/auth_client.h"

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

Global flags:
  --addr HOST:PORT       server address (WARDEN_ADDR, default 127.0.0.1:50051)
  --output text|json     output format (default text)
  --credentials FILE     credentials file (WARDEN_CREDENTIALS, default
                         $XDG_CONFIG_HOME/warden/credentials.json or ~/.config/warden/...)
  --timeout SECONDS      per-call deadline (default 10)
  --traceparent HEADER   W3C trace context to send with the call

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
  std::map<std::string, std::string> flags;  // command flags; "" for value-less flags
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
 public:
  Command(Options options, const std::map<std::string, std::string>& env, client::AuthClient& api,
          Io io)
      : options_(std::move(options)), env_(env), api_(api), io_(io) {}

  int Dispatch() {
    const std::string& c = options_.command;
    if (c == "register") return Register();
    if (c == "login") return Login();
    if (c == "whoami") return Whoami();
    if (c == "refresh") return Refresh();
    if (c == "logout") return Logout();
    if (c == "health") return Health();
    io_.err << "warden: unknown command '" << c << "'\n" << kUsageText;
    return kUsage;
  }

 private:
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
    const std::string tmp = options_.credentials + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
    }
    fchmod(fd, 0600);
    const std::string text = json.dump(2) + "\n";
    const bool ok =
        write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp.c_str(), options_.credentials.c_str()) != 0) {
      unlink(tmp.c_str());
      return absl::UnavailableError(absl::StrCat("cannot write ", options_.credentials));
    }
    return absl::OkStatus();
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

  Options options_;
  const std::map<std::string, std::string>& env_;
  client::AuthClient& api_;
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

}  // namespace

int Run(const std::vector<std::string>& args, const std::map<std::string, std::string>& environment,
        const StubFactory& stubs, Io io) {
  Options options;
  options.credentials = DefaultCredentialsPath(environment);
  if (auto it = environment.find("WARDEN_ADDR"); it != environment.end() && !it->second.empty()) {
    options.address = it->second;
  }
  static const std::vector<std::string> kBoolFlags = {"password-stdin"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      io.out << kUsageText;
      return kOk;
    }
    if (!absl::StartsWith(arg, "--")) {
      if (!options.command.empty()) {
        io.err << "warden: unexpected argument '" << arg << "'\n";
        return kUsage;
      }
      options.command = arg;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const bool is_bool = std::find(kBoolFlags.begin(), kBoolFlags.end(), name) != kBoolFlags.end();
    if (!value && !is_bool) {
      if (i + 1 >= args.size()) {
        io.err << "warden: --" << name << " needs a value\n";
        return kUsage;
      }
      value = args[++i];
    }
    if (name == "addr") {
      options.address = *value;
    } else if (name == "output") {
      if (*value != "text" && *value != "json") {
        io.err << "warden: --output must be text or json\n";
        return kUsage;
      }
      options.json = *value == "json";
    } else if (name == "credentials") {
      options.credentials = *value;
    } else if (name == "traceparent") {
      options.traceparent = *value;
    } else if (name == "timeout") {
      if (!absl::SimpleAtoi(*value, &options.timeout_seconds) || options.timeout_seconds <= 0) {
        io.err << "warden: --timeout must be a positive number of seconds\n";
        return kUsage;
      }
    } else if (name == "username" || name == "email" || name == "full-name" || name == "password" ||
               name == "service" || name == "password-stdin") {
      options.flags[name] = value.value_or("");
    } else {
      io.err << "warden: unknown flag --" << name << "\n";
      return kUsage;
    }
  }
  if (options.command.empty()) {
    io.err << kUsageText;
    return kUsage;
  }
  client::AuthClient api =
      client::AuthClient(stubs(options.address),
                         {.timeout = std::chrono::seconds(options.timeout_seconds)})
          .WithTraceparent(options.traceparent);
  return Command(options, environment, api, io).Dispatch();
}

}  // namespace warden::cli
