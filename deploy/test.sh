#!/bin/bash
# The test command: install what is missing, build once, run every test with ctest.
#   deploy/test.sh [ctest args...]     e.g. deploy/test.sh -L unit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/deploy/build.sh"
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)" "$@"
