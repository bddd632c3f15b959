#!/bin/bash
# Agents and a verifier on a bad network, with a partition between them:
#   deploy/loadtest/partition.sh AGENTS INTERVAL_S DURATION_S
#
# Puts the verifier in a network namespace of its own, joined to this one by a veth pair (when
# this machine allows it: root and `ip netns`; otherwise it stays on loopback and says so), and
# veu-faultproxy between it and veu-loadgen's AGENTS simulated agents: DELAY_MS each way
# (default 50), LOSS_PERCENT of chunks held STALL_MS more as a lost segment is until TCP resends
# it (default 2 % and 300 ms). PARTITION_AFTER seconds into the attestation (default 10) the
# network is cut for PARTITION_S seconds (default 8): the proxy forwards nothing either way and
# keeps the connections open, and the veth link goes down, so no packet crosses. Then it heals.
# Agents reconnect as the real agent does (--reconnect). Checks that every acknowledged appraisal
# is stored exactly once and the log is consistent, and prints as its last line:
#
#   partition agents N interval S delay D ms loss L %: acknowledged A, lost L, errors E, reconnects R, cut C s, back B of N, max gap G ms, p50 X ms, p99 Y ms, network NETNS|loopback
#
# (back: agents with an acknowledged report in the last 2 intervals + 10 s of the run, which
# lasts at least that long after the heal; max gap: the longest any agent went between two
# acks). Exit 0 only when L and E are 0 and every agent came back.
# Environment: BUILD_DIR, KEEP=1, LOADTEST_DIR, as run.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=deploy/loadtest/common.sh
source "$root/deploy/loadtest/common.sh"
build_dir=${BUILD_DIR:-$root/build}
usage="usage: $0 AGENTS INTERVAL_S DURATION_S"
agents=${1:?$usage}
interval=${2:?$usage}
duration=${3:?$usage}
delay_ms=${DELAY_MS:-50}
loss=${LOSS_PERCENT:-2}
stall_ms=${STALL_MS:-300}
cut_after=${PARTITION_AFTER:-10}
cut_s=${PARTITION_S:-8}
for n in "$agents" "$interval" "$duration" "$cut_after" "$cut_s"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "partition.sh: '$n' is not a positive number" >&2; exit 2; }
done
recent_window=$(( 2 * interval + 10 ))
if (( duration < cut_after + cut_s + recent_window + 5 )); then
  echo "partition.sh: DURATION_S must leave $recent_window s after the heal for every agent to come back" >&2
  exit 2
fi
verifier_bin=$build_dir/verifier/veu-verifier
loadgen_bin=$build_dir/deploy/loadtest/veu-loadgen
proxy_bin=$build_dir/deploy/loadtest/veu-faultproxy
for b in "$verifier_bin" "$loadgen_bin" "$proxy_bin"; do
  [[ -x $b ]] || { echo "partition.sh: $b is missing; build first (deploy/build.sh)" >&2; exit 2; }
done

dir=${LOADTEST_DIR:-$(mktemp -d /tmp/veu-partition.XXXXXX)}
mkdir -p "$dir"
verifier_pid= proxy_pid= ns= veth=
stop_pid() {  # PID: TERM, then KILL after 5 s
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$proxy_pid"
  stop_pid "$verifier_pid"
  [[ -n $veth ]] && ip link del "$veth" 2>/dev/null || true
  [[ -n $ns ]] && ip netns del "$ns" 2>/dev/null || true
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$dir"; else echo "kept $dir" >&2; fi
}
trap cleanup EXIT

"$root/deploy/demo/make-tls.sh" "$dir/tls"
"$loadgen_bin" make-ca "$dir/ek-ca"
mkdir -p "$dir/ek-roots"
cp "$dir/ek-ca/ca.pem" "$dir/ek-roots/loadtest-ca.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/log-key.pem" 2>/dev/null
chmod 600 "$dir/log-key.pem"

# The verifier's own network: a namespace and a veth pair with a /30 of 10.213/16 picked from
# this shell's PID, so concurrent runs do not collide. Made here, removed by cleanup.
network=loopback
verifier_host=127.0.0.1
run_in_ns=()
ns_try=veu-part-$$
veth_try=vp$$
if [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null && ip netns add "$ns_try" 2>"$dir/netns.err"; then
  ns=$ns_try
  subnet=$(( ($$ % 16000) * 4 ))
  a="10.213.$(( subnet / 256 )).$(( subnet % 256 + 1 ))"
  b="10.213.$(( subnet / 256 )).$(( subnet % 256 + 2 ))"
  if ip link add "$veth_try" type veth peer name "${veth_try}n" 2>>"$dir/netns.err" &&
     ip link set "${veth_try}n" netns "$ns" && ip addr add "$a/30" dev "$veth_try" &&
     ip link set "$veth_try" up && ip -n "$ns" addr add "$b/30" dev "${veth_try}n" &&
     ip -n "$ns" link set "${veth_try}n" up && ip -n "$ns" link set lo up; then
    veth=$veth_try
    network="netns $ns ($a <-> $b)"
    verifier_host=$b
    run_in_ns=(ip netns exec "$ns")
  else
    echo "partition.sh: veth pair failed ($(tr '\n' ' ' <"$dir/netns.err")); verifier on loopback" >&2
    ip netns del "$ns" 2>/dev/null || true
    ns=
  fi
else
  echo "partition.sh: network namespaces unavailable (uid $(id -u): $(tr '\n' ' ' <"$dir/netns.err" 2>/dev/null)); verifier on loopback, partition by the proxy only" >&2
fi

timeout_s=$(( interval < 10 ? (interval > 2 ? interval : 2) : 10 ))
"${run_in_ns[@]}" "$verifier_bin" --listen "$verifier_host:0" --port-file "$dir/verifier.port" \
  --admin-socket "$dir/admin.sock" --database "$dir/veu.db" \
  --tls-cert "$dir/tls/server.pem" --tls-key "$dir/tls/server.key" \
  --ek-roots "$dir/ek-roots" --interval "$interval" --timeout "$timeout_s" \
  --enrollment-timeout 120 \
  --policy-pack "$root/deploy/policies/veu-2025.textproto" \
  --log-key "$dir/log-key.pem" 2>"$dir/verifier.log" &
verifier_pid=$!
for _ in $(seq 1 200); do
  [[ -s $dir/verifier.port && -S $dir/admin.sock ]] && break
  kill -0 "$verifier_pid" 2>/dev/null || { cat "$dir/verifier.log" >&2; exit 1; }
  sleep 0.05
done
[[ -s $dir/verifier.port ]] || { echo "partition.sh: the verifier did not start" >&2; exit 1; }
"$proxy_bin" --listen 127.0.0.1:0 --port-file "$dir/proxy.port" \
  --upstream "$verifier_host:$(cat "$dir/verifier.port")" --delay-ms "$delay_ms" \
  --loss-percent "$loss" --stall-ms "$stall_ms" --seed $$ 2>"$dir/proxy.log" &
proxy_pid=$!
for _ in $(seq 1 100); do [[ -s $dir/proxy.port ]] && break; sleep 0.05; done
echo "partition.sh: verifier pid $verifier_pid on $verifier_host:$(cat "$dir/verifier.port") ($network), proxy pid $proxy_pid on 127.0.0.1:$(cat "$dir/proxy.port"), dir $dir" >&2

cut() {
  for _ in $(seq 1 6000); do grep -q "agents attesting for" "$dir/loadgen.err" 2>/dev/null && break; sleep 0.1; done
  sleep "$cut_after"
  echo "partition.sh: network cut at $(date +%T.%N)" >&2
  kill -USR1 "$proxy_pid"
  [[ -n $veth ]] && ip link set "$veth" down
  sleep "$cut_s"
  [[ -n $veth ]] && ip link set "$veth" up
  kill -USR2 "$proxy_pid"
  echo "partition.sh: network healed at $(date +%T.%N)" >&2
}
cut &
cut_pid=$!

set +e
# The server certificate names 127.0.0.1, where the proxy is: TLS runs end to end through it.
"$loadgen_bin" run --verifier "127.0.0.1:$(cat "$dir/proxy.port")" --ca "$dir/tls/ca.pem" \
  --admin-socket "$dir/admin.sock" --ek-ca "$dir/ek-ca" --agents "$agents" \
  --duration "$duration" --acked-file "$dir/acked" --reconnect \
  --recent-window "$recent_window" >"$dir/loadgen.out" 2>"$dir/loadgen.err"
loadgen_rc=$?
wait "$cut_pid"
"$loadgen_bin" check --database "$dir/veu.db" --acked-file "$dir/acked" >"$dir/check.out"
check_rc=$?
set -e
tail -5 "$dir/loadgen.err" >&2
cat "$dir/loadgen.out" "$dir/check.out" >&2

tally_run "$dir" "$loadgen_rc" "$check_rc"
back=$(field recent_agents "$dir/loadgen.out"); back=${back:-0}
if [[ $errors -ne 0 || $back -ne $agents ]]; then
  echo "partition.sh: errors by reason: $(field errors_by_reason "$dir/loadgen.out"); enrol failures $enrol_failures; duplicated $duplicated; log consistent ${consistent:-unknown}; back $back of $agents" >&2
  tail -10 "$dir/verifier.log" >&2
fi
echo "partition agents $agents interval $interval delay $delay_ms ms loss $loss %: acknowledged $acked, lost $lost, errors $errors, reconnects $(field failovers "$dir/loadgen.out"), cut $cut_s s, back $back of $agents, max gap $(field max_gap_ms "$dir/loadgen.out") ms, p50 $(field p50_ms "$dir/loadgen.out") ms, p99 $(field p99_ms "$dir/loadgen.out") ms, network ${network%% *}"
[[ $lost -eq 0 && $errors -eq 0 && $back -eq $agents ]]
