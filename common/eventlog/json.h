// The JSON report `veuctl eventlog --json` prints: every event decoded where we know how,
// the replayed PCR values per bank and the structural findings.
#ifndef VEU_COMMON_EVENTLOG_JSON_H_
#define VEU_COMMON_EVENTLOG_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/eventlog/event_log.h"
#include "common/eventlog/replay.h"
#include "veu/v1/eventlog.pb.h"

namespace veu::eventlog {

// {"format", "banks", "pcr0_initial_locality" (see Pcr0InitialLocality), "hcrtm" (PCR 0
//   begins with an H-CRTM measurement), "events": [{"index" (the record number), "offset", "pcr", "type",
//   "digests": {bank: hex}, "data_binding", "data": {...} (decoded) | "data_hex"}], "pcrs": {bank:
//   {pcr: hex}},
//  "findings": [{"record", "pcr", "reason", "detail"}]}. Always valid UTF-8 JSON. Pure.
std::string EventLogToJson(const UnverifiedEventLog& log, const PcrValues& replayed,
                           const std::vector<veu::v1::EventLogFinding>& findings);

// A JSON string literal for `s`, quotes included; bytes that are not printable ASCII are
// escaped as \u00XX so arbitrary event data stays valid JSON.
std::string JsonString(std::string_view s);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_JSON_H_
