#!/bin/bash
# Provisions (first run only) and starts a software TPM for the demo.
#
#   deploy/demo/start-swtpm.sh STATE_DIR PORT
#
# STATE_DIR/tpm     swtpm state (kept across runs: same EK, same persisted AK)
# STATE_DIR/localca private swtpm_localca CA (keys stay here; never point a verifier at it)
# STATE_DIR/ca      ONLY the CA root and intermediate certificates (PEM): the verifier's ek_roots_dir
# STATE_DIR/swtpm.pid, swtpm.log
# swtpm listens on 127.0.0.1:PORT (TPM) and PORT+1 (control). The agent's TCTI is printed on
# stdout: swtpm:host=127.0.0.1,port=PORT. Stop it with: kill "$(cat STATE_DIR/swtpm.pid)".
# Nothing outside STATE_DIR is written (in particular not /var/lib/swtpm-localca).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 STATE_DIR PORT" >&2
  exit 2
fi
state_dir=$(mkdir -p "$1" && cd "$1" && pwd)
port=$2
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65534)); then
  echo "$0: PORT must be 1..65534 (PORT+1 is the control port), got '$port'" >&2
  exit 2
fi
for tool in swtpm swtpm_setup swtpm_localca; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found; apt-get install swtpm swtpm-tools" >&2; exit 1; }
done

pid_file="$state_dir/swtpm.pid"
if [[ -s "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "$0: swtpm already running (pid $(cat "$pid_file")); stop it first" >&2
  exit 1
fi

mkdir -p "$state_dir/tpm" "$state_dir/localca" "$state_dir/ca"
if [[ ! -s "$state_dir/tpm/tpm2-00.permall" ]]; then
  cat >"$state_dir/swtpm-localca.conf" <<CONF
statedir = $state_dir/localca
signingkey = $state_dir/localca/signkey.pem
issuercert = $state_dir/localca/issuercert.pem
certserial = $state_dir/localca/certserial
CONF
  cat >"$state_dir/swtpm-localca.options" <<CONF
--platform-manufacturer VEU
--platform-version 2.1
--platform-model swtpm-demo
CONF
  cat >"$state_dir/swtpm_setup.conf" <<CONF
create_certs_tool = swtpm_localca
create_certs_tool_config = $state_dir/swtpm-localca.conf
create_certs_tool_options = $state_dir/swtpm-localca.options
active_pcr_banks = sha1,sha256
CONF
  if ! swtpm_setup --tpm2 --create-ek-cert --create-platform-cert --pcr-banks sha1,sha256 \
      --tpmstate "$state_dir/tpm" --config "$state_dir/swtpm_setup.conf" \
      >"$state_dir/swtpm_setup.log" 2>&1; then
    echo "$0: swtpm_setup failed; see $state_dir/swtpm_setup.log:" >&2
    tail -20 "$state_dir/swtpm_setup.log" >&2
    exit 1
  fi
  cp "$state_dir/localca/swtpm-localca-rootca-cert.pem" "$state_dir/ca/root.pem"
  cp "$state_dir/localca/issuercert.pem" "$state_dir/ca/intermediate.pem"
fi

rm -f "$pid_file"
swtpm socket --tpm2 \
  --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
  --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" \
  --flags not-need-init,startup-clear \
  --tpmstate "dir=$state_dir/tpm" \
  --pid "file=$pid_file" \
  --log "file=$state_dir/swtpm.log" \
  --daemon

for _ in $(seq 1 500); do
  if [[ -s "$pid_file" ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "swtpm:host=127.0.0.1,port=$port"
    exit 0
  fi
  sleep 0.01
done
echo "$0: swtpm did not start listening on 127.0.0.1:$port; see $state_dir/swtpm.log" >&2
[[ -s "$pid_file" ]] && kill "$(cat "$pid_file")" 2>/dev/null
exit 1
