#!/bin/sh
# One learned model (MODEL: stamp, narm, srgnn, gru4rec or item2vec) with its authors'
# hyperparameters (sbr's defaults) on the SR-GNN/GCE-GNN splits under $SBR_DATA, beside the
# published values (paper/published.csv), as a Markdown table.
#
# Usage: MODEL=srgnn sh experiments/neural.sh [DATASET ...]      (default: diginetica)
# Environment: MODEL (default stamp), SBR (default build/sbr), SBR_DATA (default
# ../shared/data), OUT (default results/MODEL), SELECT (test, the papers' protocol, or valid;
# default test; ignored by gru4rec and item2vec, which train a fixed number of epochs),
# THREADS (2), EXTRA (more parameters of the model, e.g. "epochs=5,patience=3"), LOCK (the
# flock file, default /tmp/sbr-cpu.lock; two one-thread chains side by side each take their own).
#
# Each dataset: `sbr fit` (one line per epoch: loss, selection MRR@20 and HR@20, seconds,
# examples/s; kept in OUT/DATASET-SELECT.log; an epoch's seconds include its selection pass), then
# `sbr eval --model` on the test set (rows appended to OUT/metrics.csv, split = SELECT). Both
# run under flock $LOCK, so benchmarks elsewhere on the machine wait for them.
set -eu
SBR=${SBR:-build/sbr}
SBR_DATA=${SBR_DATA:-../shared/data}
MODEL=${MODEL:-stamp}
OUT=${OUT:-results/$MODEL}
SELECT=${SELECT:-test}
THREADS=${THREADS:-2}
EXTRA=${EXTRA:-}
LOCK=${LOCK:-/tmp/sbr-cpu.lock}
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- diginetica

case $MODEL in
gru4rec | item2vec) spec="$MODEL" SELECT=fixed ;; # a fixed number of epochs, no selection
*) spec="$MODEL:select=$SELECT" ;;
esac
[ -z "$EXTRA" ] || spec="$spec,$EXTRA"
spec=$(printf '%s' "$spec" | sed 's/^\([a-z0-9]*\),/\1:/')

# The published value of dataset $1, metric $2 (hr or mrr), from paper/published.csv, marked
# "(a port)" when its source says a third-party port measured it.
published() {
    awk -F, -v d="$1" -v m="$2" -v a="$MODEL" '$1 == d && $2 == a && $5 == m {
        print $6 (index($0, "third-party port") ? " (a port)" : "")}' \
        paper/published.csv | head -n 1
}

echo "| model | dataset | select | epochs run | HR@20 | published | MRR@20 | published | s/epoch | examples/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for d in "$@"; do
    train="$SBR_DATA/$d/train.tsv.gz"
    test="$SBR_DATA/$d/test.tsv.gz"
    model="$OUT/$d-$SELECT.sbrm"
    log="$OUT/$d-$SELECT.log"
    OMP_NUM_THREADS=$THREADS flock "$LOCK" \
        "$SBR" fit --train "$train" --test "$test" --algo "$spec" --save "$model" 2>"$log" >>"$log"
    OMP_NUM_THREADS=$THREADS flock "$LOCK" \
        "$SBR" eval --model "$model" --test "$test" --threads "$THREADS" --no-latency \
        --dataset "$d" --split "$SELECT" --out "$OUT/metrics.csv" >>"$log" 2>&1
    # Epoch lines: "MODEL: epoch 3/10: loss ..., 123.4 s, 5678 examples/s".
    epochs=$(grep -c ': epoch ' "$log" || true)
    secs=$(awk '/: epoch / {for (i = 1; i <= NF; i++) if ($(i + 1) == "s,") {s += $i; n++}}
                END {if (n) printf "%.0f", s / n}' "$log")
    rate=$(awk '/: epoch / {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^examples\/s/) {s += $i; n++}}
                END {if (n) printf "%.0f", s / n}' "$log")
    row=$(awk -F, -v d="$d" -v s="$SELECT" -v a="$MODEL" '$1 == d && $2 == s && $3 == a && $5 == 20' \
        "$OUT/metrics.csv" | tail -n 1)
    hr=$(printf '%s\n' "$row" | awk -F, '{printf "%.4f", $10}')
    mrr=$(printf '%s\n' "$row" | awk -F, '{printf "%.4f", $11}')
    pub_hr=$(published "$d" hr) pub_mrr=$(published "$d" mrr)
    if [ "$SELECT" = valid ]; then # the papers chose their epochs on test
        [ -z "$pub_hr" ] || pub_hr="($pub_hr, on test)"
        [ -z "$pub_mrr" ] || pub_mrr="($pub_mrr, on test)"
    fi
    echo "| $MODEL | $d | $SELECT | $epochs | $hr | $pub_hr | $mrr | $pub_mrr | $secs | $rate |"
done
