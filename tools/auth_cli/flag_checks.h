// Checking auth_cli's argv before absl::ParseCommandLine, which exits with 1 on an unknown flag
// or a bad value: scripts would mistake that for an RPC failure, so these are turned into usage
// errors (exit 2) instead.
//
//   if (std::string error = PrevalidateFlags(argc, argv); !error.empty()) return UsageError(error);
#ifndef TOOLS_AUTH_CLI_FLAG_CHECKS_H_
#define TOOLS_AUTH_CLI_FLAG_CHECKS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace auth::cli {

// Checks that every flag in argv is registered (or one of absl's built-ins such as --help) and
// that its value parses. Returns an empty string if so, else what is wrong. Flag values that
// can fail to parse (numbers, durations) are no secrets, so the message may quote them.
std::string PrevalidateFlags(int argc, char** argv);

// After parsing: empty if every flag set to other than its default is used by `command` (the
// flags of one or more subcommands are listed in flag_checks.cc; the others are accepted by
// every subcommand), else which one is not, so that no flag is silently ignored.
std::string CheckFlagsBelongTo(absl::string_view command);

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_FLAG_CHECKS_H_
