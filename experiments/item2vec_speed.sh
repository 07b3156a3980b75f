#!/bin/sh
# item2vec training speed beside gensim's on the same cores, one run: training clicks per
# second (clicks x epochs / training seconds) for sbr (one thread; training is deterministic)
# and gensim 4.2 Word2Vec(sg=1) with workers=1 and workers=2, on retailrocket and diginetica
# with the default hyperparameters. Needs Debian's python3-gensim.
# Usage: sh experiments/item2vec_speed.sh [path/to/sbr]
set -eu
SBR=${1:-build/sbr}
D=${SBR_DATA:?set SBR_DATA to the shared data folder}
echo "| dataset | training clicks x epochs | sbr 1 thread, clicks/s | gensim workers=1 | gensim workers=2 |"
echo "|---|---|---|---|---|"
for ds in retailrocket diginetica; do
    out=$("$SBR" fit --train "$D/$ds/train.tsv.gz" --algo item2vec --save /dev/null 2>/dev/null)
    clicks=$(printf '%s\n' "$out" | sed -n 's/.*fitted on \([0-9]*\) clicks.*/\1/p')
    secs=$(printf '%s\n' "$out" | sed -n 's/.* in \([0-9.]*\) s;.*/\1/p')
    g1=$(/usr/bin/python3 - "$D/$ds/train.tsv.gz" 1 <<'PY'
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
    echo "| $ds | $((clicks * 5)) | $(awk -v c="$clicks" -v s="$secs" 'BEGIN { printf "%.0f", c * 5 / s }') | ${g1% *} | ${g1#* } |"
done
