// QrSvg; see qr_svg.h.
#include "libs/otp/qr_svg.h"

#include <qrencode.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::otp {
namespace {

constexpr int kQuietZoneModules = 4;
constexpr int kPixelsPerModule = 4;

using QrCode = std::unique_ptr<QRcode, decltype(&QRcode_free)>;

bool IsDark(const QRcode& code, int x, int y) { return (code.data[y * code.width + x] & 1) != 0; }

}  // namespace

absl::StatusOr<std::string> QrSvg(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("QR code: empty text");
  if (text.size() > kMaxQrTextBytes) return absl::InvalidArgumentError("QR code: text too long");
  if (absl::StrContains(text, '\0')) {
    return absl::InvalidArgumentError("QR code: text contains a NUL byte");
  }
  const std::string terminated(text);
  // Case-sensitive, 8-bit for what is not alphanumeric; libqrencode picks the smallest version.
  QrCode code(QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (code == nullptr) return absl::InternalError("QR code: libqrencode failed");

  const int size = code->width + 2 * kQuietZoneModules;
  std::string path;
  for (int y = 0; y < code->width; ++y) {
    // Each run of dark modules is a horizontal stroke, 1 module wide, through the row's middle:
    // an absolute move to the row's first run, then relative moves from each run's end.
    int pen_x = -1;  // where the pen is in this row, -1 before the row's first run
    for (int x = 0; x < code->width;) {
      if (!IsDark(*code, x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < code->width && IsDark(*code, x + run, y)) ++run;
      if (pen_x < 0) {
        absl::StrAppend(&path, "M", x + kQuietZoneModules, " ", y + kQuietZoneModules, ".5");
      } else {
        absl::StrAppend(&path, "m", x - pen_x, " 0");
      }
      absl::StrAppend(&path, "h", run);
      pen_x = x + run;
      x += run;
    }
  }
  const int pixels = size * kPixelsPerModule;
  return absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", size, " ", size,
                      "\" width=\"", pixels, "\" height=\"", pixels,
                      "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
                      "<rect width=\"",
                      size, "\" height=\"", size,
                      "\" fill=\"#fff\"/><path fill=\"none\" stroke=\"#000\" d=\"", path,
                      "\"/></svg>");
}

}  // namespace auth::otp
