#!/bin/sh
# The results store end to end: concurrent `sbr run` writers on one output folder, a run
# killed with SIGKILL and resumed, a changed input re-run, --only and --force, latency kept
# by a rerun without it, and one --recs file per algorithm configuration. Nothing here
# asserts on time; the waits are bounded.
# Usage: test_store.sh PATH/TO/sbr
set -u
SBR=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION GOT WANT
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi
}
if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "test_store.sh: the sqlite3 shell is missing (make deps installs it)"
    exit 1
fi
q() { sqlite3 "$1" "$2"; } # q DB SQL
# The "N jobs: X run, Y already done" numbers of a run's output file: "N X Y".
counts() { sed -n 's/.*: \([0-9]*\) jobs: \([0-9]*\) run, \([0-9]*\) already done.*/\1 \2 \3/p' "$1"; }

"$SBR" synth --out "$TMP/a.tsv.gz" --sessions 15000 --items 1500 --seed 1 --days 10 >/dev/null || bad "synth a"
"$SBR" synth --out "$TMP/b.tsv.gz" --sessions 15000 --items 1500 --seed 2 --days 10 >/dev/null || bad "synth b"
# 36 jobs: dataset a has 1 slice, b 3 windows; 9 algorithm configurations; 2 cutoffs each.
experiment() { # experiment OUTPUT_FOLDER > file
    cat <<EOF
[run]
output = $1
threads = 1
cutoffs = 5,20
latency = yes
[dataset a]
file = $TMP/a.tsv.gz
split = last-days 2
[dataset b]
file = $TMP/b.tsv.gz
split = windows 4 1 3 0 2
[algo spop]
spec = spop
grid = top_n=10|20|40|80
[algo sr]
spec = sr
grid = steps=1|2|3|5
[algo knn]
spec = sknn:k=50,sample_size=200
EOF
}
experiment "$TMP/ref" >"$TMP/ref.ini"
experiment "$TMP/conc" >"$TMP/conc.ini"
experiment "$TMP/kill" >"$TMP/kill.ini"

# The columns that do not depend on timing, memory or the process: the key and the metrics.
stable() { cut -d, -f1-18 "$1" | sort; }
# Consistency of an output folder: the store holds 72 rows, metrics.csv has them once each,
# and the CSV holds exactly the store's keys.
consistent() { # consistent FOLDER WHAT
    check "$2: rows in the store" "$(q "$1/metrics.db" 'SELECT count(*) FROM results')" 72
    check "$2: rows in metrics.csv" "$(($(wc -l <"$1/metrics.csv") - 1))" 72
    check "$2: duplicated keys in metrics.csv" "$(cut -d, -f1-5 "$1/metrics.csv" | sort | uniq -d | wc -l)" 0
    q "$1/metrics.db" "SELECT dataset||','||split||','||algorithm||','||params||','||cutoff FROM results" | sort >"$TMP/k.db"
    tail -n +2 "$1/metrics.csv" | cut -d, -f1-5 | sort >"$TMP/k.csv"
    cmp -s "$TMP/k.db" "$TMP/k.csv" && ok || { bad "$2: metrics.csv and the store hold other keys"; diff "$TMP/k.db" "$TMP/k.csv" | head; }
    stable "$1/metrics.csv" >"$TMP/s.out"
    cmp -s "$TMP/s.ref" "$TMP/s.out" && ok || { bad "$2: metrics differ from an uninterrupted run"; diff "$TMP/s.ref" "$TMP/s.out" | head; }
    check "$2: datasets.csv rows (2 parts of 4 slices)" "$(($(wc -l <"$1/datasets.csv") - 1))" 8
    ls "$1" | grep -q '\.tmp$' && bad "$2: temporary files left" || ok
}

"$SBR" run "$TMP/ref.ini" >"$TMP/ref.out" 2>&1 || bad "the reference run failed"
check "the reference run" "$(counts "$TMP/ref.out")" "36 36 0"
stable "$TMP/ref/metrics.csv" >"$TMP/s.ref"

# --- 4 concurrent writers on one output folder -----------------------------------------------
pids=""
for w in 1 2 3 4; do
    "$SBR" run "$TMP/conc.ini" >"$TMP/conc$w.out" 2>&1 &
    pids="$pids $!"
done
w=0
for pid in $pids; do
    w=$((w + 1))
    wait "$pid" && ok || { bad "concurrent writer $w failed"; cat "$TMP/conc$w.out"; }
done
ran=0
for w in 1 2 3 4; do
    set -- $(counts "$TMP/conc$w.out")
    check "writer $w saw every job" "${1:-none}" 36
    ran=$((ran + ${2:-0}))
done
[ "$ran" -ge 36 ] && ok || bad "the writers ran $ran jobs, fewer than the 36"
consistent "$TMP/conc" "4 concurrent writers"
# A rerun finds everything done and rewrites metrics.csv from the store unchanged: the CSV
# the concurrent writers left was the store's latest state.
cp "$TMP/conc/metrics.csv" "$TMP/conc.csv"
"$SBR" run "$TMP/conc.ini" >"$TMP/conc5.out" 2>&1 || bad "the rerun after the writers failed"
check "rerun after the writers" "$(counts "$TMP/conc5.out")" "36 0 36"
cmp -s "$TMP/conc.csv" "$TMP/conc/metrics.csv" && ok || bad "the writers left a metrics.csv older than the store"

# --- kill -9 in the middle, then resume ------------------------------------------------------
"$SBR" run "$TMP/kill.ini" >/dev/null 2>&1 &
pid=$!
i=0
rows=0
while [ "$rows" -lt 6 ] && [ $i -lt 400 ]; do
    sleep 0.05
    i=$((i + 1))
    rows=$(q "$TMP/kill/metrics.db" 'SELECT count(*) FROM results' 2>/dev/null || echo 0)
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
rows=$(q "$TMP/kill/metrics.db" 'SELECT count(*) FROM results')
[ "$rows" -lt 72 ] && ok || bad "the run was not killed midway (it had $rows of 72 rows)"
check "the killed run's rows are whole jobs" "$((rows % 2))" 0
done_at_kill=$((rows / 2))
"$SBR" run "$TMP/kill.ini" >"$TMP/kill2.out" 2>&1 || { bad "the resumed run failed"; cat "$TMP/kill2.out"; }
check "the resume runs only the unfinished jobs" "$(counts "$TMP/kill2.out")" "36 $((36 - done_at_kill)) $done_at_kill"
consistent "$TMP/kill" "killed and resumed"

# --- a changed input runs again --------------------------------------------------------------
q "$TMP/kill/metrics.db" "SELECT fingerprint FROM results WHERE dataset='a'" | sort -u >"$TMP/fa0"
q "$TMP/kill/metrics.db" "SELECT seq FROM results WHERE dataset='a' ORDER BY seq" >"$TMP/seqa0"
"$SBR" synth --out "$TMP/b.tsv.gz" --sessions 15000 --items 1500 --seed 3 --days 10 >/dev/null
"$SBR" run "$TMP/kill.ini" >"$TMP/changed.out" 2>&1 || bad "the run on changed data failed"
check "only the changed dataset's 27 jobs run" "$(counts "$TMP/changed.out")" "36 27 9"
grep -q "27 of those run had changed inputs" "$TMP/changed.out" && ok || bad "the changed inputs are counted"
check "rows after the change" "$(q "$TMP/kill/metrics.db" 'SELECT count(*) FROM results')" 72
check "keys after the change, once each" "$(cut -d, -f1-5 "$TMP/kill/metrics.csv" | sort | uniq -d | wc -l)" 0
check "b's rows carry one new fingerprint per slice" "$(q "$TMP/kill/metrics.db" "SELECT count(DISTINCT fingerprint) FROM results WHERE dataset='b'")" 3
q "$TMP/kill/metrics.db" "SELECT seq FROM results WHERE dataset='a' ORDER BY seq" >"$TMP/seqa1"
cmp -s "$TMP/seqa0" "$TMP/seqa1" && ok || bad "the unchanged dataset's rows were rewritten"
grep '^b,' "$TMP/ref/metrics.csv" | cut -d, -f1-18 | sort >"$TMP/b0"
grep '^b,' "$TMP/kill/metrics.csv" | cut -d, -f1-18 | sort >"$TMP/b1"
cmp -s "$TMP/b0" "$TMP/b1" && bad "b's metrics did not change with its data" || ok
# The same data again (regenerated byte for byte): nothing runs.
"$SBR" run "$TMP/kill.ini" >"$TMP/same.out" 2>&1
check "unchanged data: nothing runs" "$(counts "$TMP/same.out")" "36 0 36"

# --- --only and --force ----------------------------------------------------------------------
"$SBR" run "$TMP/kill.ini" --only sr --force >"$TMP/only.out" 2>&1 || bad "--only sr --force failed"
check "--only sr --force runs sr's 4 configurations on 4 slices" "$(counts "$TMP/only.out")" "36 16 0"
grep -q "20 not selected by --only" "$TMP/only.out" && ok || bad "--only counts the others"
"$SBR" run "$TMP/kill.ini" --only 'a/*' --only 'kn?' --force >"$TMP/only2.out" 2>&1
check "--only 'a/*' --only 'kn?': dataset a's 9 jobs and knn's 3 on b" "$(counts "$TMP/only2.out")" "36 12 0"
"$SBR" run "$TMP/kill.ini" --only 'b' >"$TMP/only3.out" 2>&1
check "--only b without --force: all done" "$(counts "$TMP/only3.out")" "36 0 27"
"$SBR" run "$TMP/kill.ini" --only 'nothing*' >"$TMP/only4.out" 2>&1
check "--only matching nothing" "$(counts "$TMP/only4.out")" "36 0 0"
"$SBR" run "$TMP/kill.ini" --only '' >/dev/null 2>&1
check "--only '' is a usage error" $? 2
"$SBR" run "$TMP/kill.ini" --force >"$TMP/force.out" 2>&1 || bad "--force failed"
check "--force runs every job" "$(counts "$TMP/force.out")" "36 36 0"
check "rows after --force" "$(q "$TMP/kill/metrics.db" 'SELECT count(*) FROM results')" 72
"$SBR" run --help >"$TMP/help" 2>&1
grep -q -- "--only PATTERN" "$TMP/help" && grep -q "fnmatch" "$TMP/help" && ok || bad "--help documents --only"

# --- --per-session: the ranks of every prediction ----------------------------------------------
"$SBR" split --in "$TMP/a.tsv.gz" --out "$TMP/sp" --last-days 2 >/dev/null 2>&1
"$SBR" run "$TMP/kill.ini" --only a --per-session >"$TMP/ps.out" 2>&1 || bad "--per-session failed"
check "--per-session runs the jobs that have no ranks yet" "$(counts "$TMP/ps.out")" "36 9 0"
check "one ranks row per job" "$(q "$TMP/kill/metrics.db" 'SELECT count(*) FROM ranks')" 9
check "each with its job's predictions" "$(q "$TMP/kill/metrics.db" "SELECT count(*) FROM ranks r JOIN results m USING (dataset, split, algorithm, params) WHERE m.cutoff = 20 AND r.n_predictions = m.n_predictions AND r.fingerprint = m.fingerprint AND length(r.ranks) >= r.n_predictions")" 9
"$SBR" run "$TMP/kill.ini" --only a --per-session >"$TMP/ps2.out" 2>&1
check "--per-session again: done" "$(counts "$TMP/ps2.out")" "36 0 9"
"$SBR" eval --train "$TMP/sp/a.0.train.tsv.gz" --test "$TMP/sp/a.0.test.tsv.gz" --algo ar --per-session >/dev/null 2>&1
check "eval --per-session without --out is a usage error" $? 2

# A synthetic dataset whose options change is generated anew, and its jobs run again.
cat >"$TMP/syn.ini" <<EOF
[run]
output = $TMP/syn
cutoffs = 20
latency = no
[dataset s]
synth = sessions=2000,items=300,seed=1
split = last-days 2
[algo sr]
spec = sr
EOF
"$SBR" run "$TMP/syn.ini" >"$TMP/syn1.out" 2>&1 || bad "the synthetic run failed"
sed 's/seed=1/seed=2/' "$TMP/syn.ini" >"$TMP/syn2.ini"
"$SBR" run "$TMP/syn2.ini" >"$TMP/syn2.out" 2>&1 || bad "the synthetic run with a new seed failed"
check "new synth options: the job runs again" "$(counts "$TMP/syn2.out")" "1 1 0"
"$SBR" run "$TMP/syn2.ini" >"$TMP/syn3.out" 2>&1
check "the same synth options: done" "$(counts "$TMP/syn3.out")" "1 0 1"
"$SBR" eval --train "$TMP/sp/a.0.train.tsv.gz" --test "$TMP/sp/a.0.test.tsv.gz" --algo ar --out "$TMP/syn" >/dev/null 2>"$TMP/dir.err"
check "eval --out a folder fails" $? 1
grep -q "is a folder, not a file" "$TMP/dir.err" && ok || bad "the folder is named"
[ -e "$TMP/syn.db" ] && bad "eval --out a folder left a store" || ok

# --- a rerun without latency keeps the measured latency --------------------------------------
"$SBR" split --in "$TMP/b.tsv.gz" --out "$TMP/spb" --last-days 2 >/dev/null 2>&1
TR=$TMP/sp/a.0.train.tsv.gz
TE=$TMP/sp/a.0.test.tsv.gz
p90() { grep "^d,s,sknn," "$1" | head -1 | cut -d, -f22; }
mkdir -p "$TMP/ev" "$TMP/rc"
"$SBR" eval --train "$TR" --test "$TE" --algo sknn --algo ar --dataset d --split s --threads 1 --out "$TMP/ev/m.csv" >/dev/null 2>&1 || bad "eval --out failed"
measured=$(p90 "$TMP/ev/m.csv")
[ -n "$measured" ] && [ "$measured" != "0.000" ] && ok || bad "eval measured a latency ($measured)"
[ -f "$TMP/ev/m.db" ] && ok || bad "eval --out m.csv keeps its store in m.db"
"$SBR" eval --train "$TR" --test "$TE" --algo sknn --algo ar --dataset d --split s --threads 1 --out "$TMP/ev/m.csv" --no-latency >/dev/null 2>&1 || bad "eval --no-latency failed"
check "--no-latency keeps the measured p90" "$(p90 "$TMP/ev/m.csv")" "$measured"
check "rows after the rerun" "$(($(wc -l <"$TMP/ev/m.csv") - 1))" 2
check "the store has the latency" "$(q "$TMP/ev/m.db" "SELECT count(*) FROM results WHERE lat_p90_us IS NOT NULL")" 2
# Other data under the same names: the old latency is not a measurement of it.
"$SBR" eval --train "$TMP/spb/b.0.train.tsv.gz" --test "$TMP/spb/b.0.test.tsv.gz" --algo sknn --algo ar --dataset d --split s --threads 1 --out "$TMP/ev/m.csv" --no-latency >/dev/null 2>&1 || bad "eval on other data failed"
check "other inputs without latency: p90 not measured" "$(p90 "$TMP/ev/m.csv")" "0.000"
check "... and NULL in the store" "$(q "$TMP/ev/m.db" "SELECT count(*) FROM results WHERE lat_p90_us IS NULL")" 2
# A metrics.csv from before the store is kept: its rows are imported.
head -2 "$TMP/ref/metrics.csv" >"$TMP/ev/old.csv"
"$SBR" eval --train "$TR" --test "$TE" --algo ar --dataset d --split s --threads 1 --out "$TMP/ev/old.csv" --no-latency >/dev/null 2>&1 || bad "eval onto an old CSV failed"
check "the old CSV's row and the new one" "$(($(wc -l <"$TMP/ev/old.csv") - 1))" 2
sed -n 2p "$TMP/ref/metrics.csv" | cut -d, -f1-18 >"$TMP/o1"
sed -n 2p "$TMP/ev/old.csv" | cut -d, -f1-18 >"$TMP/o2"
cmp -s "$TMP/o1" "$TMP/o2" && ok || bad "the old row was not kept first"

# --- --recs: one file per algorithm configuration --------------------------------------------
"$SBR" synth --out "$TMP/c.tsv.gz" --sessions 3000 --items 500 --seed 4 --days 10 >/dev/null
"$SBR" split --in "$TMP/c.tsv.gz" --out "$TMP/spc" --last-days 2 >/dev/null 2>&1
TR=$TMP/spc/c.0.train.tsv.gz
TE=$TMP/spc/c.0.test.tsv.gz
"$SBR" eval --train "$TR" --test "$TE" --algo vmis --algo vmis:compat=serenade --no-latency --recs "$TMP/rc/r.csv" >/dev/null 2>&1 || bad "eval --recs with two vmis failed"
check "two vmis configurations, two files" "$(ls "$TMP/rc" | grep -c '^r\.vmis-[0-9a-f]\{8\}\.csv$')" 2
"$SBR" eval --train "$TR" --test "$TE" --algo vmis --no-latency --recs "$TMP/rc/one.csv" >/dev/null 2>&1
"$SBR" eval --train "$TR" --test "$TE" --algo vmis:compat=serenade --no-latency --recs "$TMP/rc/two.csv" >/dev/null 2>&1
matched=0
for f in "$TMP"/rc/r.vmis-*.csv; do
    if cmp -s "$f" "$TMP/rc/one.csv"; then matched=$((matched + 1)); fi
    if cmp -s "$f" "$TMP/rc/two.csv"; then matched=$((matched + 10)); fi
done
check "each file holds its own configuration's lists" "$matched" 11

echo "store: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
