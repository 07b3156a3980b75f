#!/bin/sh
# Assembles the report (`make paper`): copies the generated tables and figures of a results
# folder into paper/, writes paper/README.md (Markdown) and paper/report.tex (LaTeX), and builds
# paper/report.pdf when pdflatex is installed. No number here is typed by hand: the tables come
# from `sbr report`, the published values from paper/published.csv.
# Usage: paper/build.sh RESULTS_DIR
set -eu
R=${1:-results}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
cd "$(dirname "$0")/.."
# Refuse to restamp the committed paper without the results it is made from.
if [ ! -f "$R/tables/accuracy.md" ]; then
    echo "paper/build.sh: $R/tables/accuracy.md is missing: run 'make experiments' (or sbr run and sbr report into $R) first; the paper is left as it is" >&2
    exit 1
fi
P=paper
# Everything below paper/ but build.sh and published.csv is generated (and not committed):
# start from nothing, so no table or figure of an earlier run survives.
rm -rf "$P/tables" "$P/figures" "$P/README.md" "$P/report.tex" "$P/report.pdf"
mkdir -p "$P/tables" "$P/figures"
for t in datasets accuracy neural latency reproduction tuned; do
    for ext in md tex; do
        [ -f "$R/tables/$t.$ext" ] && cp "$R/tables/$t.$ext" "$P/tables/"
    done
done
for f in "$R"/figures/*.png "$R"/figures/*.pdf; do
    [ -f "$f" ] && cp "$f" "$P/figures/"
done
version=$(build/sbr --version 2>/dev/null || echo "sbr")
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //' || echo unknown)

info() { [ -f "$R/study.txt" ] && sed -n "s/^$1=//p" "$R/study.txt" | head -1; }
ini() { sed -n "s/^$1 *= *//p" experiments/main.ini | head -1; }
# The tuning budget, from the searches' own records (results/tuned.csv), so the text says
# what ran: the trials and method of each search, the datasets and algorithms tuned.
tuned_col() { [ -f "$R/tuned.csv" ] && awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k && !seen[$k]++ { printf "%s%s", n++ ? ", " : "", $k }' "$R/tuned.csv"; }
tuning() {
    if [ ! -f "$R/tuned.csv" ]; then
        echo "- **Tuning.** None in this run: every algorithm ran as configured."
        return
    fi
    cat <<EOT
- **Tuning.** Per dataset, the latest $(ini valid | awk '{ printf "%g%%", $1 * 100 }') of the
  first slice's training sessions (by last click) are a validation set and the rest fit; each
  tuned algorithm gets the same budget, $(tuned_col trials) trials of seeded $(tuned_col method)
  search (TPE starts with 10 random trials, so up to 10 trials it is a random search) over
  its default space (\`sbr algos\`, eval/tune.c), maximising validation
  MRR@$(tuned_col objective | sed 's/.*@//'). The winner is then fitted on the full training
  set of every slice and evaluated on test as NAME-tuned: the tuning never sees a test set.
  Tuned: $(tuned_col label) on $(tuned_col dataset). Not tuned: pop and spop (top_n only
  shortens the list), the neural models item2vec, stamp, gru4rec, srgnn and narm (one trial
  is a training run), vsknn-idf, vmis-serenade and vmis-remind (their search would repeat
  vsknn's and vmis's). Every search draws from the same seed, so with 8 trials every dataset
  sees the same 8 points. Where a winner is a configuration that already ran on its dataset (say, the defaults), its
  NAME-tuned cell shows that run.
  \`make experiments\`
  tunes the small datasets with 8 trials to stay under 15 minutes on 2 cores; \`make study\`
  tunes every dataset with 50.
EOT
}
# The experimental setup, as the code and experiments/main.ini define it (Markdown).
setup() {
    cat <<EOF
## Experimental setup

- **Protocol.** Next-item prediction on every position of every test session (session-rec's
  and Serenade's protocol): the clicks before position t are the input, click t the target,
  the clicks from t on the remaining items. The full training catalogue is ranked, without
  candidate sampling. MRR, HR, NDCG, precision, recall, coverage and popularity at the
  cutoffs $(ini cutoffs) (21 is Serenade's list length on serenade-toy).
- **Unseen items.** Test clicks on items absent from training are removed and counted;
  sessions left with fewer than 2 clicks are dropped (\`sbr eval --keep-unseen\` counts them
  as misses instead).
- **Ranking and ties.** Score descending, then item id ascending; items scoring 0 are not
  listed. session-rec breaks ties arbitrarily, so its numbers can differ slightly where
  scores tie (see the reproduction table).
- **Splits.** The shared datasets keep their published train/test splits (session-rec's
  rsc15 files; the exact SR-GNN/GCE-GNN splits of diginetica, tmall and nowplaying; CGENet's
  retailrocket). The synthetic data and serenade-toy-31d run sliding windows and 30music its
  last day as test (the \`split\` lines of experiments/main.ini); tables show means over windows.
  The Time column of retailrocket, diginetica, nowplaying and tmall is synthetic (an ordering
  of sessions and clicks, not seconds: \`synthetic_time = yes\`), so they are only used with
  their given split, validate on their latest sessions, and show no dates or spans.
- **Configurations.** Each algorithm runs with its published or default configuration
  (\`sbr algos\`), and where tuned also with its tuned one (the NAME-tuned rows and the
  tuned-parameters table).
$(tuning)
- **Seeds and determinism.** Seed $(ini seed) for everything random (sampling, synthetic data,
  training, the tuner's proposals); the results, tuning included, are identical for any
  thread count.
- **Latency.** Every predict call timed on one thread after 1,000 warm-up calls; exact
  percentiles. The evaluation ran on $(ini threads) threads.
- **Machine.** $cpu, $(nproc) cores, $version; load average $(info load_before) before the
  study and $(info load_after) after; the study took $(info seconds) s (finished $(info finished)).

EOF
}
section() { [ -f "$P/tables/$2.md" ] && { printf '## %s\n\n' "$1"; cat "$P/tables/$2.md"; printf '\n'; }; }
figure() { [ -f "$P/figures/$2.png" ] && printf '![%s](figures/%s.png)\n\n*%s*\n\n' "$1" "$2" "$1"; }
{
    printf '# sbr: session-based recommendation, measured\n\n'
    printf 'Generated by `make experiments` (paper/build.sh) with %s on %s, %s cores.\n' "$version" "$cpu" "$(nproc)"
    printf 'Every number below comes from `results/` (`sbr run`, `sbr report`); published values come\n'
    printf 'from `paper/published.csv`, transcribed from the reference documents with their sources.\n\n'
    setup
    section "Reproduction of published results" reproduction
    section "Datasets" datasets
    section "Accuracy" accuracy
    section "Tuned parameters" tuned
    section "Neighbours vs neural" neural
    figure "Accuracy per dataset (one panel each): MRR@20 and HR@20, mean over slices with ±sd bars" accuracy
    figure "MRR@k for k = 1..20 per dataset, from the stored rank of every prediction" accuracy_at_k_mrr
    figure "HR@k for k = 1..20 per dataset" accuracy_at_k_hr
    section "Latency" latency
    figure "Latency per dataset (one thread, log scale): p90, p50..p99.5 and the maximum" latency
    figure "Latency by the number of clicks a prediction sees (p90 solid, p50 dotted), per dataset" latency_length
    figure "MRR@20 against p90 latency per dataset, with the Pareto front" accuracy_latency
    figure "MRR@20 against catalogue coverage per dataset" coverage
    figure "MRR@20 against the popularity of the recommended items per dataset" popularity
    printf '## Grids: VMIS-kNN sensitivity to m and k, and latency (Serenade, SIGMOD 2022)\n\n'
    for f in "$P"/figures/*grid_*.png; do
        [ -f "$f" ] || continue
        b=$(basename "$f" .png)
        figure "Heat map $b: one colour scale across datasets, the best MRR@20 cell outlined" "$b"
    done
    printf '## Cost against training size\n\n'
    figure "Fit time and model size against training clicks (sbr synth series, experiments/scale_fit.sh)" scale_fit
    figure "Evaluation throughput at 1 and 2 threads" throughput
    if [ -f "$R/tune/summary.csv" ]; then
        printf '## Hyperparameter search (VMIS-kNN on serenade-toy, 50 trials per search)\n\n'
        printf '| method | seed | best validation MRR@20 | test MRR@20 (refitted) | best configuration |\n|---|---:|---:|---:|---|\n'
        tail -n +2 "$R/tune/summary.csv" | awk -F, '{ printf "| %s | %s | %s | %s | %s", $1, $2, $3, $4, $5; for (i = 6; i <= NF; i++) printf ",%s", $i; print " |" }'
        printf '\n'
        awk -F, 'NR > 1 { v[$1] += $3; t[$1] += $4; n[$1]++ } END { for (m in v) printf "- %s: mean best validation MRR@20 %.4f, mean test MRR@20 %.4f over %d seeds\n", m, v[m] / n[m], t[m] / n[m], n[m] }' "$R/tune/summary.csv" | sort
        printf '\n'
        cp "$R/tune/tune.png" "$P/figures/tune.png" 2>/dev/null && figure "Best validation MRR@20 so far against trials, TPE and random search, five seeds each" tune
    fi
} >"$P/README.md.tmp" && mv "$P/README.md.tmp" "$P/README.md"

{
    printf '%% generated by paper/build.sh; do not edit\n'
    printf '\\documentclass[10pt]{article}\n\\usepackage[margin=2cm]{geometry}\n'
    printf '\\usepackage{booktabs}\n\\usepackage{longtable}\n\\usepackage{graphicx}\n\\usepackage[utf8]{inputenc}\n'
    printf '\\title{sbr: session-based recommendation, measured}\n\\date{%s}\n\\begin{document}\n\\maketitle\n' "$version"
    # The setup section, from its Markdown: bullets, bold lead-ins and code spans.
    printf '\\section*{Experimental setup}\n\\begin{itemize}\n'
    setup | sed -e '1,2d' -e '/^$/d' | sed -e 's/[_%&#]/\\&/g' \
        -e 's/^- \*\*\([^*]*\)\*\*/\\item \\textbf{\1}/' -e 's/`\([^`]*\)`/\\texttt{\1}/g'
    printf '\\end{itemize}\n'
    for t in reproduction datasets accuracy tuned neural latency; do
        [ -f "$P/tables/$t.tex" ] && printf '\\input{tables/%s.tex}\n' "$t"
    done
    # A figure wider than the text at its own size is scaled to the text width, or, when it is
    # much wider than high (the small multiples), turned on its own page to the text height.
    for f in "$P"/figures/*.pdf; do
        [ -f "$f" ] || continue
        # MediaBox [ 0 0 WIDTH HEIGHT ], in points: $3 and $4.
        set -- $(grep -a -o 'MediaBox \[[^]]*\]' "$f" | head -1 | sed 's/.*\[ *//; s/ *\].*//; s/\.[0-9]*//g') 0 0 0 0
        if [ "$3" -gt 700 ] && [ "$3" -gt $(($4 * 3 / 2)) ]; then
            printf '\\begin{figure}[p]\\centering\\includegraphics[width=\\textheight,height=\\textwidth,keepaspectratio,angle=90]{figures/%s}\\end{figure}\n' "$(basename "$f")"
        elif [ "$3" -gt 490 ]; then
            printf '\\begin{figure}[ht]\\centering\\includegraphics[width=\\textwidth]{figures/%s}\\end{figure}\n' "$(basename "$f")"
        else
            printf '\\begin{figure}[ht]\\centering\\includegraphics{figures/%s}\\end{figure}\n' "$(basename "$f")"
        fi
    done
    printf '\\end{document}\n'
} >"$P/report.tex"
if command -v pdflatex >/dev/null 2>&1; then
    (cd "$P" && pdflatex -interaction=nonstopmode report.tex >/dev/null 2>&1 && echo "paper: built paper/report.pdf") ||
        echo "paper: pdflatex failed; see paper/report.log"
else
    echo "paper: pdflatex not installed; paper/report.tex is ready for it"
fi
echo "paper: wrote paper/README.md"
