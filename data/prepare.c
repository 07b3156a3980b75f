/* Placeholder until the importers land; see data/prepare.h for the contract. */
#include "data/prepare.h"

#include <string.h>

sbr_rc sbr_prepare_options_init(sbr_prepare_options *opt, const char *format, sbr_err *err)
{
    memset(opt, 0, sizeof *opt);
    return sbr_err_set(err, SBR_EINTERNAL, "prepare: format %s not implemented yet", format);
}

sbr_rc sbr_prepare(const char *path, const sbr_prepare_options *opt, sbr_dataset **out,
                   sbr_prepare_stats *stats, sbr_err *err)
{
    (void)opt;
    (void)stats;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "%s: importers not implemented yet", path);
}

const sbr_format_info *sbr_prepare_formats(size_t *n)
{
    *n = 0;
    return NULL;
}
