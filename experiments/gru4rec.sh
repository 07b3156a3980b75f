#!/bin/sh
# GRU4Rec with the official best Diginetica parameters (hidasib/GRU4Rec_PyTorch_Official,
# paramfiles/diginetica_bprmax_shared_best.py) on the SR-GNN split under $SBR_DATA/diginetica:
# fit (one line per epoch: loss, seconds, examples/s), then the test set with prediction
# latency on one thread. Both under flock /tmp/sbr-cpu.lock.
#
# Usage: sh experiments/gru4rec.sh
# Environment: SBR (default build/sbr), SBR_DATA (default ../shared/data), OUT (default
# results/gru4rec), EPOCHS (default 10; 1 to time an epoch), THREADS (fit threads, 2).
set -eu
SBR=${SBR:-build/sbr}
SBR_DATA=${SBR_DATA:-../shared/data}
OUT=${OUT:-results/gru4rec}
EPOCHS=${EPOCHS:-10}
THREADS=${THREADS:-2}
mkdir -p "$OUT"
spec="gru4rec:loss=bpr-max,input=shared,final_act=elu,elu_param=1,layers=512,batch=128"
spec="$spec,dropout_embed=0.5,dropout_hidden=0.3,lr=0.05,momentum=0.15,n_sample=2048"
spec="$spec,sample_alpha=0.3,bpreg=0.9,epochs=$EPOCHS"
d=diginetica
model="$OUT/$d-$EPOCHS.sbrm"
log="$OUT/$d-$EPOCHS.log"
uptime >"$log"
OMP_NUM_THREADS=$THREADS flock /tmp/sbr-cpu.lock \
    "$SBR" fit --train "$SBR_DATA/$d/train.tsv.gz" --algo "$spec" --save "$model" >>"$log" 2>&1
uptime >>"$log"
OMP_NUM_THREADS=1 flock /tmp/sbr-cpu.lock \
    "$SBR" eval --model "$model" --test "$SBR_DATA/$d/test.tsv.gz" --threads 1 \
    --dataset "$d" --out "$OUT/metrics.csv" >>"$log" 2>&1
cat "$log"
