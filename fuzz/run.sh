#!/usr/bin/env bash
# Builds the event-log fuzzer with clang-14 (libFuzzer + ASan + UBSan) and runs it, seeded with
# every fixture log.  Usage: fuzz/run.sh [SECONDS]   (default 600; 0 = build and replay seeds)
# Environment: BUILD (default /tmp/build-fuzz), CORPUS (default $BUILD/corpus).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-600}"
build="${BUILD:-/tmp/build-fuzz}"
corpus="${CORPUS:-$build/corpus}"

CC=clang-14 CXX=clang++-14 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target eventlog_fuzzer >/dev/null

mkdir -p "$corpus"
for f in "$root"/../shared/fixtures/eventlogs/*; do
  case "$f" in *.expected.json) continue ;; esac
  cp -n "$f" "$corpus/" 2>/dev/null || true
done

if [ "$seconds" = 0 ]; then
  exec "$build/eventlog_fuzzer" -runs=0 "$corpus"
fi
exec "$build/eventlog_fuzzer" -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$build/" "$corpus"
