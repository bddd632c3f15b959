#!/bin/bash
# The test command: install what is missing, build once, run every test with ctest; then, on a
# full run, the ASan+UBSan lane over the parsers of untrusted input (deploy/sanitize.sh; its own
# build directory, built once). VEU_SANITIZE_LANE=0 leaves the lane out.
#   deploy/test.sh [ctest args...]     e.g. deploy/test.sh -L unit (no lane with arguments)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/deploy/build.sh"
(cd "$build_dir" && ctest --output-on-failure -j"$(nproc)" "$@")
if [[ $# -eq 0 && ${VEU_SANITIZE_LANE:-1} != 0 ]]; then
  "$root/deploy/sanitize.sh" address parsers
fi
