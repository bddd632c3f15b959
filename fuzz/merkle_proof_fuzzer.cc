// libFuzzer target for common/merkle verification, with a differential oracle: for a tree
// built from the input, any inclusion or consistency proof that verifies must be exactly the
// honest proof (anything else would be a hash collision or a verifier bug).
// Build and run: fuzz/run.sh merkle_proof (clang-14, sources common/merkle/*.cc common/hex.cc
// common/crypto/digest.cc, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/node_reader.h"
#include "common/merkle/tree.h"
#include "common/merkle/verify.h"

namespace {

// Consumes bytes from the input; zeros when it runs out.
struct Input {
  const uint8_t* data;
  size_t size;
  uint8_t Byte() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  std::string Bytes(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(Byte()));
    return out;
  }
};

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace veu::merkle;  // NOLINT: fuzzer entry point
  Input in{data, size};
  const uint64_t n = 1 + in.Byte() % 80;
  std::vector<std::string> leaves;
  MemoryNodeStore store;
  for (uint64_t i = 0; i < n; ++i) {
    leaves.push_back(LeafHash(std::to_string(i)));
    Check(store.Append(leaves.back()).ok());
  }
  const std::string root = RootFromLeafHashes(leaves);
  Check(RootAt(store, n).value() == root);

  // Inclusion: a claimed index and a proof made of honest hashes, sibling hashes and fuzz.
  const uint64_t index = in.Byte() % (n + 2);
  const uint64_t claimed_size = n + (in.Byte() % 3) - 1;
  std::vector<std::string> honest;
  if (index < n) honest = InclusionProof(index, leaves).value();
  std::vector<std::string> proof;
  const size_t length = in.Byte() % 9;
  for (size_t i = 0; i < length; ++i) {
    const uint8_t kind = in.Byte();
    if (kind < 128 && i < honest.size()) {
      proof.push_back(honest[i]);
    } else if (kind < 200) {
      proof.push_back(leaves[in.Byte() % n]);
    } else {
      proof.push_back(in.Bytes(kind == 255 ? in.Byte() % 40 : kHashSize));
    }
  }
  const std::string leaf = index < n ? leaves[index] : in.Bytes(kHashSize);
  if (VerifyInclusion(leaf, index, claimed_size, proof, root).ok()) {
    Check(index < n);
    if (claimed_size == n) Check(proof == honest);
  }

  // Consistency between size1 and n, against the honest roots.
  const uint64_t size1 = in.Byte() % (n + 1);
  const std::vector<std::string> honest_c = ConsistencyProof(size1, leaves).value();
  std::vector<std::string> cproof;
  const size_t clength = in.Byte() % 9;
  for (size_t i = 0; i < clength; ++i) {
    const uint8_t kind = in.Byte();
    if (kind < 160 && i < honest_c.size()) {
      cproof.push_back(honest_c[i]);
    } else {
      cproof.push_back(in.Bytes(kHashSize));
    }
  }
  const std::vector<std::string> prefix(leaves.begin(), leaves.begin() + static_cast<long>(size1));
  if (VerifyConsistency(size1, n, cproof, RootFromLeafHashes(prefix), root).ok()) {
    Check(cproof == honest_c);
  }
  Check(VerifyConsistency(size1, n, honest_c, RootFromLeafHashes(prefix), root).ok());
  return 0;
}
