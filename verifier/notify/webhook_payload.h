// The JSON body of a webhook delivery:
//   {"delivery_id":"<32 lowercase hex>","verdict_change":{...}}
// `verdict_change` is the veu.v1.VerdictChange in the proto3 JSON mapping with the .proto field
// names (site, agent_id, site_verdict, ...), enums as names ("VERDICT_REJECT"), `at` as RFC 3339,
// and every field present even when it holds its default, so receivers need no schema defaults.
// The delivery id is the same in the body and the X-VEU-Delivery header, and stays the same
// across retries of one change, so a receiver can de-duplicate.
#ifndef VEU_VERIFIER_NOTIFY_WEBHOOK_PAYLOAD_H_
#define VEU_VERIFIER_NOTIFY_WEBHOOK_PAYLOAD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier::notify {

// A fresh random delivery id (128 bits, lowercase hex). Internal error only if the DRBG fails.
absl::StatusOr<std::string> NewDeliveryId();

// The body described above. `delivery_id` must be JSON-safe (NewDeliveryId's are); otherwise
// InvalidArgument. Internal if protobuf cannot print the change (e.g. a timestamp out of range).
absl::StatusOr<std::string> WebhookPayload(const veu::v1::VerdictChange& change,
                                           std::string_view delivery_id);

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_WEBHOOK_PAYLOAD_H_
