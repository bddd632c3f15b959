// What an operator's webhook receiver does with a POST from the verifier, written here
// without the notifier's code so tests check the notifier against the documented contract
// (verifier/notify/webhook_notifier.h): recompute the signature, parse the body by schema.
#ifndef VEU_TESTS_VERIFIER_NOTIFY_WEBHOOK_RECEIVING_H_
#define VEU_TESTS_VERIFIER_NOTIFY_WEBHOOK_RECEIVING_H_

#include <gtest/gtest.h>

#include <string>

#include "veu/v1/regulator.pb.h"

namespace veu::verifier::notify::testing {

// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body), with OpenSSL's one-shot HMAC().
std::string ReceiverSignature(const std::string& secret, const std::string& timestamp,
                              const std::string& body);

struct Delivery {
  std::string delivery_id;
  veu::v1::VerdictChange change;
};

// Parses a body as a receiver would: JSON first, then the change by the schema.
::testing::AssertionResult ParseDelivery(const std::string& body, Delivery* out);

}  // namespace veu::verifier::notify::testing

#endif  // VEU_TESTS_VERIFIER_NOTIFY_WEBHOOK_RECEIVING_H_
