// A control's parameters (PolicyPack.controls[].parameters), read once into typed values per
// check kind. Every evaluator takes its parameters from the Read* function of its kind, and the
// pack loader runs the same function on every control: a declared key that function never reads,
// a required key that is missing, or a value outside the kind's vocabulary refuses the pack, so no
// parameter can sit in a pack while the code ignores it. Pure.
#ifndef VEU_COMMON_FACTS_CONTROL_PARAMS_H_
#define VEU_COMMON_FACTS_CONTROL_PARAMS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/policy.pb.h"

namespace veu::facts {

// Reads one control's parameters and records which keys were read. Not thread-safe; one per
// evaluation. Values are checked as they are read; the first bad value is kept in error().
class ParamReader {
 public:
  explicit ParamReader(const v1::Control& control) : control_(control) {}

  // The value of `key`, or nullopt when the control does not declare it.
  std::optional<std::string> Get(std::string_view key);
  // The value of `key`, or `fallback`.
  std::string String(std::string_view key, std::string_view fallback);
  // A required key: records an error (and returns "") when missing.
  std::string Required(std::string_view key);
  // One of `allowed` (or `fallback` when absent); records an error naming the allowed values.
  std::string OneOf(std::string_view key, std::string_view fallback,
                    const std::vector<std::string>& allowed);
  // A number 0..1 (a share), required.
  double Share(std::string_view key);

  // Records that `key` has a value the check cannot use (`what` says why).
  void Invalid(std::string_view key, const std::string& what) { Error(key, what); }

  // Declared keys never read, sorted.
  std::vector<std::string> Unread() const;
  // OK, or InvalidArgument naming the control and the key of the first bad or missing value.
  absl::Status error() const { return error_; }
  const std::string& error_key() const { return error_key_; }
  const v1::Control& control() const { return control_; }

 private:
  void Error(std::string_view key, const std::string& what);
  const v1::Control& control_;
  std::set<std::string> read_;
  absl::Status error_;
  std::string error_key_;
};

struct NeedsEvidenceParams {
  std::string evidence;  // what documents would show the requirement is met
};
struct MeasuredBootParams {
  std::vector<uint32_t> pcrs;  // every one must be bound to the verified quote
  std::string bank;            // "sha256"
};
struct SecureBootParams {};  // `require: enabled` is the only requirement the check knows
struct RuntimeIntegrityParams {
  std::string status;  // why the control is not evaluated yet
};
struct DeviceIdentityParams {
  std::string status;  // why the control is not evaluated yet
};
struct PrivilegedAccessParams {
  uint64_t max_uid0_accounts = 1;
  bool allow_nopasswd_all = false;
  std::vector<std::string> admin_groups;  // groups whose members are reported as privileged
};
struct RemoteAccessParams {
  std::string permit_root_login, password_authentication, kbd_interactive_authentication;
};
struct AuditLoggingParams {
  bool auditd_running = true;
  std::string rules_sha256;  // empty: any non-empty rule set
};
struct FirewallParams {
  std::string configured_sha256;  // empty: any configured ruleset
};
struct KernelHardeningParams {
  std::string min_lockdown;  // none | integrity | confidentiality
  bool require_lsm = false;  // SELinux enforcing or AppArmor enabled
};
struct StorageEncryptionParams {
  std::vector<std::string> paths;  // weight paths that must be on LUKS (a proxy: NEEDS_EVIDENCE)
};
enum class CcRequirement { kRequired, kPreferred, kNotRequired };
struct WeightProtectionParams {
  std::vector<std::string> paths;
  CcRequirement gpu_confidential_computing = CcRequirement::kPreferred;
};
struct AcceleratorInventoryParams {
  std::optional<uint64_t> max_count;  // nullopt: "per-site authorisation" (the site record)
  std::optional<uint64_t> max_tpp;
  bool fail_on_unknown = true;
};
struct AcceleratorSiteParams {
  bool fail_without_identity = false;  // pci_ids_only: fail (else not-evaluated)
};
struct DistributionParams {
  double min_tier1_share = 0;
  double max_single_non_tier1_share = 0;
  double us_hq_min_us_share = 0;
};
struct InstalledBaseCapParams {};  // the caps are pack.caps; the control takes no parameters

// A parameter's list value split on `sep`, spaces dropped, empty items skipped
// ("sudo, wheel,," -> {"sudo", "wheel"}). Shared by the readers and the host checks.
std::vector<std::string> SplitParamList(const std::string& value, char sep);

NeedsEvidenceParams ReadNeedsEvidenceParams(ParamReader& r);
MeasuredBootParams ReadMeasuredBootParams(ParamReader& r);
SecureBootParams ReadSecureBootParams(ParamReader& r);
RuntimeIntegrityParams ReadRuntimeIntegrityParams(ParamReader& r);
DeviceIdentityParams ReadDeviceIdentityParams(ParamReader& r);
PrivilegedAccessParams ReadPrivilegedAccessParams(ParamReader& r);
RemoteAccessParams ReadRemoteAccessParams(ParamReader& r);
AuditLoggingParams ReadAuditLoggingParams(ParamReader& r);
FirewallParams ReadFirewallParams(ParamReader& r);
KernelHardeningParams ReadKernelHardeningParams(ParamReader& r);
StorageEncryptionParams ReadStorageEncryptionParams(ParamReader& r);
WeightProtectionParams ReadWeightProtectionParams(ParamReader& r);
AcceleratorInventoryParams ReadAcceleratorInventoryParams(ParamReader& r);
AcceleratorSiteParams ReadAcceleratorSiteParams(ParamReader& r);
DistributionParams ReadDistributionParams(ParamReader& r);
InstalledBaseCapParams ReadInstalledBaseCapParams(ParamReader& r);

// Runs the Read* function of the control's check kind. InvalidArgument "control X: parameter
// `k` ..." for a missing or malformed value, or "control X declares parameter `k`, which no
// code reads ..." for a key its kind's evaluator never reads.
absl::Status CheckControlParameters(const v1::Control& control);

// The first unread or malformed parameter of `control`, if any: its key (empty when the error
// is not about one key) and the message. For the loader, which adds the pack line.
struct ParameterProblem {
  std::string key;
  std::string message;
};
std::optional<ParameterProblem> FindParameterProblem(const v1::Control& control);

}  // namespace veu::facts

#endif  // VEU_COMMON_FACTS_CONTROL_PARAMS_H_
