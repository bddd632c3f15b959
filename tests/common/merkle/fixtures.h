// Loading the RFC 6962/9162 reference vectors in ../shared/fixtures/merkle for the tests.
#ifndef VEU_TESTS_COMMON_MERKLE_FIXTURES_H_
#define VEU_TESTS_COMMON_MERKLE_FIXTURES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::merkle::testing {

struct InclusionVector {
  uint64_t index = 0;  // 0-based (the fixture file stores it 1-based)
  uint64_t tree_size = 0;
  std::vector<std::string> proof;  // raw bytes
};

struct ConsistencyVector {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  std::vector<std::string> proof;  // raw bytes
};

struct ReferenceTree {
  std::vector<std::string> leaf_inputs;                        // raw bytes
  std::vector<std::vector<std::string>> node_hashes_by_level;  // raw bytes; level 0 = leaves
  std::map<uint64_t, std::string> roots_by_size;               // raw bytes
  std::vector<InclusionVector> inclusion;
  std::vector<ConsistencyVector> consistency;
};

// constants.json + proofgen_vectors.json, hex decoded.
absl::StatusOr<ReferenceTree> LoadReferenceTree();

// Path of a file in the shared merkle fixtures directory.
std::string MerkleFixture(const std::string& name);

}  // namespace veu::merkle::testing

#endif  // VEU_TESTS_COMMON_MERKLE_FIXTURES_H_
