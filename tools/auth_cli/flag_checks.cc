// Checking argv against the flag registry before absl::ParseCommandLine; see flag_checks.h.
#include "tools/auth_cli/flag_checks.h"

#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::cli {
namespace {

// Flags of the flags library that are not in its registry (--help and friends).
bool IsBuiltinFlag(absl::string_view name) {
  for (absl::string_view builtin :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch", "version",
        "only_check_args", "flagfile", "fromenv", "tryfromenv", "undefok"}) {
    if (name == builtin) return true;
  }
  return false;
}

// Flags that belong to one or more subcommands; the others are accepted everywhere.
struct CommandFlag {
  const char* name;
  std::vector<absl::string_view> commands;
};

const std::vector<CommandFlag>& CommandFlags() {
  static const auto* const kFlags = new std::vector<CommandFlag>{
      {"username", {"register"}},
      {"exist_ok", {"register"}},
      {"email", {"register", "login"}},
      {"phone", {"register", "login"}},
      {"user_id", {"logout"}},
      {"current_session_only", {"logout"}},
      {"token", {"logout", "validate"}},
      {"token_file", {"login", "logout", "refresh", "validate"}},
      {"maildir", {"mail"}},
      {"count", {"mail"}},
      {"to", {"mail"}},
      {"wait", {"mail"}},
      {"links_only", {"mail"}},
      {"subject", {"mail"}},
  };
  return *kFlags;
}

}  // namespace

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

}  // namespace auth::cli
