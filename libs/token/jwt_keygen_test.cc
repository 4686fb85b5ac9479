// jwt_keygen, the real binary: the files it writes, their modes, and that it never replaces one.
#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/token/key_set.h"

namespace auth::token {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Runs jwt_keygen with `args`; returns its exit code and first stdout line.
struct KeygenRun {
  int code = -1;
  std::string line;
};
KeygenRun Keygen(const std::vector<std::string>& args) {
  SubprocessOptions options;
  options.argv = {Runfile("libs/token/jwt_keygen")};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.capture_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
  EXPECT_THAT(process, IsOk());
  if (!process.ok()) return {};
  KeygenRun run;
  absl::StatusOr<std::vector<std::string>> line = (*process)->WaitForLine(".*", absl::Seconds(30));
  if (line.ok()) run.line = (*line)[0];
  absl::StatusOr<::auth::test_util::ExitStatus> exit = (*process)->Wait(absl::Seconds(30));
  EXPECT_THAT(exit, IsOk());
  if (exit.ok()) run.code = exit->code;
  return run;
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

std::vector<std::string> FilesIn(const std::string& directory) {
  std::vector<std::string> names;
  DIR* dir = opendir(directory.c_str());
  EXPECT_NE(dir, nullptr) << directory;
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

std::string Contents(const std::string& path) {
  std::ostringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

std::string NewDirectory(const std::string& name) {
  const std::string path = TestTempPath(name);
  EXPECT_EQ(mkdir(path.c_str(), 0700), 0) << path;
  return path;
}

TEST(JwtKeygenTest, WritesAPrivateKeyOnlyItsOwnerReadsAndNoTemporaryFile) {
  const std::string dir = NewDirectory("fresh");
  const KeygenRun run = Keygen({dir + "/k.pem", dir + "/k.pub.pem"});
  ASSERT_EQ(run.code, 0);
  EXPECT_EQ(ModeOf(dir + "/k.pem"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/k.pub.pem"), 0644u);
  EXPECT_THAT(FilesIn(dir), UnorderedElementsAre("k.pem", "k.pub.pem"));

  // The pair loads, and the kid printed is the thumbprint an empty --token_key_id gives.
  absl::StatusOr<KeySet> keys =
      KeySet::FromFiles(dir + "/k.pem", "", {{"public", dir + "/k.pub.pem"}});
  ASSERT_THAT(keys, IsOk());
  EXPECT_TRUE(absl::StrContains(run.line, keys->signing_key()->kid())) << run.line;
  EXPECT_EQ(KeySet::Thumbprint(*keys->Find("public")).value_or(""), keys->signing_key()->kid());
}

TEST(JwtKeygenTest, NeverReplacesAFileAndLeavesNoTemporaryFile) {
  const std::string dir = NewDirectory("existing");
  std::ofstream(dir + "/k.pem") << "the key in use";
  const KeygenRun run = Keygen({dir + "/k.pem", dir + "/k.pub.pem"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(Contents(dir + "/k.pem"), "the key in use");
  EXPECT_THAT(FilesIn(dir), ElementsAre("k.pem"));
}

}  // namespace
}  // namespace auth::token
