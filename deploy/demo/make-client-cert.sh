#!/bin/bash
# Issues a client certificate for the regulator API from the demo CA made by make-tls.sh.
#   deploy/demo/make-client-cert.sh DIR NAME ROLE [SCOPE ...]
#     ROLE:  regulator | operator | admin
#     SCOPE: country:DE | organisation:Acme   (regulators: either; operators: organisations)
#   -> DIR/NAME.pem DIR/NAME.key
# The verifier reads role and scope from the certificate's URI subject alternative names
# (urn:veu:role:ROLE, urn:veu:country:CC, urn:veu:organisation:NAME). A real deployment issues
# these from the CA it configures as --regulator-client-ca.
set -euo pipefail
dir=${1:?usage: $0 DIR NAME ROLE [SCOPE ...]}
name=${2:?name}
role=${3:?role}
shift 3
[[ -s "$dir/ca.pem" && -s "$dir/ca.key" ]] || { echo "$0: run make-tls.sh $dir first" >&2; exit 2; }
san="URI:urn:veu:role:$role"
for scope in "$@"; do
  case "$scope" in
    country:[A-Za-z][A-Za-z]|organisation:?*) san="$san,URI:urn:veu:$scope" ;;
    *) echo "$0: scope '$scope' is not country:CC or organisation:NAME" >&2; exit 2 ;;
  esac
done
cd "$dir"
umask 077
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/O=VEU Attest demo/CN=$name" -keyout "$name.key" -out "$name.csr" 2>/dev/null
cat > "$name.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile "$name.ext" -out "$name.pem" 2>/dev/null
rm -f "$name.csr" "$name.ext"
chmod 644 "$name.pem"
