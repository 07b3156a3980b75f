#!/bin/sh
# Command-line smoke tests: the real `sbr` program, its exit codes, messages and files.
# Usage: test_cli.sh PATH/TO/sbr FIXTURES_DIR
# The fixture sessions-small.tsv has 5 sessions and 12 clicks over 4 days (worked out by hand
# in the comments below).
set -u
SBR=$1
FIX=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect STATUS DESCRIPTION -- command...: runs the command, output in $TMP/out and $TMP/err
expect() {
    want=$1; what=$2; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, expected $want"; cat "$TMP/err"; fi
}
# contains FILE TEXT DESCRIPTION
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in $(basename "$1")"; cat "$1"; fi
}

expect 2 "no arguments is a usage error" -- "$SBR"
contains "$TMP/err" "Usage: sbr <command>" "usage on stderr"
expect 0 "--help" -- "$SBR" --help
contains "$TMP/out" "split" "--help lists the commands"
expect 0 "--version" -- "$SBR" --version
contains "$TMP/out" "sbr " "version printed"
expect 2 "unknown command" -- "$SBR" frobnicate
contains "$TMP/err" "unknown command 'frobnicate'" "unknown command named"

# OPENBLAS_CORETYPE naming AVX-512 kernels: refused with a message on a CPU without AVX-512
# (OpenBLAS would die of an illegal instruction in the first product), obeyed where it runs.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512cd /proc/cpuinfo &&
    grep -qw avx512bw /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo &&
    grep -qw avx512vl /proc/cpuinfo; then
    expect 0 "OPENBLAS_CORETYPE=SkylakeX on an AVX-512 CPU" -- \
        env OPENBLAS_CORETYPE=SkylakeX "$SBR" algos
else
    expect 2 "OPENBLAS_CORETYPE=SkylakeX without AVX-512" -- \
        env OPENBLAS_CORETYPE=SkylakeX "$SBR" algos
    contains "$TMP/err" "OPENBLAS_CORETYPE=SkylakeX asks for kernels that need AVX-512" \
        "the refusal names the variable and what it needs"
fi
expect 0 "OPENBLAS_CORETYPE=Prescott runs everywhere" -- \
    env OPENBLAS_CORETYPE=Prescott "$SBR" algos

for cmd in stats prepare split; do
    expect 0 "$cmd --help" -- "$SBR" "$cmd" --help
    contains "$TMP/out" "Usage: sbr $cmd" "$cmd --help shows its usage"
    expect 0 "help $cmd" -- "$SBR" help "$cmd"
done
contains "$TMP/out" "--preset" "split help teaches the presets"

# stats: 5 sessions, 12 clicks, items 10 11 12 13 99 = 5; lengths 3 2 3 3 1.
expect 0 "stats on the fixture" -- "$SBR" stats "$FIX/sessions-small.tsv"
contains "$TMP/out" "sessions" "stats table"
grep -E '^sessions +5$' "$TMP/out" >/dev/null && ok || bad "stats: 5 sessions"
grep -E '^clicks +12$' "$TMP/out" >/dev/null && ok || bad "stats: 12 clicks"
grep -E '^items +5$' "$TMP/out" >/dev/null && ok || bad "stats: 5 items"
grep -E '^session length, max +3$' "$TMP/out" >/dev/null && ok || bad "stats: max length 3"
expect 0 "stats --csv" -- "$SBR" stats --csv "$FIX/sessions-small.tsv"
head -1 "$TMP/out" | grep -q '^file,rows_read,rows_kept' && ok || bad "stats --csv header"
tail -1 "$TMP/out" | grep -qF ',12,12,0,0,5,12,5,' && ok || bad "stats --csv row"; 

expect 0 "stats --time-load" -- "$SBR" stats --time-load "$FIX/sessions-small.tsv"
grep -qE 'sessions-small.tsv: loaded in [0-9.]+ s: 12 clicks, 5 sessions, 5 items$' "$TMP/out" &&
    ok || bad "stats --time-load: the load time and counts"
grep -q '^sessions' "$TMP/out" && bad "stats --time-load prints no statistics" || ok
expect 2 "stats without a file" -- "$SBR" stats
expect 2 "stats with an unknown option" -- "$SBR" stats --frob x
expect 1 "stats on a missing file" -- "$SBR" stats "$TMP/missing.tsv"
contains "$TMP/err" "missing.tsv: cannot open" "missing file named"

printf 'SessionId\tItemId\tTime\n1\t10\t5\n1\tbanana\t6\n1\t11\t7\n' >"$TMP/bad.tsv"
expect 1 "a malformed row stops stats" -- "$SBR" stats "$TMP/bad.tsv"
contains "$TMP/err" 'bad.tsv:3: column 2 "ItemId": "banana"' "the message names file, line, column, text"
expect 0 "--skip-bad-rows counts instead" -- "$SBR" stats --skip-bad-rows "$TMP/bad.tsv"
grep -E '^rows dropped \(bad\) +1$' "$TMP/out" >/dev/null && ok || bad "one dropped row reported"
# Times past 9999-12-31 (here past 2^63 s, where the date conversion was undefined) and ISO
# offsets out of range are named bad rows.
printf 'SessionId\tItemId\tTime\n1\t10\t5\n1\t11\t9.3e18\n' >"$TMP/bigtime.tsv"
expect 1 "a time past 9999 stops stats" -- "$SBR" stats "$TMP/bigtime.tsv"
contains "$TMP/err" 'bigtime.tsv:3: column 3 "Time": "9.3e18" is after 9999-12-31 23:59:59 UTC (out of range)' "the time range named"
printf 'SessionId\tItemId\tTime\n1\t10\t2020-01-01T00:00:00+99:99\n' >"$TMP/offset.tsv"
expect 1 "an offset out of range stops stats" -- "$SBR" stats "$TMP/offset.tsv"
contains "$TMP/err" '"2020-01-01T00:00:00+99:99" has a UTC offset out of range' "the offset named"
expect 2 "bad --delimiter" -- "$SBR" stats --delimiter pipe "$FIX/sessions-small.tsv"
expect 2 "bad --columns" -- "$SBR" stats --columns sess=1 "$FIX/sessions-small.tsv"
expect 0 "--columns by number" -- "$SBR" stats --columns session=1,item=2,time=3 "$FIX/sessions-small.tsv"

# split --last-days 1: t1 = 1600259400, boundary t1 - 86400 = 1600173000. Sessions ending at or
# after it: 4 (ends ...320) and 5 (...400) are test; 1, 2, 3 train (items 10 11 12 13).
# Test session 4 = 10 11 99: 99 is unseen, removed -> 10 11; session 5 has 1 click: dropped.
expect 0 "split --last-days" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/sp" --last-days 1
grep -Eq 'last days .* 3 +8 +1 +2 +1 +1$' "$TMP/out" && ok || { bad "split table: 3 8 1 2 1 1"; cat "$TMP/out"; }
for part in train test; do
    [ -f "$TMP/sp/sessions-small.0.$part.tsv.gz" ] && ok || bad "split wrote the $part file"
done
expect 0 "stats on the split" -- "$SBR" stats --csv "$TMP/sp/sessions-small.0.train.tsv.gz" "$TMP/sp/sessions-small.0.test.tsv.gz"
sed -n 2p "$TMP/out" | grep -qF ',8,8,0,0,3,8,4,' && ok || bad "train: 3 sessions, 8 clicks, 4 items"
sed -n 3p "$TMP/out" | grep -qF ',2,2,0,0,1,2,2,' && ok || bad "test: 1 session, 2 clicks, 2 items"
contains "$TMP/sp/sessions-small.stats.csv" "0,test,1,2,2," "stats.csv test row"
grep -q '^0,test,.*,0,1,1,1$' "$TMP/sp/sessions-small.stats.csv" && ok || bad "stats.csv drops: 1 unseen click, 1 short session of 1 click"
ls "$TMP/sp" | grep -q '\.tmp$' && bad "temporary files left behind" || ok

# A write that fails midway (here the last part's name is taken by a folder, so it cannot be
# written, as a full disk would fail a write; this works as root too) leaves no partial split:
# the parts this run had written are removed, and nothing else.
mkdir -p "$TMP/spfail/sessions-small.0.train_valid.tsv.gz"
: >"$TMP/spfail/unrelated.tsv.gz"
expect 1 "split fails when a part cannot be written" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/spfail" --last-days 1 --valid-days 1
contains "$TMP/err" "sessions-small.0.train_valid.tsv.gz: is a folder, not a file" "the failed part is named"
for part in train test train_tr; do
    [ -e "$TMP/spfail/sessions-small.0.$part.tsv.gz" ] && bad "a failed split left its $part part" || ok
done
[ -e "$TMP/spfail/sessions-small.stats.csv" ] && bad "a failed split left its stats file" || ok
ls "$TMP/spfail" | grep -q '\.tmp$' && bad "a failed split left temporary files" || ok
[ -d "$TMP/spfail/sessions-small.0.train_valid.tsv.gz" ] && [ -e "$TMP/spfail/unrelated.tsv.gz" ] && ok || bad "a failed split removed what it had not written"
expect 2 "split needs a mode" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/x"
expect 2 "split rejects both modes" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/x" --last-days 1 --preset rsc15
expect 2 "split rejects a bad number" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/x" --days-train abc --days-test 1
contains "$TMP/err" "--days-train 'abc'" "the bad value is named"
expect 2 "unknown preset" -- "$SBR" split --in "$FIX/sessions-small.tsv" --out "$TMP/x" --preset nope

expect 2 "prepare needs its options" -- "$SBR" prepare --format sessions
expect 2 "prepare rejects an unknown format" -- "$SBR" prepare --format nope --in "$FIX/sessions-small.tsv" --out "$TMP/p.tsv"
contains "$TMP/err" "lastfm1k" "the known formats are listed"

# The binary dataset cache: written by prepare, read by every command in place of the file.
cp "$FIX/sessions-small.tsv" "$TMP/cached.tsv"
expect 0 "prepare writes a cache" -- "$SBR" prepare --format sessions --no-filters --in "$TMP/cached.tsv" --out "$TMP/cached.sbrd"
expect 0 "stats of the file" -- "$SBR" stats --csv "$TMP/cached.tsv"
cut -d, -f2- "$TMP/out" >"$TMP/stats-tsv.csv"
expect 0 "stats of its cache" -- "$SBR" stats --csv "$TMP/cached.sbrd"
cut -d, -f2- "$TMP/out" >"$TMP/stats-sbrd.csv"
cmp -s "$TMP/stats-tsv.csv" "$TMP/stats-sbrd.csv" && ok || bad "the cache describes the same dataset as its file"
expect 0 "a split reads the cache" -- "$SBR" split --in "$TMP/cached.sbrd" --out "$TMP/csplit" --last-days 1
expect 2 "--no-filters goes alone" -- "$SBR" prepare --format sessions --no-filters --min-item-support 3 --in "$TMP/cached.tsv" --out "$TMP/c2.sbrd"
printf 'x' | dd of="$TMP/cached.sbrd" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "a corrupt cache is refused" -- "$SBR" stats "$TMP/cached.sbrd"
contains "$TMP/err" "cached.sbrd: corrupt cache" "the corrupt cache is named"
expect 0 "prepare rewrites the cache" -- "$SBR" prepare --format sessions --no-filters --in "$TMP/cached.tsv" --out "$TMP/cached.sbrd"
echo "99	1	5" >>"$TMP/cached.tsv"
expect 1 "a stale cache is refused" -- "$SBR" stats "$TMP/cached.sbrd"
contains "$TMP/err" "stale cache" "the stale cache is reported"

# eval: a deterministic pseudo-random click log (an LCG in awk), split by session id.
awk 'BEGIN { x = 12345; print "SessionId\tItemId\tTime" > "'"$TMP"'/tr.tsv"; print "SessionId\tItemId\tTime" > "'"$TMP"'/te.tsv";
  for (s = 1; s <= 1200; s++) { x = (x * 1103515245 + 12345) % 2147483648; len = 2 + x % 7;
    item = x % 300; f = (s <= 1000) ? "'"$TMP"'/tr.tsv" : "'"$TMP"'/te.tsv";
    for (k = 0; k < len; k++) { x = (x * 1103515245 + 12345) % 2147483648;
      item = (x % 10 < 3) ? x % 300 : (item + 1 + x % 3) % 300; print s "\t" item "\t" s * 100 + k > f } } }'
expect 0 "eval with 1 thread" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo ar --algo sr:steps=5 --algo spop --cutoffs 5,20 --threads 1 --out "$TMP/m1.csv" --recs "$TMP/r1.csv"
contains "$TMP/out" "spop" "eval prints a table"
expect 0 "eval with 2 threads" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo ar --algo sr:steps=5 --algo spop --cutoffs 5,20 --threads 2 --out "$TMP/m2.csv" --recs "$TMP/r2.csv"
# All columns but the timings, peak memory and the thread count must be byte-identical.
keep='1-18,27,30,31'
if cut -d, -f"$keep" "$TMP/m1.csv" >"$TMP/k1" && cut -d, -f"$keep" "$TMP/m2.csv" >"$TMP/k2" && cmp -s "$TMP/k1" "$TMP/k2"; then ok; else bad "metrics differ between 1 and 2 threads"; diff "$TMP/k1" "$TMP/k2" | head; fi
[ "$(wc -l <"$TMP/m1.csv")" -eq 7 ] && ok || bad "6 rows (3 algorithms x 2 cutoffs) and a header"
# Several algorithms share one --recs: each configuration has its file, NAME-HASH.
for a in ar sr spop; do
    [ "$(ls "$TMP" | grep -c "^r1\.$a-[0-9a-f]\{8\}\.csv$")" -eq 1 ] && ok || bad "one recs file of $a"
    cmp -s "$TMP"/r1.$a-*.csv "$TMP"/r2.$a-*.csv && ok || bad "recs of $a differ between 1 and 2 threads"
done
head -1 "$TMP"/r1.ar-*.csv | grep -qx 'SessionId;Position;Recommendations;Scores' && ok || bad "recs header"
# Appending the same run replaces its rows: still 6 rows.
expect 0 "eval appends" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo ar --algo sr:steps=5 --algo spop --cutoffs 5,20 --threads 2 --out "$TMP/m1.csv" --no-latency
[ "$(wc -l <"$TMP/m1.csv")" -eq 7 ] && ok || bad "re-running replaced its rows instead of duplicating them"
expect 2 "eval rejects a bad parameter" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo sr:steps=0
contains "$TMP/err" "sr: steps='0' is out of range" "the parameter is named"
expect 2 "eval rejects an unknown algorithm" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo nope
expect 2 "eval rejects bad cutoffs" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo ar --cutoffs 20,5
# fit --save, then eval --model: the same metrics and lists as fitting in eval, without the
# training file; a damaged model file is refused naming it.
expect 0 "fit saves a model" -- "$SBR" fit --train "$TMP/tr.tsv" --algo sr:steps=5 --save "$TMP/sr.sbrm"
contains "$TMP/out" "saved to $TMP/sr.sbrm" "fit says where it saved"
expect 0 "eval --model" -- "$SBR" eval --model "$TMP/sr.sbrm" --test "$TMP/te.tsv" --cutoffs 5,20 --threads 2 --out "$TMP/mm.csv" --recs "$TMP/rm.csv" --dataset tmp --split tr
expect 0 "eval with the spec" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo sr:steps=5 --cutoffs 5,20 --threads 2 --out "$TMP/mf.csv" --recs "$TMP/rf.csv" --dataset tmp --split tr
cut -d, -f1-18 "$TMP/mm.csv" >"$TMP/km"; cut -d, -f1-18 "$TMP/mf.csv" >"$TMP/kf"
cmp -s "$TMP/km" "$TMP/kf" && ok || { bad "a saved model's metrics differ from a fitted one's"; diff "$TMP/km" "$TMP/kf"; }
cmp -s "$TMP/rm.csv" "$TMP/rf.csv" && ok || bad "a saved model's lists differ from a fitted one's"
# --batch: gru4rec scores up to 32 queries per call; the lists are those of one at a time.
expect 0 "fit gru4rec" -- "$SBR" fit --train "$TMP/tr.tsv" --algo gru4rec:layers=16,epochs=1,n_sample=16 --save "$TMP/g.sbrm"
expect 0 "eval --batch 1" -- "$SBR" eval --model "$TMP/g.sbrm" --test "$TMP/te.tsv" --threads 1 --no-latency --batch 1 --recs "$TMP/g1.csv"
expect 0 "eval, default batch" -- "$SBR" eval --model "$TMP/g.sbrm" --test "$TMP/te.tsv" --threads 2 --no-latency --recs "$TMP/g32.csv"
[ "$(wc -l <"$TMP/g1.csv")" -gt 500 ] && cmp -s "$TMP/g1.csv" "$TMP/g32.csv" && ok || bad "gru4rec's lists depend on --batch"
expect 2 "eval rejects --batch 33" -- "$SBR" eval --model "$TMP/g.sbrm" --test "$TMP/te.tsv" --batch 33
contains "$TMP/err" "batch" "the option is named"
expect 0 "bench --model" -- "$SBR" bench --model "$TMP/sr.sbrm" --test "$TMP/te.tsv"
printf 'garbage' | dd of="$TMP/sr.sbrm" bs=1 seek=40 conv=notrunc 2>/dev/null
expect 1 "eval refuses a corrupt model" -- "$SBR" eval --model "$TMP/sr.sbrm" --test "$TMP/te.tsv"
contains "$TMP/err" "sr.sbrm: checksum mismatch" "the message names the file and the fault"
# An unwritable --recs path is an error naming it, and frees everything on the way out (under
# the sanitizer build, `make sanitize`, LeakSanitizer would otherwise fail the exit status).
expect 1 "eval with an unwritable --recs fails" -- "$SBR" eval --train "$TMP/tr.tsv" --test "$TMP/te.tsv" --algo ar --algo sr:steps=5 --cutoffs 5,20 --recs "$TMP/no-such-dir/r.csv" --out "$TMP/mrecs.csv"
contains "$TMP/err" "no-such-dir/r.ar-" "the unwritable --recs path is named"
grep -q "LeakSanitizer" "$TMP/err" && bad "eval leaks when --recs cannot be written" || ok
[ -e "$TMP/mrecs.csv" ] && bad "a failed eval wrote --out" || ok
expect 2 "eval --algo needs --train" -- "$SBR" eval --test "$TMP/te.tsv" --algo ar
expect 2 "fit needs --save" -- "$SBR" fit --train "$TMP/tr.tsv" --algo ar
expect 0 "algos lists the algorithms" -- "$SBR" algos
contains "$TMP/out" "weighting" "algos shows parameters"

# run: an experiment killed midway (kill -9) and run again ends with the same rows as an
# uninterrupted run: nothing partial, nothing duplicated, nothing lost.
cat >"$TMP/exp.ini" <<EOF2
[run]
output = $TMP/runA
threads = 2
cutoffs = 5,20
[dataset syn]
synth = sessions=40000,items=3000,seed=5
split = last-days 3
[algo spop]
spec = spop
grid = top_n=10|20|40|80|160|320|640|1280
[algo sr]
spec = sr
grid = steps=1|2|3|5|8|13
EOF2
sed "s|$TMP/runA|$TMP/runB|" "$TMP/exp.ini" >"$TMP/expB.ini"
expect 0 "an uninterrupted run" -- "$SBR" run "$TMP/expB.ini"
"$SBR" run "$TMP/exp.ini" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$TMP/runA/metrics.csv" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
rows_at_kill=$(($(wc -l <"$TMP/runA/metrics.csv") - 1))
[ "$rows_at_kill" -lt 28 ] && ok || bad "the run was killed midway (it had $rows_at_kill of 28 rows)"
# Temporary files of dead processes (as a kill -9 during the synthetic-data step leaves) are
# removed by the rerun, in the output folder and in data/; a live process's file stays.
sh -c 'exit 0' & dead=$!; wait $dead
sleep 60 & live=$!
: >"$TMP/runA/metrics.csv.$dead.tmp"
: >"$TMP/runA/data/syn.tsv.gz.$dead.tmp"
: >"$TMP/runA/data/other.tsv.gz.$live.tmp"
: >"$TMP/runA/metrics.csv.$live.tmp"
expect 0 "the rerun resumes" -- "$SBR" run "$TMP/exp.ini"
contains "$TMP/out" "already done" "the rerun skips finished jobs"
[ -e "$TMP/runA/metrics.csv.$dead.tmp" ] && bad "a dead run's metrics temp file was left" || ok
[ -e "$TMP/runA/data/syn.tsv.gz.$dead.tmp" ] && bad "a dead run's data temp file was left" || ok
[ -e "$TMP/runA/data/other.tsv.gz.$live.tmp" ] && ok || bad "a live process's temp file was removed"
[ -e "$TMP/runA/metrics.csv.$live.tmp" ] && ok || bad "a live process's metrics temp file was removed"
[ "$(ls "$TMP/runA/data" | grep -c '\.tmp$')" -eq 1 ] && ok || { bad "temp files left in data/"; ls "$TMP/runA/data"; }
kill $live 2>/dev/null; wait $live 2>/dev/null
rm -f "$TMP/runA/data/other.tsv.gz.$live.tmp" "$TMP/runA/metrics.csv.$live.tmp"
[ "$(cut -d, -f1-5 "$TMP/runA/metrics.csv" | sort | uniq -d | wc -l)" -eq 0 ] && ok || bad "duplicated rows after the resume"
cut -d, -f1-18 "$TMP/runA/metrics.csv" | sort >"$TMP/ka"; cut -d, -f1-18 "$TMP/runB/metrics.csv" | sort >"$TMP/kb"
cmp -s "$TMP/ka" "$TMP/kb" && ok || { bad "resumed results differ from an uninterrupted run"; diff "$TMP/ka" "$TMP/kb" | head; }
ls "$TMP/runA" | grep -q '\.tmp$' && bad "temporary files left after the resume" || ok
expect 1 "run rejects a malformed experiment file" -- "$SBR" run "$FIX/sessions-small.tsv"
contains "$TMP/err" "sessions-small.tsv:1:" "the message names the file and line"

# tune: the same seed gives the same trials with 1 and 2 threads (the seconds column aside).
expect 0 "tune with 1 thread" -- "$SBR" tune --train "$TMP/tr.tsv" --valid "$TMP/te.tsv" --algo sr --trials 20 --threads 1 --out "$TMP/t1"
contains "$TMP/out" "best validation mrr@20" "tune reports the best trial"
expect 0 "tune with 2 threads" -- "$SBR" tune --train "$TMP/tr.tsv" --valid "$TMP/te.tsv" --algo sr --trials 20 --threads 2 --out "$TMP/t2"
cut -d, -f1-6 "$TMP/t1/trials.csv" >"$TMP/c1"; cut -d, -f1-6 "$TMP/t2/trials.csv" >"$TMP/c2"
cmp -s "$TMP/c1" "$TMP/c2" && ok || bad "tune trials differ between 1 and 2 threads"
[ "$(wc -l <"$TMP/t1/trials.csv")" -eq 21 ] && ok || bad "20 trials and a header"
expect 0 "best.ini runs" -- "$SBR" run "$TMP/t1/best.ini"
expect 2 "tune rejects a space that does not fit" -- "$SBR" tune --train "$TMP/tr.tsv" --valid "$TMP/te.tsv" --algo sr --space "depth=int:1:3" --out "$TMP/t3"
contains "$TMP/err" "unknown parameter 'depth'" "the parameter is named"
expect 2 "tune rejects a bad objective" -- "$SBR" tune --train "$TMP/tr.tsv" --valid "$TMP/te.tsv" --algo sr --objective auc@20 --out "$TMP/t3"

# Hardening: experiment files that crashed `sbr run` (SIGSEGV) give one clean error naming
# the file, the line and the offending text; the first error wins.
printf '[foo]\na = 1\nspec = pop\n' >"$TMP/foo.ini"
expect 1 "run rejects an unknown section without crashing" -- "$SBR" run "$TMP/foo.ini"
contains "$TMP/err" "foo.ini:1: unknown section [foo]" "the unknown section is named at its line"
i=1; : >"$TMP/algos65.ini"
while [ $i -le 65 ]; do printf '[algo a%d]\nspec = pop\n' $i >>"$TMP/algos65.ini"; i=$((i + 1)); done
expect 1 "run rejects 65 [algo] sections without crashing" -- "$SBR" run "$TMP/algos65.ini"
contains "$TMP/err" "algos65.ini:129:" "the 65th section's line is named"
contains "$TMP/err" "[algo a65]" "the 65th section is named"
printf '[dataset d]\nfile = x\nsplit = last-days 1\n[dataset d]\nfile = y\n' >"$TMP/twice.ini"
expect 1 "run rejects a repeated section" -- "$SBR" run "$TMP/twice.ini"
contains "$TMP/err" "twice.ini:4: [dataset d] repeats the section of line 1" "the repeated section is named"

# --columns given twice: the maps merge (a key given twice is a usage error).
expect 0 "--columns twice merges" -- "$SBR" stats --columns session=SessionId --columns item=ItemId "$FIX/sessions-small.tsv"
grep -E '^sessions +5$' "$TMP/out" >/dev/null && ok || bad "--columns twice: 5 sessions"
expect 2 "--columns naming a key twice" -- "$SBR" stats --columns session=SessionId --columns session=2 "$FIX/sessions-small.tsv"
contains "$TMP/err" "--columns 'session=2': session is given twice" "the repeated key is named"

# SBR_DATA: an experiment that uses it while it is unset says so, at its line, and how to set it
# (it used to fall back to ../shared/data without a word).
printf '[dataset d]\ntrain = $SBR_DATA/a.tsv\ntest = $SBR_DATA/b.tsv\n[algo pop]\nspec = pop\n' >"$TMP/data.ini"
expect 1 "run names an unset SBR_DATA" -- env -u SBR_DATA "$SBR" run "$TMP/data.ini"
contains "$TMP/err" "data.ini:2: train = '\$SBR_DATA/a.tsv' uses \$SBR_DATA, which is not set: export SBR_DATA=" "the unset SBR_DATA is named with its fix"
expect 1 "an empty SBR_DATA is unset too" -- env SBR_DATA= "$SBR" run "$TMP/data.ini"
contains "$TMP/err" "which is not set" "an empty SBR_DATA is named"

# Paths in an experiment file are relative to the file, whatever the current directory.
mkdir -p "$TMP/sub"
printf '[run]\noutput = out\nlatency = no\n[dataset d]\ntrain = ../tr.tsv\ntest = ../te.tsv\n[algo pop]\nspec = pop\n' >"$TMP/sub/rel.ini"
expect 0 "run with paths relative to the experiment file" -- sh -c "cd / && '$SBR' run '$TMP/sub/rel.ini'"
[ -s "$TMP/sub/out/metrics.csv" ] && ok || bad "the output folder is beside the experiment file"

# [tune]: each dataset's sections get the same number of trials on a validation split of the
# training set, the winners run as LABEL-tuned; a rerun reuses the search; the report shows it.
cat >"$TMP/tune.ini" <<EOF2
[run]
output = tuneout
latency = no
cutoffs = 20
[tune]
trials = 3
valid = 0.2
[dataset d]
train = tr.tsv
test = te.tsv
[algo sr]
spec = sr
[algo spop]
spec = spop
EOF2
expect 0 "run with a [tune] section" -- "$SBR" run "$TMP/tune.ini"
contains "$TMP/out" "tuning 2 algorithms, 3 TPE trials each" "the budget is stated"
contains "$TMP/out" "tuned  sr" "sr is tuned"
contains "$TMP/out" "4 jobs: 4 run" "the tuned jobs run beside the others"
[ "$(grep -c ',sr-tuned$' "$TMP/tuneout/metrics.csv")" -eq 1 ] && ok || bad "metrics.csv holds the sr-tuned row with its label"
[ "$(grep -c ',sr$' "$TMP/tuneout/metrics.csv")" -eq 1 ] && ok || bad "metrics.csv holds the sr row with its label"
[ "$(wc -l <"$TMP/tuneout/tuned.csv")" -eq 3 ] && ok || bad "tuned.csv: a header and 2 searches"
[ "$(wc -l <"$TMP/tuneout/tuned/d.sr.csv")" -eq 4 ] && ok || bad "the trials of the sr search"
expect 0 "a rerun with a [tune] section" -- "$SBR" run "$TMP/tune.ini"
contains "$TMP/out" "(earlier search, same inputs)" "the rerun reuses the search"
contains "$TMP/out" "4 already done" "and runs nothing"
expect 0 "report with --tuned" -- "$SBR" report --metrics "$TMP/tuneout/metrics.csv" --tuned "$TMP/tuneout/tuned.csv" --out "$TMP/rep"
contains "$TMP/rep/tables/tuned.md" "3 trials (tpe)" "the tuned table states the budget"
contains "$TMP/rep/tables/accuracy.md" "| sr-tuned |" "the accuracy table has the tuned row by its label"
expect 0 "--only selects the tuned sections too" -- "$SBR" run "$TMP/tune.ini" --force --only 'sr-tuned'
contains "$TMP/out" "tuning 1 algorithms" "only sr is tuned"
grep -q "tuned  spop" "$TMP/out" && bad "--only sr-tuned tuned spop" || ok
contains "$TMP/out" "3 jobs: 1 run, 0 already done, 0 skipped (data not found), 2 not selected by --only" "only sr-tuned runs"
expect 0 "--tune-trials 0 turns tuning off" -- "$SBR" run "$TMP/tune.ini" --tune-trials 0
contains "$TMP/out" "2 jobs: 0 run, 2 already done" "no tuning, no tuned jobs"
expect 2 "--tune-datasets must name datasets" -- "$SBR" run "$TMP/tune.ini" --tune-datasets nope
contains "$TMP/err" "no [dataset nope]" "the unknown dataset is named"

# Synthetic time: sbr stats shows no dates for an ordering, and hints at it for pre-1990 data.
expect 0 "stats --synthetic-time" -- "$SBR" stats --synthetic-time "$TMP/tr.tsv"
contains "$TMP/out" "synthetic time" "no dates for synthetic time"
grep -q "1970" "$TMP/out" && bad "stats --synthetic-time shows a 1970 date" || ok
expect 0 "stats of pre-1990 times" -- "$SBR" stats "$TMP/tr.tsv"
contains "$TMP/out" "tr.tsv ends before 1990; if its Time orders the clicks" "the hint for synthetic time"
expect 0 "stats --csv --synthetic-time" -- "$SBR" stats --csv --synthetic-time "$TMP/tr.tsv"
tail -1 "$TMP/out" | grep -q ',,,,' && ok || bad "the CSV leaves the times empty"

# bench --scale: synthesises the data once into --dir, reuses it while its note matches (the
# same answers, nothing synthesised), and makes it again when a file changed.
expect 0 "bench --scale makes the data and measures" -- "$SBR" bench --scale 3K --dir "$TMP/scale" --test-sessions 30
contains "$TMP/err" "synthesising 3K clicks" "the first run synthesises"
grep -E '^3K +1.vmis ' "$TMP/out" >/dev/null && ok || { bad "bench --scale: no 3K vmis row"; cat "$TMP/out"; }
first=$(grep -E '^3K ' "$TMP/out" | awk '{print $NF}')
expect 0 "bench --scale again" -- "$SBR" bench --scale=3K --dir "$TMP/scale" --test-sessions 30
grep -q synthesising "$TMP/err" && bad "bench --scale synthesised again instead of reusing" || ok
[ "$(grep -E '^3K ' "$TMP/out" | awk '{print $NF}')" = "$first" ] && ok || bad "bench --scale: reused data gave other lists"
printf "1\t1\t1\n" >>"$TMP/scale/synth-3000-seed1.train.tsv"
expect 0 "bench --scale after a change" -- "$SBR" bench --scale 3K --dir "$TMP/scale" --test-sessions 30
contains "$TMP/err" "synthesising 3K clicks" "a changed file is made again"
[ "$(grep -E '^3K ' "$TMP/out" | awk '{print $NF}')" = "$first" ] && ok || bad "bench --scale: remade data gave other lists"
expect 2 "bench --scale with a bad size" -- "$SBR" bench --scale 12Q --dir "$TMP/scale"
contains "$TMP/err" "--scale '12Q'" "the bad size is named"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
