#include "guard/guard_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"

namespace warden::guard {
namespace {

using testing::FakeCall;

// Records the methods it binds and the order its checks run in; refuses when told to.
class StepGuard final : public Guard {
 public:
  StepGuard(std::string name, std::vector<std::string>& trace, bool refuse = false,
            bool skip = false)
      : name_(std::move(name)), trace_(trace), refuse_(refuse), skip_(skip) {}
  std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) override {
    bound.push_back(method);
    if (skip_) {
      return nullptr;
    }
    return std::make_unique<Step>(*this);
  }
  std::vector<MethodInfo> bound;

 private:
  class Step final : public MethodCheck {
   public:
    explicit Step(const StepGuard& guard) : guard_(guard) {}
    absl::Status Check(const CallView& /*call*/, CallState& state) const override {
      guard_.trace_.push_back(guard_.name_);
      state.admitted.client_address += guard_.name_;
      return guard_.refuse_ ? absl::PermissionDeniedError(guard_.name_) : absl::OkStatus();
    }

   private:
    const StepGuard& guard_;
  };
  std::string name_;
  std::vector<std::string>& trace_;
  bool refuse_;
  bool skip_;
};

TEST(GuardChainTest, RunsChecksInOrderAndPassesTheStateAlong) {
  std::vector<std::string> trace;
  std::vector<std::unique_ptr<Guard>> guards;
  guards.push_back(std::make_unique<StepGuard>("a", trace));
  guards.push_back(std::make_unique<StepGuard>("b", trace, false, /*skip=*/true));
  guards.push_back(std::make_unique<StepGuard>("c", trace));
  GuardChain chain(std::move(guards));
  absl::StatusOr<Admitted> admitted = chain.Bind("/p.S/M").Admit(FakeCall());
  ASSERT_THAT(admitted, IsOk());
  EXPECT_EQ(admitted->client_address, "ac");  // b bound nothing for this method
  EXPECT_THAT(trace, ::testing::ElementsAre("a", "c"));
}

TEST(GuardChainTest, TheFirstRefusalEndsTheCall) {
  std::vector<std::string> trace;
  std::vector<std::unique_ptr<Guard>> guards;
  guards.push_back(std::make_unique<StepGuard>("a", trace, /*refuse=*/true));
  guards.push_back(std::make_unique<StepGuard>("b", trace));
  GuardChain chain(std::move(guards));
  EXPECT_THAT(chain.Bind("/p.S/M").Admit(FakeCall()),
              StatusIs(absl::StatusCode::kPermissionDenied, "a"));
  EXPECT_THAT(trace, ::testing::ElementsAre("a"));
}

TEST(GuardChainTest, BindsEachMethodOnceWithItsFirstOptions) {
  std::vector<std::string> trace;
  auto step = std::make_unique<StepGuard>("a", trace);
  StepGuard* guard = step.get();
  std::vector<std::unique_ptr<Guard>> guards;
  guards.push_back(std::move(step));
  GuardChain chain(std::move(guards));
  const MethodGuard& first = chain.Bind("/p.S/M", {.needs_client_address = true});
  const MethodGuard& again = chain.Bind("/p.S/M");
  EXPECT_EQ(&first, &again);
  EXPECT_EQ(first.method(), "/p.S/M");
  ASSERT_EQ(guard->bound.size(), 1u);
  EXPECT_EQ(guard->bound[0].name, "/p.S/M");
  EXPECT_TRUE(guard->bound[0].options.needs_client_address);
}

TEST(GuardChainTest, AllowAllAdmitsAnonymously) {
  std::unique_ptr<GuardChain> chain = GuardChain::AllowAll();
  absl::StatusOr<Admitted> admitted =
      chain->Bind("/any.Service/Method").Admit(FakeCall().WithHeader("authorization", "junk"));
  ASSERT_THAT(admitted, IsOk());
  EXPECT_FALSE(admitted->principal.has_value());
}

}  // namespace
}  // namespace warden::guard
