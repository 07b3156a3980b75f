#!/bin/sh
# experiments/neural.ini end to end, as written, on four small synthetic stand-ins for its
# datasets (the real study takes hours; this checks that every job of the file runs, that its
# store is complete and resumable, and that `sbr report` turns it into the neighbours-vs-neural
# and reproduction tables). The numbers mean nothing on such data; the shape is the test.
# Usage: test_neural_study.sh SBR SOURCE_DIR
set -u
SBR=$1
SRC=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/checks.sh"
datasets="diginetica tmall nowplaying retailrocket"
learned="stamp-valid stamp-test stmp-test narm-valid narm-test srgnn-valid srgnn-test gru4rec
    item2vec"
seed=3
for d in $datasets; do
    mkdir -p "$dir/data/$d"
    "$SBR" synth --out "$dir/data/$d/train.tsv.gz" --sessions 240 --items 70 --seed $seed >/dev/null
    "$SBR" synth --out "$dir/data/$d/test.tsv.gz" --sessions 30 --items 70 --seed $((seed + 50)) \
        >/dev/null
    seed=$((seed + 1))
done
# The file's output (../results/neural) is relative to where the file is.
mkdir -p "$dir/experiments"
cp "$SRC/experiments/neural.ini" "$dir/experiments/"
out="$dir/results/neural"

SBR_DATA="$dir/data" OPENBLAS_NUM_THREADS=1 "$SBR" run "$dir/experiments/neural.ini" \
    >"$dir/run.out" 2>"$dir/run.err"
check "sbr run experiments/neural.ini exits 0" [ $? -eq 0 ]
jobs=$(grep -c '^\[algo ' "$SRC/experiments/neural.ini")
n_jobs=$((jobs * 4))
check "  it ran all $n_jobs jobs ($jobs algorithms x 4 datasets)" \
    grep -q "$n_jobs jobs: $n_jobs run, 0 already done" "$dir/run.out"
missing=0
for d in $datasets; do
    for a in $learned; do
        rows=$(awk -F, -v d="$d" -v a="$a" '$1 == d && $NF == a && $5 == 20' "$out/metrics.csv" |
            wc -l)
        [ "$rows" -eq 1 ] || { echo "  $d/$a: $rows rows at cutoff 20"; missing=$((missing + 1)); }
    done
done
check "  every learned model has its row on every dataset" [ "$missing" -eq 0 ]
check "  every select=test row says so in its params" \
    [ "$(awk -F, '$NF ~ /-test$/ && $4 !~ /select=test/' "$out/metrics.csv" | wc -l)" -eq 0 ]
check "  and the learned models' rows hold a fit time" \
    [ "$(awk -F, '$NF ~ /^(stamp|stmp|narm|srgnn)-|^gru4rec$|^item2vec$/ && $19 + 0 <= 0' \
        "$out/metrics.csv" | wc -l)" -eq 0 ]

SBR_DATA="$dir/data" "$SBR" run "$dir/experiments/neural.ini" >"$dir/rerun.out" 2>&1
check "a second run skips every job" grep -q "$n_jobs jobs: 0 run, $n_jobs already done" \
    "$dir/rerun.out"

"$SBR" report --metrics "$out/metrics.csv" --published "$SRC/paper/published.csv" --out "$out" \
    >"$dir/report.out" 2>&1
check "sbr report on the study exits 0" [ $? -eq 0 ]
table="$out/tables/neural.md"
check "  the neighbours-vs-neural table has each dataset's best kNN method" \
    [ "$(grep -c '(best kNN)' "$table")" -eq 4 ]
check "  and each learned model there, with a Holm-corrected p and a verdict" \
    [ "$(grep -cE '\| (better|worse|n\.s\.) \|$' "$table")" -eq 36 ]
check "  the reproduction table has the published SR-GNN Diginetica P@20 beside ours" \
    grep -q '| diginetica | srgnn select=test | hr@20 | 0.5073 |' "$out/tables/reproduction.md"

if [ "$fails" -ne 0 ]; then
    echo "run's messages:"
    tail -n 20 "$dir/run.err"
    exit 1
fi
