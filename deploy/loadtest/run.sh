#!/bin/bash
# One load test, start to finish:
#   deploy/loadtest/run.sh AGENTS INTERVAL_S DURATION_S
#
# Starts a veu-verifier on a fresh temporary directory (its own TLS certificate, a load-test EK
# CA as its only EK root, power-loss durable SQLite, /metrics on), runs veu-loadgen with AGENTS
# simulated agents reporting every INTERVAL_S seconds for DURATION_S seconds, checks that every
# acknowledged appraisal is in the store exactly once and that the transparency log holds each
# stored appraisal once, stops everything by PID, and prints as its last line:
#
#   agents N interval S: acknowledged A, lost L, errors E, p50 X ms, p99 Y ms, appraisals/s Z, verifier CPU C %, verifier RSS R MB
#
# (p50/p99: challenge-to-ack latency of every report after each agent's first; the first reports,
# whole event logs with the fleet arriving at once, are in loadgen.out as first_report_*; verifier
# CPU: its share of all the machine's cores over the attestation phase). Exit 0 only
# when L and E are 0. Environment: BUILD_DIR (default ./build), CONNECTIONS (HTTP/2
# connections, default one per 200 agents), SILENT_STREAMS (abusive silent streams opened beside
# the agents, default 0), KEEP=1 keeps the temporary directory, LOADTEST_DIR chooses it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=deploy/loadtest/common.sh
source "$root/deploy/loadtest/common.sh"
build_dir=${BUILD_DIR:-$root/build}
agents=${1:?usage: $0 AGENTS INTERVAL_S DURATION_S}
interval=${2:?usage: $0 AGENTS INTERVAL_S DURATION_S}
duration=${3:?usage: $0 AGENTS INTERVAL_S DURATION_S}
for n in "$agents" "$interval" "$duration"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$n' is not a positive number" >&2; exit 2; }
done
verifier_bin=$build_dir/verifier/veu-verifier
loadgen_bin=$build_dir/deploy/loadtest/veu-loadgen
for b in "$verifier_bin" "$loadgen_bin"; do
  [[ -x $b ]] || { echo "run.sh: $b is missing; build first (deploy/build.sh)" >&2; exit 2; }
done

dir=${LOADTEST_DIR:-$(mktemp -d /tmp/veu-loadtest.XXXXXX)}
mkdir -p "$dir"
verifier_pid=
cleanup() {
  if [[ -n $verifier_pid ]] && kill -0 "$verifier_pid" 2>/dev/null; then
    kill "$verifier_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$verifier_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$verifier_pid" 2>/dev/null || true
  fi
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$dir"; else echo "kept $dir" >&2; fi
}
trap cleanup EXIT

"$root/deploy/demo/make-tls.sh" "$dir/tls"
"$loadgen_bin" make-ca "$dir/ek-ca"
mkdir -p "$dir/ek-roots"
cp "$dir/ek-ca/ca.pem" "$dir/ek-roots/loadtest-ca.pem"  # the verifier trusts it only here

metrics_port=$(free_port)
# Each stream's nonce lives as long as the interval allows, at most 10 s.
timeout_s=$(( interval < 10 ? (interval > 2 ? interval : 2) : 10 ))
"$verifier_bin" --listen 127.0.0.1:0 --port-file "$dir/verifier.port" \
  --admin-socket "$dir/admin.sock" --database "$dir/veu.db" \
  --tls-cert "$dir/tls/server.pem" --tls-key "$dir/tls/server.key" \
  --ek-roots "$dir/ek-roots" --interval "$interval" --timeout "$timeout_s" \
  --enrollment-timeout 120 \
  --policy-pack "$root/deploy/policies/veu-2025.textproto" \
  --log-key "$dir/log-key.pem" --metrics-listen "127.0.0.1:$metrics_port" \
  2>"$dir/verifier.log" &
verifier_pid=$!
for _ in $(seq 1 200); do
  [[ -s $dir/verifier.port && -S $dir/admin.sock ]] && break
  kill -0 "$verifier_pid" 2>/dev/null || { cat "$dir/verifier.log" >&2; exit 1; }
  sleep 0.05
done
port=$(cat "$dir/verifier.port")
echo "run.sh: verifier pid $verifier_pid on 127.0.0.1:$port, metrics :$metrics_port, dir $dir" >&2

set +e
"$loadgen_bin" run --verifier "127.0.0.1:$port" --ca "$dir/tls/ca.pem" \
  --admin-socket "$dir/admin.sock" --ek-ca "$dir/ek-ca" --agents "$agents" \
  --duration "$duration" --acked-file "$dir/acked" --verifier-pid "$verifier_pid" \
  ${CONNECTIONS:+--connections "$CONNECTIONS"} ${SILENT_STREAMS:+--silent-streams "$SILENT_STREAMS"} \
  >"$dir/loadgen.out"
loadgen_rc=$?
"$loadgen_bin" check --database "$dir/veu.db" --acked-file "$dir/acked" >"$dir/check.out"
check_rc=$?
set -e
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$dir/metrics.txt" 2>/dev/null || true
cat "$dir/loadgen.out" "$dir/check.out" >&2
grep -E '^veu_(commit_group_size|commit_seconds|challenge_to_ack_seconds)_(sum|count)' \
  "$dir/metrics.txt" >&2 || true

tally_run "$dir" "$loadgen_rc" "$check_rc"
if [[ $errors -ne 0 ]]; then
  echo "run.sh: errors by reason: $(field errors_by_reason "$dir/loadgen.out"); enrol failures $enrol_failures; duplicated $duplicated; log consistent ${consistent:-unknown}" >&2
  tail -20 "$dir/verifier.log" >&2
fi

echo "agents $agents interval $interval: acknowledged $acked, lost $lost, errors $errors, p50 $(field p50_ms "$dir/loadgen.out") ms, p99 $(field p99_ms "$dir/loadgen.out") ms, appraisals/s $(field appraisals_per_second "$dir/loadgen.out"), verifier CPU $(field verifier_cpu_percent "$dir/loadgen.out") %, verifier RSS $(field verifier_rss_mb "$dir/loadgen.out") MB"
[[ $lost -eq 0 && $errors -eq 0 ]]
