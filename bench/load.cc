// A closed-loop gRPC load generator for auth.AuthService: `--concurrency` calls in flight over
// `--channels` connections for `--seconds` (and at most `--max-calls`), counting gRPC status
// codes (not HTTP status) and reporting throughput and latency percentiles.
//
//   load --target 127.0.0.1:PORT --rpc validate --token JWT [--seconds 10] [--concurrency 64]
//   load --target 127.0.0.1:PORT --rpc login --username U --password P
//   load --target 127.0.0.1:PORT --rpc register --username PREFIX --password P  (new users)
//   load --target 127.0.0.1:PORT --rpc validate --tokens-file F  (call n uses line n % lines)
//   load --target 127.0.0.1:PORT --rpc refresh --token REFRESH_TOKEN  (a session that keeps it)
//   --rate N paces the calls: at most N starts per second in total (an open-loop flood of a
//   fixed size rather than as fast as the server answers, refusals included).
//   --lb round_robin with --target ipv4:127.0.0.1:P1,127.0.0.2:P2,... spreads the calls over
//   several replicas.
#include <fstream>

#include <grpcpp/alarm.h>
#include <grpcpp/channel.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target;
  std::string rpc = "validate";
  std::string token;
  std::vector<std::string> tokens;  // --tokens-file: one per line, used in turn
  std::string username;
  std::string password;
  int seconds = 10;
  int concurrency = 64;
  int channels = 4;
  long max_calls = 50'000'000;
  double rate = 0;  // starts per second in total; 0: closed loop, no pacing
  std::string lb;   // load-balancing policy, e.g. round_robin over ipv4:A:P1,B:P2; "": default
  int deadline_ms = 30000;  // per call
};

struct Slot;

struct Run {
  Options options;
  std::vector<std::unique_ptr<auth::AuthService::Stub>> stubs;
  Clock::time_point deadline;
  Clock::time_point start;
  std::atomic<long> issued{0};
  std::atomic<long> tickets{0};
  std::atomic<long> registered{0};
  std::mutex mutex;
  std::condition_variable done;
  int active = 0;
  std::map<int, long> codes;
  std::vector<double> latencies_us;
};

// One in-flight call at a time, re-issued from its own completion callback until time is up.
struct Slot {
  Run* run = nullptr;
  auth::AuthService::Stub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  google::protobuf::Empty empty;
  auth::TokenInfo info;
  auth::LoginRequest login;
  auth::RegisterRequest registration;
  auth::RegisterResponse registration_response;
  auth::LoginResponse login_response;
  auth::RefreshTokenRequest refresh;
  auth::RefreshTokenResponse refresh_response;
  Clock::time_point started;
  std::vector<double> latencies_us;
  std::map<int, long> codes;

  grpc::Alarm alarm;

  void Issue() {
    if (run->options.rate > 0) {
      // Take the next start ticket; wait for its time on an alarm (never block a callback).
      const long ticket = run->tickets.fetch_add(1);
      const Clock::time_point due =
          run->start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(ticket / run->options.rate));
      if (due >= run->deadline) {
        Finish();
        return;
      }
      if (due > Clock::now()) {
        alarm.Set(std::chrono::system_clock::now() + (due - Clock::now()),
                  [this](bool) { Launch(); });
        return;
      }
    }
    Launch();
  }

  void Launch() {
    const long call = run->issued.fetch_add(1);
    if (Clock::now() >= run->deadline || call >= run->options.max_calls) {
      Finish();
      return;
    }
    context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(run->options.deadline_ms));
    started = Clock::now();
    auto on_done = [this](grpc::Status status) {
      latencies_us.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - started).count());
      codes[status.error_code()]++;
      Issue();
    };
    if (run->options.rpc == "validate") {
      const std::vector<std::string>& tokens = run->options.tokens;
      context->AddMetadata(
          "authorization",
          "Bearer " + (tokens.empty() ? run->options.token : tokens[call % tokens.size()]));
      stub->async()->ValidateToken(context.get(), &empty, &info, on_done);
    } else if (run->options.rpc == "refresh") {
      refresh.set_refresh_token(run->options.token);
      stub->async()->RefreshToken(context.get(), &refresh, &refresh_response, on_done);
    } else if (run->options.rpc == "register") {
      // A new user per call: "<username>-<pid>-<n>".
      const long n = run->registered.fetch_add(1);
      registration.set_username(absl::StrCat(run->options.username, "-", getpid(), "-", n));
      registration.set_email(absl::StrCat(registration.username(), "@example.com"));
      registration.set_password(run->options.password);
      stub->async()->Register(context.get(), &registration, &registration_response, on_done);
    } else {
      stub->async()->Login(context.get(), &login, &login_response, on_done);
    }
  }

  void Finish() {
    std::lock_guard<std::mutex> lock(run->mutex);
    run->latencies_us.insert(run->latencies_us.end(), latencies_us.begin(), latencies_us.end());
    for (auto [code, count] : codes) {
      run->codes[code] += count;
    }
    if (--run->active == 0) {
      run->done.notify_all();
    }
  }
};

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--target")
      o.target = value;
    else if (flag == "--rpc")
      o.rpc = value;
    else if (flag == "--token")
      o.token = value;
    else if (flag == "--tokens-file") {
      std::ifstream in(value);
      for (std::string line; std::getline(in, line);) {
        if (!line.empty()) o.tokens.push_back(line);
      }
      if (o.tokens.empty()) return false;
    } else if (flag == "--username")
      o.username = value;
    else if (flag == "--password")
      o.password = value;
    else if (flag == "--seconds") {
      if (!absl::SimpleAtoi(value, &o.seconds)) return false;
    } else if (flag == "--concurrency") {
      if (!absl::SimpleAtoi(value, &o.concurrency)) return false;
    } else if (flag == "--channels") {
      if (!absl::SimpleAtoi(value, &o.channels)) return false;
    } else if (flag == "--max-calls") {
      if (!absl::SimpleAtoi(value, &o.max_calls)) return false;
    } else if (flag == "--lb") {
      o.lb = value;
    } else if (flag == "--rate") {
      if (!absl::SimpleAtod(value, &o.rate) || o.rate < 0) return false;
    } else if (flag == "--deadline-ms") {
      if (!absl::SimpleAtoi(value, &o.deadline_ms) || o.deadline_ms <= 0) return false;
    } else
      return false;
  }
  return !o.target.empty() &&
         (o.rpc == "validate" || o.rpc == "login" || o.rpc == "register" || o.rpc == "refresh") &&
         o.seconds > 0 && o.seconds <= 600 && o.concurrency > 0 && o.channels > 0;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  if (!ParseArgs(argc, argv, run.options)) {
    std::cerr << "usage: load --target HOST:PORT --rpc validate|login|register|refresh [--token T] "
                 "[--tokens-file F] [--username U "
                 "--password P] [--seconds N<=600] [--concurrency N] [--channels N] "
                 "[--max-calls N] [--rate N] [--lb round_robin] [--deadline-ms N]\n";
    return 2;
  }
  for (int i = 0; i < run.options.channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    if (!run.options.lb.empty()) {
      args.SetLoadBalancingPolicyName(run.options.lb);
    }
    run.stubs.push_back(auth::AuthService::NewStub(
        grpc::CreateCustomChannel(run.options.target, grpc::InsecureChannelCredentials(), args)));
  }
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < run.options.concurrency; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->run = &run;
    slot->stub = run.stubs[static_cast<size_t>(i) % run.stubs.size()].get();
    slot->login.set_username(run.options.username);
    slot->login.set_password(run.options.password);
    slots.push_back(std::move(slot));
  }
  const Clock::time_point start = Clock::now();
  run.start = start;
  run.deadline = start + std::chrono::seconds(run.options.seconds);
  run.active = run.options.concurrency;
  for (auto& slot : slots) {
    slot->Issue();
  }
  {
    std::unique_lock<std::mutex> lock(run.mutex);
    run.done.wait(lock, [&] { return run.active == 0; });
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(run.latencies_us.begin(), run.latencies_us.end());
  long ok = run.codes[0];
  long total = 0;
  std::string codes;
  for (auto [code, count] : run.codes) {
    total += count;
    codes += (codes.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(count);
  }
  std::printf(
      "rpc=%s calls=%ld ok=%ld codes={%s} seconds=%.2f rps_ok=%.0f p50_us=%.0f p99_us=%.0f\n",
      run.options.rpc.c_str(), total, ok, codes.c_str(), elapsed, ok / elapsed,
      Percentile(run.latencies_us, 0.50), Percentile(run.latencies_us, 0.99));
  return ok > 0 ? 0 : 1;
}
