#!/bin/bash
# Issue 15: `cmake --install` must put every file where the units, the example configs and the
# binaries' built-in defaults look for it. Installs the build into a scratch DESTDIR and checks
# each path they name, then runs the installed agent, which must find its pack beside itself.
# usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$dest cmake --install "$build" >/dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ -n "$prefix" ] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"
units=$dest$prefix/lib/systemd/system
examples=$dest$prefix/share/veu-attest/examples

for unit in veu-verifier veu-verifier@ veu-agent; do
  file=$units/$unit.service
  [ -f "$file" ] || fail "$file not installed"
  grep -qE '@[A-Z_]+@' "$file" && fail "$file has an unexpanded @VAR@"
  exec_line=$(sed -n 's/^ExecStart=//p' "$file")
  binary=${exec_line%% *}
  [ -x "$dest$binary" ] || fail "$unit.service runs $binary, which is not installed"
  config=$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<<"$exec_line")
  example=$examples/$(basename "${config//-%i/-replica}")  # verifier-%i.textproto: one per replica
  [ -f "$example" ] || fail "$unit.service reads $config; no example $example is installed to copy there"
  doc=$(sed -n 's|^Documentation=file://||p' "$file")
  [ -f "$dest$doc" ] || fail "$unit.service documents $doc, which is not installed"
done

for example in "$examples"/*.textproto; do
  grep -q '@VEU' "$example" && fail "$example has an unexpanded @VEU_...@"
  pack=$(sed -n 's/^policy_pack: "\(.*\)"/\1/p' "$example")
  [ -f "$dest$pack" ] || fail "$(basename "$example") names policy_pack $pack, which is not installed"
done
[ -f "$units/veu-verifier-replicas.target" ] || fail "veu-verifier-replicas.target not installed"
[ -f "$dest$prefix/share/veu-attest/k8s/kustomization.yaml" ] || fail "deploy/k8s not installed"
[ -x "$dest$prefix/bin/veuctl" ] || fail "veuctl not installed in $prefix/bin"
[ -f "$dest$prefix/share/veu-attest/ek-roots/README.md" ] || fail "EK roots README not installed"

# The installed agent, moved away from its prefix (DESTDIR), finds the shipped pack beside itself.
root=$dest/emptyroot
mkdir -p "$root/sys/bus/pci/devices"
out=$("$dest$prefix/sbin/veu-agent" facts --root "$root" --nvml-library none --json 2>&1) ||
  fail "installed veu-agent facts without --policy-pack: $out"
grep -q '"accelerators"\|"hostname"' <<<"$out" || fail "unexpected facts output: $out"
echo "install layout OK under prefix $prefix"
