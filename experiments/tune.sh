#!/bin/sh
# TPE against random search (issue #6): VMIS-kNN on serenade-toy (train / valid / test) with
# Serenade's ranges, 50 trials, seeds 1-5. Prints each search's best validation MRR@20 and its
# test MRR@20, the means per method, and draws results/tune/tune.png (best so far per trial).
# Usage: experiments/tune.sh [TRIALS] [SEEDS]
set -eu
cd "$(dirname "$0")/.."
TRIALS=${1:-50}
SEEDS=${2:-5}
D=${SBR_DATA:-../shared/data}/serenade-toy
OUT=results/tune
mkdir -p "$OUT"
files=""
titles=""
for method in tpe random; do
    for seed in $(seq 1 "$SEEDS"); do
        dir="$OUT/$method-$seed"
        build/sbr tune --train "$D/train.tsv.gz" --valid "$D/valid.tsv.gz" --test "$D/test.tsv.gz" \
            --algo vmis --method "$method" --trials "$TRIALS" --seed "$seed" --threads 2 \
            --out "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
        valid=$(sed -n 's/.*best validation mrr@20 = \([0-9.]*\).*/\1/p' "$dir.log")
        test=$(sed -n 's/.*test (refitted.*): mrr@20 = \([0-9.]*\).*/\1/p' "$dir.log")
        best=$(sed -n 's/^  best: //p' "$dir.log")
        echo "$method,$seed,$valid,$test,$best"
        files="$files $dir/trials.csv"
        titles="$titles $method~seed~$seed"
    done
done | tee "$OUT/summary.csv.tmp"
{ echo "method,seed,valid_mrr20,test_mrr20,best"; cat "$OUT/summary.csv.tmp"; } >"$OUT/summary.csv"
rm -f "$OUT/summary.csv.tmp"
awk -F, 'NR > 1 { v[$1] += $3; t[$1] += $4; n[$1]++ }
         END { for (m in v) printf "%-7s mean best validation MRR@20 %.4f, mean test MRR@20 of the winners %.4f (%d seeds)\n", m, v[m] / n[m], t[m] / n[m], n[m] }' "$OUT/summary.csv"
files=$(ls "$OUT"/*/trials.csv | tr '\n' ' ')
titles=$(for f in $files; do basename "$(dirname "$f")" | tr '-' '~'; done | tr '\n' ' ')
for fmt in png pdf; do
    gnuplot -e "summary=''; out='$OUT/tune'; fmt='$fmt'; cutoff=20; files='$files'; titles='$titles'; objective='MRR@20'" plots/tune.gp
done
echo "tune: $OUT/summary.csv, $OUT/tune.png"
