// Local input and output of auth_cli: the password from the environment or a silent terminal,
// and the small files it reads and writes (the token, a CA bundle).
#include "tools/auth_cli/local_io.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::cli {
namespace {

// The terminal settings to put back if a signal arrives while echo is off.
struct termios g_saved_termios;

void RestoreTerminalAndReraise(int signal_number) {
  tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);  // Async-signal-safe.
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// One line from stdin; on a terminal, prompted on stderr and not echoed.
absl::StatusOr<std::string> ReadLineFromStdin(absl::string_view prompt) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  bool echo_off = false;
  if (tty) {
    std::cerr << prompt << std::flush;
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) == 0) {
      struct termios quiet = g_saved_termios;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      // Handlers first: a signal between the two calls then still restores the terminal.
      std::signal(SIGINT, RestoreTerminalAndReraise);
      std::signal(SIGTERM, RestoreTerminalAndReraise);
      echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
      if (!echo_off) {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
      }
    }
  }
  absl::Cleanup restore = [&] {
    if (!echo_off) return;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::cerr << "\n";  // The user's Enter was not echoed.
  };
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) {
    return absl::InvalidArgumentError(
        "no password: set AUTH_PASSWORD or write the password on stdin");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

absl::StatusOr<std::string> ReadPassword(bool confirm) {
  std::string password;
  if (const char* from_env = std::getenv("AUTH_PASSWORD"); from_env != nullptr) {
    password = from_env;
  } else {
    absl::StatusOr<std::string> line = ReadLineFromStdin("Password: ");
    if (!line.ok()) return line.status();
    password = *std::move(line);
    if (confirm && isatty(STDIN_FILENO) == 1) {
      absl::StatusOr<std::string> again = ReadLineFromStdin("Repeat password: ");
      if (!again.ok()) return again.status();
      if (*again != password) return absl::InvalidArgumentError("the passwords do not match");
    }
  }
  if (password.empty()) return absl::InvalidArgumentError("the password is empty");
  return password;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string reason = std::strerror(errno);
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", reason));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  std::string contents;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::FailedPreconditionError(absl::StrCat(path, ": ", std::strerror(errno)));
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > (1 << 20)) return absl::FailedPreconditionError(path + ": too large");
  }
  return contents;
}

absl::Status WriteTokenFile(const std::string& path, absl::string_view token) {
  const std::string temporary = absl::StrCat(path, ".", getpid(), ".tmp");
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat(temporary, ": ", std::strerror(errno)));
  const std::string contents = absl::StrCat(token, "\n");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    written += static_cast<size_t>(n);
  }
  const int saved_errno = errno;
  if (close(fd) != 0 || written != contents.size() ||
      rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = written != contents.size() ? saved_errno : errno;
    unlink(temporary.c_str());
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TokenFilePathOrDefault(const std::string& token_file) {
  if (!token_file.empty()) return token_file;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return absl::InvalidArgumentError("$HOME is not set; pass --token_file");
  }
  return absl::StrCat(home, "/.auth_cli_token");
}

std::string RefreshTokenFilePath(absl::string_view token_file) {
  return absl::StrCat(token_file, ".refresh");
}

absl::StatusOr<std::string> ReadSavedToken(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadSmallFile(path);
  if (!contents.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("no --token and no readable token file (",
                                                   contents.status().message(), "); log in first"));
  }
  std::string token(absl::StripAsciiWhitespace(*contents));
  if (token.empty())
    return absl::InvalidArgumentError(absl::StrCat("the token file ", path, " is empty"));
  return token;
}

}  // namespace auth::cli
