// Subprocess: a child process for tests (a server binary, a database, a script).
//
//   SubprocessOptions options;
//   options.argv = {Runfile("services/auth/auth_server"), "--listen=127.0.0.1:0"};
//   options.capture_stdout = true;
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> server, Subprocess::Start(options));
//   ASSERT_OK_AND_ASSIGN(std::vector<std::string> groups,
//                        server->WaitForLine("listening on port ([0-9]+)", absl::Seconds(30)));
//   ...
//   ASSERT_THAT(server->Freeze(), IsOk());                   // SIGSTOP, every thread stopped
//   ASSERT_OK_AND_ASSIGN(ExitStatus status, server->Stop(absl::Seconds(20)));  // SIGTERM
//
// The one place tests start processes: each copy of fork/exec/waitpid used to differ in what it
// got wrong (a leaked child after a crashed test, an unbounded read of a pipe, a zombie). Here:
// - the child is SIGKILLed and reaped when the object is destroyed, and the kernel SIGKILLs it
//   if the thread that started it dies (PR_SET_PDEATHSIG), so a crashed test leaks nothing;
// - every wait has a deadline;
// - stdin is /dev/null; stdout and stderr go to the test log, to a file, or (stdout) to a pipe
//   that WaitForLine() reads.
// Not thread-safe: one thread drives one Subprocess (wrap it in a mutex to share it).
#ifndef LIBS_TESTING_SUBPROCESS_H_
#define LIBS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace auth::test_util {

struct SubprocessOptions {
  // The program and its arguments. argv[0] is a path, or a name looked up in PATH.
  std::vector<std::string> argv;
  // The child's environment ("NAME=value" each); nullopt: a copy of ours.
  std::optional<std::vector<std::string>> env;
  // Captures stdout in a pipe for WaitForLine(). The child blocks once the pipe is full
  // (64 KiB) and nobody reads it, so capture only what is small or read to the end.
  bool capture_stdout = false;
  // Appends stdout (unless captured) / stderr to this file; "" leaves it on ours (the test log).
  std::string stdout_path;
  std::string stderr_path;
};

// How a child ended.
struct ExitStatus {
  int code = -1;   // the exit code, if it exited; -1 if a signal ended it
  int signal = 0;  // the signal that ended it, or 0 if it exited

  static ExitStatus FromWaitStatus(int wait_status);
  bool exited() const { return signal == 0; }
  bool ok() const { return signal == 0 && code == 0; }
  // "exit code 1", "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class Subprocess {
 public:
  // Starts the child. Fails if argv is empty, a redirection file cannot be opened, or the
  // program cannot be found; a program that starts and then fails shows in its ExitStatus.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const SubprocessOptions& options);

  // Starts the child and waits for it to exit, SIGKILLing it after `timeout`
  // (DEADLINE_EXCEEDED).
  static absl::StatusOr<ExitStatus> Run(const SubprocessOptions& options, absl::Duration timeout);

  // SIGKILLs the child if it still runs, and reaps it.
  ~Subprocess();

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads captured stdout until a line matches `pattern` (an ECMAScript regex, searched
  // anywhere in the line) and returns [the line, its capture groups...]. Lines before it are
  // consumed; later ones stay for the next call. DEADLINE_EXCEEDED after `timeout`,
  // NOT_FOUND if stdout ends first (the child exited or closed it), FAILED_PRECONDITION if
  // stdout is not captured.
  absl::StatusOr<std::vector<std::string>> WaitForLine(const std::string& pattern,
                                                       absl::Duration timeout);

  // Sends `signal` (SIGTERM, SIGKILL, SIGSTOP, SIGCONT, ...); FAILED_PRECONDITION if the child
  // has been reaped.
  absl::Status Signal(int signal);

  // SIGSTOP, then waits (up to `timeout`) until /proc shows every thread of the child stopped:
  // kill() returns before the kernel has stopped them all, and a busy machine can leave a
  // thread running for a while, answering requests sent "after" the stop. Thaw with
  // Signal(SIGCONT).
  absl::Status Freeze(absl::Duration timeout = absl::Seconds(5));

  // Waits up to `timeout` (absl::InfiniteDuration() for ever) for the child to exit and reaps
  // it; DEADLINE_EXCEEDED if it still runs. Once reaped, returns the same status again.
  absl::StatusOr<ExitStatus> Wait(absl::Duration timeout);

  // SIGTERM, then SIGKILL if it has not exited after `grace`; returns how it ended.
  absl::StatusOr<ExitStatus> Stop(absl::Duration grace);

  // SIGKILL (a crash: no shutdown hook runs), and reaps it.
  absl::StatusOr<ExitStatus> Kill();

  // Whether the child has not exited yet (reaps it if it has). A stopped child runs.
  bool Running();

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;              // the read end of the stdout pipe, or -1
  std::string stdout_buffer_;  // read from stdout_fd_, not yet returned by WaitForLine
  bool stdout_ended_ = false;
  std::optional<ExitStatus> exit_status_;  // set once reaped
};

}  // namespace auth::test_util

#endif  // LIBS_TESTING_SUBPROCESS_H_
