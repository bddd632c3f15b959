// libFuzzer target for what a regulator feeds the report tools: arbitrary bytes as a signed
// report file and as an EAR JWT. Reached: the strict JSON reader, JCS, OpenReportFile and
// DecodeProtoJson, VerifyAnyReport (both report kinds, all their checks, and the consistency
// check against an earlier checkpoint) and VerifyEarJwt.
// Oracles:
//   - ParseJson accepts x  =>  ParseJson(JCS(x)) accepts, JCS(JCS(x)) == JCS(x), and
//     CanonicalizeJson(x) == JCS(x); ParseJson refuses x  =>  CanonicalizeJson refuses it;
//   - OpenReportFile accepts x  =>  ParseJson accepts x, and its canonical_report is JCS of
//     its report member;
//   - no report holds and no JWT verifies under a key generated here that never signed.
// Build and run: fuzz/run.sh report (seeds: report_seeds writes a signed compliance and
// inventory report, an EAR JWT and small JSON texts).
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "verifier/reports/any_report_verifier.h"
#include "verifier/reports/ear_jwt.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/json_value.h"
#include "verifier/reports/report_signer.h"
#include "verifier/reports/signed_report_file.h"
#include "verifier/translog/checkpoint.h"
#include "verifier/translog/signed_note.h"
#include "veu/v1/report.pb.h"

namespace {

using namespace veu::verifier;  // NOLINT: fuzzer entry point
namespace translog = veu::translog;

// The origin report_seeds (tests/verifier/reports/report_history.h) signs its log under, so
// mutated seeds reach the earlier-checkpoint comparison rather than stopping at the key name.
constexpr char kOrigin[] = "veu.example/attest-log";

struct Keys {
  std::string public_pem;  // a fresh ECDSA P-256 key: nothing in any input is signed by it
  ReportSignatureVerifier verifier;
  ReportVerifyOptions with_earlier;  // an earlier checkpoint note that key did sign
};

const Keys& FuzzKeys() {
  static const Keys* keys = [] {
    ReportSigner signer = ReportSigner::GenerateEcdsaP256().value();
    translog::NoteSigner note_signer =
        translog::NoteSigner::FromPrivateKeyPem(kOrigin, signer.PrivateKeyPem().value()).value();
    ReportVerifyOptions options;
    const translog::Checkpoint earlier{kOrigin, 5, std::string(32, '\x5a'), 1790000005};
    options.earlier_checkpoint =
        note_signer.Sign(translog::FormatCheckpoint(earlier).value()).value();
    return new Keys{signer.PublicKeyPem().value(),
                    ReportSignatureVerifier::FromPublicKeyDer(signer.public_key_der()).value(),
                    options};
  }();
  return *keys;
}

void FuzzJson(std::string_view in) {
  absl::StatusOr<JsonValue> parsed = ParseJson(in);
  absl::StatusOr<std::string> canonicalized = CanonicalizeJson(in);
  if (!parsed.ok()) {
    if (canonicalized.ok()) std::abort();  // JCS accepted what the reader refuses
    return;
  }
  const std::string canonical = CanonicalJson(*parsed);
  if (!canonicalized.ok() || *canonicalized != canonical) std::abort();
  absl::StatusOr<JsonValue> reparsed = ParseJson(canonical);
  if (!reparsed.ok()) std::abort();                     // JCS wrote what the reader refuses
  if (CanonicalJson(*reparsed) != canonical) std::abort();  // JCS is not a fixed point
}

void FuzzReportFile(std::string_view in) {
  absl::StatusOr<OpenedReportFile> file = OpenReportFile(in);
  if (!file.ok()) return;
  if (!ParseJson(in).ok()) std::abort();
  if (file->canonical_report != CanonicalJson(file->report)) std::abort();
  veu::v1::ComplianceReport compliance;
  (void)DecodeProtoJson(file->canonical_report, &compliance);
  veu::v1::InventoryReport inventory;
  (void)DecodeProtoJson(file->canonical_report, &inventory);
}

void FuzzVerifiers(std::string_view in) {
  const Keys& keys = FuzzKeys();
  absl::StatusOr<ReportVerification> verified = VerifyAnyReport(in, keys.public_pem);
  if (verified.ok()) {
    if (verified->holds()) std::abort();  // a report holds under a key that signed nothing
    if (verified->kind == "compliance") {
      absl::StatusOr<ReportVerification> extended =
          VerifyAnyReport(in, keys.public_pem, keys.with_earlier);
      if (!extended.ok() || extended->holds()) std::abort();
    }
  }
  if (VerifyEarJwt(in, keys.verifier).ok()) std::abort();  // nobody signed with this key
}

}  // namespace

// Protobuf logs an ERROR line for every leaf with a string that is not UTF-8 (the verifier
// then reports the leaf as not decoding); thousands of them per minute slow the fuzzer down and
// bury its own output. Fatal protobuf errors still abort.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  FuzzJson(in);
  FuzzReportFile(in);
  // Also the raw bytes as proto3 JSON, as a reader of a bare report member would decode them.
  veu::v1::ComplianceReport report;
  (void)DecodeProtoJson(in, &report);
  FuzzVerifiers(in);
  return 0;
}
