// RFC 9162 (Certificate Transparency 2.0) §2.1.1 Merkle tree hashing with SHA-256:
//   leaf hash  = SHA-256(0x00 || leaf data)
//   node hash  = SHA-256(0x01 || left || right)
//   empty tree = SHA-256("")
// The domain-separation prefixes make a leaf hash never collide with an interior node hash.
#ifndef VEU_COMMON_MERKLE_HASHER_H_
#define VEU_COMMON_MERKLE_HASHER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace veu::merkle {

// Size in bytes of every hash in the tree (SHA-256).
inline constexpr size_t kHashSize = 32;

// Root hash of the tree with no leaves: SHA-256 of the empty string.
std::string EmptyRoot();

// Hash of one leaf's data (any length, including empty). Cannot fail; thread-safe.
std::string LeafHash(std::string_view leaf_data);

// Hash of an interior node from its children's hashes. The children are normally
// kHashSize bytes, but any bytes are hashed as given (RFC test vectors use short ones).
std::string NodeHash(std::string_view left, std::string_view right);

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_HASHER_H_
