#!/usr/bin/env bash
# Seeds fuzz/corpus/lint with every fixture: a first byte 0 for `.tf`, 1 for `.tf.json`
# (see fuzz_targets/lint.rs); and fuzz/corpus/outline with every `.tf` fixture as it is.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/lint
i=0
while IFS= read -r -d '' f; do
    i=$((i + 1))
    case "$f" in
    *.tf.json) kind='\x01' ;;
    *) kind='\x00' ;;
    esac
    { printf "$kind"; cat "$f"; } >"corpus/lint/seed-$i"
done < <(find ../fixtures ../tests/goldens -type f \( -name '*.tf' -o -name '*.tf.json' -o -name '*.tfvars' \) -print0 | sort -z)
echo "seeded $i inputs into fuzz/corpus/lint"
mkdir -p corpus/outline
i=0
while IFS= read -r -d '' f; do
    i=$((i + 1))
    cp "$f" "corpus/outline/seed-$i"
done < <(find ../fixtures ../tests/goldens -type f -name '*.tf' -print0 | sort -z)
echo "seeded $i inputs into fuzz/corpus/outline"
