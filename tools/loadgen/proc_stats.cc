#include "tools/loadgen/proc_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace auth::loadgen {
namespace {

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

absl::StatusOr<int64_t> ParseStatCpuTicks(absl::string_view stat) {
  // The command name (field 2) is in parentheses and may hold spaces, so split after its ')'.
  const size_t paren = stat.rfind(')');
  if (paren == absl::string_view::npos) return absl::InvalidArgumentError("no ')' in stat");
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(paren + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InvalidArgumentError("stat has no utime/stime");
  }
  return utime + stime;
}

absl::StatusOr<int64_t> ParseStatusKib(absl::string_view status, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, ":")) continue;
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumeSuffix(&line, "kB")) break;
    int64_t kib = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib)) break;
    return kib;
  }
  return absl::NotFoundError(absl::StrCat("no ", name, " in status"));
}

absl::StatusOr<ProcessSample> SampleProcess(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid, "/");
  absl::StatusOr<std::string> stat = ReadAll(dir + "stat");
  if (!stat.ok()) return stat.status();
  absl::StatusOr<std::string> status = ReadAll(dir + "status");
  if (!status.ok()) return status.status();
  absl::StatusOr<int64_t> ticks = ParseStatCpuTicks(*stat);
  if (!ticks.ok()) return ticks.status();
  absl::StatusOr<int64_t> rss = ParseStatusKib(*status, "VmRSS");
  if (!rss.ok()) return rss.status();
  absl::StatusOr<int64_t> peak = ParseStatusKib(*status, "VmHWM");
  if (!peak.ok()) return peak.status();
  ProcessSample sample;
  sample.cpu_seconds = static_cast<double>(*ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  sample.rss_kib = *rss;
  sample.peak_rss_kib = *peak;
  return sample;
}

absl::StatusOr<MachineSample> ParseMachineStat(absl::string_view proc_stat) {
  const absl::string_view line = proc_stat.substr(0, proc_stat.find('\n'));
  std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  // cpu user nice system idle iowait irq softirq steal ...
  if (fields.size() < 6 || fields[0] != "cpu") {
    return absl::InvalidArgumentError("no cpu line in /proc/stat");
  }
  int64_t total = 0;
  int64_t idle = 0;
  for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
    int64_t ticks = 0;
    if (!absl::SimpleAtoi(fields[i], &ticks)) {
      return absl::InvalidArgumentError("bad cpu line in /proc/stat");
    }
    total += ticks;
    if (i == 4 || i == 5) idle += ticks;  // idle, iowait
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  MachineSample sample;
  sample.busy_seconds = static_cast<double>(total - idle) / tick;
  sample.total_seconds = static_cast<double>(total) / tick;
  return sample;
}

absl::StatusOr<MachineSample> SampleMachine() {
  absl::StatusOr<std::string> stat = ReadAll("/proc/stat");
  if (!stat.ok()) return stat.status();
  return ParseMachineStat(*stat);
}

absl::Status ResetPeakRss(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/clear_refs");
  std::ofstream out(path);
  out << "5";
  out.flush();
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace auth::loadgen
