#!/bin/sh
# Renders every figure of a results folder as PNG and PDF into <results>/figures/.
# Usage: plots/make.sh RESULTS_DIR [CUTOFF]
#   RESULTS_DIR/summary.csv             accuracy, latency, accuracy_latency
#   RESULTS_DIR/sensitivity/summary.csv the m x k heat maps (when present)
#   RESULTS_DIR/latency/summary.csv     latency against m and k (when present)
set -eu
[ $# -ge 1 ] || { echo "usage: plots/make.sh RESULTS_DIR [CUTOFF]" >&2; exit 2; }
# The results folder is taken relative to where the script is called from, then made absolute
# (the script works from the project root, where plots/*.gp live).
case $1 in /*) R=$1 ;; *) R=$(pwd)/$1 ;; esac
[ -d "$R" ] || { echo "plots/make.sh: no results folder $1" >&2; exit 1; }
cd "$(dirname "$0")/.."
CUT=${2:-20}
F="$R/figures"
mkdir -p "$F"
# Distinct values of a summary column, in first-seen order (gnuplot takes space-separated words).
distinct() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } !seen[$k]++ { print $k }' "$1" | tr '\n' ' '; }
# One short label per configuration, in `config` order: the algorithm, plus those parameters
# (at most two) whose values differ between that algorithm's configurations ('~' stands for a space).
labels_of() { awk -F, 'NR > 1 && !seen[$5]++ { n++; algo[n] = $2; par[n] = $3
        k = split($3, kv, ";"); for (i = 1; i <= k; i++) { split(kv[i], p, "="); val[$2, p[1]] = val[$2, p[1]] == "" ? p[2] : val[$2, p[1]]; if (val[$2, p[1]] != p[2]) differs[$2, p[1]] = 1 } }
    END { for (c = 1; c <= n; c++) { l = algo[c]; k = split(par[c], kv, ";")
              shown = 0; for (i = 1; i <= k && shown < 2; i++) { split(kv[i], p, "="); if ((algo[c], p[1]) in differs) { l = l "~" kv[i]; shown++ } }
              print l } }' "$1" | tr '\n' ' '; }
plot() { for fmt in png pdf; do gnuplot -e "summary='$1'; out='$F/$2'; fmt='$fmt'; cutoff=$CUT; $3" "plots/$2.gp"; done; }

S="$R/summary.csv"
if [ -f "$S" ]; then
    ds=$(distinct "$S" dataset)
    lab=$(labels_of "$S")
    plot "$S" accuracy "datasets='$ds'; labels='$lab'"
    plot "$S" latency "datasets='$ds'; labels='$lab'"
    plot "$S" accuracy_latency "datasets='$ds'"
fi
S="$R/sensitivity/summary.csv"
if [ -f "$S" ]; then
    for d in $(distinct "$S" dataset); do
        ms=$(awk -F, 'NR > 1 && $2 == "vmis" { n = split($3, p, ";"); for (i = 1; i <= n; i++) if (p[i] ~ /^m=/) print substr(p[i], 3) }' "$S" | sort -n -u | tr '\n' ' ')
        ks=$(awk -F, 'NR > 1 && $2 == "vmis" { n = split($3, p, ";"); for (i = 1; i <= n; i++) if (p[i] ~ /^k=/) print substr(p[i], 3) }' "$S" | sort -n -u | tr '\n' ' ')
        for fmt in png pdf; do
            gnuplot -e "summary='$S'; out='$F/sensitivity_$d'; fmt='$fmt'; cutoff=$CUT; dataset='$d'; ms='$ms'; ks='$ks'" plots/sensitivity.gp
        done
    done
fi
S="$R/latency/summary.csv"
if [ -f "$S" ]; then
    for d in $(distinct "$S" dataset); do
        ks=$(awk -F, 'NR > 1 && $2 == "vmis" { n = split($3, p, ";"); for (i = 1; i <= n; i++) if (p[i] ~ /^k=/) print substr(p[i], 3) }' "$S" | sort -n -u | tr '\n' ' ')
        for fmt in png pdf; do
            gnuplot -e "summary='$S'; out='$F/latency_mk_$d'; fmt='$fmt'; cutoff=$CUT; dataset='$d'; ks='$ks'; metric='lat_p90_us'" plots/latency_mk.gp
        done
    done
fi
png=$(ls "$F" | grep -c '\.png$' || true)
pdf=$(ls "$F" | grep -c '\.pdf$' || true)
echo "figures: $png PNG and $pdf PDF in $F"
if [ "$png" -eq 0 ]; then
    echo "plots/make.sh: drew nothing: $R has no summary.csv, sensitivity/summary.csv or latency/summary.csv (run sbr run and sbr report first)" >&2
    exit 1
fi
