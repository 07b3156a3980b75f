#!/bin/sh
# The include graph follows the layers: data <- algorithms <- eval <- eval/cli.
#   data/*        includes only data/
#   algorithms/*  includes data/ and algorithms/ (algorithms/nn/ too)
#   eval/*        includes data/, algorithms/ and eval/ (but not eval/cli/)
#   eval/cli/*    includes anything
# Fails naming every file and include that reaches upward.
# Usage: check_layers.sh SOURCE_DIR
set -eu
cd "${1:-.}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in data/*.[ch] algorithms/*.[ch] algorithms/nn/*.[ch] eval/*.[ch]; do
    [ -f "$f" ] || continue
    case $f in
    data/*) allowed='data' ;;
    algorithms/*) allowed='data|algorithms|algorithms/nn' ;;
    eval/*) allowed='data|algorithms|algorithms/nn|eval' ;;
    esac
    # Project includes are written from the root: #include "dir/file.h"; a bare "file.h" or an
    # include of eval/cli/ (dir eval/cli) is outside every library's layers.
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
        inc=$(printf '%s\n' "$line" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
        dir=${inc%/*}
        [ "$dir" = "$inc" ] && dir=.
        if ! printf '%s\n' "$dir" | grep -Eqx "($allowed)"; then
            echo "check_layers: $f:${line%%:*}: includes \"$inc\", above its layer (allowed: $allowed)"
        fi
    done
done >"$out"
if [ -s "$out" ]; then
    cat "$out"
    exit 1
fi
echo "check_layers: data <- algorithms <- eval <- eval/cli: no upward includes"
