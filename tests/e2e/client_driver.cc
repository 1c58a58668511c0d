// warden_client_driver: drives ValidateToken calls through the C++ client stack (or a bare
// generated stub) for the end-to-end tests and the client benchmark. Bounded: stops after
// --calls, after --seconds (at most 300), or when stdin closes (--until-stdin-closes).
// Prints one JSON line per --report-ms and a final one with "done": true.
#include <grpcpp/create_channel.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "auth.grpc.pb.h"
#include "client/client_stack.h"
#include "client/invoker_auth_stub.h"
#include "client/methods.h"

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string target = "127.0.0.1:50051";
  std::string token;
  std::string username;
  std::string password;
  std::string stack = "full";  // full | bare
  int64_t calls = 1000;
  int64_t seconds = 60;
  int64_t threads = 4;
  int64_t resolve_interval_ms = 1000;
  int64_t report_ms = 250;
  bool until_stdin_closes = false;
};

bool Parse(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](auto& out) {
      if (i + 1 >= argc) {
        return false;
      }
      std::string text = argv[++i];
      if constexpr (std::is_same_v<std::decay_t<decltype(out)>, std::string>) {
        out = text;
        return true;
      } else {
        return absl::SimpleAtoi(text, &out);
      }
    };
    bool ok = true;
    if (arg == "--target")
      ok = value(flags.target);
    else if (arg == "--token")
      ok = value(flags.token);
    else if (arg == "--username")
      ok = value(flags.username);
    else if (arg == "--password")
      ok = value(flags.password);
    else if (arg == "--stack")
      ok = value(flags.stack);
    else if (arg == "--calls")
      ok = value(flags.calls);
    else if (arg == "--seconds")
      ok = value(flags.seconds);
    else if (arg == "--threads")
      ok = value(flags.threads);
    else if (arg == "--resolve-interval-ms")
      ok = value(flags.resolve_interval_ms);
    else if (arg == "--report-ms")
      ok = value(flags.report_ms);
    else if (arg == "--until-stdin-closes")
      flags.until_stdin_closes = true;
    else
      ok = false;
    if (!ok) {
      std::cerr << "warden_client_driver: bad argument " << arg << "\n";
      return false;
    }
  }
  flags.seconds = std::min<int64_t>(flags.seconds, 300);
  return flags.threads > 0 && (flags.stack == "full" || flags.stack == "bare");
}

// What the callers saw, shared by the threads.
struct Tally {
  std::mutex mutex;
  int64_t ok = 0;
  int64_t failed = 0;
  std::map<std::string, int64_t> peers;
  std::map<std::string, int64_t> errors;

  void Add(const absl::Status& status, const std::string& peer) {
    std::lock_guard lock(mutex);
    if (status.ok()) {
      ++ok;
      ++peers[peer];
    } else {
      ++failed;
      if (errors.size() < 20) {
        ++errors[absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message())];
      }
    }
  }
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!Parse(argc, argv, flags)) {
    return 2;
  }
  warden::client::ClientOptions options;
  options.target = flags.target;
  options.balancing.resolve_interval = std::chrono::milliseconds(flags.resolve_interval_ms);
  options.balancing.min_resolve_interval =
      std::min(options.balancing.min_resolve_interval, options.balancing.resolve_interval);
  std::shared_ptr<warden::client::ClientStack> signer;
  if (!flags.username.empty()) {
    absl::StatusOr<warden::client::ClientStack> plain = warden::client::MakeClientStack(options);
    if (!plain.ok()) {
      std::cerr << plain.status() << "\n";
      return 2;
    }
    signer = std::make_shared<warden::client::ClientStack>(*plain);
    options.credentials =
        warden::client::TokenSource::Password(signer->auth, flags.username, flags.password);
  }
  absl::StatusOr<warden::client::ClientStack> stack = warden::client::MakeClientStack(options);
  if (!stack.ok()) {
    std::cerr << stack.status() << "\n";
    return 2;
  }
  auto bare_channel = grpc::CreateChannel(flags.target, grpc::InsecureChannelCredentials());
  auto bare = ::auth::AuthService::NewStub(bare_channel);
  std::string bearer = flags.token.empty() ? "" : "Bearer " + flags.token;
  if (flags.stack == "bare" && bearer.empty() && options.credentials != nullptr) {
    auto header = options.credentials->Header();  // the bare stub gets the same token, once
    bearer = header.ok() ? header->second : "";
  }

  Tally tally;
  std::atomic<int64_t> issued{0};
  std::atomic<bool> stop{false};
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(flags.seconds);
  const double cpu_before = CpuSeconds();

  auto call_once = [&] {
    if (flags.stack == "bare") {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      context.AddMetadata("authorization", bearer);
      ::auth::TokenInfo info;
      grpc::Status status = bare->ValidateToken(&context, google::protobuf::Empty(), &info);
      tally.Add(
          absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message()),
          context.peer());
      return;
    }
    warden::client::CallContext context;
    if (!bearer.empty()) {
      context.metadata.emplace_back("authorization", bearer);
    }
    ::auth::TokenInfo info;
    absl::Status status = stack->invoker->Invoke(context, warden::client::methods::kValidateToken,
                                                 google::protobuf::Empty(), info);
    tally.Add(status, context.peer);
  };

  std::vector<std::thread> threads;
  for (int64_t t = 0; t < flags.threads; ++t) {
    threads.emplace_back([&] {
      while (!stop.load() && Clock::now() < deadline && issued.fetch_add(1) < flags.calls) {
        call_once();
      }
    });
  }
  std::thread stdin_watch;
  if (flags.until_stdin_closes) {
    stdin_watch = std::thread([&] {
      std::string line;
      while (std::getline(std::cin, line)) {
      }
      stop.store(true);
    });
    stdin_watch.detach();  // blocked in read(); the process exits with it
  }

  auto report = [&](bool done) {
    Json line;
    {
      std::lock_guard lock(tally.mutex);
      line = Json{{"t", std::chrono::duration<double>(Clock::now() - started).count()},
                  {"ok", tally.ok},
                  {"failed", tally.failed},
                  {"peers", tally.peers},
                  {"errors", tally.errors}};
    }
    Json endpoints = Json::array();
    if (stack->balancer != nullptr) {
      for (const auto& e : stack->balancer->Endpoints()) {
        endpoints.push_back({{"endpoint", e.endpoint},
                             {"state", warden::resilience::BreakerStateName(e.state)},
                             {"calls", e.calls}});
      }
    }
    line["endpoints"] = endpoints;
    if (done) {
      line["done"] = true;
      const int64_t calls = line["ok"].get<int64_t>() + line["failed"].get<int64_t>();
      line["cpu_us_per_call"] = calls > 0 ? (CpuSeconds() - cpu_before) * 1e6 / calls : 0;
    }
    std::cout << line.dump() << std::endl;
  };
  std::mutex done_mutex;
  std::condition_variable done_signal;
  bool finished = false;
  std::thread reporter([&] {
    std::unique_lock lock(done_mutex);
    while (!done_signal.wait_for(lock, std::chrono::milliseconds(flags.report_ms),
                                 [&] { return finished; })) {
      lock.unlock();
      report(false);
      lock.lock();
    }
  });
  for (auto& thread : threads) {
    thread.join();
  }
  {
    std::lock_guard lock(done_mutex);
    finished = true;
  }
  done_signal.notify_all();
  reporter.join();
  report(true);
  return 0;
}
