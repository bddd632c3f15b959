// libFuzzer target for the checkpoint text and signed-note parsers. Oracles: a parsed
// checkpoint formats back to the same bytes (one text per checkpoint), and no input opens
// under a key that never signed anything.
// Build and run: fuzz/run.sh checkpoint (clang-14, -fsanitize=fuzzer,address,undefined; sources
// verifier/translog/{checkpoint,signed_note}.cc, common/merkle/*.cc, common/crypto/digest.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "verifier/translog/checkpoint.h"
#include "verifier/translog/signed_note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace veu::translog;  // NOLINT: fuzzer entry point
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Checkpoint> parsed = ParseCheckpoint(in);
  if (parsed.ok()) {
    absl::StatusOr<std::string> text = FormatCheckpoint(*parsed);
    if (!text.ok() || *text != in) std::abort();
  }
  static const NoteVerifier* verifier = [] {
    NoteSigner signer = NoteSigner::Generate("fuzz.example/log").value();
    return new NoteVerifier(
        NoteVerifier::FromPublicKeyDer("fuzz.example/log", signer.public_key_der()).value());
  }();
  if (verifier->Open(in).ok()) std::abort();  // a fresh key signed nothing
  return 0;
}
