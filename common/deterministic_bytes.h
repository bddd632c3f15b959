// The one byte encoding of a message that is hashed or signed here: protobuf's deterministic
// serialisation (map entries in key order). Used for transparency-log leaves, the facts
// digest bound into quotes, and stored records that are compared byte for byte.
#ifndef VEU_COMMON_DETERMINISTIC_BYTES_H_
#define VEU_COMMON_DETERMINISTIC_BYTES_H_

#include <google/protobuf/message.h>

#include <string>

namespace veu {

std::string DeterministicBytes(const google::protobuf::Message& message);

}  // namespace veu

#endif  // VEU_COMMON_DETERMINISTIC_BYTES_H_
