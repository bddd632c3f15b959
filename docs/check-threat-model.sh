#!/bin/bash
# Every test docs/threat-model.md names (each `Suite.TestName` in backticks, Suite capitalised)
# must be defined somewhere under tests/. Exit 1 naming each one that is not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
doc="$root/docs/threat-model.md"
names=$(grep -oE '`[A-Z][A-Za-z0-9_]*\.[A-Za-z0-9_]+`' "$doc" | tr -d '`' | sort -u)
[[ -n "$names" ]] || { echo "no tests named in $doc" >&2; exit 1; }
missing=0
count=0
for n in $names; do
  suite=${n%%.*}; test=${n#*.}
  count=$((count + 1))
  if ! grep -rqE "TEST(_F|_P)?\(\s*${suite},\s*${test}\s*\)" "$root/tests"; then
    echo "missing: $n (named in docs/threat-model.md)" >&2
    missing=$((missing + 1))
  fi
done
echo "$count tests named, $missing missing"
[[ $missing -eq 0 ]]
