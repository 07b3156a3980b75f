#!/usr/bin/python3
"""HR@20 and MRR@20 of a list file of `sbr eval --recs` two ways: every next item of every test
session once (sbr's and the papers' protocol), and weighted as if each of the SR-GNN/GCE-GNN
augmented test samples (prefix, target) had been fed to a session model as a session of its
own and every position of it evaluated, which counts the prediction of click p of a session of
L clicks L - p times. A check of one explanation of a published number, nothing more.
Usage: /usr/bin/python3 experiments/augmented_eval.py TEST.tsv.gz RECS.csv"""
import csv
import gzip
import sys


def main(test, recs):
    sessions = {}
    with gzip.open(test, 'rt') if test.endswith('.gz') else open(test) as f:
        reader = csv.reader(f, delimiter='\t')
        header = next(reader)
        si, ii, ti = header.index('SessionId'), header.index('ItemId'), header.index('Time')
        for row in reader:
            sessions.setdefault(row[si], []).append((float(row[ti]), row[ii]))
    sessions = {s: [i for _, i in sorted(c, key=lambda x: x[0])] for s, c in sessions.items()}
    acc = {'every next item once': [0, 0, 0.0], 'augmented samples': [0, 0, 0.0]}
    with open(recs) as f:
        reader = csv.reader(f, delimiter=';')
        next(reader)
        for line, (sid, pos, items, _) in enumerate(reader, start=2):
            seq = sessions.get(sid)
            p = int(pos) + 1
            if seq is None or p >= len(seq):
                sys.exit(f'{recs}:{line}: session {sid} position {pos} is not in {test}')
            listed = items.split(',') if items else []
            rank = listed.index(seq[p]) + 1 if seq[p] in listed[:20] else 0
            for name, w in (('every next item once', 1), ('augmented samples', len(seq) - p)):
                a = acc[name]
                a[0] += w
                a[1] += w * (rank > 0)
                a[2] += w * (1 / rank if rank else 0)
    for name, (n, hits, rr) in acc.items():
        print(f'{name}: weight {n}, HR@20 {hits / n:.4f}, MRR@20 {rr / n:.4f}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('Usage: ')[1])
    main(sys.argv[1], sys.argv[2])
