// A private, freshly provisioned software TPM (swtpm) for integration tests.
//
//   ASSERT_OK_AND_ASSIGN-style:
//     auto swtpm = veu::testing::SwtpmProcess::Start();
//     ASSERT_OK(swtpm.status());
//     OpenTpm((*swtpm)->Tcti());   // "swtpm:host=127.0.0.1,port=N"
//
// Every instance has its own temp dir (TPM state, a private swtpm_localca CA, logs) and its own
// TCP ports chosen by the OS, so tests may run in parallel and never touch /var/lib or /etc state.
#ifndef VEU_TESTS_SUPPORT_SWTPM_PROCESS_H_
#define VEU_TESTS_SUPPORT_SWTPM_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::testing {

struct SwtpmOptions {
  // Provision RSA-2048 (NV 0x01c00002) and ECC P-384 (NV 0x01c00016) EK certificates plus a
  // platform certificate, signed by a per-instance swtpm_localca CA, and persist both EKs
  // (0x81010001, 0x81010016). When false the TPM has no EK, no certificate and no CA.
  bool create_ek_cert = true;
  // PCR banks to activate (swtpm_setup --pcr-banks). Real machines have sha1 and sha256, and
  // replaying their event logs needs both.
  std::string pcr_banks = "sha1,sha256";
  // Creating a CA costs ~1 s, so by default instances reuse one CA cached in
  // $TMPDIR/veu-swtpm-ca-<uid>-v1 (each still gets its own copy and random certificate serials).
  // Set to true for a CA no other instance shares (e.g. to test an untrusted manufacturer).
  bool fresh_ca = false;
  // When set, every start (and Restart) performs a hardware CRTM's sequence before
  // TPM2_Startup: _TPM_Hash_Start, _TPM_Hash_Data(hcrtm_data), _TPM_Hash_End through swtpm's
  // control channel (`swtpm_ioctl -h`), then TPM2_Startup(CLEAR) (tpm2_startup). PCR 0 then
  // starts at H(0...04 || H(hcrtm_data)) in every bank, as on a platform with an H-CRTM.
  // Printable text only (it is passed on swtpm_ioctl's command line).
  std::optional<std::string> hcrtm_data;
};

// Owns one running `swtpm socket` process and its temp dir. Not thread-safe; one test owns it.
// swtpm is killed when the thread that called Start()/Restart() exits (so a test killed on
// timeout leaves nothing running): call them from the thread that runs the test.
class SwtpmProcess {
 public:
  // Provisions a new TPM with swtpm_setup and starts swtpm on free localhost ports, returning
  // once it accepts connections. Fails with Unavailable/Internal (message includes the tool's
  // log) when swtpm_setup or swtpm fail; nothing is left running or on disk then.
  static absl::StatusOr<std::unique_ptr<SwtpmProcess>> Start(const SwtpmOptions& options = {});

  SwtpmProcess(const SwtpmProcess&) = delete;
  SwtpmProcess& operator=(const SwtpmProcess&) = delete;
  // Kills swtpm by its PID (SIGTERM, then SIGKILL) and removes the temp dir.
  ~SwtpmProcess();

  // TCTI configuration for Tss2_TctiLdr_Initialize: "swtpm:host=127.0.0.1,port=N".
  std::string Tcti() const;
  // Same TPM for tpm2-tools' --tcti / TPM2TOOLS_TCTI ("swtpm:host=127.0.0.1,port=N").
  std::string ToolsTcti() const { return Tcti(); }
  // The swtpm state directory (tpm2-00.permall lives here).
  std::string StateDir() const;
  // A directory with ONLY the swtpm_localca root certificate and its intermediate (issuer)
  // certificate, as PEM files; ready to be a verifier's ek_roots_dir. Empty when no EK cert.
  std::string CaDir() const;
  // Scratch directory owned by this instance (removed with it), e.g. for an agent's state.
  std::string TempDir() const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Simulates a reboot: stops swtpm and starts it again on the same state (PCRs reset, resetCount
  // incremented, persistent objects and NV kept). The port may change; re-read Tcti().
  absl::Status Restart();

 private:
  explicit SwtpmProcess(std::string temp_dir) : temp_dir_(std::move(temp_dir)) {}
  absl::Status Launch();
  absl::Status HcrtmThenStartup();
  void Stop();

  std::string temp_dir_;
  std::optional<std::string> hcrtm_data_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace veu::testing

#endif  // VEU_TESTS_SUPPORT_SWTPM_PROCESS_H_
