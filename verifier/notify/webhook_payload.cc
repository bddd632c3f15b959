#include "verifier/notify/webhook_payload.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/status_macros.h"

namespace veu::verifier::notify {

absl::StatusOr<std::string> NewDeliveryId() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(16));
  return ToHex(bytes);
}

absl::StatusOr<std::string> WebhookPayload(const veu::v1::VerdictChange& change,
                                           std::string_view delivery_id) {
  for (char c : delivery_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return absl::InvalidArgumentError("webhook delivery id may hold only letters, digits, - and _");
    }
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  std::string change_json;
  const auto status = google::protobuf::util::MessageToJsonString(change, &change_json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the verdict change as JSON: ", std::string(status.message())));
  }
  return absl::StrCat("{\"delivery_id\":\"", std::string(delivery_id),
                      "\",\"verdict_change\":", change_json, "}");
}

}  // namespace veu::verifier::notify
