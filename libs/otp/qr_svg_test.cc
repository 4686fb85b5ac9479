// The QR code read back as a phone would: the SVG rasterised by librsvg (rsvg-convert, as a
// browser renders it) and decoded by ZBar (zbarimg); its XML checked by python3's parser.
#include "libs/otp/qr_svg.h"

#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"

namespace auth::otp {
namespace {

using ::auth::test_util::StatusIs;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;
using ::testing::Lt;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::string_view kUri =
    "otpauth://totp/Example%20Corp:alice%40example.com?secret=NBSWY3DPEHPK3PXPNBSWY3DPEHPK3PXP"
    "&issuer=Example%20Corp&algorithm=SHA1&digits=6&period=30";

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs `argv`; its stdout, or "" (and a test failure) if it fails.
std::string RunForOutput(std::vector<std::string> argv, const std::string& stdout_path) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  options.stdout_path = stdout_path;
  absl::StatusOr<test_util::ExitStatus> status = Subprocess::Run(options, absl::Seconds(60));
  EXPECT_TRUE(status.ok() && status->ok())
      << options.argv[0] << ": " << (status.ok() ? status->ToString() : status.status().ToString());
  return ReadFile(stdout_path);
}

// What a QR reader finds in `svg`, after rendering it at `pixels` wide.
std::string Scan(const std::string& svg, const std::string& name, int pixels) {
  const std::string svg_path = TestTempPath(name + ".svg");
  const std::string png_path = TestTempPath(name + ".png");
  std::ofstream(svg_path, std::ios::binary) << svg;
  RunForOutput({"/usr/bin/rsvg-convert", "--format=png", absl::StrCat("--width=", pixels),
                absl::StrCat("--output=", png_path), svg_path},
               TestTempPath(name + ".rsvg.out"));
  std::string text = RunForOutput({"/usr/bin/zbarimg", "--quiet", "--raw", png_path},
                                  TestTempPath(name + ".zbar.out"));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Parses `svg` with python3's XML parser and prints what the test checks: the root's tag, then
// every element's tag, then every attribute name, one per line.
constexpr absl::string_view kXmlCheck = R"(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(root.tag)
for element in root.iter():
    print("element", element.tag)
    for name in element.attrib:
        print("attribute", name)
)";

TEST(QrSvgTest, DecodesBackToTheOtpauthUri) {
  ASSERT_OK_AND_ASSIGN(const std::string svg, QrSvg(kUri));
  EXPECT_EQ(Scan(svg, "uri", 400), kUri);
  // Small enough to inline in the page (about 4 KB).
  EXPECT_THAT(svg.size(), Lt(6000u));
  std::cout << "QR SVG of a " << kUri.size() << "-byte otpauth URI: " << svg.size() << " bytes\n";
}

TEST(QrSvgTest, DecodesBackWhateverTheSize) {
  for (const std::string& text : {std::string("a"), std::string("HELLO 23"),
                                  std::string(300, 'x') + "!", std::string(1024, '7')}) {
    ASSERT_OK_AND_ASSIGN(const std::string svg, QrSvg(text));
    EXPECT_EQ(Scan(svg, absl::StrCat("size", text.size()), 800), text);
  }
}

TEST(QrSvgTest, IsAStandaloneSvgWithoutScriptOrReferences) {
  ASSERT_OK_AND_ASSIGN(const std::string svg, QrSvg(kUri));
  EXPECT_THAT(svg, StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
  const std::string path = TestTempPath("check.svg");
  std::ofstream(path, std::ios::binary) << svg;
  const std::string report = RunForOutput({"/usr/bin/python3", "-c", std::string(kXmlCheck), path},
                                          TestTempPath("check.out"));
  EXPECT_THAT(report, StartsWith("{http://www.w3.org/2000/svg}svg\n"));
  EXPECT_THAT(report, HasSubstr("element {http://www.w3.org/2000/svg}path\n"));
  EXPECT_THAT(report, Not(HasSubstr("script")));
  EXPECT_THAT(report, Not(HasSubstr("style")));
  EXPECT_THAT(report, Not(HasSubstr("href")));
  EXPECT_THAT(report, Not(HasSubstr("attribute on")));
}

// The standard's 4-module quiet zone: every dark module is at least 4 modules from each edge
// (readers such as ZBar are lenient without one; phone cameras in a busy page are not).
TEST(QrSvgTest, KeepsAQuietZoneOfFourModules) {
  ASSERT_OK_AND_ASSIGN(const std::string svg, QrSvg(kUri));
  std::smatch view_box;
  ASSERT_TRUE(std::regex_search(svg, view_box, std::regex("viewBox=\"0 0 ([0-9]+) \\1\"")));
  const int size = std::stoi(view_box[1]);
  std::smatch path;
  ASSERT_TRUE(std::regex_search(svg, path, std::regex(" d=\"([^\"]*)\"")));
  // Rows start with an absolute move (M x y.5); each run is a relative move and a stroke.
  const std::string d = path[1];
  const std::regex command("([Mmh])(-?[0-9]+)(?: ([0-9]+)\\.5| 0)?");
  int x = 0, y = 0, rows = 0;
  for (auto it = std::sregex_iterator(d.begin(), d.end(), command); it != std::sregex_iterator();
       ++it) {
    const std::smatch& part = *it;
    const int value = std::stoi(part[2]);
    if (part[1] == "M") {
      x = value;
      y = std::stoi(part[3]);
      ++rows;
    } else if (part[1] == "m") {
      x += value;
    } else {
      EXPECT_GE(x, 4);
      x += value;
      EXPECT_LE(x, size - 4);
      EXPECT_GE(y, 4);
      EXPECT_LT(y, size - 4);
    }
  }
  EXPECT_EQ(rows, size - 8);  // every row of the symbol has a dark module
}

TEST(QrSvgTest, RefusesWhatItCannotEncode) {
  EXPECT_THAT(QrSvg(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(QrSvg(std::string(1025, 'x')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(QrSvg(std::string("a\0b", 3)), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::otp
