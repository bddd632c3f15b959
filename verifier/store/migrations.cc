#include "verifier/store/migrations.h"

#include "absl/strings/str_format.h"

namespace veu::verifier {

absl::Status ValidateMigrations(std::span<const Migration> migrations) {
  if (migrations.empty()) {
    return absl::InternalError("no schema migrations are embedded; the build is broken");
  }
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    const int expected = static_cast<int>(i) + 1;
    if (m.version != expected) {
      return absl::InternalError(absl::StrFormat(
          "schema migration %s has version %d but %d was expected; migrations must be numbered "
          "0001, 0002, ... without gaps or repeats",
          m.name, m.version, expected));
    }
    if (m.sql.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return absl::InternalError(absl::StrFormat("schema migration %s is empty", m.name));
    }
  }
  return absl::OkStatus();
}

}  // namespace veu::verifier
