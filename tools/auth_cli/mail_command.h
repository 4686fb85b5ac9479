// `auth_cli mail`: the latest mails of the local Maildir (tools/run_local.sh's mail server) and
// the links in them, read from disk; no RPC. Its flags (--maildir, --count, --to, --subject,
// --wait,
// --links_only) are defined in mail_command.cc.
//
//   if (command == "mail") return RunMailCommand();
#ifndef TOOLS_AUTH_CLI_MAIL_COMMAND_H_
#define TOOLS_AUTH_CLI_MAIL_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"

namespace auth::cli {

// The Maildir tools/run_local.sh's mail server writes: $AUTH_LOCAL_DIR/mail, else
// $HOME/.local/share/auth-service/mail; INVALID_ARGUMENT if neither variable is set.
absl::StatusOr<std::string> DefaultMaildir();

// Prints the --count newest mails of --maildir (newest first, each as FormatMail() shows it,
// separated by a line of dashes), or with --links_only only their links, one per line. Files
// that are no mail are skipped with a warning on stderr. Exit codes: 0 when at least one mail
// was printed; 1 when the Maildir is missing or holds no mail (to --to) after --wait, each with
// a message on stderr, so that `link=$(auth_cli mail --links_only)` fails rather than yield
// nothing; 2 for bad flags.
int RunMailCommand();

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_MAIL_COMMAND_H_
