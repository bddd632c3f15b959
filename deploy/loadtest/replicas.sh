#!/bin/bash
# Several verifier replicas on one PostgreSQL, under load, with faults:
#   deploy/loadtest/replicas.sh REPLICAS AGENTS INTERVAL_S DURATION_S
#
# Starts a private PostgreSQL (initdb + postgres on a temporary directory and a free port on
# 127.0.0.1, as the postgres user when run as root), REPLICAS veu-verifier processes sharing it
# (one log key, each its own port, admin socket and /metrics), and veu-loadgen with AGENTS
# simulated agents spread over the replicas, reporting every INTERVAL_S seconds for DURATION_S
# seconds; an agent whose replica goes away moves to the next. Faults, timed from the moment the
# agents start attesting:
#   KILL_AFTER=S        kill -9 the last replica S seconds in (its agents must move within 10 s)
#   RESTART_DB_AFTER=S  stop PostgreSQL (fast shutdown) S seconds in and start it 2 s later
# Then checks that every acknowledged appraisal is in the database exactly once and that the
# transparency log holds each stored appraisal once, stops everything by PID, and prints:
#
#   replicas R agents N interval S: acknowledged A, lost L, errors E, failovers F, max gap G ms, p50 X ms, p99 Y ms, appraisals/s Z, verifiers CPU C %, database CPU D %
#
# (max gap: the longest any agent went between two acknowledged reports, interval included;
# CPU: share of all the machine's cores over the whole run, enrolment included). Exit 0 only
# when L and E are 0. Environment as run.sh: BUILD_DIR, CONNECTIONS, KEEP=1, LOADTEST_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=deploy/loadtest/common.sh
source "$root/deploy/loadtest/common.sh"
build_dir=${BUILD_DIR:-$root/build}
usage="usage: $0 REPLICAS AGENTS INTERVAL_S DURATION_S"
replicas=${1:?$usage}
agents=${2:?$usage}
interval=${3:?$usage}
duration=${4:?$usage}
for n in "$replicas" "$agents" "$interval" "$duration"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "replicas.sh: '$n' is not a positive number" >&2; exit 2; }
done
verifier_bin=$build_dir/verifier/veu-verifier
veuctl_bin=$build_dir/verifier/veuctl/veuctl
loadgen_bin=$build_dir/deploy/loadtest/veu-loadgen
for b in "$verifier_bin" "$loadgen_bin"; do
  [[ -x $b ]] || { echo "replicas.sh: $b is missing; build first (deploy/build.sh)" >&2; exit 2; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $pg_bin/postgres ]] || {
  echo "replicas.sh: PostgreSQL server binaries not found; install postgresql-15 (deploy/install-deps.sh)" >&2
  exit 2
}

dir=${LOADTEST_DIR:-$(mktemp -d /tmp/veu-replicas.XXXXXX)}
mkdir -p "$dir"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  as_pg=(runuser -u postgres --)  # PostgreSQL refuses to run as root
  chown postgres: "$dir"
fi
pg_pid=
verifier_pids=()
stop_pid() {  # PID SIGNAL: signal, wait up to 5 s, then SIGKILL
  local pid=$1 sig=$2
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${verifier_pids[@]}"; do stop_pid "$pid" TERM; done
  stop_pid "$pg_pid" INT
  jobs -p | xargs -r kill 2>/dev/null || true
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$dir"; else echo "kept $dir" >&2; fi
}
trap cleanup EXIT

# PostgreSQL, durable as in production (fsync and synchronous_commit on).
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg" -U veu -A trust -E UTF8 --locale=C --no-sync \
  --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
pg_port=$(free_port)
start_pg() {
  "${as_pg[@]}" "$pg_bin/postgres" -D "$dir/pg" -p "$pg_port" -k "$dir" \
    -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB \
    >>"$dir/postgres.log" 2>&1 &
  local launcher=$!
  for _ in $(seq 1 300); do
    if "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
      pg_pid=$(head -1 "$dir/pg/postmaster.pid")  # the postmaster itself, not runuser
      return 0
    fi
    kill -0 "$launcher" 2>/dev/null || { cat "$dir/postgres.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "replicas.sh: PostgreSQL did not start" >&2; exit 1
}
start_pg
"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U veu -d postgres -c "CREATE DATABASE veu" >/dev/null
database="host=127.0.0.1 port=$pg_port dbname=veu user=veu"

"$root/deploy/demo/make-tls.sh" "$dir/tls"
"$loadgen_bin" make-ca "$dir/ek-ca"
mkdir -p "$dir/ek-roots"
cp "$dir/ek-ca/ca.pem" "$dir/ek-roots/loadtest-ca.pem"
# One log key for every replica, made once.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/log-key.pem" 2>/dev/null
chmod 600 "$dir/log-key.pem"

timeout_s=$(( interval < 10 ? (interval > 2 ? interval : 2) : 10 ))
addresses=()
metrics_ports=()
# Replica 0 also serves the regulator API, so the log's consistency across the faults is
# checked the way a regulator checks it (veuctl log consistency, signatures included).
"$root/deploy/demo/make-client-cert.sh" "$dir/tls" auditor regulator country:DE
openssl pkey -in "$dir/log-key.pem" -pubout -out "$dir/log-key.pub" 2>/dev/null
for r in $(seq 0 $(( replicas - 1 ))); do
  metrics_ports+=("$(free_port)")
  regulator_flags=()
  if (( r == 0 )); then
    regulator_flags=(--regulator-listen 127.0.0.1:0 --regulator-port-file "$dir/regulator.port"
                     --regulator-client-ca "$dir/tls/ca.pem")
  fi
  "$verifier_bin" "${regulator_flags[@]}" --listen 127.0.0.1:0 --port-file "$dir/verifier-$r.port" \
    --admin-socket "$dir/admin-$r.sock" --database "$database" \
    --tls-cert "$dir/tls/server.pem" --tls-key "$dir/tls/server.key" \
    --ek-roots "$dir/ek-roots" --interval "$interval" --timeout "$timeout_s" \
    --enrollment-timeout 120 \
    --policy-pack "$root/deploy/policies/veu-2025.textproto" \
    --log-key "$dir/log-key.pem" --metrics-listen "127.0.0.1:${metrics_ports[$r]}" \
    2>"$dir/verifier-$r.log" &
  verifier_pids+=($!)
  for _ in $(seq 1 300); do
    [[ -s $dir/verifier-$r.port && -S $dir/admin-$r.sock ]] && break
    kill -0 "${verifier_pids[$r]}" 2>/dev/null || { cat "$dir/verifier-$r.log" >&2; exit 1; }
    sleep 0.05
  done
  addresses+=("127.0.0.1:$(cat "$dir/verifier-$r.port")")
done
echo "replicas.sh: $replicas verifiers (${verifier_pids[*]}) on ${addresses[*]}; PostgreSQL pid $pg_pid port $pg_port; dir $dir" >&2

cpu_ticks() {  # utime+stime of the given PIDs and all their descendants now, in clock ticks
  local pids
  pids=$(ps -e -o pid=,ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END { changed = 1
          while (changed) { changed = 0
            for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
          for (p in keep) print p }')
  local total=0 p
  for p in $pids; do
    [[ -r /proc/$p/stat ]] || continue
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
# The moment the agents start attesting, as veu-loadgen announces it.
after_attest_start() {  # SECONDS COMMAND...
  local wait_s=$1; shift
  for _ in $(seq 1 6000); do grep -q "agents attesting for" "$dir/loadgen.err" 2>/dev/null && break; sleep 0.1; done
  sleep "$wait_s"
  "$@"
}
kill_last_replica() {
  local last=$(( replicas - 1 ))
  # The signed checkpoint before the fault, kept to prove the log only grew across it.
  VEU_ADMIN_SOCKET="$dir/admin-0.sock" "$veuctl_bin" log checkpoint >"$dir/before.note" 2>"$dir/before.err" ||
    echo "replicas.sh: no checkpoint before the kill: $(cat "$dir/before.err")" >&2
  echo "replicas.sh: kill -9 replica $last (pid ${verifier_pids[$last]}) at $(date +%T.%N)" >&2
  kill -9 "${verifier_pids[$last]}" 2>/dev/null || true
}
healthz() {  # PORT: the status and body of GET /healthz ("200 SERVING", "503 NOT_SERVING: ...")
  local response
  exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || { echo "unreachable"; return; }
  printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  response=$(timeout 5 cat <&3 | tr -d '\r')
  exec 3<&-
  echo "$(head -1 <<<"$response" | awk '{ print $2 }') $(tail -1 <<<"$response")"
}
all_healthz() {  # EXPECTED_STATUS TRIES: polls every replica still running until each answers it
  local want=$1 tries=$2 line r
  for _ in $(seq 1 "$tries"); do
    line=""
    local all=1
    for r in $(seq 0 $(( replicas - 1 ))); do
      kill -0 "${verifier_pids[$r]}" 2>/dev/null || continue
      local h; h=$(healthz "${metrics_ports[$r]}")
      line="$line replica $r: $h |"
      [[ $h == "$want "* ]] || all=0
    done
    (( all )) && break
    sleep 0.2
  done
  echo "$line"
}
restart_db() {
  echo "replicas.sh: stopping PostgreSQL at $(date +%T.%N)" >&2
  stop_pid "$pg_pid" INT
  # Down until every replica says so on /healthz (at most ~8 s), then 1 s more.
  echo "replicas.sh: health while PostgreSQL is down:$(all_healthz 503 40)" >&2
  sleep 1
  start_pg
  echo "replicas.sh: PostgreSQL back at $(date +%T.%N)" >&2
  echo "replicas.sh: health after PostgreSQL is back:$(all_healthz 200 50)" >&2
}

ticks_per_s=$(getconf CLK_TCK)
cores=$(nproc)
verifier_ticks0=$(cpu_ticks "${verifier_pids[@]}")
db_ticks0=$(cpu_ticks "$pg_pid")
run_start=$(date +%s.%N)
[[ -n ${KILL_AFTER:-} ]] && after_attest_start "$KILL_AFTER" kill_last_replica &
if [[ -n ${RESTART_DB_AFTER:-} ]]; then
  # In this shell's background, with pg_pid updated there: the fault runs once, then idles.
  ( after_attest_start "$RESTART_DB_AFTER" restart_db; echo "$pg_pid" >"$dir/pg.pid"; wait ) &
fi
set +e
"$loadgen_bin" run --verifier "$(IFS=,; echo "${addresses[*]}")" --ca "$dir/tls/ca.pem" \
  --admin-socket "$dir/admin-0.sock" --ek-ca "$dir/ek-ca" --agents "$agents" \
  --duration "$duration" --acked-file "$dir/acked" \
  ${CONNECTIONS:+--connections "$CONNECTIONS"} >"$dir/loadgen.out" 2>"$dir/loadgen.err"
loadgen_rc=$?
run_s=$(echo "$(date +%s.%N) - $run_start" | bc)
[[ -s $dir/pg.pid ]] && pg_pid=$(cat "$dir/pg.pid")
verifier_ticks=$(( $(cpu_ticks "${verifier_pids[@]}") - verifier_ticks0 ))
db_ticks=$(( $(cpu_ticks "$pg_pid") - db_ticks0 ))
"$loadgen_bin" check --database "$database" --acked-file "$dir/acked" >"$dir/check.out"
check_rc=$?
if [[ -s $dir/before.note ]]; then
  # Wait for a checkpoint past the run's end (one every 10 s by the lease holder).
  sleep 11
  consistency=$("$veuctl_bin" log consistency --earlier "$dir/before.note" \
    --verifier-key "$dir/log-key.pub" --server "127.0.0.1:$(cat "$dir/regulator.port")" \
    --cert "$dir/tls/auditor.pem" --key "$dir/tls/auditor.key" --ca "$dir/tls/ca.pem" 2>&1)
  consistency_rc=$?
  echo "replicas.sh: log consistency across the kill: $consistency" >&2
  (( consistency_rc == 0 )) || check_rc=2
fi
set -e
cat "$dir/loadgen.err" | tail -5 >&2
cat "$dir/loadgen.out" "$dir/check.out" >&2

tally_run "$dir" "$loadgen_rc" "$check_rc"
if [[ $errors -ne 0 ]]; then
  echo "replicas.sh: errors by reason: $(field errors_by_reason "$dir/loadgen.out"); enrol failures $enrol_failures; duplicated $duplicated; log consistent ${consistent:-unknown}" >&2
  for r in $(seq 0 $(( replicas - 1 ))); do tail -5 "$dir/verifier-$r.log" >&2; done
fi
percent() { echo "scale=1; 100 * $1 / $ticks_per_s / $run_s / $cores" | bc; }
echo "replicas $replicas agents $agents interval $interval: acknowledged $acked, lost $lost, errors $errors, failovers $(field failovers "$dir/loadgen.out"), max gap $(field max_gap_ms "$dir/loadgen.out") ms, p50 $(field p50_ms "$dir/loadgen.out") ms, p99 $(field p99_ms "$dir/loadgen.out") ms, appraisals/s $(field appraisals_per_second "$dir/loadgen.out"), verifiers CPU $(percent "$verifier_ticks") %, database CPU $(percent "$db_ticks") %"
[[ $lost -eq 0 && $errors -eq 0 ]]
