// auth_cli: a command-line client for auth.v1.AuthService.
//
//   AUTH_PASSWORD=... auth_cli register --username alice --email alice@example.com [--phone P]
//                                     [--exist_ok]  # a user who already exists is no error
//   auth_cli login --email alice@example.com        # prompts for the password (no echo)
//   auth_cli login --phone +15551234567 < password.txt
//   auth_cli logout [--user_id 7] [--token JWT] [--current_session_only]
//                                                   # default: the token `login` saved, and
//                                                   # the user it names
//   auth_cli refresh                                # rotates the saved tokens
//   auth_cli validate [--token JWT]                 # who the (saved) token belongs to
//   auth_cli jwks                                   # the server's public keys
//   auth_cli mail [--count N] [--links_only] [--to E] [--subject S] [--wait 10s] [--maildir D]
//                                                   # the local mail server's latest mails
//
// Common flags: --target (default 127.0.0.1:50051), --tls [--ca_cert FILE] [--client_cert FILE
// --client_key FILE] (mTLS), --timeout (5s),
// --token_file (default $HOME/.auth_cli_token; the refresh token is kept beside it, in
// <token_file>.refresh).
//
// The password is never taken from argv, where `ps` and shell history would show it: it comes
// from $AUTH_PASSWORD if set, else from the first line of stdin (with echo off on a terminal).
// Its bytes are sent as-is in the `password_hash` field; no digest is computed on this side.
//
// Output is one `key: value` per line on stdout; failures print `error_code:` (the gRPC code
// name) and `error_message:` on stderr. Exit codes: 0 success, 1 the RPC failed (or the token
// could not be saved), 2 usage error (bad flags, missing password or token).
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/authn/channel_credentials.h"
#include "libs/version/version.h"
#include "tools/auth_cli/auth_client.h"
#include "tools/auth_cli/flag_checks.h"
#include "tools/auth_cli/local_io.h"
#include "tools/auth_cli/mail_command.h"
#include "tools/auth_cli/token_subject.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Address of the AuthService (host:port).");
ABSL_FLAG(bool, tls, false, "Connect with TLS instead of plaintext.");
ABSL_FLAG(std::string, ca_cert, "",
          "With --tls: PEM file of the CA(s) to trust instead of the system roots.");
ABSL_FLAG(std::string, client_cert, "",
          "With --tls: PEM certificate chain to present to a server that requires mTLS.");
ABSL_FLAG(std::string, client_key, "", "With --client_cert: its PEM private key.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each RPC, e.g. 5s or 500ms.");
ABSL_FLAG(std::string, username, "", "register: the user name.");
ABSL_FLAG(std::string, email, "", "register, login: the e-mail address.");
ABSL_FLAG(std::string, phone, "", "register (optional), login: the phone number.");
ABSL_FLAG(bool, exist_ok, false,
          "register: when a user with this name, e-mail or phone already exists, print "
          "already_exists and exit 0 (e.g. a walkthrough or set-up script run again).");
ABSL_FLAG(int32_t, user_id, 0,
          "logout: the id of the user to log out (default: the subject of the presented token).");
ABSL_FLAG(bool, current_session_only, false,
          "logout: end only the session of the presented token, not all of the user's.");
ABSL_FLAG(std::string, token, "",
          "logout, validate: the JWT to present (default: the one in --token_file). Note that "
          "argv is visible to other local users.");
ABSL_FLAG(std::string, token_file, "",
          "login and refresh write the token here (mode 0600) and the refresh token to "
          "<token_file>.refresh; logout and validate read the token, refresh reads the refresh "
          "token; logout removes both. Default: $HOME/.auth_cli_token.");

namespace auth::cli {
namespace {

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(a client for auth.v1.AuthService.

  auth_cli register --username U --email E [--phone P] [--exist_ok]
  auth_cli login (--email E | --phone P) [--token_file F]
  auth_cli logout [--user_id N] [--current_session_only] [--token T | --token_file F]
  auth_cli refresh [--token_file F]
  auth_cli validate [--token T | --token_file F]
  auth_cli jwks
  auth_cli mail [--count N] [--links_only] [--to E] [--subject S] [--wait D] [--maildir DIR]

The password is read from $AUTH_PASSWORD if set, else from one line of stdin (not echoed on a
terminal); it is never a flag. Its bytes are sent as-is in the request's password_hash field:
this tool computes no digest, so hash on your side first if your deployment expects one.

login prints user_id, jwt_token, expires_at_unix_seconds and each set-cookie header, and saves
the token to --token_file (default $HOME/.auth_cli_token, mode 0600) and the refresh token
(never printed) to <token_file>.refresh. refresh exchanges the saved refresh token for new
tokens and saves both; logout and validate use the saved token when --token is absent; a
successful logout removes both files. Output is one `key: value` per line; on failure
`error_code` and `error_message` go to stderr. Exit codes: 0 ok, 1 RPC failed, 2 usage error.

mail reads the Maildir of tools/run_local.sh's mail server (no RPC): the newest mails first,
headers, body and links, or only the links; exit 1 when there is no mail (after --wait).

Common flags: --target (127.0.0.1:50051), --tls, --ca_cert, --client_cert and --client_key
(mTLS), --timeout (5s).)";

int UsageError(absl::string_view message) {
  std::cerr << "usage error: " << message << "\n(run `auth_cli --help` for usage)\n";
  return kExitUsage;
}

// Prints `key: value`, with control characters replaced so each field stays on one line.
void PrintField(std::ostream& out, absl::string_view key, absl::string_view value) {
  std::string clean(value);
  for (char& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  out << key << ": " << clean << "\n";
}

int RpcError(const absl::Status& status) {
  PrintField(std::cerr, "error_code", absl::StatusCodeToString(status.code()));
  PrintField(std::cerr, "error_message", status.message());
  return kExitRpcError;
}

// The token file: --token_file, else the default under $HOME.
absl::StatusOr<std::string> TokenFilePath() {
  return TokenFilePathOrDefault(absl::GetFlag(FLAGS_token_file));
}

// The access token from --token, else from the token file (whose path goes to `token_file`).
absl::StatusOr<std::string> PresentedToken(std::string& token_file) {
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) return token;
  absl::StatusOr<std::string> path = TokenFilePath();
  if (!path.ok()) return path.status();
  absl::StatusOr<std::string> saved = ReadSavedToken(*path);
  if (saved.ok()) token_file = *std::move(path);
  return saved;
}

// Saves a newly issued token pair; prints where to. False (after printing why) on failure.
bool SaveTokens(const std::string& token_file, absl::string_view jwt_token,
                absl::string_view refresh_token) {
  if (absl::Status saved = WriteTokenFile(token_file, jwt_token); !saved.ok()) {
    std::cerr << "error: cannot save the token: " << saved.message() << "\n";
    return false;
  }
  PrintField(std::cout, "token_file", token_file);
  if (refresh_token.empty()) return true;  // a server without refresh tokens
  const std::string refresh_file = RefreshTokenFilePath(token_file);
  if (absl::Status saved = WriteTokenFile(refresh_file, refresh_token); !saved.ok()) {
    std::cerr << "error: cannot save the refresh token: " << saved.message() << "\n";
    return false;
  }
  PrintField(std::cout, "refresh_token_file", refresh_file);
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel() {
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return absl::InvalidArgumentError("--target is empty");
  authn::ClientTlsFiles tls;
  tls.enabled = absl::GetFlag(FLAGS_tls);
  tls.ca_cert = absl::GetFlag(FLAGS_ca_cert);
  tls.client_cert = absl::GetFlag(FLAGS_client_cert);
  tls.client_key = absl::GetFlag(FLAGS_client_key);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      authn::ChannelCredentialsFor(tls);
  if (!credentials.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("TLS flags: ", credentials.status().message()));
  }
  return grpc::CreateChannel(target, *credentials);
}

int RunRegister(AuthClient& client) {
  RegisterParams params;
  params.username = absl::GetFlag(FLAGS_username);
  params.email = absl::GetFlag(FLAGS_email);
  params.phone_number = absl::GetFlag(FLAGS_phone);
  if (params.username.empty() || params.email.empty()) {
    return UsageError("register needs --username and --email");
  }
  absl::StatusOr<std::string> password = ReadPassword(/*confirm=*/true);
  if (!password.ok()) return UsageError(password.status().message());
  params.password_hash = *std::move(password);
  if (absl::Status valid = ValidateRegisterParams(params); !valid.ok()) {
    return UsageError(valid.message());
  }
  absl::StatusOr<RegisterResult> result = client.Register(params);
  if (!result.ok() && result.status().code() == absl::StatusCode::kAlreadyExists &&
      absl::GetFlag(FLAGS_exist_ok)) {
    // The server's message names the field (username, email or phone_number), not the user.
    PrintField(std::cout, "already_exists", result.status().message());
    return 0;
  }
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "message", result->message);
  PrintField(std::cout, "status", absl::StrCat(result->status));
  return 0;
}

int RunLogin(AuthClient& client) {
  LoginParams params;
  params.email = absl::GetFlag(FLAGS_email);
  params.phone_number = absl::GetFlag(FLAGS_phone);
  if (params.email.empty() == params.phone_number.empty()) {
    return UsageError("login needs exactly one of --email and --phone");
  }
  // Resolved before the RPC so a missing $HOME fails before a session is opened.
  absl::StatusOr<std::string> token_file = TokenFilePath();
  if (!token_file.ok()) return UsageError(token_file.status().message());
  absl::StatusOr<std::string> password = ReadPassword(/*confirm=*/false);
  if (!password.ok()) return UsageError(password.status().message());
  params.password_hash = *std::move(password);
  if (absl::Status valid = ValidateLoginParams(params); !valid.ok()) {
    return UsageError(valid.message());
  }
  absl::StatusOr<LoginResult> result = client.Login(params);
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "user_id", absl::StrCat(result->user_id));
  PrintField(std::cout, "jwt_token", result->jwt_token);
  PrintField(std::cout, "expires_at_unix_seconds", absl::StrCat(result->expires_at_unix_seconds));
  for (const std::string& cookie : result->set_cookies) PrintField(std::cout, "set-cookie", cookie);
  if (result->jwt_token.empty()) {
    return RpcError(absl::InternalError("the server returned no token"));
  }
  return SaveTokens(*token_file, result->jwt_token, result->refresh_token) ? 0 : kExitRpcError;
}

int RunLogout(AuthClient& client) {
  // 0, the default, is no user: it stands for "not given" (Debian's abseil cannot tell).
  int32_t user_id = absl::GetFlag(FLAGS_user_id);
  const bool user_id_given = user_id != 0;
  if (user_id < 0) return UsageError("--user_id must be a positive number");
  std::string token_file;
  absl::StatusOr<std::string> token = PresentedToken(token_file);
  if (!token.ok()) return UsageError(token.status().message());
  // Without --user_id, the user the token names: the one whose sessions its holder may end.
  if (!user_id_given) {
    absl::StatusOr<int32_t> subject = UserIdOfToken(*token);
    if (!subject.ok()) {
      return UsageError(absl::StrCat(subject.status().message(), "; pass --user_id"));
    }
    user_id = *subject;
  }
  if (absl::Status valid = ValidateLogoutParams(user_id, *token); !valid.ok()) {
    return UsageError(valid.message());
  }
  absl::StatusOr<LogoutResult> result =
      client.Logout(user_id, *token, absl::GetFlag(FLAGS_current_session_only));
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "message", result->message);
  PrintField(std::cout, "status", absl::StrCat(result->status));
  // The server ended the saved token's session and its refresh tokens: the files are dead weight.
  if (token_file.empty()) return 0;
  for (const std::string& path : {token_file, RefreshTokenFilePath(token_file)}) {
    if (unlink(path.c_str()) == 0) {
      PrintField(std::cout, "token_file_removed", path);
    } else if (errno != ENOENT) {
      std::cerr << "warning: cannot remove " << path << ": " << std::strerror(errno) << "\n";
    }
  }
  return 0;
}

int RunRefresh(AuthClient& client) {
  absl::StatusOr<std::string> token_file = TokenFilePath();
  if (!token_file.ok()) return UsageError(token_file.status().message());
  const std::string refresh_file = RefreshTokenFilePath(*token_file);
  absl::StatusOr<std::string> contents = ReadSmallFile(refresh_file);
  if (!contents.ok()) {
    return UsageError(absl::StrCat("no readable refresh token file (", contents.status().message(),
                                   "); log in first"));
  }
  const std::string refresh_token(absl::StripAsciiWhitespace(*contents));
  if (absl::Status valid = ValidateRefreshParams(refresh_token); !valid.ok()) {
    return UsageError(absl::StrCat(refresh_file, ": ", valid.message()));
  }
  absl::StatusOr<RefreshResult> result = client.Refresh(refresh_token);
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "user_id", absl::StrCat(result->user_id));
  PrintField(std::cout, "jwt_token", result->jwt_token);
  PrintField(std::cout, "expires_at_unix_seconds", absl::StrCat(result->expires_at_unix_seconds));
  if (result->jwt_token.empty() || result->refresh_token.empty()) {
    return RpcError(absl::InternalError("the server returned no token"));
  }
  // The presented refresh token is spent: keeping it would only trigger reuse detection.
  return SaveTokens(*token_file, result->jwt_token, result->refresh_token) ? 0 : kExitRpcError;
}

int RunValidate(AuthClient& client) {
  std::string token_file;
  absl::StatusOr<std::string> token = PresentedToken(token_file);
  if (!token.ok()) return UsageError(token.status().message());
  if (absl::Status valid = ValidateTokenParams(*token); !valid.ok()) {
    return UsageError(valid.message());
  }
  absl::StatusOr<ValidateResult> result = client.Validate(*token);
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "user_id", absl::StrCat(result->user_id));
  PrintField(std::cout, "session_id", result->session_id);
  PrintField(std::cout, "expires_at_unix_seconds", absl::StrCat(result->expires_at_unix_seconds));
  return 0;
}

int RunJwks(AuthClient& client) {
  absl::StatusOr<std::string> jwks = client.GetJwks();
  if (!jwks.ok()) return RpcError(jwks.status());
  PrintField(std::cout, "jwks_json", *jwks);
  return 0;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists the flags of files named like the program; ours live in main.cc.
  absl::FlagsUsageConfig usage_config = auth::version::UsageConfigWithVersion(argv[0]);
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "tools/auth_cli/");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  if (std::string error = PrevalidateFlags(argc, argv); !error.empty()) return UsageError(error);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    return UsageError(
        "missing subcommand (register, login, logout, refresh, validate, jwks, mail)");
  }
  const absl::string_view command = positional[1];
  if (command == "help") {
    std::cout << "auth_cli: " << absl::ProgramUsageMessage() << "\n";
    return 0;
  }
  static const auto* const kCommands = new std::map<absl::string_view, int (*)(AuthClient&)>{
      {"register", RunRegister}, {"login", RunLogin},       {"logout", RunLogout},
      {"refresh", RunRefresh},   {"validate", RunValidate}, {"jwks", RunJwks},
  };
  const auto run = kCommands->find(command);
  if (run == kCommands->end() && command != "mail") {
    return UsageError(absl::StrCat("unknown subcommand '", command, "'"));
  }
  if (positional.size() > 2) {
    return UsageError(absl::StrCat("unexpected argument '", positional[2],
                                   "' (values are given as flags, e.g. --email E)"));
  }
  if (std::string error = CheckFlagsBelongTo(command); !error.empty()) return UsageError(error);
  if (command == "mail") return RunMailCommand();
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout <= absl::ZeroDuration()) return UsageError("--timeout must be positive");

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel();
  if (!channel.ok()) return UsageError(channel.status().message());
  std::unique_ptr<auth::v1::AuthService::Stub> stub = auth::v1::AuthService::NewStub(*channel);
  AuthClient client(*stub, timeout);
  return run->second(client);
}

}  // namespace
}  // namespace auth::cli

int main(int argc, char** argv) { return auth::cli::Main(argc, argv); }
