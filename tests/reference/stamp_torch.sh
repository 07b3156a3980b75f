#!/bin/sh
# Writes tests/fixtures/stamp_torch.csv, the reference numbers of tests/test_models.c's
# "stamp is within the PyTorch reference's seed range": tests/reference/stamp_torch.py (an
# independent PyTorch STAMP after the authors' STAMP_cikm.py) on rsc15-100k, seeds 1-5, for
# the authors' steps (batching=length, reduce=sum) and sbr's default (shuffle, mean), 5 epochs,
# one thread (about 5 minutes). Each further argument adds a dataset of $SBR_DATA (its
# train.tsv.gz / test.tsv.gz) with seed 1, 8 epochs, the authors' steps, 2 threads: Tmall takes
# about 30 minutes. Needs Debian's python3-torch (run by /usr/bin/python3, not a pyenv python).
# Usage: SBR_DATA=../shared/data sh tests/reference/stamp_torch.sh [DATASET ...]
set -eu
here=$(dirname "$0")
data=${SBR_DATA:-$here/../../../shared/data}
out=$here/../fixtures/stamp_torch.csv
tmp=$out.tmp
echo "dataset,batching,reduce,seed,epoch,predictions,hr20,mrr20" >"$tmp"
for cfg in "length sum" "shuffle mean"; do
    set -- $cfg "$@"
    for seed in 1 2 3 4 5; do
        /usr/bin/python3 "$here/stamp_torch.py" --train "$data/rsc15-100k/train_full.tsv.gz" \
            --test "$data/rsc15-100k/test.tsv.gz" --epochs 5 --threads 1 --seed "$seed" \
            --batching "$1" --reduce "$2" --csv "$tmp" --dataset rsc15-100k >&2
    done
    shift 2
done
for d in "$@"; do
    /usr/bin/python3 "$here/stamp_torch.py" --train "$data/$d/train.tsv.gz" \
        --test "$data/$d/test.tsv.gz" --epochs 8 --threads 2 --seed 1 --batching length \
        --reduce sum --csv "$tmp" --dataset "$d" >&2
done
mv "$tmp" "$out"
