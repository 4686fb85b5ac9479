// Database status counters around a window; see database_status.h.
#include "tools/loadgen/database_status.h"

#include <stdio.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace auth::loadgen {

StatusCounters ParseStatusCounters(absl::string_view text) {
  StatusCounters counters;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    double value = 0;
    if (fields.size() != 2 || !absl::SimpleAtod(fields[1], &value)) continue;
    counters[std::string(fields[0])] = value;
  }
  return counters;
}

absl::StatusOr<StatusCounters> ReadStatusCounters(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::UnavailableError("cannot run the database status command");
  std::string output;
  std::array<char, 4096> buffer;
  size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), read);
  const int exit_status = pclose(pipe);
  if (exit_status != 0) return absl::UnavailableError("the database status command failed");
  StatusCounters counters = ParseStatusCounters(output);
  if (counters.empty())
    return absl::UnavailableError("the database status command printed nothing");
  return counters;
}

StatusCounters PerCall(const StatusCounters& before, const StatusCounters& after, int64_t calls) {
  StatusCounters per_call;
  if (calls <= 0) return per_call;
  for (const auto& [name, value] : after) {
    const auto it = before.find(name);
    if (it == before.end()) continue;
    per_call[name] = (value - it->second) / static_cast<double>(calls);
  }
  return per_call;
}

}  // namespace auth::loadgen
