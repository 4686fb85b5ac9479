#include "tools/loadgen/scenarios.h"

#include <atomic>
#include <deque>
#include <iostream>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tools/loadgen/calls.h"

namespace auth::loadgen {
namespace {

// A Workload made of a function, for the preparatory bursts.
class FunctionWorkload : public Workload {
 public:
  explicit FunctionWorkload(std::function<bool(int, absl::Time, CallDone)> start)
      : start_(std::move(start)) {}
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    return start_(slot, deadline, std::move(done));
  }

 private:
  std::function<bool(int, absl::Time, CallDone)> start_;
};

// Runs `count` calls of `start` (slot, index, deadline, done) and fails unless all succeed.
absl::Status Burst(const ScenarioOptions& options, absl::string_view what, int64_t count,
                   std::function<void(int, int64_t, absl::Time, CallDone)> start) {
  std::atomic<int64_t> next{0};
  FunctionWorkload workload([&](int slot, absl::Time deadline, CallDone done) {
    start(slot, next.fetch_add(1), deadline, std::move(done));
    return true;
  });
  LoadOptions load;
  load.concurrency = static_cast<int>(std::min<int64_t>(options.prepare_concurrency, count));
  load.total_calls = count;
  load.deadline = options.prepare_deadline;
  load.duration = options.prepare_deadline * 10;
  const absl::Time start_time = absl::Now();
  const LoadResult result = RunLoad(workload, load);
  std::cerr << "loadgen: prepared " << result.totals.ok << " " << what << " in "
            << absl::FormatDuration(absl::Trunc(absl::Now() - start_time, absl::Milliseconds(1)))
            << "\n";
  if (result.totals.ok != count) {
    std::string errors;
    for (const auto& [code, n] : result.totals.errors) absl::StrAppend(&errors, " ", code, "=", n);
    return absl::UnavailableError(absl::StrCat("preparing ", what, ": ", result.totals.ok, " of ",
                                               count, " succeeded;", errors));
  }
  return absl::OkStatus();
}

struct Session {
  int64_t user_id = 0;
  std::string token;
};

// The common part: registering users and logging them in.
class ScenarioBase : public Scenario {
 public:
  ScenarioBase(const ScenarioOptions& options, Connections& connections)
      : options_(options), connections_(connections) {}

 protected:
  absl::Status RegisterUsers(int64_t first, int64_t count) {
    return Burst(options_, "registrations", count,
                 [this, first](int slot, int64_t i, absl::Time deadline, CallDone done) {
                   StartRegister(connections_.auth(slot), UsernameFor(options_.run_id, first + i),
                                 EmailFor(options_.run_id, first + i), deadline, std::move(done));
                 });
  }

  // Logs users [0, count) in once each; sessions_[i] is user i's.
  absl::Status LoginUsers(int64_t count) {
    sessions_.assign(count, Session());
    return Burst(options_, "logins", count,
                 [this](int slot, int64_t i, absl::Time deadline, CallDone done) {
                   StartLogin(connections_.auth(slot), EmailFor(options_.run_id, i), deadline,
                              [this, i, done = std::move(done)](LoginOutcome outcome) {
                                // Each index is written by one call only.
                                sessions_[i] = {outcome.user_id, outcome.token};
                                done(outcome.status, outcome.well_formed);
                              });
                 });
  }

  const ScenarioOptions options_;
  Connections& connections_;
  std::vector<Session> sessions_;
};

class RegisterScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;
  absl::Status Prepare() override { return absl::OkStatus(); }
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const int64_t i = next_.fetch_add(1);
    StartRegister(connections_.auth(slot), UsernameFor(options_.run_id, i),
                  EmailFor(options_.run_id, i), deadline, std::move(done));
    return true;
  }

 private:
  std::atomic<int64_t> next_{0};
};

class LoginScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;
  absl::Status Prepare() override { return RegisterUsers(0, options_.users); }
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const int64_t i = next_.fetch_add(1) % options_.users;
    StartLogin(connections_.auth(slot), EmailFor(options_.run_id, i), deadline,
               [done = std::move(done)](LoginOutcome outcome) {
                 done(outcome.status, outcome.well_formed);
               });
    return true;
  }

 private:
  std::atomic<int64_t> next_{0};
};

class LogoutScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;
  absl::Status Prepare() override {
    if (absl::Status registered = RegisterUsers(0, options_.users); !registered.ok()) {
      return registered;
    }
    return LoginUsers(options_.users);
  }
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const int64_t i = next_.fetch_add(1);
    if (i >= static_cast<int64_t>(sessions_.size())) return false;  // one token per logout
    StartLogout(connections_.auth(slot), sessions_[i].user_id, sessions_[i].token, deadline,
                std::move(done));
    return true;
  }

 private:
  std::atomic<int64_t> next_{0};
};

class ValidateScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;
  absl::Status Prepare() override {
    if (absl::Status registered = RegisterUsers(0, options_.users); !registered.ok()) {
      return registered;
    }
    return LoginUsers(options_.users);
  }
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const Session& session = sessions_[next_.fetch_add(1) % sessions_.size()];
    StartValidate(connections_.auth(slot), session.user_id, session.token, deadline,
                  std::move(done));
    return true;
  }

 private:
  std::atomic<int64_t> next_{0};
};

class EmptyScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;
  absl::Status Prepare() override { return absl::OkStatus(); }
  bool Start(int slot, absl::Time deadline, CallDone done) override {
    StartEmpty(connections_.benchmark(slot), deadline, std::move(done));
    return true;
  }
};

// 70% login, 20% register, 10% logout. A user is idle (with or without a live token) or busy
// with exactly one call, so no logout races a login of the same user, and only registered users
// are ever idle.
class MixedScenario : public ScenarioBase {
 public:
  using ScenarioBase::ScenarioBase;

  absl::Status Prepare() override {
    if (absl::Status registered = RegisterUsers(0, options_.users); !registered.ok()) {
      return registered;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_.resize(options_.users);
    for (int64_t i = 0; i < options_.users; ++i) idle_without_token_.push_back(i);
    return absl::OkStatus();
  }

  bool Start(int slot, absl::Time deadline, CallDone done) override {
    enum class Action { kLogin, kRegister, kLogout };
    const int64_t draw = counter_.fetch_add(1) % 10;
    Action action = draw < 7 ? Action::kLogin : draw < 9 ? Action::kRegister : Action::kLogout;
    int64_t user = -1;
    Session session;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (action == Action::kLogout && idle_with_token_.empty()) action = Action::kLogin;
      if (action == Action::kLogout) {
        user = PopFront(idle_with_token_);
        session = tokens_[user];
      } else if (action == Action::kLogin) {
        // Prefer users without a token, so logins keep feeding the logouts.
        std::deque<int64_t>& idle =
            idle_without_token_.empty() ? idle_with_token_ : idle_without_token_;
        if (idle.empty()) {
          action = Action::kRegister;  // every user is busy
        } else {
          user = PopFront(idle);
        }
      }
      if (action == Action::kRegister) {
        user = static_cast<int64_t>(tokens_.size());
        tokens_.emplace_back();
      }
    }
    auth::v1::AuthService::Stub& stub = connections_.auth(slot);
    switch (action) {
      case Action::kLogout:
        StartLogout(stub, session.user_id, session.token, deadline,
                    [this, user, done = std::move(done)](const grpc::Status& status, bool ok) {
                      MakeIdle(user, Session());  // the token is spent either way
                      done(status, ok);
                    });
        break;
      case Action::kLogin:
        StartLogin(stub, EmailFor(options_.run_id, user), deadline,
                   [this, user, done = std::move(done)](LoginOutcome outcome) {
                     const bool ok = outcome.status.ok() && outcome.well_formed;
                     MakeIdle(user, ok ? Session{outcome.user_id, outcome.token} : Session());
                     done(outcome.status, outcome.well_formed);
                   });
        break;
      case Action::kRegister:
        StartRegister(stub, UsernameFor(options_.run_id, user), EmailFor(options_.run_id, user),
                      deadline,
                      [this, user, done = std::move(done)](const grpc::Status& status, bool ok) {
                        // A failed registration leaves no user to log in: never idle.
                        if (status.ok() && ok) MakeIdle(user, Session());
                        done(status, ok);
                      });
        break;
    }
    return true;
  }

 private:
  static int64_t PopFront(std::deque<int64_t>& queue) {
    const int64_t front = queue.front();
    queue.pop_front();
    return front;
  }

  void MakeIdle(int64_t user, Session session) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool has_token = !session.token.empty();
    tokens_[user] = std::move(session);
    (has_token ? idle_with_token_ : idle_without_token_).push_back(user);
  }

  std::atomic<int64_t> counter_{0};
  std::mutex mutex_;
  std::deque<Session> tokens_;  // by user index; guarded by mutex_
  std::deque<int64_t> idle_with_token_;
  std::deque<int64_t> idle_without_token_;
};

}  // namespace

std::string UsernameFor(absl::string_view run_id, int64_t index) {
  return absl::StrCat("lg", run_id, "_", index);
}

std::string EmailFor(absl::string_view run_id, int64_t index) {
  return absl::StrCat("lg", run_id, ".", index, "@loadgen.test");
}

const std::vector<std::string>& ScenarioNames() {
  static const auto* names =
      new std::vector<std::string>{"register", "login", "logout", "validate", "mixed", "empty"};
  return *names;
}

absl::StatusOr<std::unique_ptr<Scenario>> MakeScenario(const ScenarioOptions& options,
                                                       Connections& connections) {
  if (options.users <= 0) return absl::InvalidArgumentError("users must be positive");
  const std::string& name = options.name;
  if (name == "register") return std::make_unique<RegisterScenario>(options, connections);
  if (name == "login") return std::make_unique<LoginScenario>(options, connections);
  if (name == "logout") return std::make_unique<LogoutScenario>(options, connections);
  if (name == "validate") return std::make_unique<ValidateScenario>(options, connections);
  if (name == "mixed") return std::make_unique<MixedScenario>(options, connections);
  if (name == "empty") return std::make_unique<EmptyScenario>(options, connections);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scenario ", name, "; one of ", absl::StrJoin(ScenarioNames(), ", ")));
}

}  // namespace auth::loadgen
