#!/usr/bin/env bash
# Runs deploy/demo/location.sh (real veu-landmark daemons, veu-agent location-responder, veuctl)
# and checks its verdicts: the node at the site passes within 50 km, the node behind 4 ms of
# added delay each way is not proven and the text says how far it may be; both SVGs are drawn.
set -euo pipefail
SRC=$1 BUILD=$2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
rc=0
log=$("$SRC/deploy/demo/location.sh" "$BUILD" "$OUT" 2>&1) || rc=$?
echo "$log"
[ "$rc" -eq 0 ] || { echo "FAIL: the demo exited with $rc" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q "^VEU-04.location: CHECK_PASS" <<< "$log" || fail "the node at the site did not pass"
grep -q "^VEU-04.location: CHECK_FAIL (LOCATION_NOT_PROVEN)" <<< "$log" || fail "the delayed node was not refused"
grep -Eq "may be up to [0-9]{3,}\.[0-9] km from the declared site" <<< "$log" || fail "no distance stated"
[ "$(grep -c ' 8 samples, 0 refused' <<< "$log")" -eq 6 ] || fail "not every landmark kept 8 samples"
grep -q "<svg" "$OUT/location-site.svg" && grep -q "WITHIN_REGION" "$OUT/location-site.svg" || fail "site SVG"
grep -q "NOT_PROVEN" "$OUT/location-abroad.svg" || fail "abroad SVG"
echo "location demo: OK"
