#!/bin/bash
# Memory figures for bench/README.md, against real swtpm instances on loopback:
#  1. the agent's peak RSS over ROUNDS attestation rounds (/usr/bin/time -v);
#  2. the verifier's RSS with AGENTS agents connected (each agent has its own swtpm).
#
#   bench/rss.sh [BUILD_DIR] [ROUNDS] [AGENTS]      defaults: build 100 100
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
rounds=${2:-100}
agents=${3:-100}
work=$(mktemp -d /tmp/veu-rss-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/tpm*/swtpm.pid; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/deploy/demo/make-tls.sh" "$work/tls"
port_base=$((30000 + RANDOM % 20000))
start_tpm() {  # start_tpm INDEX -> prints TCTI
  "$root/deploy/demo/start-swtpm.sh" "$work/tpm$1" $((port_base + 2 * $1))
}
tcti0=$(start_tpm 0)
mkdir -p "$work/roots"
cp "$work/tpm0/ca/root.pem" "$work/roots/" 
# All demo TPMs get their own swtpm_localca; collect every CA into one roots dir below.

"$build/verifier/veu-verifier" --listen 127.0.0.1:0 --port-file "$work/port" \
  --admin-socket "$work/admin.sock" --database "$work/veu.db" \
  --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" \
  --ek-roots "$work/tpm0/ca" --interval 1 --timeout 10 2>"$work/verifier.log" &
pids+=("$!")
verifier_pid=$!
for _ in $(seq 1 100); do [[ -s $work/port && -S $work/admin.sock ]] && break; sleep 0.1; done
port=$(cat "$work/port")
export VEU_ADMIN_SOCKET="$work/admin.sock"
"$build/verifier/veuctl/veuctl" site add bench >/dev/null

echo "== agent peak RSS over $rounds rounds (interval 1 s)"
"$build/verifier/veuctl/veuctl" site token bench >"$work/token0" 2>/dev/null
/usr/bin/time -v "$build/agent/veu-agent" --verifier "127.0.0.1:$port" --server-name localhost \
  --ca "$work/tls/ca.pem" --site bench --tcti "$tcti0" --state-dir "$work/agent0" \
  --token-file "$work/token0" --root "$root/deploy/demo/node" \
  --policy-pack "$root/deploy/policies/veu-2025.textproto" --rounds "$rounds" \
  2>"$work/agent0.log" || true
grep -E "Maximum resident set size|Elapsed" "$work/agent0.log"
echo "acknowledged reports: $(grep -c 'appraised:' "$work/agent0.log")"

echo "== verifier RSS with $agents agents connected"
kill "$verifier_pid"; wait "$verifier_pid" 2>/dev/null || true
# One roots dir with every TPM's CA, so all agents can enrol.
for i in $(seq 1 "$agents"); do start_tpm "$i" >"$work/tcti$i"; done
mkdir -p "$work/allroots"
for i in $(seq 0 "$agents"); do
  cp "$work/tpm$i/ca/root.pem" "$work/allroots/root$i.pem"
  cp "$work/tpm$i/ca/intermediate.pem" "$work/allroots/intermediate$i.pem"
done
rm -f "$work/port"
"$build/verifier/veu-verifier" --listen 127.0.0.1:0 --port-file "$work/port" \
  --admin-socket "$work/admin.sock" --database "$work/veu.db" \
  --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" \
  --ek-roots "$work/allroots" --interval 5 --timeout 10 2>"$work/verifier2.log" &
pids+=("$!")
verifier_pid=$!
for _ in $(seq 1 100); do [[ -s $work/port ]] && break; sleep 0.1; done
port=$(cat "$work/port")
for i in $(seq 1 "$agents"); do
  "$build/verifier/veuctl/veuctl" site token bench >"$work/token$i" 2>/dev/null
  "$build/agent/veu-agent" --verifier "127.0.0.1:$port" --server-name localhost \
    --ca "$work/tls/ca.pem" --site bench --tcti "$(cat "$work/tcti$i")" \
    --state-dir "$work/agent$i" --token-file "$work/token$i" --root "$root/deploy/demo/node" \
    --policy-pack "$root/deploy/policies/veu-2025.textproto" 2>"$work/agent$i.log" &
  pids+=("$!")
done
for _ in $(seq 1 300); do
  connected=$(grep -c "connected from" "$work/verifier2.log" || true)
  [[ $connected -ge $agents ]] && break
  sleep 0.2
done
sleep 6  # at least one full challenge round for everyone
echo "connected streams: $(grep -c 'connected from' "$work/verifier2.log")"
echo "appraisals so far: $(grep -c 'appraisal: ' "$work/verifier2.log")"
grep -E "VmRSS|VmHWM|Threads" "/proc/$verifier_pid/status"
