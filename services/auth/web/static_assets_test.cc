// The embedded pages: the files exactly as in the source tree, under the paths and content types
// the HTTP front serves, and nothing in them that the front's CSP would block.
#include "services/auth/web/static_assets.h"

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

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

struct PageAsset {
  const char* path;
  const char* file;
  const char* content_type;
};
constexpr PageAsset kPages[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/reset-password", "reset-password.html", "text/html; charset=utf-8"},
    {"/verify-email", "verify-email.html", "text/html; charset=utf-8"},
};
constexpr PageAsset kScripts[] = {
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/page.js", "page.js", "text/javascript; charset=utf-8"},
    {"/passkeys.js", "passkeys.js", "text/javascript; charset=utf-8"},
    {"/totp.js", "totp.js", "text/javascript; charset=utf-8"},
    {"/reset-password.js", "reset-password.js", "text/javascript; charset=utf-8"},
    {"/verify-email.js", "verify-email.js", "text/javascript; charset=utf-8"},
};

TEST(StaticAssetsTest, ServesThePagesAndWhatTheyLoadByteForByte) {
  std::map<std::string, StaticAsset> assets = AssetsByPath();
  std::vector<PageAsset> expected_assets(std::begin(kPages), std::end(kPages));
  expected_assets.insert(expected_assets.end(), std::begin(kScripts), std::end(kScripts));
  expected_assets.push_back({"/app.css", "app.css", "text/css; charset=utf-8"});
  ASSERT_EQ(assets.size(), expected_assets.size());
  for (const PageAsset& expected : expected_assets) {
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
TEST(StaticAssetsTest, PagesHaveNoInlineScriptOrStyleAndNoExternalResource) {
  const std::map<std::string, std::string> kPageScripts = {
      {"/", R"(<script type="module" src="/app.js"></script>)"},
      {"/reset-password", R"(<script type="module" src="/reset-password.js"></script>)"},
      {"/verify-email", R"(<script type="module" src="/verify-email.js"></script>)"}};
  for (const PageAsset& asset : kPages) {
    SCOPED_TRACE(asset.path);
    std::string page(AssetsByPath().at(asset.path).body);
    EXPECT_THAT(page, StartsWith("<!doctype html>"));
    EXPECT_THAT(page, HasSubstr(kPageScripts.at(asset.path)));
    EXPECT_THAT(page, HasSubstr(R"(<link rel="stylesheet" href="/app.css">)"));
    EXPECT_THAT(page, Not(ContainsRegex("<script>|<script [^>]*>[^<]")));  // inline script
    EXPECT_THAT(page, Not(ContainsRegex("<style")));
    EXPECT_THAT(page, Not(ContainsRegex(" style=")));
    EXPECT_THAT(page, Not(ContainsRegex(" on[a-z]+=")));  // inline event handlers
    EXPECT_THAT(page, Not(ContainsRegex("(src|href|action)=\"(https?:)?//")));
    EXPECT_THAT(page, Not(ContainsRegex("javascript:")));
    // Status and errors are announced to screen readers.
    EXPECT_THAT(page, HasSubstr(R"(<p id="status" role="status" aria-live="polite"></p>)"));
    EXPECT_THAT(page, HasSubstr(R"(role="alert")"));
  }
}

TEST(StaticAssetsTest, EveryInputHasALabel) {
  const std::map<std::string, int> kMinInputs = {
      {"/", 26}, {"/reset-password", 2}, {"/verify-email", 0}};
  for (const PageAsset& asset : kPages) {
    SCOPED_TRACE(asset.path);
    std::string page(AssetsByPath().at(asset.path).body);
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
    EXPECT_GE(inputs, kMinInputs.at(asset.path));
  }
}

TEST(StaticAssetsTest, ScriptsNeitherEvaluateStringsNorWriteMarkup) {
  for (const PageAsset& asset : kScripts) {
    SCOPED_TRACE(asset.path);
    std::string script(AssetsByPath().at(asset.path).body);
    EXPECT_THAT(script, Not(HasSubstr("eval(")));
    EXPECT_THAT(script, Not(HasSubstr("new Function")));
    EXPECT_THAT(script, Not(HasSubstr("innerHTML")));
    EXPECT_THAT(script, Not(HasSubstr("document.write")));
    EXPECT_THAT(script, Not(HasSubstr(".style")));
    // Modules import only the server's own scripts, by path.
    EXPECT_THAT(script, Not(ContainsRegex("from\\s+'[^/]")));
    EXPECT_THAT(script, Not(ContainsRegex("import\\(")));
  }
  EXPECT_THAT(std::string(AssetsByPath().at("/page.js").body),
              HasSubstr("credentials: 'same-origin'"));
}

// The token of a mailed link leaves the address bar at once (page.js does it for both pages).
TEST(StaticAssetsTest, LinkTokenIsTakenOutOfTheAddressBar) {
  std::string shared(AssetsByPath().at("/page.js").body);
  EXPECT_THAT(shared, ContainsRegex("export function takeTokenFromAddress\\(\\) \\{\n"
                                    "[^}]*history.replaceState\\("));
}

// The reset page must not spend the link when it opens: ResetPassword is called from the
// form's submit only, and the token leaves the address bar.
TEST(StaticAssetsTest, ResetPageSendsTheTokenOnlyOnSubmitAndClearsItFromTheAddress) {
  std::string script(AssetsByPath().at("/reset-password.js").body);
  EXPECT_THAT(script, HasSubstr("token = takeTokenFromAddress();"));
  EXPECT_THAT(script, ContainsRegex("handle\\(form, 'submit', async \\(\\) => \\{\n"
                                    "[^}]*'ResetPassword'"));
  EXPECT_THAT(script, Not(HasSubstr("sessionStorage")));
  EXPECT_THAT(script, Not(HasSubstr("localStorage")));
}

// Nor the confirmation page (mail scanners fetch links): VerifyEmail is called from the button's
// click only.
TEST(StaticAssetsTest, VerifyPageSendsTheTokenOnlyOnConfirmAndClearsItFromTheAddress) {
  std::string script(AssetsByPath().at("/verify-email.js").body);
  EXPECT_THAT(script, HasSubstr("token = takeTokenFromAddress();"));
  EXPECT_THAT(script, ContainsRegex("handle\\(confirmButton, 'click', async \\(\\) => \\{\n"
                                    "[^}]*'VerifyEmail'"));
  EXPECT_EQ(script.find("'VerifyEmail'"), script.rfind("'VerifyEmail'"));
  EXPECT_THAT(script, Not(HasSubstr("sessionStorage")));
  EXPECT_THAT(script, Not(HasSubstr("localStorage")));
}

// The second factors' secrets (the MFA ticket, the TOTP key, recovery codes) stay in memory, and
// the server's QR code is rebuilt from allowed SVG elements, never parsed into the page as markup.
TEST(StaticAssetsTest, SecondFactorPagesKeepSecretsOutOfStorageAndRebuildTheQrCode) {
  for (const char* path : {"/totp.js", "/passkeys.js"}) {
    std::string script(AssetsByPath().at(path).body);
    EXPECT_THAT(script, Not(HasSubstr("sessionStorage"))) << path;
    EXPECT_THAT(script, Not(HasSubstr("localStorage"))) << path;
  }
  std::string totp(AssetsByPath().at("/totp.js").body);
  EXPECT_THAT(totp, HasSubstr("new DOMParser().parseFromString(svgText, 'image/svg+xml')"));
  EXPECT_THAT(totp, HasSubstr("document.createElementNS(kSvgNamespace, source.localName)"));
  EXPECT_THAT(totp, Not(HasSubstr("insertAdjacentHTML")));
  EXPECT_THAT(totp, Not(HasSubstr("outerHTML")));
}

}  // namespace
}  // namespace auth::web
