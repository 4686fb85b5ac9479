// The embedded page: the files exactly as in the source tree, under the paths and content types
// the HTTP front serves, and nothing in them that the front's CSP would block.
#include "services/auth/web/static_assets.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"

namespace auth::web {
namespace {

using ::auth::test_util::Runfile;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string ReadSource(const std::string& name) {
  std::ifstream file(Runfile(absl::StrCat("services/auth/web/", name)), std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::map<std::string, StaticAsset> AssetsByPath() {
  std::map<std::string, StaticAsset> by_path;
  for (const StaticAsset& asset : StaticAssets()) {
    EXPECT_TRUE(by_path.emplace(std::string(asset.path), asset).second) << asset.path;
  }
  return by_path;
}

TEST(StaticAssetsTest, ServesThePageAndWhatItLoadsByteForByte) {
  std::map<std::string, StaticAsset> assets = AssetsByPath();
  ASSERT_EQ(assets.size(), 3u);
  const struct {
    const char* path;
    const char* file;
    const char* content_type;
  } kExpected[] = {
      {"/", "index.html", "text/html; charset=utf-8"},
      {"/app.js", "app.js", "text/javascript; charset=utf-8"},
      {"/app.css", "app.css", "text/css; charset=utf-8"},
  };
  for (const auto& expected : kExpected) {
    ASSERT_EQ(assets.count(expected.path), 1u) << expected.path;
    const StaticAsset& asset = assets.at(expected.path);
    EXPECT_EQ(asset.content_type, expected.content_type);
    std::string source = ReadSource(expected.file);
    ASSERT_FALSE(source.empty()) << expected.file;
    EXPECT_EQ(asset.body, source) << expected.file;
  }
}

// The front's CSP is script-src 'self'; style-src 'self'; default-src 'none': an inline script,
// style or event handler, or anything from another origin, would be blocked in the browser.
TEST(StaticAssetsTest, PageHasNoInlineScriptOrStyleAndNoExternalResource) {
  std::string page(AssetsByPath().at("/").body);
  EXPECT_THAT(page, StartsWith("<!doctype html>"));
  EXPECT_THAT(page, HasSubstr(R"(<script src="/app.js" defer></script>)"));
  EXPECT_THAT(page, HasSubstr(R"(<link rel="stylesheet" href="/app.css">)"));
  EXPECT_THAT(page, Not(ContainsRegex("<script>|<script [^>]*>[^<]")));  // inline script
  EXPECT_THAT(page, Not(ContainsRegex("<style")));
  EXPECT_THAT(page, Not(ContainsRegex(" style=")));
  EXPECT_THAT(page, Not(ContainsRegex(" on[a-z]+=")));  // inline event handlers
  EXPECT_THAT(page, Not(ContainsRegex("(src|href|action)=\"(https?:)?//")));
  EXPECT_THAT(page, Not(ContainsRegex("javascript:")));
}

TEST(StaticAssetsTest, EveryInputHasALabel) {
  std::string page(AssetsByPath().at("/").body);
  // Each id="x" of an <input> has a <label for="x">.
  std::string::size_type at = 0;
  int inputs = 0;
  while ((at = page.find("<input", at)) != std::string::npos) {
    std::string::size_type id_at = page.find("id=\"", at);
    ASSERT_NE(id_at, std::string::npos);
    std::string::size_type id_end = page.find('"', id_at + 4);
    std::string id = page.substr(id_at + 4, id_end - id_at - 4);
    EXPECT_THAT(page, HasSubstr(absl::StrCat("<label for=\"", id, "\">"))) << id;
    ++inputs;
    at = id_end;
  }
  EXPECT_GE(inputs, 10);
}

TEST(StaticAssetsTest, ScriptNeitherEvaluatesStringsNorWritesMarkup) {
  std::string script(AssetsByPath().at("/app.js").body);
  EXPECT_THAT(script, Not(HasSubstr("eval(")));
  EXPECT_THAT(script, Not(HasSubstr("new Function")));
  EXPECT_THAT(script, Not(HasSubstr("innerHTML")));
  EXPECT_THAT(script, Not(HasSubstr("document.write")));
  EXPECT_THAT(script, Not(HasSubstr(".style")));
  EXPECT_THAT(script, HasSubstr("credentials: 'same-origin'"));
}

}  // namespace
}  // namespace auth::web
