// auth_cli: a command-line client for auth.v1.AuthService.
//
//   AUTH_PASSWORD=... auth_cli register --username alice --email alice@example.com [--phone P]
//   auth_cli login --email alice@example.com        # prompts for the password (no echo)
//   auth_cli login --phone +15551234567 < password.txt
//   auth_cli logout --user_id 7 [--token JWT]       # default: the token `login` saved
//
// Common flags: --target (default 127.0.0.1:50051), --tls [--ca_cert FILE], --timeout (5s),
// --token_file (default $HOME/.auth_cli_token).
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
#include "tools/auth_cli/auth_client.h"
#include "tools/auth_cli/local_io.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Address of the AuthService (host:port).");
ABSL_FLAG(bool, tls, false, "Connect with TLS instead of plaintext.");
ABSL_FLAG(std::string, ca_cert, "",
          "With --tls: PEM file of the CA(s) to trust instead of the system roots.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each RPC, e.g. 5s or 500ms.");
ABSL_FLAG(std::string, username, "", "register: the user name.");
ABSL_FLAG(std::string, email, "", "register, login: the e-mail address.");
ABSL_FLAG(std::string, phone, "", "register (optional), login: the phone number.");
ABSL_FLAG(int32_t, user_id, 0, "logout: the id of the user to log out.");
ABSL_FLAG(std::string, token, "",
          "logout: the JWT to present (default: the one in --token_file). Note that argv is "
          "visible to other local users.");
ABSL_FLAG(std::string, token_file, "",
          "login writes the token here (mode 0600), logout reads it (and removes it after a "
          "successful logout). Default: $HOME/.auth_cli_token.");

namespace auth::cli {
namespace {

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(a client for auth.v1.AuthService.

  auth_cli register --username U --email E [--phone P]
  auth_cli login (--email E | --phone P) [--token_file F]
  auth_cli logout --user_id N [--token T | --token_file F]

The password is read from $AUTH_PASSWORD if set, else from one line of stdin (not echoed on a
terminal); it is never a flag. Its bytes are sent as-is in the request's password_hash field:
this tool computes no digest, so hash on your side first if your deployment expects one.

login prints user_id, jwt_token and each set-cookie header, and saves the token to
--token_file (default $HOME/.auth_cli_token, mode 0600); logout uses that file when --token is
absent. Output is one `key: value` per line; on failure `error_code` and `error_message` go to
stderr. Exit codes: 0 ok, 1 RPC failed, 2 usage error.

Common flags: --target (127.0.0.1:50051), --tls, --ca_cert, --timeout (5s).)";

// Flags that belong to one or more subcommands; the others are accepted everywhere.
struct CommandFlag {
  const char* name;
  std::vector<absl::string_view> commands;
};

const std::vector<CommandFlag>& CommandFlags() {
  static const auto* const kFlags = new std::vector<CommandFlag>{
      {"username", {"register"}},
      {"email", {"register", "login"}},
      {"phone", {"register", "login"}},
      {"user_id", {"logout"}},
      {"token", {"logout"}},
      {"token_file", {"login", "logout"}},
  };
  return *kFlags;
}

int UsageError(absl::string_view message) {
  std::cerr << "usage error: " << message << "\n(run `auth_cli --help` for usage)\n";
  return kExitUsage;
}

// Flags of the flags library that are not in its registry (--help and friends).
bool IsBuiltinFlag(absl::string_view name) {
  for (absl::string_view builtin :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch", "version",
        "only_check_args", "flagfile", "fromenv", "tryfromenv", "undefok"}) {
    if (name == builtin) return true;
  }
  return false;
}

// absl::ParseCommandLine exits with 1 on an unknown flag or a bad value, which scripts would
// mistake for an RPC failure. Checking argv first lets those be usage errors (2) as promised.
// Returns an empty string if every flag is known and its value parses.
std::string PrevalidateFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // A positional argument.
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    absl::string_view name = arg;
    absl::string_view value;
    bool has_value = false;
    if (const size_t equals = arg.find('='); equals != absl::string_view::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      has_value = true;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && IsBuiltinFlag(name)) continue;  // absl handles these itself.
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));  // --noflag form of a bool.
      if (flag != nullptr && flag->IsOfType<bool>()) continue;
      flag = nullptr;
    }
    if (flag == nullptr) return absl::StrCat("unknown flag --", name);
    if (!has_value) {
      if (flag->IsOfType<bool>()) continue;
      if (i + 1 >= argc) return absl::StrCat("flag --", name, " needs a value");
      value = argv[++i];
    }
    std::string error;
    // The values of flags that can fail to parse (numbers, durations) are no secrets.
    if (!flag->ParseFrom(value, &error)) return error;
  }
  return "";
}

// Rejects flags given to a subcommand that would silently ignore them.
std::string CheckFlagsBelongTo(absl::string_view command) {
  for (const CommandFlag& entry : CommandFlags()) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(entry.name);
    if (flag == nullptr || flag->CurrentValue() == flag->DefaultValue()) continue;
    bool allowed = false;
    for (absl::string_view c : entry.commands) allowed |= (c == command);
    if (!allowed) return absl::StrCat("--", entry.name, " is not used by ", command);
  }
  return "";
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

absl::StatusOr<std::string> TokenFilePath() {
  std::string path = absl::GetFlag(FLAGS_token_file);
  if (!path.empty()) return path;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return absl::InvalidArgumentError("$HOME is not set; pass --token_file");
  }
  return absl::StrCat(home, "/.auth_cli_token");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel() {
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return absl::InvalidArgumentError("--target is empty");
  const std::string ca_cert = absl::GetFlag(FLAGS_ca_cert);
  if (!absl::GetFlag(FLAGS_tls)) {
    if (!ca_cert.empty()) return absl::InvalidArgumentError("--ca_cert needs --tls");
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions options;
  if (!ca_cert.empty()) {
    absl::StatusOr<std::string> pem = ReadSmallFile(ca_cert);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--ca_cert ", pem.status().message()));
    }
    options.pem_root_certs = *std::move(pem);
  }
  return grpc::CreateChannel(target, grpc::SslCredentials(options));
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
  for (const std::string& cookie : result->set_cookies) PrintField(std::cout, "set-cookie", cookie);
  if (result->jwt_token.empty()) {
    return RpcError(absl::InternalError("the server returned no token"));
  }
  if (absl::Status saved = WriteTokenFile(*token_file, result->jwt_token); !saved.ok()) {
    std::cerr << "error: cannot save the token: " << saved.message() << "\n";
    return kExitRpcError;
  }
  PrintField(std::cout, "token_file", *token_file);
  return 0;
}

int RunLogout(AuthClient& client) {
  const int32_t user_id = absl::GetFlag(FLAGS_user_id);
  if (user_id <= 0) return UsageError("logout needs --user_id (a positive number)");
  std::string token = absl::GetFlag(FLAGS_token);
  std::string token_file;
  if (token.empty()) {
    absl::StatusOr<std::string> path = TokenFilePath();
    if (!path.ok()) return UsageError(path.status().message());
    absl::StatusOr<std::string> contents = ReadSmallFile(*path);
    if (!contents.ok()) {
      return UsageError(absl::StrCat("no --token and no readable token file (",
                                     contents.status().message(), "); log in first"));
    }
    token = std::string(absl::StripAsciiWhitespace(*contents));
    if (token.empty()) return UsageError(absl::StrCat("the token file ", *path, " is empty"));
    token_file = *std::move(path);
  }

  if (absl::Status valid = ValidateLogoutParams(user_id, token); !valid.ok()) {
    return UsageError(valid.message());
  }
  absl::StatusOr<LogoutResult> result = client.Logout(user_id, token);
  if (!result.ok()) return RpcError(result.status());
  PrintField(std::cout, "message", result->message);
  PrintField(std::cout, "status", absl::StrCat(result->status));
  // The server ended every session of the user, so the saved token is dead weight now.
  if (!token_file.empty()) {
    if (unlink(token_file.c_str()) == 0) {
      PrintField(std::cout, "token_file_removed", token_file);
    } else {
      std::cerr << "warning: cannot remove " << token_file << ": " << std::strerror(errno) << "\n";
    }
  }
  return 0;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists the flags of files named like the program; ours live in main.cc.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "tools/auth_cli/");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  if (std::string error = PrevalidateFlags(argc, argv); !error.empty()) return UsageError(error);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) return UsageError("missing subcommand (register, login, logout)");
  const absl::string_view command = positional[1];
  if (command == "help") {
    std::cout << "auth_cli: " << absl::ProgramUsageMessage() << "\n";
    return 0;
  }
  if (command != "register" && command != "login" && command != "logout") {
    return UsageError(absl::StrCat("unknown subcommand '", command, "'"));
  }
  if (positional.size() > 2) {
    return UsageError(absl::StrCat("unexpected argument '", positional[2],
                                   "' (values are given as flags, e.g. --email E)"));
  }
  if (std::string error = CheckFlagsBelongTo(command); !error.empty()) return UsageError(error);
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout <= absl::ZeroDuration()) return UsageError("--timeout must be positive");

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel();
  if (!channel.ok()) return UsageError(channel.status().message());
  std::unique_ptr<auth::v1::AuthService::Stub> stub = auth::v1::AuthService::NewStub(*channel);
  AuthClient client(*stub, timeout);
  if (command == "register") return RunRegister(client);
  if (command == "login") return RunLogin(client);
  return RunLogout(client);
}

}  // namespace
}  // namespace auth::cli

int main(int argc, char** argv) { return auth::cli::Main(argc, argv); }
