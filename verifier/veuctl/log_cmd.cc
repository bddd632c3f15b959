// veuctl log checkpoint / log prove: the verifier's transparency log of appraisals, fetched over
// the admin socket and checked here with the verifier's own translog and merkle code.
//
// Both read from the local admin socket, or, for regulators, from the regulator API when
// --server (or $VEU_REGULATOR_SERVER) is given with --cert/--key/--ca (regulator_client.h).
//
//   veuctl log checkpoint [--size N] [--json]
//       prints the latest (or size-N) signed checkpoint note exactly as published.
//   veuctl log prove APPRAISAL_ID [--verifier-key PUB.pem] [--origin NAME] [--json]
//       fetches the latest checkpoint and the appraisal's inclusion proof and verifies locally:
//       the checkpoint's signature with the key (default $VEU_LOG_KEY), the leaf hash is
//       RFC 9162's hash of the returned appraisal bytes, and the proof leads to the root.
//
// Exit 0 the appraisal is in the signed log, 1 it is not (reason on stdout), 2 bad usage or
// the verifier is unreachable.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hex.h"
#include "common/merkle/hasher.h"
#include "common/rpc/tls.h"
#include "verifier/translog/checkpoint_verifier.h"
#include "verifier/translog/signed_note.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/regulator_client.h"
#include "veu/v1/appraisal.pb.h"

namespace veu::veuctl {
namespace {

// DER SubjectPublicKeyInfo of the PEM public key in `path`.
absl::StatusOr<std::string> ReadPublicKeyDer(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileToString(path, 64 << 10);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  translog::EvpPkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                               : nullptr);
  if (!key) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a PEM public key (expected the verifier's log-key.pem.pub)"));
  }
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0) return absl::InternalError("OpenSSL could not encode the public key");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Where checkpoints and proofs come from.
struct LogSource {
  std::function<grpc::Status(const veu::v1::GetCheckpointRequest&,
                             veu::v1::GetCheckpointResponse*)>
      checkpoint;
  std::function<grpc::Status(const veu::v1::GetInclusionProofRequest&,
                             veu::v1::GetInclusionProofResponse*)>
      proof;
};

std::set<std::string> LogFlags(std::set<std::string> names) {
  names.insert(RegulatorFlagNames().begin(), RegulatorFlagNames().end());
  return names;
}

absl::StatusOr<LogSource> ConnectLogSource(const ParsedFlags& flags) {
  if (flags.Get("server") || std::getenv("VEU_REGULATOR_SERVER") != nullptr) {
    absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(flags);
    if (!stub.ok()) return stub.status();
    std::shared_ptr<veu::v1::Regulator::Stub> shared = *std::move(stub);
    return LogSource{
        [shared](const veu::v1::GetCheckpointRequest& r, veu::v1::GetCheckpointResponse* out) {
          return shared->GetCheckpoint(CallContext().get(), r, out);
        },
        [shared](const veu::v1::GetInclusionProofRequest& r,
                 veu::v1::GetInclusionProofResponse* out) {
          return shared->GetInclusionProof(CallContext().get(), r, out);
        }};
  }
  auto client = std::make_shared<AdminClient>(ConnectAdmin(AdminSocketPath(flags)));
  return LogSource{
      [client](const veu::v1::GetCheckpointRequest& r, veu::v1::GetCheckpointResponse* out) {
        return client->query->GetCheckpoint(CallContext().get(), r, out);
      },
      [client](const veu::v1::GetInclusionProofRequest& r,
               veu::v1::GetInclusionProofResponse* out) {
        return client->query->GetInclusionProof(CallContext().get(), r, out);
      }};
}

int RunCheckpoint(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, LogFlags({"socket", "size"}), {"json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl log checkpoint: "
              << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  veu::v1::GetCheckpointRequest request;
  if (auto size = flags->Get("size")) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(*size, &n) || n == 0) {
      std::cerr << "veuctl log checkpoint: --size needs a positive tree size\n";
      return kExitUsage;
    }
    request.set_tree_size(n);
  }
  absl::StatusOr<LogSource> source = ConnectLogSource(*flags);
  if (!source.ok()) {
    std::cerr << "veuctl log checkpoint: " << source.status().message() << "\n";
    return kExitUsage;
  }
  veu::v1::GetCheckpointResponse response;
  grpc::Status s = source->checkpoint(request, &response);
  if (!s.ok()) return ReportRpcError("log checkpoint", s);
  if (flags->Has("json")) {
    std::cout << ToJson(response) << "\n";
  } else {
    std::cout << response.signed_note();
  }
  return kExitAccepted;
}

int Rejected(bool json, const std::string& reason) {
  if (json) {
    std::cout << "{\"included\": false, \"reason\": " << JsonString(reason) << "}\n";
  } else {
    std::cout << "REJECTED: " << reason << "\n";
  }
  return kExitRejected;
}

int RunProve(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, LogFlags({"socket", "verifier-key", "origin"}), {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl log prove: "
              << (flags.ok() ? "give exactly one APPRAISAL_ID" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  const bool json = flags->Has("json");
  std::string key_path = flags->Get("verifier-key").value_or("");
  if (key_path.empty()) {
    const char* env = std::getenv("VEU_LOG_KEY");
    if (env != nullptr) key_path = env;
  }
  if (key_path.empty()) {
    std::cerr << "veuctl log prove: give the verifier's log public key with --verifier-key "
                 "PUB.pem (or $VEU_LOG_KEY); it is log-key.pem.pub beside the verifier's "
                 "database\n";
    return kExitUsage;
  }
  absl::StatusOr<std::string> key_der = ReadPublicKeyDer(key_path);
  if (!key_der.ok()) {
    std::cerr << "veuctl log prove: " << key_der.status().message() << "\n";
    return kExitUsage;
  }

  absl::StatusOr<LogSource> source = ConnectLogSource(*flags);
  if (!source.ok()) {
    std::cerr << "veuctl log prove: " << source.status().message() << "\n";
    return kExitUsage;
  }
  veu::v1::GetCheckpointResponse checkpoint_response;
  grpc::Status s = source->checkpoint(veu::v1::GetCheckpointRequest(), &checkpoint_response);
  if (!s.ok()) return ReportRpcError("log prove: fetching the checkpoint", s);
  // The origin names the key; pin it with --origin, else take the one the verifier reports
  // (the signature check below still binds note and key).
  const std::string origin = flags->Get("origin").value_or(checkpoint_response.origin());
  absl::StatusOr<translog::NoteVerifier> key =
      translog::NoteVerifier::FromPublicKeyDer(origin, *key_der);
  if (!key.ok()) {
    std::cerr << "veuctl log prove: " << key.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<translog::Checkpoint> checkpoint =
      translog::CheckpointVerifier(*key, origin).Open(checkpoint_response.signed_note());
  if (!checkpoint.ok()) {
    return Rejected(json, absl::StrCat("the checkpoint does not verify with ", key_path, ": ",
                                       checkpoint.status().message()));
  }

  veu::v1::GetInclusionProofRequest request;
  request.set_appraisal_id(flags->positional[0]);
  request.set_tree_size(checkpoint->size);
  veu::v1::GetInclusionProofResponse proof;
  s = source->proof(request, &proof);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND ||
      s.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
      s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    return Rejected(json, absl::StrCat("the verifier has no proof: ", s.error_message()));
  }
  if (!s.ok()) return ReportRpcError("log prove: fetching the proof", s);

  veu::v1::Appraisal appraisal;
  if (!appraisal.ParseFromString(proof.appraisal())) {
    return Rejected(json, "the returned leaf is not a veu.v1.Appraisal");
  }
  if (appraisal.id() != flags->positional[0]) {
    return Rejected(json, absl::StrCat("the returned leaf is appraisal '", appraisal.id(),
                                       "', not the one asked for"));
  }
  if (appraisal.log_index() != proof.leaf_index()) {
    return Rejected(json, absl::StrFormat("the appraisal says it is leaf %d, the proof says %d",
                                          appraisal.log_index(), proof.leaf_index()));
  }
  const std::string leaf_hash = merkle::LeafHash(proof.appraisal());
  std::vector<std::string> hashes(proof.proof().begin(), proof.proof().end());
  absl::Status included =
      translog::VerifyEntryInCheckpoint(*checkpoint, leaf_hash, proof.leaf_index(), hashes);
  if (!included.ok()) return Rejected(json, std::string(included.message()));

  if (json) {
    std::cout << absl::StrFormat(
        "{\"included\": true, \"appraisal_id\": %s, \"leaf_index\": %d, \"leaf_hash\": \"%s\", "
        "\"tree_size\": %d, \"root_hash\": \"%s\", \"origin\": %s, \"timestamp_unix_seconds\": "
        "%d, \"checkpoint\": %s}\n",
        JsonString(appraisal.id()), proof.leaf_index(), ToHex(leaf_hash), checkpoint->size,
        ToHex(checkpoint->root_hash), JsonString(origin), checkpoint->timestamp_unix_seconds,
        JsonString(checkpoint_response.signed_note()));
  } else {
    std::cout << absl::StrFormat(
        "OK: appraisal %s is leaf %d (hash %s) of the tree of size %d with root %s, in the "
        "checkpoint of '%s' signed by %s\n",
        appraisal.id(), proof.leaf_index(), ToHex(leaf_hash), checkpoint->size,
        ToHex(checkpoint->root_hash), origin, key_path);
  }
  return kExitAccepted;
}

// A regulator keeps checkpoints it has seen; this proves the verifier's latest one extends an
// earlier one, i.e. nothing published before was rewritten. Over the regulator API only (the
// consistency proof RPC is the regulator's).
int RunConsistency(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, LogFlags({"earlier", "verifier-key", "origin"}), {"json"});
  if (!flags.ok() || !flags->positional.empty() || !flags->Get("earlier") ||
      !flags->Get("verifier-key")) {
    std::cerr << "veuctl log consistency: "
              << (flags.ok() ? "give --earlier NOTE_FILE and --verifier-key PUB.pem"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  const bool json = flags->Has("json");
  absl::StatusOr<std::string> key_der = ReadPublicKeyDer(*flags->Get("verifier-key"));
  absl::StatusOr<std::string> earlier_note = ReadFileToString(*flags->Get("earlier"), 64 << 10);
  if (!key_der.ok() || !earlier_note.ok()) {
    std::cerr << "veuctl log consistency: "
              << (key_der.ok() ? earlier_note.status() : key_der.status()).message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) {
    std::cerr << "veuctl log consistency: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  veu::v1::GetCheckpointResponse latest;
  grpc::Status s = (*stub)->GetCheckpoint(CallContext().get(), {}, &latest);
  if (!s.ok()) return ReportRpcError("log consistency: fetching the checkpoint", s);
  const std::string origin = flags->Get("origin").value_or(latest.origin());
  absl::StatusOr<translog::NoteVerifier> key =
      translog::NoteVerifier::FromPublicKeyDer(origin, *key_der);
  if (!key.ok()) {
    std::cerr << "veuctl log consistency: " << key.status().message() << "\n";
    return kExitUsage;
  }
  const translog::CheckpointVerifier verifier(*key, origin);
  absl::StatusOr<translog::Checkpoint> older = verifier.Open(*earlier_note);
  if (!older.ok()) {
    return Rejected(json, absl::StrCat("the earlier checkpoint does not verify with the key: ",
                                       older.status().message()));
  }
  absl::StatusOr<translog::Checkpoint> newer = verifier.Open(latest.signed_note());
  if (!newer.ok()) {
    return Rejected(json, absl::StrCat("the verifier's latest checkpoint does not verify: ",
                                       newer.status().message()));
  }
  veu::v1::GetConsistencyProofRequest request;
  request.set_size1(older->size);
  request.set_size2(newer->size);
  veu::v1::GetConsistencyProofResponse proof;
  s = (*stub)->GetConsistencyProof(CallContext().get(), request, &proof);
  if (!s.ok()) return ReportRpcError("log consistency: fetching the proof", s);
  std::vector<std::string> hashes(proof.proof().begin(), proof.proof().end());
  if (absl::Status extends = translog::VerifyCheckpointExtends(*older, *newer, hashes);
      !extends.ok()) {
    return Rejected(json, absl::StrCat("the latest checkpoint (size ", newer->size,
                                       ") does not extend the earlier one (size ", older->size,
                                       "): ", extends.message(), " — keep both notes"));
  }
  if (json) {
    std::cout << absl::StrFormat(
        "{\"consistent\": true, \"size1\": %d, \"size2\": %d, \"root1\": \"%s\", \"root2\": "
        "\"%s\", \"checkpoint\": %s}\n",
        older->size, newer->size, ToHex(older->root_hash), ToHex(newer->root_hash),
        JsonString(latest.signed_note()));
  } else {
    std::cout << absl::StrFormat(
        "OK: the latest checkpoint (size %d, root %s) extends the earlier one (size %d, root "
        "%s)\n",
        newer->size, ToHex(newer->root_hash), older->size, ToHex(older->root_hash));
  }
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kLogConsistency, "log consistency",
               "log consistency --earlier NOTE_FILE --verifier-key PUB.pem --server H:P --cert C "
               "--key K --ca CA   (the latest checkpoint extends one you kept)",
               RunConsistency);
VEUCTL_COMMAND(kLogCheckpoint, "log checkpoint",
               "log checkpoint [--size N] [--json] [--server H:P --cert C --key K --ca CA]   "
               "(the verifier's signed log checkpoint)",
               RunCheckpoint);
VEUCTL_COMMAND(kLogProve, "log prove",
               "log prove APPRAISAL_ID [--verifier-key PUB.pem] [--origin NAME] [--json] "
               "[--server ...]   "
               "(verify the appraisal is in the signed transparency log)",
               RunProve);

}  // namespace veu::veuctl
