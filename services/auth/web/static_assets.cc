#include "services/auth/web/static_assets.h"

namespace auth::web {
namespace {

// The first page: only says where the API is. The sign-in page replaces it.
constexpr absl::string_view kIndexHtml = R"html(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Auth service</title></head>
<body><h1>Auth service</h1><p>The API is at <code>/auth.v1.AuthService/</code>.</p></body>
</html>
)html";

constexpr StaticAsset kAssets[] = {
    {"/", "text/html; charset=utf-8", kIndexHtml},
};

}  // namespace

absl::Span<const StaticAsset> StaticAssets() { return kAssets; }

}  // namespace auth::web
