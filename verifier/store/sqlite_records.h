// Row <-> record helpers shared by the SqliteStore .cc files (one class, split by concept):
// timestamps as microsecond columns, parsing a stored veu.v1 record, deterministic bytes.
// Internal to verifier/store; pure functions, thread-safe.
#ifndef VEU_VERIFIER_STORE_SQLITE_RECORDS_H_
#define VEU_VERIFIER_STORE_SQLITE_RECORDS_H_

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/deterministic_bytes.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier::sqlite {

// A Timestamp as microseconds since the epoch, the unit of every *_micros column.
// InvalidArgument (naming `what`) outside google.protobuf.Timestamp's range 0001..9999, which
// also keeps the multiplication free of overflow.
absl::StatusOr<int64_t> ToMicros(const google::protobuf::Timestamp& t, std::string_view what);

// An absl::Time bound of a query as microseconds; infinite bounds saturate to the int64 range.
int64_t BoundMicros(absl::Time t);

// The SQLite LIMIT for `limit`: 0 means "no limit" (-1 to SQLite).
int64_t SqlLimit(uint32_t limit);

// Deterministic serialisation: the transparency log's leaf data and the appraisal's record.
using ::veu::DeterministicBytes;

// InvalidArgument unless `digest` is a raw 32-byte SHA-256 (hex text is a common mistake).
absl::Status RequireSha256(const std::string& digest, std::string_view what);

// `agent` as its row keeps it. A record read while the agent was revoked carries `revocation`
// and a status taken from the revocations table, not from the row: it is stored as enrolled and
// without the revocation, so writing it back (an appraisal, a class change) neither copies the
// revocation into the record nor keeps the agent revoked once an operator allowed it again.
inline veu::v1::AgentRecord AgentAsStored(veu::v1::AgentRecord agent) {
  agent.clear_record_version();  // the row's version column is the truth
  if (agent.has_revocation()) {
    agent.clear_revocation();
    if (agent.status() == veu::v1::AGENT_STATUS_REVOKED) {
      agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
    }
  }
  return agent;
}

// The compare-and-set of agent records (AppraisalCommit.expected_version): OK when `expected`
// is 0 (no check) or the stored version; else ABORTED, which the caller retries from a fresh read.
inline absl::Status CheckExpectedAgentVersion(uint64_t expected, uint64_t stored,
                                              absl::string_view operation) {
  if (expected == 0 || expected == stored) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(
      operation, ": the agent record changed since it was read (version ", stored,
      ", the appraisal read version ", expected,
      "): another stream, replica or operator wrote it; appraise again from a fresh read"));
}

// Parses a stored record; DataLoss naming `where` if it does not parse (a damaged database).
template <typename Message>
absl::StatusOr<Message> ParseRecord(const std::string& bytes, std::string_view where) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrFormat(
        "%s does not parse as %s; the database is damaged or was written by incompatible "
        "software: restore it from a backup",
        where, Message::descriptor()->full_name()));
  }
  return message;
}

}  // namespace veu::verifier::sqlite

#endif  // VEU_VERIFIER_STORE_SQLITE_RECORDS_H_
