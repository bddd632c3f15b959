#include "common/crypto/openssl.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace veu::crypto {

std::string OpensslError(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(what);
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return absl::StrCat(std::string(what), " (", buffer, ")");
}

int NoPassphrase(char*, int, int, void*) { return -1; }

}  // namespace veu::crypto
