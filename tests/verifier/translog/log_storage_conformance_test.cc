// MemoryLogStorage passes the LogStorage conformance suite every backend must pass.
#include "tests/verifier/translog/log_storage_conformance.h"

#include <memory>

#include "verifier/translog/memory_log_storage.h"

namespace veu::translog::testing {
namespace {

struct MemoryLogStorageFactory {
  static std::unique_ptr<LogStorage> Create() { return std::make_unique<MemoryLogStorage>(); }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, LogStorageConformanceTest, MemoryLogStorageFactory);

}  // namespace
}  // namespace veu::translog::testing
