#!/usr/bin/python3
"""session-rec's own HR@20 and MRR@20 on its saved GRU4Rec lists, for tests/test_gru4rec.c.

session-rec saved the top lists of its GRU4Rec run (top1-max, final_act linear, 100 units,
batch 32, dropout_p_hidden 0.1, learning_rate 0.08, momentum 0.1, 10 epochs, one-hot input) on
the first 99 test sessions of rsc15-100k as SessionId;Position;Recommendations;Scores. The
prediction at Position p of a session is for the session's click p + 1 (the clicks of the
test file in time order); its rank is the 1-based place of that item in the list, a miss when
absent from the first 20. Standard library only; reads the files directly, nothing from sbr.

  python3 tests/reference/gru4rec_saved_lists.py $SBR_DATA/rsc15-100k \
      > tests/fixtures/gru4rec_session_rec.csv
"""
import csv
import gzip
import sys


def main():
    root = sys.argv[1]
    sessions = {}
    with gzip.open(root + "/test.tsv.gz", "rt") as f:
        rows = csv.reader(f, delimiter="\t")
        header = next(rows)
        s, i, t = header.index("SessionId"), header.index("ItemId"), header.index("Time")
        for r in rows:
            sessions.setdefault(int(r[s]), []).append((float(r[t]), int(r[i])))
    for k in sessions:
        sessions[k].sort(key=lambda x: x[0])
    n = hits = 0
    rr = 0.0
    with gzip.open(root + "/recommendations/gru4rec.csv.gz", "rt") as f:
        rows = csv.reader(f, delimiter=";")
        next(rows)
        for r in rows:
            clicks = sessions[int(r[0])]
            target = clicks[int(r[1]) + 1][1]
            recs = [int(x) for x in r[2].split(",")][:20]
            n += 1
            if target in recs:
                hits += 1
                rr += 1.0 / (recs.index(target) + 1)
    print("predictions,hr20,mrr20")
    print("%d,%.6f,%.6f" % (n, hits / n, rr / n))


main()
