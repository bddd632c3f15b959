#!/bin/bash
# The main job on one machine: build, then run a software TPM, the verifier and an agent,
# enrol the agent with a single-use token, let it answer challenges, and print the site's
# verdict from `veuctl status`; then, as a regulator would, fetch a signed compliance report,
# verify it offline and show that an edited copy fails.
#
#   deploy/demo/run.sh            build (installing missing packages) and run the demo
#   KEEP=1 deploy/demo/run.sh     leave the processes running afterwards (PIDs are printed), and
#                                 start the regulator's web console (veuctl console; URL printed)
#
# Everything lives under DEMO_DIR (default /tmp/veu-demo), started afresh each run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
demo_dir=${DEMO_DIR:-/tmp/veu-demo}
site=${SITE:-demo-site}

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  "$root/deploy/build.sh"
fi
bin_agent="$build_dir/agent/veu-agent"
bin_verifier="$build_dir/verifier/veu-verifier"
veuctl="$build_dir/verifier/veuctl/veuctl"

# Stop whatever a previous run left, then start afresh.
for pidfile in "$demo_dir"/*.pid "$demo_dir"/swtpm/swtpm.pid; do
  [[ -s $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
done
rm -rf "$demo_dir"
mkdir -p "$demo_dir"

pids=()
cleanup() {
  if [[ ${KEEP:-0} == 1 ]]; then
    echo "processes left running: ${pids[*]} (stop: kill ${pids[*]})"
    return
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "software TPM (swtpm) with an EK certificate from a private swtpm_localca"
port=$((20000 + RANDOM % 30000))
tcti=$("$root/deploy/demo/start-swtpm.sh" "$demo_dir/swtpm" "$port")
pids+=("$(cat "$demo_dir/swtpm/swtpm.pid")")
echo "TCTI $tcti; EK roots for the verifier: $demo_dir/swtpm/ca"

step "replay a real firmware event log into the TPM's PCRs"
"$bin_agent" extend-eventlog --tcti "$tcti" "$root/deploy/demo/node/sys/kernel/security/tpm0/binary_bios_measurements"

step "TLS for the agents' endpoint (demo CA)"
"$root/deploy/demo/make-tls.sh" "$demo_dir/tls"

step "veu-verifier"
"$bin_verifier" --listen 127.0.0.1:0 --port-file "$demo_dir/verifier.port" \
  --admin-socket "$demo_dir/admin.sock" --database "$demo_dir/veu.db" \
  --tls-cert "$demo_dir/tls/server.pem" --tls-key "$demo_dir/tls/server.key" \
  --ek-roots "$demo_dir/swtpm/ca" --interval "${INTERVAL:-3}" --timeout 10 \
  --policy-pack "$root/deploy/policies/veu-2025.textproto" \
  --log-key "$demo_dir/log-key.pem" --checkpoint-interval 1 \
  --regulator-listen 127.0.0.1:0 --regulator-port-file "$demo_dir/regulator.port" \
  --regulator-client-ca "$demo_dir/tls/ca.pem" \
  2>"$demo_dir/verifier.log" &
pids+=("$!")
echo "$!" >"$demo_dir/verifier.pid"
for _ in $(seq 1 100); do [[ -s $demo_dir/verifier.port && -S $demo_dir/admin.sock ]] && break; sleep 0.1; done
verifier_port=$(cat "$demo_dir/verifier.port")
echo "listening on 127.0.0.1:$verifier_port; log $demo_dir/verifier.log"
export VEU_ADMIN_SOCKET="$demo_dir/admin.sock"

step "site and single-use enrolment token"
"$veuctl" site add "$site" --org "Example AI Cloud" --country DE --address "Frankfurt DC-1" \
  --authorised-accelerators 8 --authorised-tpp 130000 \
  --veu-type universal --headquarters DE --ownership "demo: no ownership records"
# The token is a secret until used: readable by this user only, whatever the caller's umask.
(umask 077 && "$veuctl" site token "$site" --ttl 600 >"$demo_dir/token")

step "veu-agent (enrols, then answers challenges)"
"$bin_agent" --verifier "127.0.0.1:$verifier_port" --server-name localhost \
  --ca "$demo_dir/tls/ca.pem" --site "$site" --tcti "$tcti" \
  --state-dir "$demo_dir/agent" --token-file "$demo_dir/token" \
  --event-log /sys/kernel/security/tpm0/binary_bios_measurements \
  --root "${NODE_ROOT:-$root/deploy/demo/node}" \
  --policy-pack "$root/deploy/policies/veu-2025.textproto" --data-path /srv/model-weights \
  2>"$demo_dir/agent.log" &
pids+=("$!")
echo "$!" >"$demo_dir/agent.pid"

# Wait for the second appraisal, so the clock-forward check has something to compare with.
for _ in $(seq 1 150); do
  n=$(grep -c "appraisal: " "$demo_dir/verifier.log" || true)
  [[ $n -ge 2 ]] && break
  sleep 0.2
done

step "what happened (verifier log)"
cat "$demo_dir/verifier.log"

step "veuctl agents"
"$veuctl" agents

step "transparency log: the latest signed checkpoint, and a proof that an appraisal is in it"
sleep 1.2  # let a checkpoint cover the appraisals so far
"$veuctl" log checkpoint || true
agent_id=$("$veuctl" agents --json | grep -o '"agent_id": "[0-9a-f]*"' | head -1 | cut -d'"' -f4)
appraisal_id=$("$veuctl" history "$agent_id" --limit 2 --json | grep -o '"id": "[0-9a-f]*"' | sed -n 2p | cut -d'"' -f4)
"$veuctl" log prove "$appraisal_id" --verifier-key "$demo_dir/log-key.pem.pub" || true

step "veuctl status $site"
set +e
"$veuctl" status "$site" --verbose
verdict=$?
set -e

step "a regulator (client certificate scoped to Germany) fetches a signed compliance report"
"$root/deploy/demo/make-client-cert.sh" "$demo_dir/tls" regulator-de regulator country:DE
reg=(--server "localhost:$(cat "$demo_dir/regulator.port")" --cert "$demo_dir/tls/regulator-de.pem"
     --key "$demo_dir/tls/regulator-de.key" --ca "$demo_dir/tls/ca.pem")
"$veuctl" report fetch "$site" --from "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
  -o "$demo_dir/report.json" "${reg[@]}"
echo "\$ veuctl report verify report.json --verifier-key log-key.pem.pub   (offline: key + file only)"
"$veuctl" report verify "$demo_dir/report.json" --verifier-key "$demo_dir/log-key.pem.pub"

step "the same report with one verdict edited must fail verification"
if grep -q VERDICT_WARN "$demo_dir/report.json"; then from=VERDICT_WARN to=VERDICT_ACCEPT
else from=VERDICT_REJECT to=VERDICT_ACCEPT; fi
sed "0,/$from/s//$to/" "$demo_dir/report.json" >"$demo_dir/tampered.json"
echo "changed the first $from to $to in a copy"
set +e
"$veuctl" report verify "$demo_dir/tampered.json" --verifier-key "$demo_dir/log-key.pem.pub"
tampered=$?
set -e
if [[ $tampered -ne 1 ]]; then
  echo "demo: a tampered report was not refused (exit $tampered)" >&2
  exit 1
fi
echo "refused (exit 1), as it must be"

if [[ ${KEEP:-0} == 1 ]]; then
  step "the regulator's web console (veuctl console: loopback only, acting with regulator-de's certificate)"
  for listen in "${CONSOLE_LISTEN:-127.0.0.1:8080}" 127.0.0.1:0; do
    "$veuctl" console --listen "$listen" --verifier-key "$demo_dir/log-key.pem.pub" \
      --policy-pack "$root/deploy/policies/veu-2025.textproto" "${reg[@]}" >"$demo_dir/console.log" 2>&1 &
    console_pid=$!
    for _ in $(seq 50); do
      grep -q '^console: ' "$demo_dir/console.log" || ! kill -0 "$console_pid" 2>/dev/null && break
      sleep 0.1
    done
    if grep -q '^console: ' "$demo_dir/console.log"; then break; fi
    echo "console could not listen on $listen: $(tail -1 "$demo_dir/console.log")" >&2
  done
  pids+=("$console_pid")
  grep '^console: ' "$demo_dir/console.log"
  echo "open it in a browser on this machine (from elsewhere: ssh -L 8080:127.0.0.1:8080 this-host)"
fi
exit $verdict
