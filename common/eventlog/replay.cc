#include "common/eventlog/replay.h"

#include <array>
#include <cstring>

#include "common/eventlog/event_types.h"
#include "common/eventlog/hasher.h"
#include "common/eventlog/parser.h"

namespace veu::eventlog {
namespace {

// Banks of known algorithms present in every extending record.
std::vector<Bank> ReplayableBanks(const UnverifiedEventLog& log) {
  std::vector<Bank> out;
  for (const Bank& b : log.banks()) {
    if (!b.known) continue;
    bool complete = true;
    for (const Event& e : log.events()) {
      if (e.type != kEvNoAction && !e.DigestFor(b.alg).has_value()) {
        complete = false;
        break;
      }
    }
    if (complete) out.push_back(b);
  }
  return out;
}

}  // namespace

bool StartsWithHcrtm(const UnverifiedEventLog& log) {
  for (const Event& e : log.events()) {
    if (e.pcr != 0 || e.type == kEvNoAction) continue;
    return e.type == kEvEfiHcrtmEvent;
  }
  return false;
}

uint8_t Pcr0InitialLocality(const UnverifiedEventLog& log) {
  if (StartsWithHcrtm(log)) return 4;
  return log.startup_locality().value_or(0);
}

PcrValues Replay(const UnverifiedEventLog& log) {
  PcrValues out;
  struct Pcr {
    std::array<uint8_t, kMaxDigestBytes> value{};
    bool touched = false;
  };
  const uint8_t locality = Pcr0InitialLocality(log);
  for (const Bank& bank : ReplayableBanks(log)) {
    std::array<Pcr, kMaxPcrIndex + 1> pcrs{};
    pcrs[0].value[bank.digest_size - 1] = locality;
    for (const Event& e : log.events()) {
      if (e.type == kEvNoAction) continue;
      auto digest = e.DigestFor(bank.alg);
      Pcr& p = pcrs[e.pcr];
      std::string_view current(reinterpret_cast<const char*>(p.value.data()), bank.digest_size);
      HashInto(bank.alg, current, *digest, p.value.data());
      p.touched = true;
    }
    PcrBank& values = out[bank.alg];
    for (uint32_t i = 0; i <= kMaxPcrIndex; ++i) {
      if (pcrs[i].touched) {
        values[i] =
            std::string(reinterpret_cast<const char*>(pcrs[i].value.data()), bank.digest_size);
      }
    }
  }
  return out;
}

std::vector<ExtendOperation> ExtendOperations(const UnverifiedEventLog& log) {
  std::vector<ExtendOperation> ops;
  const std::vector<Bank> banks = ReplayableBanks(log);
  bool skip_hcrtm = StartsWithHcrtm(log);
  for (const Event& e : log.events()) {
    if (e.type == kEvNoAction) continue;
    if (skip_hcrtm && e.pcr == 0) {  // the first PCR 0 extend: the TPM's own H-CRTM extend
      skip_hcrtm = false;
      continue;
    }
    for (const Bank& bank : banks) {
      ops.push_back({e.record, e.pcr, bank.alg, std::string(*e.DigestFor(bank.alg))});
    }
  }
  return ops;
}

}  // namespace veu::eventlog
