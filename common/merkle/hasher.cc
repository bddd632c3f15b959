#include "common/merkle/hasher.h"

#include "common/crypto/digest.h"

namespace veu::merkle {
namespace {

constexpr char kLeafPrefix = '\x00';
constexpr char kNodePrefix = '\x01';

}  // namespace

std::string EmptyRoot() { return crypto::Sha256(""); }

std::string LeafHash(std::string_view leaf_data) {
  std::string buffer;
  buffer.reserve(1 + leaf_data.size());
  buffer.push_back(kLeafPrefix);
  buffer.append(leaf_data);
  return crypto::Sha256(buffer);
}

std::string NodeHash(std::string_view left, std::string_view right) {
  std::string buffer;
  buffer.reserve(1 + left.size() + right.size());
  buffer.push_back(kNodePrefix);
  buffer.append(left);
  buffer.append(right);
  return crypto::Sha256(buffer);
}

}  // namespace veu::merkle
