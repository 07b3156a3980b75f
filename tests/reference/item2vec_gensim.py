#!/usr/bin/python3
"""gensim's numbers for the item2vec reference check (tests/test_item2vec.c).

Trains gensim 4.2's Word2Vec(sg=1, hs=0, workers=1) on a dataset's training sessions with the
hyperparameters sbr's item2vec uses by default, once per seed, and evaluates it with sbr's
protocol: every next item of every test session (test clicks on items unseen in training
removed, sessions left with fewer than 2 clicks dropped), the query is the last item's unit
vector, scores are cosine similarities to every item with the query item excluded (as
most_similar does), ties by item id ascending, items with a cosine <= 0 not listed; HR@20 and
MRR@20. The evaluation uses the first N test sessions by SessionId (N = --sessions, 0 for
all), as the C test does, to keep CI short.

Writes one CSV row per (dataset, seed, sessions) to stdout:
dataset,seed,sessions,predictions,hr20,mrr20,train_s,words_per_s

Run with Debian's python3-gensim (not a pyenv python):
  /usr/bin/python3 tests/reference/item2vec_gensim.py --data $SBR_DATA --dataset retailrocket \
      --seeds 1,2,3,4,5 --sessions 1500 --sessions 0 > tests/fixtures/item2vec_gensim.csv
"""
import argparse
import gzip
import sys
import time

import numpy as np
from gensim.models import Word2Vec

PARAMS = dict(vector_size=100, window=5, negative=5, ns_exponent=0.75, sample=1e-3,
              epochs=5, alpha=0.025, min_alpha=0.0001, min_count=1, sg=1, hs=0)


def read_sessions(path):
    """Sessions in SessionId order, clicks by time then file row (sbr's dataset order)."""
    rows = []
    with gzip.open(path, "rt") as f:
        header = f.readline().rstrip("\n").split("\t")
        si, ii, ti = header.index("SessionId"), header.index("ItemId"), header.index("Time")
        for r, line in enumerate(f):
            c = line.rstrip("\n").split("\t")
            rows.append((int(c[si]), float(c[ti]), r, int(c[ii])))
    rows.sort()
    sessions, last = [], None
    for s, _, _, item in rows:
        if s != last:
            sessions.append((s, []))
            last = s
        sessions[-1][1].append(item)
    return sessions


def evaluate(model, train_items, test, n_sessions):
    ids = np.array(sorted(train_items), dtype=np.int64)
    rows = np.array([model.wv.key_to_index[str(i)] for i in ids])
    vec = model.wv.vectors[rows].astype(np.float32)
    norm = np.linalg.norm(vec, axis=1, keepdims=True)
    unit = np.where(norm > 0, vec / np.where(norm > 0, norm, 1), 0).astype(np.float32)
    pos = {int(i): k for k, i in enumerate(ids)}
    queries, targets = [], []
    chosen = test if n_sessions == 0 else test[:n_sessions]
    for _, items in chosen:
        known = [pos[i] for i in items if i in pos]
        if len(known) < 2:
            continue
        for t in range(1, len(known)):
            queries.append(known[t - 1])
            targets.append(known[t])
    hr = mrr = 0.0
    q = np.array(queries)
    tg = np.array(targets)
    for b in range(0, len(q), 2000):
        qb, tb = q[b:b + 2000], tg[b:b + 2000]
        scores = unit[qb] @ unit.T
        scores[np.arange(len(qb)), qb] = -np.inf  # the query item is not recommended
        st = scores[np.arange(len(qb)), tb]
        above = (scores > st[:, None]).sum(axis=1)
        idx = np.arange(unit.shape[0])
        tied_before = ((scores == st[:, None]) & (idx[None, :] < tb[:, None])).sum(axis=1)
        rank = 1 + above + tied_before
        hit = (rank <= 20) & (st > 0)
        hr += hit.sum()
        mrr += (hit / rank).sum()
    return len(q), hr / len(q), mrr / len(q)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--sessions", type=int, action="append", default=None)
    ap.add_argument("--header", action="store_true")
    a = ap.parse_args()
    train = read_sessions(f"{a.data}/{a.dataset}/train.tsv.gz")
    test = read_sessions(f"{a.data}/{a.dataset}/test.tsv.gz")
    corpus = [[str(i) for i in items] for _, items in train]
    train_items = {i for _, items in train for i in items}
    words = sum(len(s) for s in corpus)
    if a.header:
        print("dataset,seed,sessions,predictions,hr20,mrr20,train_s,words_per_s")
    for seed in (int(s) for s in a.seeds.split(",")):
        t0 = time.perf_counter()
        model = Word2Vec(corpus, seed=seed, workers=1, **PARAMS)
        train_s = time.perf_counter() - t0
        for n in a.sessions or [0]:
            preds, hr, mrr = evaluate(model, train_items, test, n)
            print(f"{a.dataset},{seed},{n},{preds},{hr:.6f},{mrr:.6f},{train_s:.2f},"
                  f"{words * PARAMS['epochs'] / train_s:.0f}", flush=True)
        sys.stderr.write(f"{a.dataset} seed {seed}: {train_s:.1f} s\n")


if __name__ == "__main__":
    main()
