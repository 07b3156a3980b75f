#!/bin/sh
# Metric regression: reruns tests/golden/golden.ini and compares every metric with the
# committed tests/golden/expected.csv. A metric that moves by more than 1e-9 fails the test
# with its dataset, algorithm, metric, expected and actual value. Rows of datasets that are
# absent here (no SBR_DATA) are not compared, and are listed.
# Usage: test_golden.sh SBR SOURCE_DIR [--update]
set -eu
SBR=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
sed "s|^output = .*|output = $TMP/out|" "$SRC/tests/golden/golden.ini" >"$TMP/golden.ini"
"$SBR" run "$TMP/golden.ini" >"$TMP/log" || { cat "$TMP/log"; exit 1; }
# Keep the key and the metric columns; drop timings, memory, threads and version.
keep='1-5,6-18'
cut -d, -f"$keep" "$TMP/out/metrics.csv" >"$TMP/actual.csv"
if [ "${3:-}" = "--update" ]; then
    cp "$TMP/actual.csv" "$SRC/tests/golden/expected.csv"
    echo "golden: wrote $(($(wc -l <"$TMP/actual.csv") - 1)) rows to tests/golden/expected.csv"
    exit 0
fi
grep "skipped" "$TMP/log" || true
awk -F, -v tol=1e-9 '
    function abs(x) { return x < 0 ? -x : x }
    NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) name[i] = $i; ncol = NF; next }
                key = $1 FS $2 FS $3 FS $4 FS $5; for (i = 6; i <= NF; i++) want[key, i] = $i;
                keys[key] = 1; ds_of[key] = $1; known_algo[$3] = 1; next }
    FNR == 1 { next }
    { key = $1 FS $2 FS $3 FS $4 FS $5; seen_ds[$1] = 1; got[key] = 1
      if (!(key in keys) && !($3 in known_algo)) { if (!($3 in noted)) printf "golden: %s is new: its rows are not guarded until make golden records them\n", $3; noted[$3] = 1; next }
      if (!(key in keys)) { printf "new row not in expected.csv: %s\n", key; bad++; next }
      for (i = 6; i <= NF; i++) {
          d = abs($i - want[key, i]); cmp++
          if (d > tol) { printf "MOVED: %s %s %s@%s %s: expected %s, actual %s\n", $1, $3, name[i], $5, $4, want[key, i], $i; bad++ }
      } }
    END { for (k in keys) if (!(k in got)) { if (ds_of[k] in seen_ds) { printf "missing row: %s\n", k; bad++ } else skipped++ }
          printf "golden: %d metrics compared, %d moved or missing, %d rows of absent datasets not compared\n", cmp, bad, skipped
          printf "golden: %d passed, %d failed\n", cmp - bad, bad
          exit bad > 0 }' "$SRC/tests/golden/expected.csv" "$TMP/actual.csv"
