#include "verifier/console/assets.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace veu::console {
namespace {

std::string ContentType(absl::string_view path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(path, ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

std::optional<Asset> FindAsset(absl::string_view path) {
  std::string wanted(path);
  if (wanted == "/") wanted = "/fleet.html";
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (const EmbeddedFile& f : EmbeddedFiles()) {
      if (wanted == f.path) return Asset{absl::string_view(f.data, f.size), ContentType(f.path)};
    }
    // "/site" -> "/site.html": pages have short URLs; other files only their own name.
    if (wanted.find('.') != std::string::npos) break;
    wanted = absl::StrCat(wanted, ".html");
  }
  return std::nullopt;
}

}  // namespace veu::console
