#include "tests/common/merkle/fixtures.h"

#include "common/hex.h"
#include "common/status_macros.h"
#include "tests/common/merkle/mini_json.h"

namespace veu::merkle::testing {
namespace {

absl::StatusOr<std::string> HexOf(const Json& value) {
  ASSIGN_OR_RETURN(std::string hex, value.String());
  return FromHex(hex);
}

absl::StatusOr<std::vector<std::string>> HexList(const Json& value) {
  ASSIGN_OR_RETURN(const std::vector<Json>* items, value.Array());
  std::vector<std::string> out;
  for (const Json& item : *items) {
    ASSIGN_OR_RETURN(std::string bytes, HexOf(item));
    out.push_back(std::move(bytes));
  }
  return out;
}

absl::StatusOr<uint64_t> UintAt(const Json& object, const std::string& key) {
  ASSIGN_OR_RETURN(const Json* value, object.Get(key));
  return value->Uint64();
}

absl::StatusOr<std::vector<std::string>> ListAt(const Json& object, const std::string& key) {
  ASSIGN_OR_RETURN(const Json* value, object.Get(key));
  return HexList(*value);
}

}  // namespace

std::string MerkleFixture(const std::string& name) {
  return std::string(VEU_FIXTURES_DIR) + "/merkle/" + name;
}

absl::StatusOr<ReferenceTree> LoadReferenceTree() {
  ReferenceTree tree;
  ASSIGN_OR_RETURN(Json constants, ReadJsonFile(MerkleFixture("constants.json")));
  ASSIGN_OR_RETURN(tree.leaf_inputs, ListAt(constants, "leaf_inputs_hex"));
  ASSIGN_OR_RETURN(const Json* levels, constants.Get("node_hashes_by_level"));
  ASSIGN_OR_RETURN(const std::vector<Json>* level_list, levels->Array());
  for (const Json& level : *level_list) {
    ASSIGN_OR_RETURN(std::vector<std::string> hashes, HexList(level));
    tree.node_hashes_by_level.push_back(std::move(hashes));
  }
  ASSIGN_OR_RETURN(const Json* roots, constants.Get("root_hashes_by_tree_size"));
  ASSIGN_OR_RETURN(const auto* root_map, roots->Object());
  for (const auto& [size_text, root] : *root_map) {
    ASSIGN_OR_RETURN(Json size, Json::Parse(size_text));
    ASSIGN_OR_RETURN(uint64_t size_value, size.Uint64());
    ASSIGN_OR_RETURN(tree.roots_by_size[size_value], HexOf(root));
  }

  ASSIGN_OR_RETURN(Json proofgen, ReadJsonFile(MerkleFixture("proofgen_vectors.json")));
  ASSIGN_OR_RETURN(const Json* inclusion, proofgen.Get("inclusion_proofs"));
  ASSIGN_OR_RETURN(const std::vector<Json>* inclusion_list, inclusion->Array());
  for (const Json& item : *inclusion_list) {
    InclusionVector v;
    ASSIGN_OR_RETURN(uint64_t index_1based, UintAt(item, "leaf_index_1based"));
    if (index_1based == 0) return absl::InvalidArgumentError("leaf_index_1based is 0");
    v.index = index_1based - 1;
    ASSIGN_OR_RETURN(v.tree_size, UintAt(item, "tree_size"));
    ASSIGN_OR_RETURN(v.proof, ListAt(item, "proof"));
    tree.inclusion.push_back(std::move(v));
  }
  ASSIGN_OR_RETURN(const Json* consistency, proofgen.Get("consistency_proofs"));
  ASSIGN_OR_RETURN(const std::vector<Json>* consistency_list, consistency->Array());
  for (const Json& item : *consistency_list) {
    ConsistencyVector v;
    ASSIGN_OR_RETURN(v.size1, UintAt(item, "size1"));
    ASSIGN_OR_RETURN(v.size2, UintAt(item, "size2"));
    ASSIGN_OR_RETURN(v.proof, ListAt(item, "proof"));
    tree.consistency.push_back(std::move(v));
  }
  return tree;
}

}  // namespace veu::merkle::testing
