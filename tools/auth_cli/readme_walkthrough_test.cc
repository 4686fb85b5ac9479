// The README's "Try it" walkthrough, taken from README.md as it stands, run twice in a row
// against the real auth_server on a private MariaDB: a new user who tries it twice (or on a
// database that already has users) must see no error.
//
// The script is the README's block with two lines adapted to the test: the `bazel build` line is
// dropped (auth_cli is in the runfiles) and `cli=` points at that auth_cli and the server's port.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/auth_test_client.h"

extern char** environ;

namespace auth::cli {
namespace {

using ::auth::service_testing::AuthServerBackend;
using ::auth::service_testing::AuthServerProcess;
using ::auth::service_testing::AuthTestClient;
using ::auth::test_util::ExitStatus;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The first ```sh block after "## Try it" in `readme`, adapted as the header says; "" if the
// README has none.
std::string WalkthroughScript(absl::string_view readme) {
  const size_t section = readme.find("\n## Try it");
  if (section == absl::string_view::npos) return "";
  const size_t open = readme.find("```sh\n", section);
  if (open == absl::string_view::npos) return "";
  const size_t begin = open + 6;
  const size_t close = readme.find("\n```", begin);
  if (close == absl::string_view::npos) return "";
  std::vector<std::string> lines = {"set -euo pipefail"};
  for (absl::string_view line : absl::StrSplit(readme.substr(begin, close - begin), '\n')) {
    if (absl::StartsWith(line, "bazel build ")) continue;
    if (absl::StartsWith(line, "cli=")) {
      lines.push_back(R"(cli="$WALKTHROUGH_AUTH_CLI --target=$WALKTHROUGH_TARGET")");
      continue;
    }
    lines.emplace_back(line);
  }
  return absl::StrJoin(lines, "\n");
}

// Runs `script` with bash; its output (both streams) goes to `output_path`.
ExitStatus RunScript(const std::string& script, const std::string& target,
                     const std::string& output_path) {
  SubprocessOptions options;
  options.argv = {"bash", "-c", script};
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  // HOME holds auth_cli's saved tokens: one per test, as a user's home would be.
  env.push_back(absl::StrCat("HOME=", TestTempPath("")));
  env.push_back(absl::StrCat("WALKTHROUGH_AUTH_CLI=", Runfile("tools/auth_cli/auth_cli")));
  env.push_back(absl::StrCat("WALKTHROUGH_TARGET=", target));
  options.env = env;
  options.stdout_path = output_path;
  options.stderr_path = output_path;
  absl::StatusOr<ExitStatus> status = Subprocess::Run(options, absl::Seconds(60));
  EXPECT_THAT(status, ::auth::test_util::IsOk());
  return status.ok() ? *status : ExitStatus{};
}

TEST(ReadmeWalkthroughTest, RunsTwiceInARowOnADatabaseWithOtherUsers) {
  const std::string script = WalkthroughScript(ReadWholeFile(Runfile("README.md")));
  ASSERT_THAT(script, HasSubstr("$cli register")) << "no walkthrough found in README.md";
  ASSERT_THAT(script, HasSubstr("$cli logout"));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerBackend> backend, AuthServerBackend::Start());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server,
                       AuthServerProcess::Start(backend->Flags()));
  // Someone else registered first, so alice is not user 1.
  std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
  ASSERT_TRUE(AuthTestClient(*stub).Register("bob", "bob@example.com").ok());

  for (int run = 1; run <= 2; ++run) {
    const std::string output_path = TestTempPath(absl::StrCat("walkthrough-", run, ".txt"));
    const ExitStatus status = RunScript(script, server->address(), output_path);
    const std::string output = ReadWholeFile(output_path);
    ASSERT_TRUE(status.ok()) << "run " << run << ": " << status.ToString() << "\n" << output;
    EXPECT_THAT(output, HasSubstr("user_id: 2")) << "run " << run;
    EXPECT_THAT(output, HasSubstr("message: User logout successfully")) << "run " << run;
    if (run == 2) {
      EXPECT_THAT(output, HasSubstr("already_exists: "));
    }
  }
}

}  // namespace
}  // namespace auth::cli
