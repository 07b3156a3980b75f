/* Placeholder until the splits land; see data/split.h for the contract. */
#include "data/split.h"

#include <string.h>

sbr_rc sbr_split_window(const sbr_dataset *ds, const sbr_window_options *opt, unsigned slice,
                        sbr_split *out, sbr_err *err)
{
    (void)ds;
    (void)opt;
    (void)slice;
    memset(out, 0, sizeof *out);
    return sbr_err_set(err, SBR_EINTERNAL, "split: not implemented yet");
}

sbr_rc sbr_split_last_days(const sbr_dataset *ds, double days_test, sbr_split *out,
                           sbr_err *err)
{
    (void)ds;
    (void)days_test;
    memset(out, 0, sizeof *out);
    return sbr_err_set(err, SBR_EINTERNAL, "split: not implemented yet");
}

void sbr_split_fini(sbr_split *split)
{
    if (split == NULL)
        return;
    sbr_dataset_free(split->train);
    sbr_dataset_free(split->test);
    memset(split, 0, sizeof *split);
}
