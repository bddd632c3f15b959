#!/usr/bin/env bash
# Builds one fuzz target with clang-14 (libFuzzer + ASan + UBSan), seeds its corpus and runs it.
#   fuzz/run.sh [SECONDS]            the event-log fuzzer (default 600; 0 = build and replay seeds)
#   fuzz/run.sh TARGET [SECONDS]     TARGET: eventlog, quote, ek_certificate, merkle_proof,
#                                    checkpoint, report, principal, ima, gpu_report,
#                                    runtime_policy ("_fuzzer"
#                                    is optional)
# Environment: BUILD (default /tmp/build-fuzz), CORPUS (default $BUILD/corpus for the event log,
# $BUILD/corpus-TARGET otherwise). Crashes, leaks and timeouts go to $BUILD/crash-* (event log)
# or $BUILD/TARGET-crash-* (others). Nothing is written into the source tree.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
fixtures="$root/../shared/fixtures"

target=eventlog
if [ $# -gt 0 ] && ! [[ "$1" =~ ^[0-9]+$ ]]; then
  target="${1%_fuzzer}"
  shift
fi
seconds="${1:-600}"
build="${BUILD:-/tmp/build-fuzz}"
case "$target" in
  eventlog) corpus="${CORPUS:-$build/corpus}"; artifacts="$build/" ;;
  quote | ek_certificate | merkle_proof | checkpoint | report | principal | ima | gpu_report | runtime_policy)
    corpus="${CORPUS:-$build/corpus-$target}"; artifacts="$build/$target-" ;;
  *) echo "unknown target '$target' (eventlog, quote, ek_certificate, merkle_proof, checkpoint," \
          "report, principal, ima, gpu_report, runtime_policy)" >&2
     exit 2 ;;
esac
case "$corpus" in "$root"/*) echo "CORPUS must be outside the source tree" >&2; exit 2 ;; esac

CC=clang-14 CXX=clang++-14 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=("${target}_fuzzer")
[ "$target" = report ] && targets+=(report_seeds)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

# Copies seed files into the corpus without overwriting (so reruns keep what was found).
seed_files() {
  for f in "$@"; do
    [ -f "$f" ] && cp -n "$f" "$corpus/" 2>/dev/null || true
  done
}

mkdir -p "$corpus"
case "$target" in
  gpu_report)  # NVIDIA's and trustee's real GPU/NVSwitch reports, stored as hex text
    for f in "$fixtures"/gpu/*/*ttestationReport.txt "$fixtures"/gpu/*/hopper_coco_report1.txt; do
      [ -f "$f" ] && python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(open(sys.argv[1]).read()))' \
        "$f" >"$corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f" .txt)"
    done ;;
  ima)  # the fixtures' binary (tpm2-tss) and ASCII (keylime, rust-keylime) IMA logs, with the
        # digest-algorithm logs of keylime-create-runtime-policy (sha1..sha512, sm3_256, unknown)
    seed_files "$fixtures"/ima/tpm2-tss/*.bin "$fixtures"/ima/keylime-test_ima_*/*.txt \
      "$fixtures"/ima/rust-keylime/ima_log.txt "$fixtures"/ima/rust-keylime/invalid_ima_log.txt \
      "$fixtures"/ima/keylime-create-runtime-policy/ima-log-* ;;
  runtime_policy)  # Keylime runtime policies and the ASCII IMA logs they go with
    seed_files "$fixtures"/ima/keylime-create-runtime-policy/* \
      "$fixtures"/ima/keylime-test_ima_verification/* "$fixtures"/ima/keylime-test_ima_dm/*.txt \
      "$fixtures"/ima/rust-keylime/ima_log.txt ;;
  eventlog)
    for f in "$fixtures"/eventlogs/*; do
      case "$f" in *.expected.json) continue ;; esac
      seed_files "$f"
    done ;;
  quote)  # swtpm quotes, signatures, TPMT_PUBLICs, PEM keys and tpm2-tools PCR files
    for f in "$root"/tests/common/tpm/testdata/swtpm/*; do
      case "$f" in *.md) continue ;; esac
      seed_files "$f"
    done ;;
  ek_certificate)  # real EK certificates, DER and PEM (file names are unique across vendors)
    while IFS= read -r -d '' f; do seed_files "$f"; done \
      < <(find "$fixtures/ekcerts/leaves" -type f -print0) ;;
  merkle_proof)  # tree size, index, claimed size, proof length and kinds (see the fuzzer)
    printf '\x07\x03\x01\x04\x00\x00\x00\x00\x02\x03\x00\x00\x00' >"$corpus/seed-honest-8"
    printf '\x00\x00\x01\x00\x00\x00' >"$corpus/seed-size-1"
    printf '\x0c\x05\x02\x06\x00\xc8\x03\x00\x00\x00\x07\x04\x00\xff\x00\x00' \
      >"$corpus/seed-mixed-13"
    printf '\x4f\x50\x01\x08\xff\x20\x00\x00\x00\x00\x00\x00\x00\x40\x08\xa0\xa0\xa0' \
      >"$corpus/seed-large-80" ;;
  checkpoint)  # a checkpoint, and the same checkpoint as a signed note (key the fuzzer does not know)
    cp_text=$'fuzz.example/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1764000000\n'
    printf '%s' "$cp_text" >"$corpus/seed-checkpoint"
    if [ ! -f "$corpus/seed-signed-note" ]; then
      tmp="$(mktemp -d)"
      openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/key.pem" 2>/dev/null
      openssl pkey -in "$tmp/key.pem" -pubout -outform DER -out "$tmp/pub.der"
      printf '%s' "$cp_text" >"$tmp/text"
      openssl dgst -sha256 -sign "$tmp/key.pem" -out "$tmp/sig" "$tmp/text"
      { openssl dgst -sha256 -binary "$tmp/pub.der" | head -c 4; cat "$tmp/sig"; } >"$tmp/blob"
      printf '%s\n\xe2\x80\x94 fuzz.example/log %s\n' "$cp_text" "$(base64 -w0 "$tmp/blob")" \
        >"$corpus/seed-signed-note"
      rm -rf "$tmp"
    fi ;;
  report)  # a signed compliance and inventory report and an EAR JWT made by the product code
    "$build/report_seeds" "$corpus" ;;
  principal)  # client certificates of every role and scope kind, PEM and DER, from a demo CA
    if [ ! -f "$corpus/seed-regulator.pem" ]; then
      tmp="$(mktemp -d)"
      "$root/deploy/demo/make-tls.sh" "$tmp" >/dev/null
      make_cert() { "$root/deploy/demo/make-client-cert.sh" "$tmp" "$@" >/dev/null; }
      make_cert regulator regulator country:DE organisation:Acme
      make_cert operator operator organisation:Acme
      make_cert admin admin
      make_cert unscoped regulator                 # PermissionDenied: no scope
      make_cert operator-country operator country:FR  # refused: operators have no countries
      make_cert unknown-role auditor country:DE
      for name in regulator operator admin unscoped operator-country unknown-role; do
        cp "$tmp/$name.pem" "$corpus/seed-$name.pem"
        openssl x509 -in "$tmp/$name.pem" -outform DER -out "$corpus/seed-$name.der"
      done
      cp "$tmp/server.pem" "$corpus/seed-server.pem"  # no URI names at all
      rm -rf "$tmp"
    fi ;;
esac

export TSS2_LOG="${TSS2_LOG:-all+NONE}"  # tss2-mu logs every rejected structure otherwise
if [ "$seconds" = 0 ]; then
  exec "$build/${target}_fuzzer" -runs=0 "$corpus"
fi
exec "$build/${target}_fuzzer" -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus"
