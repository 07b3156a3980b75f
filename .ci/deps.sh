#!/bin/sh
# Install the Debian packages sbr builds and runs with, and nothing when all are present.
#
# Used by `make deps` (and so by `make test` and `make experiments`). As root it runs
# apt-get itself; with a password-less sudo it uses sudo; otherwise it prints the exact
# command to run and fails, so a build never starts with a missing library.
set -eu

# package            what needs it
PACKAGES="
cmake                build system
make                 build driver
gcc                  C11 compiler with OpenMP (libgomp)
clang                libFuzzer targets (make fuzz; tests/fuzz/)
libclang-rt-dev      clang's libFuzzer and sanitizer runtimes (only recommended by clang)
libomp-dev           OpenMP for clang (the fuzz build compiles eval/ with -fopenmp)
pkgconf              finds CUnit and GSL
libgsl-dev           random numbers (seeded mt19937), statistics, TPE
libopenblas-openmp-dev neural models: cblas.h, AVX-512 sgemm, shares the OpenMP pool
libcsv-dev           CSV/TSV parsing with quoting
libcunit1-dev        unit tests
zlib1g-dev           transparent .gz reading and writing
libdeflate-dev       faster whole-file inflate of small .gz session files (optional)
gnuplot-nox          figures (PNG/PDF via the cairo terminals)
libmicrohttpd-dev    sbr serve: the HTTP server (thread pool, keep-alive)
libjansson-dev       sbr serve: parsing JSON requests
libcurl4-openssl-dev sbr replay: the load generator (multi interface); curl for tests
libhiredis-dev       sbr serve --redis: sessions shared by several servers
libsqlite3-dev       the results store (eval/store.c): sbr run / sbr eval --out rows in SQLite
sqlite3              tests/test_store.sh: reading the results store as a user would
redis-server         tests/test_serve.sh: a real Redis on a loopback port
curl                 tests/test_serve.sh: exercising the endpoints
libopenmpi-dev       mpirun -np N sbr run|tune: MPI (optional at build time: -DSBR_MPI=OFF)
openmpi-bin          mpirun, for tests/test_mpi.sh and runs over several processes or machines
"

missing=""
for pkg in $(printf '%s\n' "$PACKAGES" | awk 'NF {print $1}'); do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "sbr: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "sbr: run this, then try again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# An install from a stale package list fails with 404s; refresh once and retry.
if ! $SUDO apt-get install -y --no-install-recommends $missing >&2; then
    $SUDO apt-get update >&2
    $SUDO apt-get install -y --no-install-recommends $missing >&2
fi
echo "sbr: installed:$missing" >&2
