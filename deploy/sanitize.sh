#!/bin/bash
# The sanitizer lanes: one build configuration each, built once, its tests run.
#   deploy/sanitize.sh address [parsers]   ASan + UBSan: every test labelled `unit`, or with
#       `parsers` only the parsers of untrusted input (event log, IMA, X.509, GPU SPDM and RIMs,
#       TPM structures, Merkle proofs, facts, location frames): what deploy/test.sh runs in CI
#   deploy/sanitize.sh thread    TSan: the store and the stream's concurrent parts. Not in CI:
#       Debian's abseil is not built with TSan, so absl::Mutex carries no annotations and TSan
#       reports races on every structure it guards; this lane needs an instrumented abseil.
# Build directories: build-asan, build-tsan (BUILD_ROOT, default the source root). Any sanitizer
# report fails the test it happens in. Packages: as deploy/build.sh (install-deps.sh first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lane=${1:?usage: deploy/sanitize.sh address [parsers] | thread}
subset=${2:-all}
build_root=${BUILD_ROOT:-$root}

case $lane in
  address) dir=$build_root/build-asan ;;
  thread)  dir=$build_root/build-tsan ;;
  *) echo "deploy/sanitize.sh: the lane is address or thread, not '$lane'" >&2; exit 2 ;;
esac

# -O1: sanitizers need some optimisation to be fast enough, and none that hides the line.
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
      -DVEU_SANITIZE="$lane" >/dev/null
case $lane in
  address)
    if [[ $subset == parsers ]]; then
      targets=(eventlog_test ima_test ima_policy_test x509_test gpu_report_test gpu_rim_test
               merkle_test veu_tpm_test veu_facts_test location_core_test)
    else
      # Every binary labelled unit (CMakeLists.txt writes the list at configure time).
      mapfile -t targets < <(grep -v '^$' "$dir/test-targets-unit.txt")
    fi
    ;;
  thread)
    # The store under concurrent writers, the group committer and timer queue, the stream path.
    targets=(sqlite_store_test fleet_parts_test ack_after_commit_test attestation_session_test
             store_health_test)
    ;;
esac
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "deploy/sanitize.sh: no test targets found for the $lane lane" >&2
  exit 1
fi

cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
cd "$dir"
if [[ $lane == address ]]; then
  echo "sanitize: ASan+UBSan over ${#targets[@]} unit test binaries" >&2
  ctest --output-on-failure -j"$(nproc)" -L unit
else
  echo "sanitize: TSan over ${targets[*]}" >&2
  ctest --output-on-failure -j"$(nproc)" -R "$(printf '%s|' SqliteStoreConformance SqliteStore \
      GroupCommitter TimerQueue AckAfterCommit SessionTest StoreHealth | sed 's/|$//')"
fi
