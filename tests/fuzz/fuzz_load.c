/* Fuzz target: the session-file loader, sbr_load_sessions (data/load.c over data/table.c and
 * data/parse.c), plain and through zlib.
 *
 * Input: one flags byte, then the file's bytes. Flags bits 0-1 pick how the bytes reach the
 * loader: 0 a plain ".tsv", 1 a ".gz"-named file holding the bytes as they are (a real gzip
 * seed is mutated as a stream; other bytes take zlib's transparent path), 2 a ".gz" the bytes
 * are compressed into (valid stream, fuzzed content), 3 a plain ".csv". Bits 2-7 flip the
 * options: no header, skip bad rows, milliseconds, no quoting, skip malformed records, and a
 * fixed comma delimiter instead of detection. Bytes that start with the dataset cache's magic
 * "SBRDSET\0" are written as they are to a ".sbrd" file (data/cache.c's reader). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/load.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    data++;
    size--;

    static const char *const suffixes[] = {".tsv", ".gz", ".gz", ".csv"};
    bool is_cache = size >= 8 && memcmp(data, "SBRDSET", 8) == 0;
    char path[FUZZ_PATH];
    fuzz_path(path, sizeof path, is_cache ? ".sbrd" : suffixes[flags & 3u]);
    int rc = (flags & 3u) == 2 && !is_cache ? fuzz_write_gz(path, data, size)
                                            : fuzz_write(path, data, size);
    if (rc != 0)
        abort();

    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.has_header = (flags & 4u) == 0;
    opt.skip_bad_rows = (flags & 8u) != 0;
    if (flags & 16u)
        opt.time_scale = 0.001;
    opt.table.quoting = (flags & 32u) == 0;
    opt.table.skip_malformed = (flags & 64u) != 0;
    if (flags & 128u)
        opt.table.delimiter = ',';

    sbr_dataset *ds = NULL;
    sbr_load_stats stats;
    sbr_err err;
    if (sbr_load_sessions(path, &opt, &ds, &stats, &err) == SBR_OK)
        sbr_dataset_free(ds);
    remove(path);
    return 0;
}
