#!/bin/sh
# STAMP on the SR-GNN/GCE-GNN splits beside its published values: experiments/neural.sh with
# MODEL=stamp (see there for the environment). Usage: sh experiments/stamp.sh [DATASET ...]
MODEL=stamp exec sh "$(dirname "$0")/neural.sh" "$@"
