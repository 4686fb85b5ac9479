// The README's "Try it" walkthrough, taken from README.md as it stands, run twice in a row
// against the real auth_server on a private MariaDB, mailing through the mail server
// tools/run_local.sh starts (tools/local_mail_server.sh: aiosmtpd writing a Maildir): a new user
// who tries it twice (or on a database that already has users) must see no error, and the
// password reset must go through a mail each time.
//
// The script is the README's block with three lines adapted to the test: the `bazel build` line
// is dropped (auth_cli is in the runfiles), `cli=` points at that auth_cli and the server's port,
// and `A=` at the server's HTTP port. $AUTH_LOCAL_DIR/mail, where `auth_cli mail` looks by
// default, is the mail server's Maildir.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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
    if (absl::StartsWith(line, "A=http://127.0.0.1:8080/")) {
      lines.push_back(absl::StrReplaceAll(
          line, {{"http://127.0.0.1:8080/", "http://127.0.0.1:$WALKTHROUGH_HTTP_PORT/"}}));
      continue;
    }
    lines.emplace_back(line);
  }
  return absl::StrJoin(lines, "\n");
}

// $0: tools/local_mail_server.sh, $1: the Maildir, $2: its log.
constexpr char kLocalMailServerScript[] = R"(
source "$0"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap '[[ -n $LOCAL_MAIL_PID ]] && kill "$LOCAL_MAIL_PID"' EXIT
trap 'exit 0' TERM
start_local_mail_server "$1" "127.0.0.1:$port" "$2" || exit 1
echo "mail server on port $port"
wait "$LOCAL_MAIL_PID"
)";

// tools/run_local.sh's mail server, as it starts it, on a free loopback port it prints as
// "mail server on port N"; SIGTERM stops it.
absl::StatusOr<std::unique_ptr<Subprocess>> StartLocalMailServer(const std::string& maildir) {
  SubprocessOptions options;
  options.argv = {"bash",
                  "-c",
                  kLocalMailServerScript,
                  Runfile("tools/local_mail_server.sh"),
                  maildir,
                  TestTempPath("mail-server.log")};
  options.capture_stdout = true;
  return Subprocess::Start(options);
}

// The reset mails the server stored so far (Register mails a verification link too).
int ResetMailCount(const std::string& maildir) {
  int count = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(maildir + "/new", error)) {
    if (!entry.is_regular_file()) continue;
    count +=
        absl::StrContains(ReadWholeFile(entry.path().string()), "\nSubject: Reset your password\n")
            ? 1
            : 0;
  }
  return count;
}

// Runs `script` with bash; its output (both streams) goes to `output_path`.
ExitStatus RunScript(const std::string& script, const AuthServerProcess& server,
                     const std::string& output_path) {
  SubprocessOptions options;
  options.argv = {"bash", "-c", script};
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  // HOME holds auth_cli's saved tokens: one per test, as a user's home would be.
  env.push_back(absl::StrCat("HOME=", TestTempPath("")));
  env.push_back(absl::StrCat("WALKTHROUGH_AUTH_CLI=", Runfile("tools/auth_cli/auth_cli")));
  env.push_back(absl::StrCat("WALKTHROUGH_TARGET=", server.address()));
  env.push_back(absl::StrCat("WALKTHROUGH_HTTP_PORT=", server.http_port()));
  env.push_back(absl::StrCat("AUTH_LOCAL_DIR=", TestTempPath("local")));
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
  ASSERT_THAT(script, HasSubstr("$cli mail"));
  ASSERT_THAT(script, HasSubstr("http://127.0.0.1:$WALKTHROUGH_HTTP_PORT/"));

  // The Maildir where tools/run_local.sh keeps it, under $AUTH_LOCAL_DIR, as auth_cli expects.
  const std::string maildir = TestTempPath("local/mail");
  ASSERT_EQ(mkdir(TestTempPath("local").c_str(), 0700), 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> mail_server, StartLocalMailServer(maildir));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> port,
                       mail_server->WaitForLine("mail server on port ([0-9]+)", absl::Seconds(30)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerBackend> backend, AuthServerBackend::Start());
  std::vector<std::string> flags = backend->Flags();
  flags.push_back("--http_listen=127.0.0.1:0");
  flags.push_back(absl::StrCat("--smtp_url=smtp://127.0.0.1:", port[1]));
  // As tools/run_local.sh passes them.
  flags.push_back("--smtp_from=auth@localhost");
  flags.push_back("--public_base_url=http://localhost:8080");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server, AuthServerProcess::Start(flags));
  // Someone else registered first, so alice is not user 1.
  std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
  ASSERT_TRUE(AuthTestClient(*stub).Register("bob", "bob@example.com").ok());

  for (int run = 1; run <= 2; ++run) {
    const std::string output_path = TestTempPath(absl::StrCat("walkthrough-", run, ".txt"));
    const ExitStatus status = RunScript(script, *server, output_path);
    const std::string output = ReadWholeFile(output_path);
    ASSERT_TRUE(status.ok()) << "run " << run << ": " << status.ToString() << "\n" << output;
    EXPECT_THAT(output, HasSubstr("user_id: 2")) << "run " << run;
    EXPECT_THAT(output, HasSubstr("message: User logout successfully")) << "run " << run;
    if (run == 2) {
      EXPECT_THAT(output, HasSubstr("already_exists: "));
    }
    // The reset: its link echoed, the new password's login, the old one refused, the mail shown.
    EXPECT_THAT(output, HasSubstr("\nhttp://localhost:8080/reset-password#token="))
        << "run " << run;
    EXPECT_THAT(output, HasSubstr("error_code: UNAUTHENTICATED")) << "run " << run;
    EXPECT_THAT(output, HasSubstr("the old password is refused")) << "run " << run;
    EXPECT_THAT(output, HasSubstr("Subject: Reset your password")) << "run " << run;
    EXPECT_EQ(ResetMailCount(maildir), run) << "one reset mail a run";
  }
  EXPECT_THAT(mail_server->Stop(absl::Seconds(10)), ::auth::test_util::IsOk());
}

}  // namespace
}  // namespace auth::cli
