// The load generator's scenarios: what each call sends, what a correct answer looks like, and
// the users and tokens a scenario prepares before it is measured.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scenario> scenario,
//                        MakeScenario({.name = "login", .users = 128}, *connections));
//   ASSERT_OK(scenario->Prepare());  // registers 128 users
//   LoadResult result = RunLoad(*scenario, load_options);
//
//   register  Register of a new, unique user per call.
//   login     Login by email, round robin over `users` users registered by Prepare().
//   logout    Logout with a token of its own per call: Logout ends every session of the user, so
//             Prepare() registers and logs in `users` users, and the run stops (ran_dry) when
//             the tokens are used up.
//   validate  ValidateToken, round robin over the tokens of `users` logged-in users.
//   mixed     70% login, 20% register, 10% logout over a pool of users that grows with the
//             registrations; a user has at most one call in flight, so a logout never revokes
//             a token another call is about to use.
//   empty     BenchmarkService.Empty (run it against empty_server): the framework floor.
//
// Every answer is checked (messages, status fields, user ids, cookies): an OK status with a
// wrong body is recorded as BAD_RESPONSE.
#ifndef TOOLS_LOADGEN_SCENARIOS_H_
#define TOOLS_LOADGEN_SCENARIOS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/loadgen/connections.h"
#include "tools/loadgen/driver.h"

namespace auth::loadgen {

struct ScenarioOptions {
  std::string name;
  // Users Prepare() registers (login, validate, mixed) and logs in (logout, validate).
  int users = 128;
  // Calls in flight while preparing, and each one's deadline.
  int prepare_concurrency = 64;
  absl::Duration prepare_deadline = absl::Seconds(60);
  // Makes user names unique across runs against one database; letters and digits.
  std::string run_id;
};

class Scenario : public Workload {
 public:
  // Creates the users and tokens the scenario needs. Fails if any preparatory call fails.
  virtual absl::Status Prepare() = 0;
};

// The names MakeScenario() knows, in a stable order.
const std::vector<std::string>& ScenarioNames();

// kInvalidArgument for an unknown name.
absl::StatusOr<std::unique_ptr<Scenario>> MakeScenario(const ScenarioOptions& options,
                                                       Connections& connections);

// The username and email of prepared or registered user `index` of run `run_id`.
std::string UsernameFor(absl::string_view run_id, int64_t index);
std::string EmailFor(absl::string_view run_id, int64_t index);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_SCENARIOS_H_
