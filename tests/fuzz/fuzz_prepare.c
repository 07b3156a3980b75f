/* Fuzz target: the raw importers, sbr_prepare (data/prepare.c) for every format.
 *
 * Input: one selector byte, then the raw file's bytes. Selector bits 0-2 pick the format in
 * sbr_prepare_formats() order (sessions, lastfm1k, retailrocket, yoochoose, diginetica,
 * 30music, nowplaying, online-retail); bit 3 turns every filter off (lengths and support 1),
 * so tiny inputs reach the dataset instead of being filtered away; bit 4 skips bad rows; bit 5
 * writes the bytes into a ".gz" stream; bit 6 collapses repeats; bit 7 keeps more retailrocket
 * events (the list is parsed by the importer). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "data/dataset.h"
#include "data/prepare.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    data++;
    size--;

    size_t n_formats;
    const sbr_format_info *formats = sbr_prepare_formats(&n_formats);
    const char *format = formats[(sel & 7u) % n_formats].name;

    char path[FUZZ_PATH];
    int gz = (sel & 32u) != 0;
    fuzz_path(path, sizeof path, gz ? ".gz" : ".raw");
    if ((gz ? fuzz_write_gz(path, data, size) : fuzz_write(path, data, size)) != 0)
        abort();

    sbr_prepare_options opt;
    sbr_err err;
    if (sbr_prepare_options_init(&opt, format, &err) != SBR_OK)
        abort(); /* every listed format must have defaults */
    if (sel & 8u) {
        opt.filter.first_min_session_length = 1;
        opt.filter.min_item_support = 1;
        opt.filter.min_session_length = 1;
    }
    opt.load.skip_bad_rows = (sel & 16u) != 0;
    opt.filter.collapse_repeats = (sel & 64u) != 0;
    if (sel & 128u)
        opt.events = "view, addtocart,transaction";

    sbr_dataset *ds = NULL;
    sbr_prepare_stats stats;
    if (sbr_prepare(path, &opt, &ds, &stats, &err) == SBR_OK)
        sbr_dataset_free(ds);
    remove(path);
    return 0;
}
