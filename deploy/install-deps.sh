#!/bin/bash
# Installs the Debian 12 packages VEU Attest builds and tests with, if any is missing, then the
# npm packages of the Node.js interop client (tests/interop/node) if they are missing or older
# than its package-lock.json. Runs apt-get and npm only when needed (apt as root, or via sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev libtss2-dev libabsl-dev libsqlite3-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev
  libxml2-dev libxmlsec1-dev   # GPU RIMs: XML signatures (C14N 1.1, ECDSA-SHA384) by xmlsec1-openssl
  libpq-dev postgresql-15
  swtpm swtpm-tools tpm2-tools openssl jq
  python3-yaml   # tests/deploy/check_k8s.py reads deploy/k8s/ as Kubernetes would
  chromium       # the console's browser tests (tests/verifier/console) drive it headless
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for tests/interop/node, by command rather than by package: a node already
# installed from elsewhere (e.g. NodeSource's nodejs, which bundles npm and conflicts with
# Debian's npm package) is used as it is.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The exact versions in package-lock.json. npm records what it installed in
# node_modules/.package-lock.json, so that file being older than the lock means a stale install.
# --ignore-scripts: nothing in the lock needs an install script to work.
node_dir=$root/tests/interop/node
if [[ -f $node_dir/package-lock.json &&
      ( ! -f $node_dir/node_modules/.package-lock.json ||
        $node_dir/package-lock.json -nt $node_dir/node_modules/.package-lock.json ) ]]; then
  echo "installing npm packages in tests/interop/node" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi
