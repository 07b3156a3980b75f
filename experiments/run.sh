#!/bin/sh
# The main job (`make experiments`): runs the three studies, summarises them, draws the
# figures and builds the paper. Resumable: rerunning skips finished jobs. Real datasets are
# read from $SBR_DATA when present; the synthetic data always runs.
# TUNE_TRIALS and TUNE_DATASETS override main.ini's [tune] trials and datasets (`make study`:
# 50 trials on every dataset).
set -eu
cd "$(dirname "$0")/.."
SBR=build/sbr
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
set --
[ -n "${TUNE_TRIALS:-}" ] && set -- "$@" --tune-trials "$TUNE_TRIALS"
[ -n "${TUNE_DATASETS:-}" ] && set -- "$@" --tune-datasets "$TUNE_DATASETS"
echo "== experiments/main.ini $*"
"$SBR" run experiments/main.ini "$@"
tuned=""
[ -f results/tuned.csv ] && tuned="--tuned results/tuned.csv"
for exp in sensitivity latency; do
    echo "== experiments/$exp.ini"
    "$SBR" run "experiments/$exp.ini"
done
"$SBR" report --metrics results/metrics.csv --datasets results/datasets.csv \
    --published paper/published.csv $tuned --out results
"$SBR" report --metrics results/sensitivity/metrics.csv --out results/sensitivity
"$SBR" report --metrics results/latency/metrics.csv --out results/latency
# Fit time, model size and throughput against training size (the small default series).
sh experiments/scale_fit.sh results/scale
sh plots/make.sh results 20
# What the paper's setup section states about this run.
{
    echo "seconds=$(( $(date +%s) - start ))"
    echo "load_before=$load_before"
    echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    echo "finished=$(date -u '+%Y-%m-%d %H:%M UTC')"
} >results/study.txt
sh paper/build.sh results
echo "experiments: done in $(( $(date +%s) - start )) s; results in results/, report in paper/README.md"
