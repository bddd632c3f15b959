// Schema migrations of the SQLite and PostgreSQL stores, embedded in the binary at build time
// from verifier/store/migrations/NNNN_name.sql and migrations_pg/NNNN_name.sql (see
// CMakeLists.txt), so a deployed verifier needs no files beside it to create or upgrade its
// database.
#ifndef VEU_VERIFIER_STORE_MIGRATIONS_H_
#define VEU_VERIFIER_STORE_MIGRATIONS_H_

#include <span>
#include <string_view>

#include "absl/status/status.h"

namespace veu::verifier {

struct Migration {
  int version;            // NNNN of the file name; 1, 2, 3, ...
  std::string_view name;  // the file name, e.g. "0001_initial.sql"
  std::string_view sql;   // one or more statements, run inside the migration transaction
};

// Every embedded migration of the SQLite store, sorted by version. Never empty. Thread-safe
// (static data).
std::span<const Migration> EmbeddedMigrations();
// The same for the PostgreSQL store (verifier/store/migrations_pg/).
std::span<const Migration> EmbeddedPostgresMigrations();

// OK if `migrations` are numbered 1, 2, ... N without gaps or repeats and none is empty;
// otherwise Internal naming the offending file (a build defect, not an operator error).
absl::Status ValidateMigrations(std::span<const Migration> migrations);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_MIGRATIONS_H_
