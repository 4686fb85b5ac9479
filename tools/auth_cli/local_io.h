// Local input and output of auth_cli: the password (never from argv) and the token file.
//
//   absl::StatusOr<std::string> password = ReadPassword(/*confirm=*/false);
//   absl::Status saved = WriteTokenFile(path, token);        // mode 0600, atomic
//   absl::StatusOr<std::string> token = ReadSavedToken(path);
//   absl::StatusOr<std::string> contents = ReadSmallFile(path);
#ifndef TOOLS_AUTH_CLI_LOCAL_IO_H_
#define TOOLS_AUTH_CLI_LOCAL_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::cli {

// The password from $AUTH_PASSWORD if set, else one line of stdin; on a terminal the line is
// prompted for on stderr and not echoed (echo comes back even on SIGINT/SIGTERM). With
// `confirm`, a terminal user types it twice. INVALID_ARGUMENT if it is missing, empty or the
// two entries differ; the message never contains the password.
absl::StatusOr<std::string> ReadPassword(bool confirm);

// The whole of a small (at most 1 MiB) file. NOT_FOUND if it does not exist,
// FAILED_PRECONDITION for other failures; the message names the path.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// Replaces `path` with `token` and a newline, readable by the owner only. Written to a
// temporary file and renamed, so the file is never half-written or readable by others, and a
// symlink at `path` is replaced rather than followed. INTERNAL on failure.
absl::Status WriteTokenFile(const std::string& path, absl::string_view token);

// `token_file` if not empty, else $HOME/.auth_cli_token; INVALID_ARGUMENT without $HOME.
absl::StatusOr<std::string> TokenFilePathOrDefault(const std::string& token_file);

// Where the refresh token is kept: beside the access token, in <token_file>.refresh.
std::string RefreshTokenFilePath(absl::string_view token_file);

// The token saved in `path`, without surrounding whitespace. INVALID_ARGUMENT, with advice,
// if the file is missing, unreadable or empty.
absl::StatusOr<std::string> ReadSavedToken(const std::string& path);

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_LOCAL_IO_H_
