#!/bin/bash
# Makes a demo TLS CA and a verifier server certificate for localhost / 127.0.0.1.
#   deploy/demo/make-tls.sh DIR    -> DIR/ca.pem DIR/server.pem DIR/server.key
# Operators bring their own CA: point the verifier's tls.cert_file/key_file at its
# certificate and the agents' tls.ca_file at the CA that issued it.
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"
[[ -s server.pem && -s ca.pem ]] && exit 0
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/O=VEU Attest demo/CN=VEU Attest demo CA" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/O=VEU Attest demo/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext
chmod 644 ca.pem server.pem
