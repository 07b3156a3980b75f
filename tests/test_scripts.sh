#!/bin/sh
# The report scripts as a user calls them: plots/make.sh and paper/build.sh take results
# folders relative to the caller's directory, draw the figures of a real (small) run, and fail
# loudly, changing nothing, when there is nothing to draw or no results to build from.
# Usage: test_scripts.sh SBR SOURCE_DIR
set -u
SBR=$1
SRC=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/checks.sh"
cd "$dir"
"$SBR" synth --out data.tsv --sessions 400 --items 120 --seed 3 >/dev/null 2>&1
mkdir -p run
"$SBR" eval --train data.tsv --test data.tsv --algo pop --algo sr --out run/metrics.csv \
    --threads 1 >/dev/null 2>&1
"$SBR" report --metrics run/metrics.csv --out run >/dev/null 2>&1
check "a small run has a summary" test -s run/summary.csv

# plots: a relative results path from another directory draws PNG and PDF files.
mkdir -p elsewhere
(cd elsewhere && sh "$SRC/plots/make.sh" ../run >../plots.out 2>&1)
check "plots/make.sh ../run exits 0" [ $? -eq 0 ]
check "  it drew PNG figures" [ "$(ls run/figures/*.png 2>/dev/null | wc -l)" -gt 0 ]
check "  and PDF figures" [ "$(ls run/figures/*.pdf 2>/dev/null | wc -l)" -gt 0 ]
check "  among them the accuracy small multiples" test -s run/figures/accuracy.png
mkdir -p empty
sh "$SRC/plots/make.sh" empty >plots2.out 2>&1
check "plots/make.sh on a folder without plot data fails" [ $? -ne 0 ]
check "  naming what is missing" grep -q "meta.gp is missing" plots2.out
# A figure whose data file has no rows fails, naming the file.
mkdir -p nodata
cp -r run/plots nodata/
grep '^#' run/plots/accuracy.dat >nodata/plots/accuracy.dat
sh "$SRC/plots/make.sh" nodata >plots4.out 2>&1
check "plots/make.sh with an empty data file fails" [ $? -ne 0 ]
check "  naming it" grep -q "accuracy.dat is missing or has no data" plots4.out
sh "$SRC/plots/make.sh" missing >plots3.out 2>&1
check "plots/make.sh on a missing folder fails, naming it" grep -q "no results folder missing" plots3.out

# paper: without results it refuses and leaves the committed paper alone.
before=$(cat "$SRC/paper/README.md" 2>/dev/null | cksum)
sh "$SRC/paper/build.sh" empty >paper.out 2>&1
check "paper/build.sh without results fails" [ $? -ne 0 ]
check "  naming what is missing" grep -q "accuracy.md is missing" paper.out
check "  and leaves paper/README.md unchanged" [ "$(cat "$SRC/paper/README.md" 2>/dev/null | cksum)" = "$before" ]

[ $fails -eq 0 ] && echo "scripts: all passed" || echo "scripts: $fails failed"
[ $fails -eq 0 ]
