#!/bin/sh
# STAMP with its authors' hyperparameters (sbr's defaults) on the SR-GNN/GCE-GNN splits under
# $SBR_DATA, beside the published values (paper/published.csv), as a Markdown table.
#
# Usage: sh experiments/stamp.sh [DATASET ...]      (default: diginetica)
# Environment: SBR (default build/sbr), SBR_DATA (default ../shared/data), OUT (default
# results/stamp), SELECT (test, the papers' protocol, or valid; default test), THREADS (2),
# EXTRA (more stamp parameters, e.g. "epochs=5").
#
# Each dataset: `sbr fit` (one line per epoch: loss, selection MRR@20, seconds, examples/s;
# kept in OUT/DATASET-SELECT.log; an epoch's seconds include its selection pass), then
# `sbr eval --model` on the test set (rows appended to OUT/metrics.csv). Both run under flock /tmp/sbr-cpu.lock, so benchmarks elsewhere on the
# machine are not disturbed.
set -eu
SBR=${SBR:-build/sbr}
SBR_DATA=${SBR_DATA:-../shared/data}
OUT=${OUT:-results/stamp}
SELECT=${SELECT:-test}
THREADS=${THREADS:-2}
EXTRA=${EXTRA:-}
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- diginetica

spec="stamp:select=$SELECT"
[ -z "$EXTRA" ] || spec="$spec,$EXTRA"

# The published value of dataset $1, metric $2 (hr or mrr), from paper/published.csv.
published() {
    awk -F, -v d="$1" -v m="$2" '$1 == d && $2 == "stamp" && $5 == m {print $6}' \
        paper/published.csv | head -n 1
}

echo "| dataset | select | epochs run | HR@20 | published | MRR@20 | published | s/epoch | examples/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for d in "$@"; do
    train="$SBR_DATA/$d/train.tsv.gz"
    test="$SBR_DATA/$d/test.tsv.gz"
    model="$OUT/$d-$SELECT.sbrm"
    log="$OUT/$d-$SELECT.log"
    OMP_NUM_THREADS=$THREADS flock /tmp/sbr-cpu.lock \
        "$SBR" fit --train "$train" --test "$test" --algo "$spec" --save "$model" 2>"$log" >>"$log"
    OMP_NUM_THREADS=$THREADS flock /tmp/sbr-cpu.lock \
        "$SBR" eval --model "$model" --test "$test" --threads "$THREADS" --no-latency \
        --dataset "$d" --split "$SELECT" --out "$OUT/metrics.csv" >>"$log" 2>&1
    # Epoch lines: "stamp: epoch 3/10: loss ..., 123.4 s, 5678 examples/s".
    epochs=$(grep -c ': epoch ' "$log" || true)
    secs=$(awk '/: epoch / {for (i = 1; i <= NF; i++) if ($(i + 1) == "s,") {s += $i; n++}}
                END {if (n) printf "%.0f", s / n}' "$log")
    rate=$(awk '/: epoch / {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^examples\/s/) {s += $i; n++}}
                END {if (n) printf "%.0f", s / n}' "$log")
    row=$(awk -F, -v d="$d" -v s="$SELECT" '$1 == d && $2 == s && $3 == "stamp" && $5 == 20' \
        "$OUT/metrics.csv" | tail -n 1)
    hr=$(printf '%s\n' "$row" | awk -F, '{printf "%.4f", $10}')
    mrr=$(printf '%s\n' "$row" | awk -F, '{printf "%.4f", $11}')
    echo "| $d | $SELECT | $epochs | $hr | $(published "$d" hr) | $mrr | $(published "$d" mrr) | $secs | $rate |"
done
