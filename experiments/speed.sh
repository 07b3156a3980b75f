#!/bin/sh
# The README's speed table, regenerated: `sbr bench` (one thread) on retailrocket and
# rsc15-100k for the algorithms and configurations of experiments/main.ini, printed as
# Markdown with the machine and its load. Usage: sh experiments/speed.sh [path/to/sbr]
set -eu
SBR=${1:-build/sbr}
D=${SBR_DATA:?set SBR_DATA to the shared data folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

RR="vmis:m=500,k=500,last_items=2 vmis:m=500,k=500,last_items=2,idf=1,compat=serenade
vsknn:k=100,sample_size=1000,weighting=quadratic,weighting_score=quadratic
vsknn:k=500,sample_size=5000,weighting=quadratic,weighting_score=div,idf_weighting=5
sknn:k=100,sample_size=500,similarity=cosine
stan:k=500,sample_size=1000,lambda_spw=1.81,lambda_snh=100,lambda_inh=0.4525
vstan:k=1000,sample_size=2500,lambda_spw=3.62,lambda_snh=100,lambda_inh=0.4525,lambda_ipw=3.62,lambda_idf=1
sscf iknn ar sr:steps=10,weighting=div markov pop spop"

bench() { # dataset train test specs...
    name=$1 train=$2 test=$3
    shift 3
    set -- $(for s in "$@"; do printf -- '--algo %s ' "$s"; done)
    "$SBR" bench --train "$train" --test "$test" "$@" >"$tmp/$name.txt" 2>/dev/null
    # One row per algorithm: the spec as given, p50, p90, p99, bytes per training click.
    awk -v name="$name" 'NR > 1 { printf "| %s | %d. %s | %s | %s | %s | %s |\n", name, NR - 1, $1, $3, $4, $6, $13 }' \
        "$tmp/$name.txt" >"$tmp/$name.rows"
}

bench retailrocket "$D/retailrocket/train.tsv.gz" "$D/retailrocket/test.tsv.gz" $RR
bench rsc15-100k "$D/rsc15-100k/train_full.tsv.gz" "$D/rsc15-100k/test.tsv.gz" $RR

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "Measured by \`sh experiments/speed.sh\` on $(nproc) cores of $cpu, $(cc --version | head -1),"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) before the run; specs in the order below:"
echo
i=1
for s in $RR; do
    echo "$i. \`$s\`"
    i=$((i + 1))
done
echo
echo "| dataset | algorithm (row = spec above) | p50 µs | p90 µs | p99 µs | model bytes / training click |"
echo "|---|---|---|---|---|---|"
cat "$tmp/retailrocket.rows" "$tmp/rsc15-100k.rows"
