#!/usr/bin/python3
"""STAMP as uestcnlp/STAMP's model/STAMP_cikm.py trains it, written anew in PyTorch (Debian's
python3-torch) as an independent reference for sbr's `stamp`. Nothing here comes from sbr.

What it follows (../shared/reference/learned-models.md section 3, and the authors' code):
  - item embeddings E ~ N(0, 0.002), row 0 the pad (masked to zero); weights ~ N(0, 0.05);
    looked-up rows clipped to norm 1.5 as tf.nn.embedding_lookup(max_norm=1.5) does (the
    gradient flows through the clip), the output layer scores the raw rows E[1:];
  - m_s = mean(x_1..x_t); alpha_i = w0^T sigmoid(x_i W_ctx + x_t W_asp + m_s W_out), no softmax;
    m_a = sum alpha_i x_i + m_s; h_s = tanh(m_a W1), h_t = tanh(x_t W2); logits = (h_s*h_t) E[1:]^T;
    sparse softmax cross entropy;
  - --reduce sum (the authors' code: TensorFlow differentiates the per-example loss vector, i.e.
    its sum) or mean; then tf.clip_by_norm(g, 110) per tensor, then TensorFlow's Adam (lr 0.003,
    betas 0.9/0.999, eps 1e-8 added to sqrt(v), bias correction folded into the step size);
  - --batching length: util/batcher/equal_len/batcher_p.py and the loop of STAMP_cikm.py: the
    sessions grouped by length, the groups in a random order, each group shuffled and cut into
    runs of 512 sessions, one step per prefix length of each run; --batching shuffle: every
    training prefix shuffled, steps of 512 (sbr's default);
  - every epoch, every next item of every test session is ranked among all items: rank =
    #(score > target's score) + 1 (cau_recall_mrr_org), HR@20 and MRR@20.
Test clicks on items absent from training are removed and sessions left with fewer than two
clicks dropped (sbr eval's protocol; the SR-GNN/GCE-GNN splits have none).

Usage: /usr/bin/python3 tests/reference/stamp_torch.py --train T.tsv.gz --test T.tsv.gz
           [--epochs 10] [--seed 1] [--reduce sum|mean] [--batching length|shuffle]
           [--threads 2] [--csv FILE --dataset NAME]
One line per epoch: epoch, mean training loss, test HR@20 and MRR@20, seconds; with --csv, also
a row per epoch appended to FILE (dataset,batching,reduce,seed,epoch,predictions,hr20,mrr20:
tests/fixtures/stamp_torch.csv holds such rows, written by tests/reference/stamp_torch.sh)."""
import argparse
import csv
import gzip
import random
import sys
import time

import numpy as np
import torch


def read_sessions(path):
    """Sessions (lists of item ids, in time order) in order of session id, as the authors'
    reader sorts them (sessionId, Time)."""
    rows = {}
    with gzip.open(path, 'rt') if path.endswith('.gz') else open(path) as f:
        reader = csv.reader(f, delimiter='\t')
        header = next(reader)
        si, ii, ti = header.index('SessionId'), header.index('ItemId'), header.index('Time')
        for line, row in enumerate(reader, start=2):
            try:
                rows.setdefault(int(row[si]), []).append((float(row[ti]), row[ii]))
            except (ValueError, IndexError):
                sys.exit(f'{path}:{line}: bad row {row!r}')
    return [[i for _, i in sorted(rows[s], key=lambda c: c[0])] for s in sorted(rows)]


class Stamp(torch.nn.Module):
    def __init__(self, n_items, dim, gen, max_norm):
        super().__init__()
        normal = lambda shape, std: torch.nn.Parameter(torch.randn(*shape, generator=gen) * std)
        self.E = normal((n_items + 1, dim), 0.002)
        self.W_asp, self.W_ctx, self.W_out = (normal((dim, dim), 0.05) for _ in range(3))
        self.w0 = normal((dim, 1), 0.05)
        self.W1, self.W2 = normal((dim, dim), 0.05), normal((dim, dim), 0.05)
        mask = torch.ones(n_items + 1, 1)
        mask[0] = 0
        self.register_buffer('mask', mask)
        self.max_norm = max_norm

    def lookup(self, table, idx):
        rows = table[idx]
        norm = rows.norm(dim=-1, keepdim=True)
        return rows * self.max_norm / torch.clamp(norm, min=self.max_norm)

    def forward(self, prefixes):
        """prefixes: [B, s] item rows, all of one length s. Returns logits [B, n_items]."""
        table = self.E * self.mask
        x = self.lookup(table, prefixes)  # [B, s, d]
        xt = self.lookup(table, prefixes[:, -1])  # [B, d]
        ms = x.mean(dim=1)
        act = torch.sigmoid(x @ self.W_ctx + (xt @ self.W_asp + ms @ self.W_out).unsqueeze(1))
        alpha = act @ self.w0  # [B, s, 1]
        ma = (alpha * x).sum(dim=1) + ms
        hs, ht = torch.tanh(ma @ self.W1), torch.tanh(xt @ self.W2)
        return (hs * ht) @ table[1:].t()


class TfAdam:
    """tf.train.AdamOptimizer on dense gradients."""

    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.params, self.lr, self.b1, self.b2, self.eps, self.t = list(params), lr, b1, b2, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1
        lr_t = self.lr * (1 - self.b2**self.t) ** 0.5 / (1 - self.b1**self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            m.mul_(self.b1).add_(p.grad, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(p.grad, p.grad, value=1 - self.b2)
            p.sub_(lr_t * m / (v.sqrt() + self.eps))


def length_batches(train, batch, rng_np, rng_py):
    """The authors' batcher: (prefixes, targets) steps, groups of equal length in random order."""
    groups = {}
    for s in train:
        groups.setdefault(len(s), []).append(s)
    keys = list(groups)
    for k in rng_np.permutation(len(keys)):
        group = groups[keys[k]]
        rng_py.shuffle(group)
        for lo in range(0, len(group), batch):
            run = torch.tensor(group[lo:lo + batch])
            for s in range(run.shape[1] - 1):
                yield run[:, :s + 1], run[:, s + 1]


def shuffle_batches(train, batch, rng_np):
    prefixes = [(s, p) for s in train for p in range(1, len(s))]
    order = rng_np.permutation(len(prefixes))
    by_len = {}
    for lo in range(0, len(order), batch):
        # A step's prefixes have different lengths: one forward per length, losses summed.
        by_len.clear()
        for k in order[lo:lo + batch]:
            s, p = prefixes[k]
            by_len.setdefault(p, []).append(s[:p + 1])
        yield [(torch.tensor(g)[:, :-1], torch.tensor(g)[:, -1]) for g in by_len.values()]


@torch.no_grad()
def evaluate(model, test, cutoff=20):
    by_len = {}
    for s in test:
        for p in range(1, len(s)):
            by_len.setdefault(p, []).append(s[:p + 1])
    hits, rr, n = 0, 0.0, 0
    for group in by_len.values():
        g = torch.tensor(group)
        for lo in range(0, len(g), 512):
            chunk = g[lo:lo + 512]
            logits = model(chunk[:, :-1])
            target = chunk[:, -1] - 1
            ts = logits.gather(1, target.unsqueeze(1))
            rank = (logits > ts).sum(dim=1) + 1
            hits += int((rank <= cutoff).sum())
            rr += float(torch.where(rank <= cutoff, 1.0 / rank.double(), 0.0).sum())
            n += len(chunk)
    return hits / n, rr / n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', required=True)
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--reduce', choices=('sum', 'mean'), default='sum')
    ap.add_argument('--batching', choices=('length', 'shuffle'), default='length')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dim', type=int, default=100)
    ap.add_argument('--batch', type=int, default=512)
    ap.add_argument('--lr', type=float, default=0.003)
    ap.add_argument('--clip', type=float, default=110)
    ap.add_argument('--max-norm', type=float, default=1.5)
    ap.add_argument('--csv', help='append a row per epoch to this file')
    ap.add_argument('--dataset', default='', help='the dataset column of --csv rows')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    rng_np, rng_py = np.random.RandomState(a.seed), random.Random(a.seed)

    train_raw, test_raw = read_sessions(a.train), read_sessions(a.test)
    index = {}
    for s in train_raw:
        for i in s:
            index.setdefault(i, len(index) + 1)
    train = [[index[i] for i in s] for s in train_raw if len(s) >= 2]
    test = [[index[i] for i in s if i in index] for s in test_raw]
    test = [s for s in test if len(s) >= 2]
    print(f'# {len(train)} training sessions, {len(index)} items, {len(test)} test sessions; '
          f'seed {a.seed}, reduce={a.reduce}, batching={a.batching}, {a.threads} threads',
          flush=True)

    model = Stamp(len(index), a.dim, gen, a.max_norm)
    params = [model.E, model.W_asp, model.W_ctx, model.W_out, model.w0, model.W1, model.W2]
    opt = TfAdam(params, a.lr)
    ce = torch.nn.CrossEntropyLoss(reduction='none')
    print('epoch\tloss\tHR@20\tMRR@20\tseconds', flush=True)
    for epoch in range(1, a.epochs + 1):
        start, losses = time.time(), []
        if a.batching == 'length':
            steps = ([b] for b in length_batches(train, a.batch, rng_np, rng_py))
        else:
            steps = shuffle_batches(train, a.batch, rng_np)
        for parts in steps:
            for p in params:
                p.grad = None
            per_example = torch.cat([ce(model(x), y - 1) for x, y in parts])
            count = len(per_example)
            (per_example.sum() if a.reduce == 'sum' else per_example.sum() / count).backward()
            with torch.no_grad():
                for p in params:  # tf.clip_by_norm per tensor
                    norm = p.grad.norm()
                    if norm > a.clip:
                        p.grad.mul_(a.clip / norm)
            opt.step()
            losses.append(per_example.detach())
        hr, mrr, n = evaluate(model, test)
        loss = float(torch.cat(losses).mean())
        print(f'{epoch}\t{loss:.4f}\t{hr:.4f}\t{mrr:.4f}\t{time.time() - start:.1f}', flush=True)
        if a.csv:
            with open(a.csv, 'a') as f:
                f.write(f'{a.dataset},{a.batching},{a.reduce},{a.seed},{epoch},{n},{hr:.6f},'
                        f'{mrr:.6f}\n')
    print(f'# {n} test predictions', flush=True)


if __name__ == '__main__':
    main()
