#include "data/filter.h"

#include <stdlib.h>
#include <string.h>

void sbr_filter_options_init(sbr_filter_options *opt)
{
    opt->first_min_session_length = 2;
    opt->min_item_support = 5;
    opt->min_session_length = 2;
    opt->collapse_repeats = false;
}

/* Clears keep[] for the kept clicks of sessions with fewer than min_len kept clicks. */
static void drop_short_sessions(const sbr_dataset *ds, bool *keep, size_t min_len,
                                uint64_t *sessions, uint64_t *clicks)
{
    for (size_t s = 0; s < ds->n_sessions; s++) {
        size_t len = 0;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++)
            len += keep[c];
        if (len > 0 && len < min_len) {
            for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++)
                keep[c] = false;
            (*sessions)++;
            *clicks += len;
        }
    }
}

sbr_rc sbr_filter_apply(const sbr_dataset *in, const sbr_filter_options *opt, sbr_dataset **out,
                        sbr_filter_stats *stats, sbr_err *err)
{
    *out = NULL;
    sbr_filter_stats st;
    memset(&st, 0, sizeof st);
    bool *keep = sbr_alloc_array(in->n_clicks, sizeof *keep);
    size_t *support = calloc(in->n_items + 1, sizeof *support);
    if (keep == NULL || support == NULL) {
        free(keep);
        free(support);
        return sbr_err_set(err, SBR_ENOMEM, "filter: out of memory");
    }
    for (size_t s = 0; s < in->n_sessions; s++) {
        for (size_t c = in->offsets[s]; c < in->offsets[s + 1]; c++) {
            keep[c] =
                !(opt->collapse_repeats && c > in->offsets[s] && in->items[c] == in->items[c - 1]);
            st.repeats_collapsed += !keep[c];
        }
    }
    drop_short_sessions(in, keep, opt->first_min_session_length, &st.short_first_sessions,
                        &st.short_first_clicks);

    for (size_t c = 0; c < in->n_clicks; c++)
        support[in->items[c]] += keep[c];
    for (size_t i = 0; i < in->n_items; i++)
        st.rare_items += support[i] > 0 && support[i] < opt->min_item_support;
    for (size_t c = 0; c < in->n_clicks; c++) {
        if (keep[c] && support[in->items[c]] < opt->min_item_support) {
            keep[c] = false;
            st.rare_clicks++;
        }
    }
    drop_short_sessions(in, keep, opt->min_session_length, &st.short_sessions, &st.short_clicks);

    sbr_rc rc = sbr_dataset_select(in, keep, out, err);
    free(keep);
    free(support);
    if (rc == SBR_OK && stats != NULL)
        *stats = st;
    return rc;
}
