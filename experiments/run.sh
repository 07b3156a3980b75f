#!/bin/sh
# The main job (`make experiments`). Until the evaluation harness and the experiment runner
# land (issues #3 and #5), it describes every dataset it finds: results/datasets.csv and the
# readable table results/datasets.txt, from `sbr stats`.
set -eu
cd "$(dirname "$0")/.."
SBR=build/sbr
OUT=results
mkdir -p "$OUT"
files=""
if [ -d "${SBR_DATA:-}" ]; then
    files=$(find "$SBR_DATA" -name '*.tsv.gz' | sort)
fi
if [ -z "$files" ]; then
    echo "experiments: no datasets under SBR_DATA='${SBR_DATA:-}' (put session files there;"
    echo "see README.md). The synthetic generator arrives with issue #5."
    exit 0
fi
# shellcheck disable=SC2086
"$SBR" stats --csv $files >"$OUT/datasets.csv.tmp" && mv "$OUT/datasets.csv.tmp" "$OUT/datasets.csv"
# One table per dataset folder, so its train and test files sit side by side.
: >"$OUT/datasets.txt.tmp"
for dir in $(echo "$files" | xargs -n1 dirname | sort -u); do
    echo "== $(basename "$dir")" >>"$OUT/datasets.txt.tmp"
    "$SBR" stats "$dir"/*.tsv.gz >>"$OUT/datasets.txt.tmp"
    echo >>"$OUT/datasets.txt.tmp"
done
mv "$OUT/datasets.txt.tmp" "$OUT/datasets.txt"
echo "experiments: described $(echo "$files" | wc -l) files -> $OUT/datasets.csv, $OUT/datasets.txt"
