#!/bin/sh
# The main job (`make experiments`): runs the three studies, summarises them, draws the
# figures and builds the paper. Resumable: rerunning skips finished jobs. Real datasets are
# read from $SBR_DATA when present; the synthetic data always runs.
set -eu
cd "$(dirname "$0")/.."
SBR=build/sbr
start=$(date +%s)
for exp in main sensitivity latency; do
    echo "== experiments/$exp.ini"
    "$SBR" run "experiments/$exp.ini"
done
"$SBR" report --metrics results/metrics.csv --datasets results/datasets.csv \
    --published paper/published.csv --out results
"$SBR" report --metrics results/sensitivity/metrics.csv --out results/sensitivity
"$SBR" report --metrics results/latency/metrics.csv --out results/latency
sh plots/make.sh results 20
sh paper/build.sh results
echo "experiments: done in $(( $(date +%s) - start )) s; results in results/, report in paper/README.md"
