// Subprocess against /bin/sh, /bin/echo and /bin/sleep.
#include "libs/testing/subprocess.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::test_util {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// Starts `/bin/sh -c script` with captured stdout.
std::unique_ptr<Subprocess> Shell(const std::string& script) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.capture_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
  EXPECT_THAT(process, IsOk());
  return process.ok() ? *std::move(process) : nullptr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TempFile(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

TEST(SubprocessTest, WaitForLineReturnsTheLineAndItsGroupsAndKeepsTheRest) {
  std::unique_ptr<Subprocess> process =
      Shell("echo starting; echo 'listening on port 4242'; echo 'metrics on port 77'");
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForLine("listening on port ([0-9]+)", absl::Seconds(10)),
              IsOkAndHolds(ElementsAre("listening on port 4242", "4242")));
  EXPECT_THAT(process->WaitForLine("metrics on port ([0-9]+)$", absl::Seconds(10)),
              IsOkAndHolds(ElementsAre("metrics on port 77", "77")));
  EXPECT_THAT(process->Wait(absl::Seconds(10)), IsOkAndHolds(Field(&ExitStatus::code, 0)));
}

TEST(SubprocessTest, WaitForLineReportsTheEndOfOutput) {
  std::unique_ptr<Subprocess> process = Shell("echo one; printf 'no newline'; exit 3");
  ASSERT_NE(process, nullptr);
  // The last line counts without its newline.
  EXPECT_THAT(process->WaitForLine("newline", absl::Seconds(10)),
              IsOkAndHolds(ElementsAre("no newline")));
  EXPECT_THAT(process->WaitForLine("never printed", absl::Seconds(10)),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ExitStatus status, process->Wait(absl::Seconds(10)));
  EXPECT_TRUE(status.exited());
  EXPECT_EQ(status.code, 3);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.ToString(), "exit code 3");
}

TEST(SubprocessTest, WaitForLineGivesUpAtItsDeadline) {
  std::unique_ptr<Subprocess> process = Shell("echo early; exec sleep 30");
  ASSERT_NE(process, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_THAT(process->WaitForLine("late", absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(process->Running());
}

TEST(SubprocessTest, WaitForLineNeedsCapturedStdout) {
  SubprocessOptions options;
  options.argv = {"/bin/echo", "hi"};
  options.stdout_path = TempFile("uncaptured.out");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> process, Subprocess::Start(options));
  EXPECT_THAT(process->WaitForLine("hi", absl::Seconds(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SubprocessTest, RedirectsStdoutAndStderrToFilesAndPassesTheEnvironment) {
  const std::string out = TempFile("redirect.out");
  const std::string err = TempFile("redirect.err");
  std::ofstream(out) << "before\n";
  SubprocessOptions options;
  options.argv = {"sh", "-c", "echo \"out $GREETING\"; echo \"err $HOME\" >&2"};  // sh via PATH
  options.env = std::vector<std::string>{"GREETING=hello", "PATH=/usr/bin:/bin"};
  options.stdout_path = out;
  options.stderr_path = err;
  EXPECT_THAT(Subprocess::Run(options, absl::Seconds(10)),
              IsOkAndHolds(Field(&ExitStatus::code, 0)));
  EXPECT_EQ(ReadFile(out), "before\nout hello\n");  // appended
  EXPECT_EQ(ReadFile(err), "err \n");               // HOME was not passed on
}

TEST(SubprocessTest, InheritsOurEnvironmentByDefault) {
  setenv("SUBPROCESS_TEST_VALUE", "inherited", 1);
  std::unique_ptr<Subprocess> process = Shell("echo \"value=$SUBPROCESS_TEST_VALUE\"");
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForLine("^value=", absl::Seconds(10)),
              IsOkAndHolds(ElementsAre("value=inherited")));
}

TEST(SubprocessTest, FreezeReturnsOnceEveryThreadIsStopped) {
  // A shell spinning in a loop: running, not waiting, when the signal arrives.
  std::unique_ptr<Subprocess> process = Shell("while :; do :; done");
  ASSERT_THAT(process->Freeze(), IsOk());
  std::ifstream stat(absl::StrCat("/proc/", process->pid(), "/stat"));
  std::string line;
  std::getline(stat, line);
  EXPECT_EQ(line[line.rfind(')') + 2], 'T') << line;
  ASSERT_THAT(process->Signal(SIGCONT), IsOk());
  EXPECT_TRUE(process->Running());
}

TEST(SubprocessTest, StopSendsSigtermAndReportsTheExit) {
  std::unique_ptr<Subprocess> process =
      Shell("trap 'echo terminated; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
  ASSERT_NE(process, nullptr);
  ASSERT_THAT(process->WaitForLine("ready", absl::Seconds(10)), IsOk());
  ASSERT_OK_AND_ASSIGN(ExitStatus status, process->Stop(absl::Seconds(10)));
  EXPECT_EQ(status.code, 7);
  EXPECT_FALSE(process->Running());
  // Reaped once; asking again gives the same answer, and signals are refused.
  EXPECT_THAT(process->Wait(absl::ZeroDuration()), IsOkAndHolds(Field(&ExitStatus::code, 7)));
  EXPECT_THAT(process->Signal(SIGTERM), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SubprocessTest, StopFallsBackToSigkill) {
  std::unique_ptr<Subprocess> process = Shell("trap '' TERM; echo ready; exec sleep 30");
  ASSERT_NE(process, nullptr);
  ASSERT_THAT(process->WaitForLine("ready", absl::Seconds(10)), IsOk());
  ASSERT_OK_AND_ASSIGN(ExitStatus status, process->Stop(absl::Milliseconds(200)));
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_THAT(status.ToString(), HasSubstr("signal 9"));
}

TEST(SubprocessTest, StoppedAndContinued) {
  std::unique_ptr<Subprocess> process =
      Shell("i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done");
  ASSERT_NE(process, nullptr);
  ASSERT_THAT(process->WaitForLine("tick", absl::Seconds(10)), IsOk());
  ASSERT_THAT(process->Signal(SIGSTOP), IsOk());
  absl::SleepFor(absl::Milliseconds(200));  // let ticks already written arrive
  while (process->WaitForLine("tick", absl::Milliseconds(100)).ok()) {
  }
  // Frozen: no output, but still running.
  EXPECT_THAT(process->WaitForLine("tick", absl::Milliseconds(400)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(process->Running());
  ASSERT_THAT(process->Signal(SIGCONT), IsOk());
  EXPECT_THAT(process->WaitForLine("tick", absl::Seconds(10)), IsOk());
  ASSERT_OK_AND_ASSIGN(ExitStatus status, process->Kill());
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(SubprocessTest, DestructionKillsTheChild) {
  std::unique_ptr<Subprocess> process = Shell("echo ready; exec sleep 30");
  ASSERT_NE(process, nullptr);
  ASSERT_THAT(process->WaitForLine("ready", absl::Seconds(10)), IsOk());
  const pid_t pid = process->pid();
  process.reset();
  // Killed and reaped: the pid no longer names our child.
  EXPECT_EQ(kill(pid, 0), -1);
}

TEST(SubprocessTest, RunTimesOutAndKills) {
  SubprocessOptions options;
  options.argv = {"/bin/sleep", "30"};
  const absl::Time start = absl::Now();
  EXPECT_THAT(Subprocess::Run(options, absl::Milliseconds(200)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(SubprocessTest, RefusesWhatCannotStart) {
  EXPECT_THAT(Subprocess::Start(SubprocessOptions()), StatusIs(absl::StatusCode::kInvalidArgument));
  SubprocessOptions missing;
  missing.argv = {"no-such-program-for-subprocess-test"};
  EXPECT_THAT(Subprocess::Start(missing), StatusIs(absl::StatusCode::kNotFound));
  SubprocessOptions bad_file;
  bad_file.argv = {"/bin/true"};
  bad_file.stderr_path = "/no-such-dir/err";
  EXPECT_THAT(Subprocess::Start(bad_file), StatusIs(absl::StatusCode::kInternal));
  // A path that exists but cannot be executed: the child exits 127.
  SubprocessOptions not_executable;
  not_executable.argv = {"/dev/null"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> process, Subprocess::Start(not_executable));
  EXPECT_THAT(process->Wait(absl::Seconds(10)), IsOkAndHolds(Field(&ExitStatus::code, 127)));
}

}  // namespace
}  // namespace auth::test_util
