#include "verifier/service/transparency.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "common/rpc/tls.h"
#include "common/status_macros.h"
#include "verifier/translog/transparency_log.h"

namespace veu::verifier {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode,
                       bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = open(path.c_str(), flags, mode);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create '", path, "': ", std::strerror(errno),
                     "; check the directory exists and is writable by the verifier"));
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot write '", path, "': ", std::strerror(saved)));
    }
    done += static_cast<size_t>(n);
  }
  fchmod(fd, mode);
  if (close(fd) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> PublicKeyPemFromDer(std::string_view spki_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  translog::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) return absl::InvalidArgumentError("the public key is not a DER SubjectPublicKeyInfo");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return absl::InternalError("OpenSSL could not write the public key as PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<translog::NoteSigner> LoadOrCreateLogKey(const std::string& key_path,
                                                        const std::string& origin) {
  std::error_code ec;
  absl::StatusOr<translog::NoteSigner> signer = absl::UnknownError("unset");
  if (std::filesystem::exists(key_path, ec)) {
    ASSIGN_OR_RETURN(std::string pem, ReadFileToString(key_path, 64 << 10));
    signer = translog::NoteSigner::FromPrivateKeyPem(origin, pem);
    if (!signer.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("log key '", key_path, "': ", signer.status().message()));
    }
  } else {
    signer = translog::NoteSigner::Generate(origin);
    if (!signer.ok()) return signer.status();
    ASSIGN_OR_RETURN(std::string pem, signer->PrivateKeyPem());
    RETURN_IF_ERROR(WriteFile(key_path, pem, 0600, /*exclusive=*/true));
    Log("verifier", absl::StrCat("generated a new transparency log key (mode 0600) at ", key_path));
  }
  ASSIGN_OR_RETURN(std::string pub, PublicKeyPemFromDer(signer->public_key_der()));
  const std::string pub_path = key_path + ".pub";
  RETURN_IF_ERROR(WriteFile(pub_path, pub, 0644, /*exclusive=*/false));
  Log("verifier",
      absl::StrCat("transparency log '", origin, "': checkpoints verify with ", pub_path));
  return signer;
}

absl::StatusOr<bool> PublishCheckpointIfGrown(AppraisalLog& log, const translog::NoteSigner& signer,
                                              const std::string& origin, uint64_t unix_seconds) {
  // Reopened per publish: O(log n) reads, and always the store's current tree (the store, not
  // a TransparencyLog, appends the leaves).
  ASSIGN_OR_RETURN(std::unique_ptr<translog::TransparencyLog> tlog,
                   translog::TransparencyLog::Open(log, signer, origin));
  absl::StatusOr<translog::StoredCheckpoint> latest = log.LatestCheckpoint();
  if (latest.ok() && latest->checkpoint.size >= tlog->size()) return false;
  if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  if (latest.ok() && unix_seconds < latest->checkpoint.timestamp_unix_seconds) {
    unix_seconds = latest->checkpoint.timestamp_unix_seconds;  // the clock stepped back
  }
  RETURN_IF_ERROR(tlog->PublishCheckpoint(unix_seconds).status());
  return true;
}

CheckpointPublisher::CheckpointPublisher(AppraisalLog* log, const translog::NoteSigner* signer,
                                         std::string origin, absl::Duration interval,
                                         std::function<bool()> active)
    : log_(log),
      signer_(signer),
      origin_(std::move(origin)),
      interval_(interval),
      active_(std::move(active)) {
  thread_ = std::thread([this] { Run(); });
}

CheckpointPublisher::~CheckpointPublisher() { Stop(); }

void CheckpointPublisher::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void CheckpointPublisher::Run() {
  do {
    if (active_ && !active_()) continue;  // another replica signs
    absl::StatusOr<bool> published = PublishCheckpointIfGrown(
        *log_, *signer_, origin_, static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now())));
    if (!published.ok()) {
      Log("verifier",
          absl::StrCat("publishing a checkpoint failed (retrying in ",
                       absl::FormatDuration(interval_), "): ", published.status().message()));
    }
  } while (!stop_.WaitForNotificationWithTimeout(interval_));
}

absl::StatusOr<LogEntry> RequestedLogEntry(const AppraisalLog& log,
                                           const veu::v1::GetInclusionProofRequest& request) {
  switch (request.leaf_case()) {
    case veu::v1::GetInclusionProofRequest::kAppraisalId:
      return log.LogEntryByAppraisalId(request.appraisal_id());
    case veu::v1::GetInclusionProofRequest::kLeafIndex:
      return log.LogEntryByIndex(request.leaf_index());
    default:
      return absl::InvalidArgumentError("give an appraisal_id or a leaf_index");
  }
}

absl::Status FillInclusionProof(const AppraisalLog& log, LogEntry entry, uint64_t tree_size,
                                veu::v1::GetInclusionProofResponse* response) {
  if (entry.index >= tree_size) {
    return absl::FailedPreconditionError(
        absl::StrCat("leaf ", entry.index, " is not in the tree of size ", tree_size,
                     " yet; retry after the next checkpoint"));
  }
  absl::StatusOr<std::vector<std::string>> proof =
      merkle::InclusionProof(log, entry.index, tree_size);
  if (!proof.ok()) return proof.status();
  response->set_leaf_index(entry.index);
  response->set_leaf_hash(merkle::LeafHash(entry.appraisal));
  response->set_tree_size(tree_size);
  for (std::string& hash : *proof) response->add_proof(std::move(hash));
  response->set_appraisal(std::move(entry.appraisal));
  return absl::OkStatus();
}

void FillCheckpointResponse(const translog::StoredCheckpoint& checkpoint,
                            veu::v1::GetCheckpointResponse* response) {
  response->set_signed_note(checkpoint.signed_note);
  response->set_origin(checkpoint.checkpoint.origin);
  response->set_tree_size(checkpoint.checkpoint.size);
  response->set_root_hash(checkpoint.checkpoint.root_hash);
  response->set_timestamp_unix_seconds(checkpoint.checkpoint.timestamp_unix_seconds);
}

}  // namespace veu::verifier
