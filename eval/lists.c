#include "eval/lists.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "data/output.h"
#include "data/parse.h"

sbr_rc sbr_lists_write(const char *path, const uint64_t *item_ids, const sbr_dataset *test,
                       const sbr_eval_result *r, sbr_err *err)
{
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "SessionId;Position;Recommendations;Scores\n");
    char num[40];
    for (size_t p = 0; p < r->n_predictions; p++) {
        const sbr_eval_list *l = &r->lists[p];
        const sbr_scored *items = r->list_items + p * r->max_cutoff;
        sbr_out_printf(o, "%llu;%zu;", (unsigned long long)sbr_dataset_session_id(test, l->session),
                       l->position);
        for (size_t i = 0; i < l->len; i++)
            sbr_out_printf(o, "%s%llu", i ? "," : "", (unsigned long long)item_ids[items[i].item]);
        sbr_out_printf(o, ";");
        for (size_t i = 0; i < l->len; i++)
            sbr_out_printf(o, "%s%s", i ? "," : "",
                           sbr_format_double(num, sizeof num, items[i].score));
        sbr_out_printf(o, "\n");
    }
    return sbr_out_commit(o, err);
}

void sbr_lists_path(const char *base, const char *label, const char *params, bool several,
                    char *out, size_t size)
{
    if (!several) {
        snprintf(out, size, "%s", base);
        return;
    }
    /* The label with anything but letters, digits, '-' and '_' as '_' (so a label never makes
     * a folder or a hidden file), and 8 hex digits of the parameters' hash. */
    char tag[80];
    size_t n = 0;
    for (const char *p = label; *p && n < 48; p++) {
        char c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
        tag[n++] = keep ? c : '_';
    }
    snprintf(tag + n, sizeof tag - n, "-%08llx",
             (unsigned long long)(sbr_hash53(params, strlen(params)) & 0xffffffffULL));
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(base, '.');
    if (dot != NULL && (slash == NULL || dot > slash))
        snprintf(out, size, "%.*s.%s%s", (int)(dot - base), base, tag, dot);
    else
        snprintf(out, size, "%s.%s", base, tag);
}

unsigned long sbr_lists_crc32(const uint64_t *item_ids, const sbr_eval_result *r)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    char buf[64];
    for (size_t p = 0; p < r->n_predictions; p++) {
        const sbr_scored *items = r->list_items + p * r->max_cutoff;
        for (size_t i = 0; i < r->lists[p].len; i++) {
            int n = snprintf(buf, sizeof buf, "%llu:", (unsigned long long)item_ids[items[i].item]);
            crc = crc32(crc, (const Bytef *)buf, (uInt)n);
            sbr_format_double(buf, sizeof buf, items[i].score);
            crc = crc32(crc, (const Bytef *)buf, (uInt)strlen(buf));
        }
        crc = crc32(crc, (const Bytef *)"\n", 1);
    }
    return (unsigned long)crc;
}

sbr_rc sbr_cutoffs_parse(const char *text, sbr_eval_options *eo, sbr_err *err)
{
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return sbr_err_set(err, SBR_EINVAL, "--cutoffs '%s' is too long", text);
    strcpy(buf, text);
    eo->n_cutoffs = 0;
    for (char *p = buf; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma++ = '\0';
        long v;
        if (eo->n_cutoffs == SBR_MAX_CUTOFFS || sbr_parse_long(p, 1, 100000, &v) != NULL ||
            (eo->n_cutoffs > 0 && (size_t)v <= eo->cutoffs[eo->n_cutoffs - 1]))
            return sbr_err_set(err, SBR_EINVAL,
                               "--cutoffs '%s': give up to %d ascending integers from 1, "
                               "e.g. 1,5,10,20",
                               text, SBR_MAX_CUTOFFS);
        eo->cutoffs[eo->n_cutoffs++] = (size_t)v;
        p = comma;
    }
    return SBR_OK;
}
