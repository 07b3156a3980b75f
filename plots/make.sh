#!/bin/sh
# Renders every figure of a results folder as PNG and PDF into <results>/figures/, from the plot
# data `sbr report` writes (<folder>/plots/meta.gp and *.dat; eval/plotdata.h):
#   RESULTS_DIR/plots           accuracy, latency, latency_length, accuracy_latency, coverage, popularity,
#                               accuracy_at_k_mrr/hr (with stored ranks), and any grid
#   RESULTS_DIR/<study>/plots   the grids of that study (sensitivity, latency): heat maps
#   RESULTS_DIR/scale/plots     scale_fit; from scale/threads1/plots and threads2/plots: throughput
# Fails when a figure's data file is missing or has no data.
# Usage: plots/make.sh RESULTS_DIR
set -eu
[ $# -ge 1 ] || { echo "usage: plots/make.sh RESULTS_DIR" >&2; exit 2; }
# The results folder is taken relative to where the script is called from, then made absolute
# (the script works from the project root, where plots/*.gp live).
case $1 in /*) R=$1 ;; *) R=$(pwd)/$1 ;; esac
[ -d "$R" ] || { echo "plots/make.sh: no results folder $1" >&2; exit 1; }
cd "$(dirname "$0")/.."
F="$R/figures"
mkdir -p "$F"
rm -f "$F"/*.png "$F"/*.pdf
fail() { echo "plots/make.sh: $*" >&2; exit 1; }
# A value from a plot data folder's meta.gp (gnuplot prints to stderr).
meta() { gnuplot -e "load '$1/meta.gp'; print $2" 2>&1; }
# Whether a data file has at least one number row.
has_rows() { [ -s "$1" ] && grep -q '^[0-9]' "$1"; }
# figure NAME SCRIPT DATA_DIR FILE VARS: draws NAME.png and NAME.pdf, after checking FILE.
figure() {
    has_rows "$3/$4" || fail "$1: $3/$4 is missing or has no data (run sbr report on that folder)"
    for fmt in png pdf; do
        gnuplot -e "data='$3'; out='$F/$1'; fmt='$fmt'; $5" "plots/$2.gp" ||
            fail "$1: gnuplot failed on plots/$2.gp"
    done
    echo "  $1 (plots/$2.gp)"
}
# The heat maps of every grid of a plot data folder; prefix names the study.
grids() {
    n=$(meta "$1" n_grids)
    g=1
    while [ "$g" -le "$n" ]; do
        a=$(meta "$1" "grid_algo[$g]")
        figure "${2}grid_${a}_mrr" heatmap "$1" "grid_$a.dat" "g=$g; mcol=5; mname='MRR@%d'; mfmt='%.3f'; logc=0"
        if [ "$(meta "$1" has_latency)" = 1 ]; then
            figure "${2}grid_${a}_p90" heatmap "$1" "grid_$a.dat" "g=$g; mcol=8; mname='p90 latency (µs)'; mfmt='%.1f'; logc=1"
        else
            figure "${2}grid_${a}_precision" heatmap "$1" "grid_$a.dat" "g=$g; mcol=7; mname='Precision@%d'; mfmt='%.3f'; logc=0"
        fi
        g=$((g + 1))
    done
}
P="$R/plots"
[ -f "$P/meta.gp" ] || fail "$P/meta.gp is missing: run 'sbr report --metrics $R/metrics.csv --out $R' first"
echo "figures from $P:"
figure accuracy accuracy "$P" accuracy.dat ""
if [ "$(meta "$P" has_latency)" = 1 ]; then
    figure latency latency "$P" tradeoff.dat ""
    if [ "$(meta "$P" has_len)" = 1 ]; then
        figure latency_length latency_len "$P" latency_len.dat ""
    else
        echo "  (no latency by prefix length stored: no latency_length figure; rerun the jobs with this sbr)" >&2
    fi
    figure accuracy_latency tradeoff "$P" pareto.dat "xcol=3; xname='p90 latency per prediction (µs, log)'; logx=1; front=1; what='p90 latency'"
else
    echo "  (no latency measured: no latency or accuracy_latency figure)" >&2
fi
figure coverage tradeoff "$P" tradeoff.dat "xcol=8; xname='coverage@%d'; logx=0; front=0; what='catalogue coverage (share of the items ever listed)'"
figure popularity tradeoff "$P" tradeoff.dat "xcol=9; xname='popularity@%d'; logx=0; front=0; what='popularity of the listed items (mean, normalised by the most popular)'"
if [ "$(meta "$P" has_ranks)" = 1 ]; then
    figure accuracy_at_k_mrr atk "$P" atk.dat "metric='mrr'"
    figure accuracy_at_k_hr atk "$P" atk.dat "metric='hr'"
else
    echo "  (no per-session ranks stored: no accuracy@k figures; run with per_session = yes)" >&2
fi
grids "$P" ""
for d in "$R"/*/; do
    d=${d%/}
    s=$(basename "$d")
    [ -f "$d/plots/meta.gp" ] || continue
    echo "figures from $d/plots:"
    if [ "$s" = scale ]; then
        figure scale_fit scale_fit "$d/plots" cost.dat ""
        if [ -f "$d/threads1/plots/meta.gp" ] && [ -f "$d/threads2/plots/meta.gp" ]; then
            ds=$(meta "$d/threads1/plots" "dataset[1]")
            has_rows "$d/threads1/plots/cost.dat" || fail "throughput: $d/threads1/plots/cost.dat has no data"
            figure throughput throughput "$d/threads2/plots" cost.dat "data1='$d/threads1/plots'; ds='$ds'"
        fi
    else
        grids "$d/plots" "${s}_"
    fi
done
png=$(ls "$F" | grep -c '\.png$' || true)
pdf=$(ls "$F" | grep -c '\.pdf$' || true)
echo "figures: $png PNG and $pdf PDF in $F"
