// Subprocess; see subprocess.h.

#include "libs/testing/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace auth::test_util {
namespace {

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

// argv[0] itself if it holds a '/', else the first executable of that name in PATH. Done
// before fork(): the child may only make syscalls (another thread may hold malloc's lock).
absl::StatusOr<std::string> ResolveProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(program, " not found in PATH"));
}

// Opens `path` for appending, or returns -1 for "".
absl::StatusOr<int> OpenForAppend(const std::string& path) {
  if (path.empty()) return -1;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(absl::StrCat("open ", path));
  return fd;
}

void CloseIfOpen(int fd) {
  if (fd >= 0) close(fd);
}

}  // namespace

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

std::string ExitStatus::ToString() const {
  if (exited()) return absl::StrCat("exit code ", code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("empty argv");
  absl::StatusOr<std::string> program = ResolveProgram(options.argv[0]);
  if (!program.ok()) return program.status();
  // Everything the child needs is prepared before fork(): after it, only syscalls.
  std::vector<char*> args;
  for (const std::string& arg : options.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> env;
  if (options.env.has_value()) {
    env_strings = *options.env;
    for (std::string& entry : env_strings) env.push_back(entry.data());
    env.push_back(nullptr);
  }
  char* const* envp = options.env.has_value() ? env.data() : environ;

  absl::StatusOr<int> stdout_file =
      options.capture_stdout ? -1 : OpenForAppend(options.stdout_path);
  if (!stdout_file.ok()) return stdout_file.status();
  absl::StatusOr<int> stderr_file = OpenForAppend(options.stderr_path);
  if (!stderr_file.ok()) {
    CloseIfOpen(*stdout_file);
    return stderr_file.status();
  }
  int pipe_fds[2] = {-1, -1};
  if (options.capture_stdout && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    CloseIfOpen(*stderr_file);
    return ErrnoError("pipe2");
  }
  const int child_stdout = options.capture_stdout ? pipe_fds[1] : *stdout_file;
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // The kernel kills the child when the thread that forked it dies; if that already
    // happened between fork() and prctl(), give up at once.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (child_stdout >= 0) dup2(child_stdout, STDOUT_FILENO);
    if (*stderr_file >= 0) dup2(*stderr_file, STDERR_FILENO);
    execve(program->c_str(), args.data(), envp);
    _exit(127);
  }
  const int fork_errno = errno;
  CloseIfOpen(null_fd);
  CloseIfOpen(*stdout_file);
  CloseIfOpen(*stderr_file);
  CloseIfOpen(pipe_fds[1]);
  if (pid < 0) {
    CloseIfOpen(pipe_fds[0]);
    errno = fork_errno;
    return ErrnoError("fork");
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, pipe_fds[0]));
}

absl::StatusOr<ExitStatus> Subprocess::Run(const SubprocessOptions& options,
                                           absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Start(options);
  if (!process.ok()) return process.status();
  absl::StatusOr<ExitStatus> status = (*process)->Wait(timeout);
  if (absl::IsDeadlineExceeded(status.status())) {
    (void)(*process)->Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(options.argv[0], " did not exit within ", absl::FormatDuration(timeout)));
  }
  return status;
}

Subprocess::~Subprocess() {
  if (!exit_status_.has_value()) (void)Kill();
  CloseIfOpen(stdout_fd_);
}

absl::StatusOr<std::vector<std::string>> Subprocess::WaitForLine(const std::string& pattern,
                                                                 absl::Duration timeout) {
  if (stdout_fd_ < 0) return absl::FailedPreconditionError("stdout is not captured");
  const std::regex regex(pattern);
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Whole lines already read, oldest first.
    for (size_t end = stdout_buffer_.find('\n'); end != std::string::npos;
         end = stdout_buffer_.find('\n')) {
      std::string line = stdout_buffer_.substr(0, end);
      stdout_buffer_.erase(0, end + 1);
      std::smatch match;
      if (std::regex_search(line, match, regex)) {
        std::vector<std::string> groups = {line};
        for (size_t i = 1; i < match.size(); ++i) groups.push_back(match[i].str());
        return groups;
      }
    }
    if (stdout_ended_) {
      return absl::NotFoundError(
          absl::StrCat("stdout ended without a line matching /", pattern, "/"));
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line matching /", pattern, "/ within ", absl::FormatDuration(timeout)));
    }
    pollfd poll_fd = {stdout_fd_, POLLIN, 0};
    const int ready =
        poll(&poll_fd, 1,
             static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1000)));
    if (ready < 0 && errno != EINTR) return ErrnoError("poll");
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno != EINTR && errno != EAGAIN) return ErrnoError("read");
    if (n > 0) stdout_buffer_.append(chunk, static_cast<size_t>(n));
    if (n == 0) {
      stdout_ended_ = true;
      // A last line without its newline still counts.
      if (!stdout_buffer_.empty() && stdout_buffer_.back() != '\n') stdout_buffer_ += '\n';
    }
  }
}

absl::Status Subprocess::Signal(int signal) {
  if (exit_status_.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process ", pid_, " already ended: ", exit_status_->ToString()));
  }
  if (kill(pid_, signal) != 0) return ErrnoError(absl::StrCat("kill ", pid_));
  return absl::OkStatus();
}

namespace {

// Whether every thread of `pid` is stopped ('T' in /proc/<pid>/task/<tid>/stat, after the
// parenthesised command name: "tid (comm) T ..."). False if the process is gone.
bool AllThreadsStopped(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator tasks(absl::StrCat("/proc/", pid, "/task"), error);
  if (error) return false;
  bool any = false;
  for (const std::filesystem::directory_entry& task : tasks) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) continue;  // just exited
    if (line[close + 2] != 'T') return false;
    any = true;
  }
  return any;
}

}  // namespace

absl::Status Subprocess::Freeze(absl::Duration timeout) {
  if (absl::Status stopped = Signal(SIGSTOP); !stopped.ok()) return stopped;
  const absl::Time deadline = absl::Now() + timeout;
  while (!AllThreadsStopped(pid_)) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "process ", pid_, " not stopped within ", absl::FormatDuration(timeout), " of SIGSTOP"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return absl::OkStatus();
}

absl::StatusOr<ExitStatus> Subprocess::Wait(absl::Duration timeout) {
  if (exit_status_.has_value()) return *exit_status_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int wait_status = 0;
    const pid_t done =
        waitpid(pid_, &wait_status, timeout == absl::InfiniteDuration() ? 0 : WNOHANG);
    if (done == pid_) {
      exit_status_ = ExitStatus::FromWaitStatus(wait_status);
      return *exit_status_;
    }
    if (done < 0 && errno != EINTR) return ErrnoError(absl::StrCat("waitpid ", pid_));
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still runs after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<ExitStatus> Subprocess::Stop(absl::Duration grace) {
  if (exit_status_.has_value()) return *exit_status_;
  if (absl::Status s = Signal(SIGTERM); !s.ok()) return s;
  absl::StatusOr<ExitStatus> status = Wait(grace);
  if (!absl::IsDeadlineExceeded(status.status())) return status;
  return Kill();
}

absl::StatusOr<ExitStatus> Subprocess::Kill() {
  if (exit_status_.has_value()) return *exit_status_;
  if (absl::Status s = Signal(SIGKILL); !s.ok()) return s;
  // SIGKILL also ends a stopped process; no SIGCONT needed.
  return Wait(absl::InfiniteDuration());
}

bool Subprocess::Running() { return absl::IsDeadlineExceeded(Wait(absl::ZeroDuration()).status()); }

}  // namespace auth::test_util
