#include "tests/verifier/notify/webhook_receiving.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/hex.h"

namespace veu::verifier::notify::testing {

std::string ReceiverSignature(const std::string& secret, const std::string& timestamp,
                              const std::string& body) {
  const std::string message = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_len) == nullptr) {
    return "HMAC failed";
  }
  return "sha256=" + ToHex(std::string(reinterpret_cast<const char*>(mac), mac_len));
}

::testing::AssertionResult ParseDelivery(const std::string& body, Delivery* out) {
  google::protobuf::Struct envelope;
  if (!google::protobuf::util::JsonStringToMessage(body, &envelope).ok()) {
    return ::testing::AssertionFailure() << "body is not JSON: " << body;
  }
  const auto& fields = envelope.fields();
  if (!fields.contains("delivery_id") || !fields.contains("verdict_change")) {
    return ::testing::AssertionFailure() << "body lacks delivery_id or verdict_change: " << body;
  }
  out->delivery_id = fields.at("delivery_id").string_value();
  std::string change_json;
  if (!google::protobuf::util::MessageToJsonString(fields.at("verdict_change"), &change_json).ok() ||
      !google::protobuf::util::JsonStringToMessage(change_json, &out->change).ok()) {
    return ::testing::AssertionFailure() << "verdict_change does not parse: " << body;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace veu::verifier::notify::testing
