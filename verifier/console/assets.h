// The console's pages, styles and script, embedded in the veuctl binary at build time
// (embed_assets.cmake writes assets_data.cc from assets/): nothing is read from disk or the
// network at run time. Pure; thread-safe.
#ifndef VEU_VERIFIER_CONSOLE_ASSETS_H_
#define VEU_VERIFIER_CONSOLE_ASSETS_H_

#include <cstddef>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace veu::console {

struct EmbeddedFile {
  const char* path;  // "/fleet.html"
  const char* data;
  size_t size;
};

// Every embedded file (generated).
const std::vector<EmbeddedFile>& EmbeddedFiles();

struct Asset {
  absl::string_view body;
  std::string content_type;  // by extension: text/html, text/css, text/javascript, image/svg+xml
};

// What the console serves at the URL path `path`: "/" is the fleet page, "/site" is
// "/site.html" (each page also answers at its file name). nullopt for anything else.
std::optional<Asset> FindAsset(absl::string_view path);

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_ASSETS_H_
