#!/bin/sh
# How much `sbr eval --batch` saves for a learned model (GRU4Rec, STAMP, NARM and SR-GNN score a
# batch of queries in one pass over their item matrix): the metric pass one query per predict
# call (--batch 1) against 32 per call (the default), on one thread, same run, same model, with
# the metrics of both (they must agree to the last digit).
#
# The model: MODEL=FILE (e.g. results/gru4rec/nowplaying-fixed.sbrm), or by default a GRU4Rec
# of the official best parameters (512 units) fitted for one epoch on DATASET's test sessions,
# which gives the real output-layer shape in a minute (the weights do not change the cost).
# The queries: the first ROWS rows of DATASET's test file.
#
# Usage: sh experiments/eval_batch.sh
# Environment: SBR (default build/sbr), SBR_DATA (default ../shared/data), DATASET (default
# nowplaying), ROWS (default 20000), MODEL, OUT (default results/eval_batch), LOCK (flock file,
# default /tmp/sbr-cpu.lock).
set -eu
SBR=${SBR:-build/sbr}
SBR_DATA=${SBR_DATA:-../shared/data}
DATASET=${DATASET:-nowplaying}
ROWS=${ROWS:-20000}
OUT=${OUT:-results/eval_batch}
LOCK=${LOCK:-/tmp/sbr-cpu.lock}
mkdir -p "$OUT"
test="$SBR_DATA/$DATASET/test.tsv.gz"
queries="$OUT/$DATASET-test-$ROWS.tsv"
gzip -dc "$test" | head -n $((ROWS + 1)) >"$queries"
if [ -z "${MODEL:-}" ]; then
    MODEL="$OUT/$DATASET-test-1epoch.sbrm"
    spec="gru4rec:loss=bpr-max,input=shared,final_act=elu,elu_param=1,layers=512,batch=128"
    spec="$spec,dropout_embed=0.5,dropout_hidden=0.3,lr=0.05,momentum=0.15,n_sample=2048"
    spec="$spec,sample_alpha=0.3,bpreg=0.9,epochs=1"
    OMP_NUM_THREADS=1 flock "$LOCK" "$SBR" fit --train "$test" --algo "$spec" --save "$MODEL" \
        >"$OUT/fit.log" 2>&1
fi
echo "| model | predictions | eval s, --batch 1 | eval s, --batch 32 | ratio | metrics equal |"
echo "|---|---|---|---|---|---|"
for b in 1 32; do
    OMP_NUM_THREADS=1 flock "$LOCK" "$SBR" eval --model "$MODEL" --test "$queries" --threads 1 \
        --no-latency --batch $b >"$OUT/eval-$b.out" 2>"$OUT/eval-$b.err"
done
# Row 2 of the table: algo params cutoff HR MRR NDCG Prec Cov fit-s eval-s ...
secs() { awk 'NR == 2 {print $10}' "$OUT/eval-$1.out"; }
metrics() { awk 'NR == 2 {print $4, $5, $6, $7, $8}' "$OUT/eval-$1.out"; }
n=$(sed -n 's/^\([0-9,]*\) predictions over.*/\1/p' "$OUT/eval-1.err")
s1=$(secs 1) s32=$(secs 32)
same=no
[ "$(metrics 1)" = "$(metrics 32)" ] && same="yes ($(metrics 1 | cut -d' ' -f1,2))"
echo "| $(basename "$MODEL") | $n | $s1 | $s32 | $(awk -v a="$s1" -v b="$s32" 'BEGIN {printf "%.1fx", a / b}') | $same |"
