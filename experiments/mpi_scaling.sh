#!/bin/sh
# The scaling table of README "Running on a cluster": the main study (experiments/main.ini)
# from a fresh output folder at each `mpirun -np N` given (default 1 2 4), its wall time, and
# the speedup projected for 8, 32 and 128 ranks by a simulation of sbr run's scheduling over
# the job costs measured in the -np 1 run.
#
#   sh experiments/mpi_scaling.sh [NP...]          runs, then prints the table
#   sh experiments/mpi_scaling.sh --simulate-only   the table from the runs already made
#
# Threads: rank 0 only coordinates, so -np N has N - 1 workers (-np 1 runs in one process);
# each working process gets OMP_NUM_THREADS = --threads = max(1, cores / workers), so the
# runs share this machine's cores alike (oversubscribed where workers outnumber cores).
# The [tune] section is left out (--tune-trials 0), as in the README's table: it measures
# the job pool. Without the option the searches run first, each batch of 8 trials shared out
# over the ranks (so at most 8 help), and their winners' jobs join the pool. The runs hold /tmp/sbr-cpu.lock (the machine is shared). Results: results/scaling/.
#
# The simulation: each job's cost is its fit_s + eval_s + n_predictions x lat_p50_us (the
# single-threaded latency pass) from the -np 1 run's metrics.csv; the jobs are handed out
# largest first to the first free worker of N - 1 (rank 0 coordinates), as sbr run does with
# exact estimates; data loading and messages are not modelled. Speedup = sum of costs /
# simulated makespan. The projection assumes each rank as fast as the -np 1 process.
set -eu
cd "$(dirname "$0")/.."
SBR=${SBR:-build/sbr}
OUT=results/scaling
CORES=$(nproc 2>/dev/null || echo 2)
export SBR_DATA=${SBR_DATA:-$(cd ../shared/data 2>/dev/null && pwd || echo data/raw)}
mkdir -p "$OUT"
ROOT=""
[ "$(id -u)" -eq 0 ] && ROOT="--allow-run-as-root"

simulate_only=false
[ "${1:-}" = "--simulate-only" ] && { simulate_only=true; shift; }
NPS=${*:-1 2 4}

if ! $simulate_only; then
    # One hold of the shared CPU lock for every run: they compare with each other.
    exec 9>/tmp/sbr-cpu.lock
    flock 9
    for np in $NPS; do
        workers=$((np > 1 ? np - 1 : 1))
        threads=$((CORES / workers))
        [ "$threads" -lt 1 ] && threads=1
        rm -rf "$OUT/np$np"
        sed "s#^output = .*#output = $(pwd)/$OUT/np$np#" experiments/main.ini >"$OUT/main-np$np.ini"
        start=$(date +%s.%N)
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        OMP_NUM_THREADS=$threads mpirun $ROOT --oversubscribe --bind-to none -np "$np" \
            "$SBR" run "$OUT/main-np$np.ini" --threads "$threads" --tune-trials 0 >"$OUT/np$np.log" 2>&1
        end=$(date +%s.%N)
        echo "$np $workers $threads $(echo "$end - $start" | bc) $load" >>"$OUT/walltimes.txt"
        echo "np $np: $(tail -1 "$OUT/np$np.log")"
    done
fi

# The table: measured wall times (the last run of each -np), then the projection.
echo "| ranks (-np) | workers | threads per worker | wall time | speedup | load before |"
echo "|---|---|---|---|---|---|"
awk '{ last[$1] = $0 } END { for (np in last) print last[np] }' "$OUT/walltimes.txt" |
    sort -n | awk -v cores="$CORES" '
    NR == 1 { base = $4 }
    { over = $2 * $3 > cores ? " (oversubscribed)" : ""
      printf "| %d | %d%s | %d | %.0f s | %.2f | %s %s %s |\n", $1, $2, over, $3, $4, base / $4, $5, $6, $7 }'
echo
echo "| ranks (simulated) | workers | makespan, largest first | speedup | static shard (job k on worker k mod W, file order) | its speedup |"
echo "|---|---|---|---|---|---|"
# One cost per job (the first cutoff row of each key), from the -np 1 run, in file order.
awk -F, 'NR > 1 { key = $1 FS $2 FS $3 FS $4
    if (!(key in seen)) { seen[key] = 1; print $19 + $20 + $6 * $21 / 1e6 } }' \
    "$OUT/np1/metrics.csv" >"$OUT/job_costs.txt"
for ranks in 1 2 4 8 32 128; do
    sort -gr "$OUT/job_costs.txt" | awk -v ranks="$ranks" -v file="$OUT/job_costs.txt" '
    function span_of(free_at, workers,   w, s) {
        s = 0
        for (w = 1; w <= workers; w++) if (free_at[w] > s) s = free_at[w]
        return s
    }
    { cost[NR] = $1; total += $1 }
    END {
        workers = ranks > 1 ? ranks - 1 : 1
        for (w = 1; w <= workers; w++) { dyn[w] = 0; fixed[w] = 0 }
        for (j = 1; j <= NR; j++) {   # largest first, each to the worker free first
            best = 1
            for (w = 2; w <= workers; w++) if (dyn[w] < dyn[best]) best = w
            dyn[best] += cost[j]
        }
        k = 0
        while ((getline c < file) > 0) fixed[(k++ % workers) + 1] += c
        d = span_of(dyn, workers)
        f = span_of(fixed, workers)
        printf "| %d | %d | %.1f s | %.2f | %.1f s | %.2f |\n", ranks, workers, d, total / d, f, total / f
    }'
done
echo
echo "$(wc -l <"$OUT/job_costs.txt") jobs, $(awk '{ s += $1 } END { printf "%.1f", s }' "$OUT/job_costs.txt") s of measured job cost (fit + eval + latency pass) in the -np 1 run; the longest job $(sort -gr "$OUT/job_costs.txt" | awk "NR == 1 { printf \"%.1f\", \$1 }") s"
