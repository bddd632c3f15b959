#!/usr/bin/env bash
# Location by timed challenges (issue 12), on this machine: three veu-landmark daemons "around"
# a declared site in Frankfurt (their positions are configured, the network is loopback), one
# challenge responder, and veuctl's verdict: at the site, then "abroad" behind veu-faultproxy
# adding 4 ms each way. Writes location-site.svg and location-abroad.svg into OUT (default a temp dir).
#
#   deploy/demo/location.sh [BUILD_DIR] [OUT]
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
cd "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
BIN=$(cd "$OLDPWD" && realpath "$BUILD")
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; exit 1; }

SITE=50.1109,8.6821
# Three landmarks about 5 km from the site (north, south-east, south-west).
declare -A POS=([fra-n]="50.1559 8.6821" [fra-se]="50.0884 8.7430" [fra-sw]="50.0884 8.6212")
: > landmarks.textproto
addrs=()
for id in fra-n fra-se fra-sw; do
  read -r lat lon <<< "${POS[$id]}"
  rm -f "$id.pem"
  "$BIN/landmark/veu-landmark" keygen --id "$id" --lat "$lat" --lon "$lon" --key-out "$id.pem" \
      --operator demo > "$id.enrolment"
  { echo "landmarks {"; cat "$id.enrolment"; echo "}"; } >> landmarks.textproto
  cat > "$id.config" <<CONF
landmark_id: "$id"
position { latitude_deg: $lat longitude_deg: $lon }
key_file: "$OUT/$id.pem"
listen: "127.0.0.1:0"
CONF
  "$BIN/landmark/veu-landmark" serve --config "$id.config" --port-file "$id.port" 2>>landmarks.log &
  pids+=($!)
  wait_file "$id.port"
  addrs+=("127.0.0.1:$(cat "$id.port")")
done
LANDMARKS=$(IFS=,; echo "${addrs[*]}")

"$BIN/agent/veu-agent" location-responder --listen 127.0.0.1:0 --port-file agent.port > agent.out &
pids+=($!)
wait_file agent.port
read -r _ EPOCH _ KEY _ PORT < agent.out
echo "== agent responder on port $PORT, epoch $EPOCH"

echo "== at the site"
"$BIN/verifier/veuctl/veuctl" location measure --agent "127.0.0.1:$PORT" --agent-public "$KEY" \
    --epoch "$EPOCH" --landmark-at "$LANDMARKS" --node node-1 --out site.bundle
"$BIN/verifier/veuctl/veuctl" location node-1 --bundle site.bundle --landmarks landmarks.textproto \
    --site "$SITE" --radius-km 50 --svg location-site.svg || true

echo "== abroad (4 ms added each way by veu-faultproxy)"
"$BIN/deploy/loadtest/veu-faultproxy" --listen 127.0.0.1:0 --upstream "127.0.0.1:$PORT" \
    --port-file proxy.port --delay-ms 4 2>/dev/null &
pids+=($!)
wait_file proxy.port
"$BIN/verifier/veuctl/veuctl" location measure --agent "127.0.0.1:$(cat proxy.port)" \
    --agent-public "$KEY" --epoch "$EPOCH" --landmark-at "$LANDMARKS" --node node-1 --out abroad.bundle
"$BIN/verifier/veuctl/veuctl" location node-1 --bundle abroad.bundle --landmarks landmarks.textproto \
    --site "$SITE" --radius-km 50 --svg location-abroad.svg || true
echo "== pictures: $OUT/location-site.svg $OUT/location-abroad.svg"
