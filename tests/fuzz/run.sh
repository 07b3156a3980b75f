#!/bin/sh
# Runs libFuzzer targets one after the other, each for SECONDS on a scratch copy of its seed
# corpus (tests/fuzz/corpus/<target>/ is only read), single job, and prints per target the
# executions, the time and the outcome. Exits 1 when any target found a crash, a leak, UB or
# a timeout, and keeps that target's scratch folder (corpus and reproducer) for a look.
#   usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET ...]   (default: every target)
# FUZZ_WORK chooses the scratch folder (default: a new one under $TMPDIR or /tmp);
# FUZZ_ARGS adds libFuzzer flags.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)/fuzz
seconds=$2
shift 2
if [ $# -eq 0 ]; then
    set -- fuzz_load fuzz_prepare fuzz_experiment fuzz_expand fuzz_spec fuzz_space fuzz_model fuzz_server
fi
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sbr-fuzz.XXXXXX")}
mkdir -p "$work"
# Leaks are findings; UB stops at once (the targets are built with -fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
summary=""
for t in "$@"; do
    dir=$work/$t
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$src/corpus/$t"/* "$dir/corpus/"
    echo "== $t: ${seconds} s, log $dir/log"
    started=$(date +%s)
    set +e
    # -timeout: one input over 10 s is a finding; -rss_limit_mb: the box is shared.
    TMPDIR=$dir "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} "$dir/corpus" \
        >"$dir/log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - started ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)
    files=$(find "$dir/corpus" -type f | wc -l)
    crash=$(find "$dir/artifacts" -type f | head -n 1)
    if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
        outcome="ok"
    else
        failed=1
        kind=$(grep -m 1 -o -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]*|runtime error|deadly signal' "$dir/log" || true)
        outcome="FAILED (${kind:-exit $rc}) ${crash:-no artifact}"
        grep -m 1 -A 12 -E '==ERROR|runtime error|deadly signal|fuzz_[a-z]*:' "$dir/log" | head -n 14 || true
    fi
    line=$(printf '%-16s %12s execs %8s exec/s %6ss %6s corpus files  %s' "$t" \
        "${execs:-?}" "${speed:-?}" "$took" "$files" "$outcome")
    echo "$line"
    summary="$summary$line
"
done
echo "== fuzz summary (scratch: $work)"
printf '%s' "$summary"
if [ "$failed" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then
    rm -rf "$work"
fi
exit "$failed"
