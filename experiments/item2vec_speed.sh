#!/bin/sh
# item2vec training speed beside gensim's on the same cores, one run: training clicks per
# second (clicks x epochs / training seconds) on retailrocket and diginetica with the default
# hyperparameters, for
#   sbr shards=1      gensim's exact sequential order, one thread;
#   sbr (shards=16)   the default: 16 shards per job, the same model for any thread count,
#                     on 1 and 2 threads (OMP_NUM_THREADS);
#   sbr hogwild=on    2 threads updating the live model at once (not reproducible);
#   gensim 4.2        Word2Vec(sg=1) with workers=1 and workers=2.
# The last column is sbr's 2-thread default over gensim's faster worker count.
# Needs Debian's python3-gensim. Run it alone (under the shared CPU lock), and state uptime.
# Usage: sh experiments/item2vec_speed.sh [path/to/sbr]
set -eu
SBR=${1:-build/sbr}
D=${SBR_DATA:?set SBR_DATA to the shared data folder}

# clicks/s of one sbr fit: fit SPEC THREADS TRAIN
fit() {
    out=$(OMP_NUM_THREADS=$2 "$SBR" fit --train "$3" --algo "$1" --save /dev/null 2>/dev/null)
    clicks=$(printf '%s\n' "$out" | sed -n 's/.*fitted on \([0-9]*\) clicks.*/\1/p')
    secs=$(printf '%s\n' "$out" | sed -n 's/.* in \([0-9.]*\) s;.*/\1/p')
    awk -v c="$clicks" -v s="$secs" 'BEGIN { printf "%.0f %.0f", c * 5 / s, c * 5 }'
}

echo "| dataset | clicks x epochs | sbr shards=1, 1 thread | sbr 1 thread | sbr 2 threads | sbr hogwild, 2 threads | gensim workers=1 | gensim workers=2 | sbr 2 threads / best gensim |"
echo "|---|---|---|---|---|---|---|---|---|"
for ds in retailrocket diginetica; do
    train="$D/$ds/train.tsv.gz"
    exact=$(fit item2vec:shards=1 1 "$train")
    one=$(fit item2vec 1 "$train")
    two=$(fit item2vec 2 "$train")
    hog=$(fit item2vec:hogwild=on 2 "$train")
    g=$(/usr/bin/python3 - "$train" <<'PY'
import gzip, sys, time
from gensim.models import Word2Vec
rows = []
with gzip.open(sys.argv[1], "rt") as f:
    h = f.readline().rstrip("\n").split("\t")
    si, ii, ti = h.index("SessionId"), h.index("ItemId"), h.index("Time")
    for r, line in enumerate(f):
        c = line.rstrip("\n").split("\t")
        rows.append((int(c[si]), float(c[ti]), r, c[ii]))
rows.sort()
corpus, last = [], None
for s, _, _, item in rows:
    if s != last:
        corpus.append([])
        last = s
    corpus[-1].append(item)
words = sum(map(len, corpus))
out = []
for workers in (1, 2):
    t0 = time.perf_counter()
    Word2Vec(corpus, vector_size=100, window=5, negative=5, ns_exponent=0.75, sample=1e-3,
             epochs=5, alpha=0.025, min_alpha=0.0001, min_count=1, sg=1, hs=0, seed=1,
             workers=workers)
    out.append(f"{words * 5 / (time.perf_counter() - t0):.0f}")
print(" ".join(out))
PY
)
    g1=${g% *} g2=${g#* }
    ratio=$(awk -v s="${two% *}" -v a="$g1" -v b="$g2" 'BEGIN { printf "%.2f", s / (a > b ? a : b) }')
    echo "| $ds | ${one#* } | ${exact% *} | ${one% *} | ${two% *} | ${hog% *} | $g1 | $g2 | $ratio |"
done
