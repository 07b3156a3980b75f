#!/bin/sh
# Regenerates the seed corpora in tests/fuzz/corpus/ (checked in; run by hand, never by
# `make fuzz`). Seeds are a few lines cut from the test fixtures and the shared raw samples,
# the experiment files and tuning spaces of the repository, and small models written by
# `sbr fit --save` on tests/fixtures/sessions-small.tsv.
#   usage: sh tests/fuzz/seed.sh [SBR_BINARY] [RAW_SAMPLES_DIR]
set -eu
cd "$(dirname "$0")/../.."
SBR=${1:-build/sbr}
RAW=${2:-../shared/data/raw-samples}
C=tests/fuzz/corpus
FIX=tests/fixtures
rm -rf "$C"
mkdir -p "$C/fuzz_load" "$C/fuzz_prepare" "$C/fuzz_experiment" "$C/fuzz_expand" \
    "$C/fuzz_spec" "$C/fuzz_space" "$C/fuzz_model"

# seed FILE FLAGS_OCTAL SOURCE LINES: one flags/selector byte, then the first LINES lines.
seed() {
    { printf "\\$2"; head -n "$4" "$3"; } > "$1"
}

# fuzz_load: flags bits 0-1 storage (0 .tsv, 1 .gz as is, 2 .gz compressed, 3 .csv).
L=$C/fuzz_load
seed "$L/small-tsv" 000 "$FIX/sessions-small.tsv" 30
seed "$L/small-gz-stream" 002 "$FIX/sessions-small.tsv" 12
{ printf '\001'; head -n 8 "$FIX/sessions-small.tsv" | gzip -9n; } > "$L/small-gz-file"
seed "$L/noheader-skipbad" 014 "$FIX/sessions-small.tsv" 1 # header only, as data
tail -n +2 "$FIX/sessions-small.tsv" | head -n 6 | { printf '\014'; cat; } > "$L/noheader-rows"
printf '\003SessionId,ItemId,Time\n1,"10",2014-04-07T10:51:09.277Z\n1,11,1.5e9\n2,"1""2",3\n' \
    > "$L/csv-quotes-iso"
printf '\030session_id;item_id;timestamp\n1;2;1600000000000\n1;3;1600000001000\n' > "$L/ms-alias"
[ -f "$RAW/retailrocket-sample.tsv" ] && seed "$L/rr-sample" 000 "$RAW/retailrocket-sample.tsv" 8
# Dataset caches (.sbrd): one of a source that no longer exists, one without a source.
T=$(mktemp -d)
head -n 12 "$FIX/sessions-small.tsv" > "$T/small.tsv"
"$SBR" prepare --format sessions --no-filters --in "$T/small.tsv" --out "$T/small.sbrd" >/dev/null
{ printf '\000'; cat "$T/small.sbrd"; } > "$L/cache-small"
rm -rf "$T"

# fuzz_prepare: selector bits 0-2 format (sessions lastfm1k retailrocket yoochoose diginetica
# 30music nowplaying online-retail), bit 3 (010) filters off.
P=$C/fuzz_prepare
P_FIX=$FIX/prepare
seed "$P/sessions" 010 "$FIX/sessions-small.tsv" 20
seed "$P/lastfm1k" 011 "$P_FIX/lastfm1k-gap.tsv" 12
seed "$P/retailrocket" 012 "$P_FIX/retailrocket-events.csv" 12
seed "$P/yoochoose" 013 "$P_FIX/yoochoose-clicks.dat" 12
seed "$P/diginetica" 014 "$P_FIX/diginetica-views.csv" 12
seed "$P/30music" 015 "$P_FIX/music-sessions.tsv" 14
seed "$P/nowplaying" 016 "$P_FIX/music-sessions.tsv" 14
seed "$P/online-retail" 017 "$P_FIX/online-retail.csv" 12
seed "$P/online-retail-defaults" 007 "$P_FIX/online-retail.csv" 12
seed "$P/yoochoose-gz" 053 "$P_FIX/yoochoose-clicks.dat" 6
if [ -d "$RAW" ]; then
    seed "$P/lastfm1k-sample" 011 "$RAW/lastfm-1k-extract.tsv" 6
    seed "$P/diginetica-sample" 014 "$RAW/diginetica-sample_train-item-views.csv" 8
    seed "$P/sessions-rr-sample" 010 "$RAW/retailrocket-sample.tsv" 8
fi

# fuzz_experiment: the repository's experiment files, cut, and a small complete one.
E=$C/fuzz_experiment
head -n 30 experiments/main.ini > "$E/main-head.ini"
head -n 40 experiments/sensitivity.ini > "$E/sensitivity-head.ini"
cat > "$E/all-keys.ini" <<'INI'
[run]
output = results
threads = 2
seed = 7
cutoffs = 5,10,20
latency = no
algorithms = listed
[dataset given]
train = $SBR_DATA/a/train.tsv.gz
test = ${SBR_DATA}/a/test.tsv.gz
optional = yes
[dataset joined]
file = a.tsv b.tsv
split = windows 20 2 3 0 4
[dataset synthetic]
synth = sessions=100,items=50,seed=1
split = last-days 2
[algo vmis]
spec = vmis:last_items=2
grid = m=100|500; k=50|100
where = k<=m
INI

# fuzz_expand: spec, grid, where on three lines.
X=$C/fuzz_expand
printf 'vmis:last_items=2\nm=35|50|100; k=50|100|500\nk<=m\n' > "$X/vmis-where"
printf 'sr\nsteps=1|5|10; weighting=div|linear\n\n' > "$X/sr-choices"
printf 'iknn:alpha=0.5\nlmbd=0.5|20\nlmbd>alpha\n' > "$X/iknn-real"

# fuzz_spec: one spec per algorithm and some with parameters.
S=$C/fuzz_spec
for a in pop spop ar sr markov vmis vsknn sknn stan vstan iknn sscf; do
    printf '%s' "$a" > "$S/$a"
done
printf 'vmis:m=100,k=50,last_items=3,idf=0,compat=serenade' > "$S/vmis-full"
printf 'sr:steps=5,weighting=quadratic,pruning=0.5' > "$S/sr-full"
printf 'iknn:n_sims=50,lmbd=20,alpha=0.75' > "$S/iknn-full"
printf 'pop:top_n=1e3' > "$S/pop-exp"

# fuzz_space: every algorithm's default space (algorithms/*.c) and one of each kind.
T=$C/fuzz_space
printf 'm=int:100:2500; k=int:50:1500; last_items=int:1:20; idf=int:0:5' > "$T/vmis"
printf 'n_sims=choice:50|100|200|500; lmbd=real:0:100; alpha=real:0:1' > "$T/iknn"
printf 'top_n=logint:1:1000' > "$T/pop"
printf 'pruning=choice:0|10|20|50|100' > "$T/ar"
printf 'lambda=log:0.01:10\n# comment\nw=choice:div|quadratic;\n' > "$T/log-comment"

# fuzz_model: uncompressed models fitted on the small fixture (the target fixes the CRC).
M=$C/fuzz_model
for spec in pop spop ar sr markov vmis:m=5,k=5 vsknn:k=5,sample_size=10 sknn:k=5,sample_size=10 \
    stan:k=5,sample_size=10 vstan:k=5,sample_size=10 iknn:n_sims=5 sscf:k=5; do
    name=${spec%%:*}
    "$SBR" fit --train "$FIX/sessions-small.tsv" --algo "$spec" --save "$M/$name" >/dev/null 2>&1
done
du -sb "$C"/*
