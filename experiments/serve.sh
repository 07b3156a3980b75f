#!/bin/sh
# The serving benchmark of README.md ("Serving"): for vmis, vsknn and sr on Retailrocket, fit
# and save a model, start `sbr serve` on a free loopback port, and replay the test file against
# it with `sbr replay`: once with --max, once at a fixed rate, once offline (no HTTP, for the
# algorithm's own streaming cost). --verify compares every served list with `sbr eval --recs`.
# Server and load generator share the machine's cores. --max replays the stream REPEAT times
# (later passes as new sessions) so the load is sustained for several seconds. Rows go to $OUT
# (CSV), a Markdown table to stdout; the first line says the machine's load before the run.
# Usage: sh experiments/serve.sh [SBR] [OUT]   (SBR_DATA must hold retailrocket/; ALGOS, THREADS,
# CONC, REPEAT, RATE, DURATION override the defaults below)
set -eu
SBR=${1:-build/sbr}
OUT=${2:-results/serve.csv}
DATA=${SBR_DATA:-../shared/data}/retailrocket
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONC=${CONC:-4}
REPEAT=${REPEAT:-5}
ALGOS=${ALGOS:-vmis vsknn sr}
# Sessions keep every click of the longest test session, so --verify compares every prefix
# (the offline evaluation uses whole prefixes).
MAXLEN=${MAXLEN:-1000}
dir=$(mktemp -d)
spid=""
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; server --threads $THREADS, replay --concurrency $CONC"
for algo in $ALGOS; do
    "$SBR" fit --train "$DATA/train.tsv.gz" --algo $algo --save "$dir/$algo.sbrm" >&2
    "$SBR" eval --model "$dir/$algo.sbrm" --test "$DATA/test.tsv.gz" --recs "$dir/$algo.recs" \
        --no-latency --threads 2 >/dev/null 2>&1
    "$SBR" serve --model "$dir/$algo.sbrm" --listen 127.0.0.1:0 --port-file "$dir/port" \
        --threads "$THREADS" --max-session-len "$MAXLEN" 2>"$dir/serve.log" &
    spid=$!
    i=0
    while [ ! -s "$dir/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    url=http://127.0.0.1:$(cat "$dir/port")
    "$SBR" replay --url "$url" --events "$DATA/test.tsv.gz" --max --concurrency "$CONC" \
        --repeat "$REPEAT" --tag max --verify "$dir/$algo.recs" --out "$OUT" --label $algo >&2 || true
    "$SBR" replay --url "$url" --events "$DATA/test.tsv.gz" --rate "$RATE" --concurrency "$CONC" \
        --tag rate --duration "$DURATION" --out "$OUT" --label $algo >&2 || true
    curl -s "$url/metrics" | grep -E '^sbr_(live_sessions|session_store_bytes) ' >"$dir/mem"
    sessions=$(awk '$1=="sbr_live_sessions"{print $2}' "$dir/mem")
    bytes=$(awk '$1=="sbr_session_store_bytes"{print $2}' "$dir/mem")
    echo "$algo,server_store,$sessions,$bytes" >>"$dir/memory.csv"
    kill -TERM $spid
    wait $spid || true
    spid=""
    rm -f "$dir/port"
    "$SBR" replay --offline --model "$dir/$algo.sbrm" --events "$DATA/test.tsv.gz" \
        --max-session-len "$MAXLEN" --out "$OUT" --label $algo >&2 || true
done
echo "| algorithm | mode | events | events/s | p50 us | p90 us | p99 us | p99.9 us | errors | verify (lists, differences) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -F, 'NR>1 {
    mode = $2 == "rate" ? "rate " $7 "/s" : ($2 == "max" ? "--max" : "offline");
    v = $2 == "max" ? $16 ", " $17 : "";
    printf "| %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s |\n", $1, mode, $4, $9, $10, $11, $12, $13, $15, v
}' "$OUT"
echo
echo "| algorithm | live sessions after the runs | store bytes | bytes per session |"
echo "|---|---|---|---|"
awk -F, '{ printf "| %s | %s | %s | %.0f |\n", $1, $3, $4, ($3 > 0 ? $4 / $3 : 0) }' "$dir/memory.csv"
