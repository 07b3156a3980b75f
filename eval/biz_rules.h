/* biz_rules: the business rules `sbr serve` applies to a ranked candidate list, per request.
 *
 * - availability: an allow-list file (only these items may be recommended) and/or a deny-list
 *   file (never these), each one original ItemId per line ('#' comments and blank lines
 *   skipped, an optional header line "ItemId" allowed);
 * - categories: an item -> category file, TSV "ItemId<TAB>Category" (header optional), so at
 *   most k items of one category are listed;
 * - the session's own items may be excluded.
 * Files are read against a model's training vocabulary: ids the model does not know are
 * counted (sbr_biz_rules.unknown_ids) and otherwise ignored. A loaded sbr_biz_rules is immutable
 * and may be shared by any number of threads; reloading means loading a new one. Nothing here
 * prints. */
#ifndef SBR_EVAL_BIZ_RULES_H
#define SBR_EVAL_BIZ_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/common.h"
#include "data/vocab.h"

typedef struct sbr_biz_rules {
    size_t n_items;         /* the vocabulary's */
    uint8_t *available;     /* [n_items] 1 = may be recommended; NULL when no list was given */
    uint32_t *category;     /* [n_items] category number, UINT32_MAX = none; NULL without file */
    size_t n_categories;    /* distinct categories read */
    size_t allowed, denied; /* items of the vocabulary on each list */
    size_t unknown_ids;     /* ids in the files that the vocabulary lacks */
} sbr_biz_rules;

/* Reads the files (each may be NULL) against vocab into *out (owned; release with
 * sbr_biz_fini). With both lists, an item is available when allowed and not denied.
 * Errors: SBR_EIO naming an unreadable file, SBR_EPARSE naming the file, line and text of a
 * bad row, SBR_ENOMEM. On failure *out is empty. */
sbr_rc sbr_biz_load(const sbr_vocab *vocab, const char *allow_path, const char *deny_path,
                    const char *category_path, sbr_biz_rules *out, sbr_err *err);

void sbr_biz_fini(sbr_biz_rules *r); /* accepts a zeroed sbr_biz_rules */

/* What one request asks for. */
typedef struct sbr_biz_request {
    bool exclude_session; /* drop items of the session */
    bool available;       /* apply the allow/deny lists (when loaded) */
    size_t per_category;  /* at most this many per category; 0 = no limit */
} sbr_biz_request;

/* Whether the request filters anything under r (so candidates must be over-fetched). */
bool sbr_biz_active(const sbr_biz_rules *r, const sbr_biz_request *q);

/* Keeps, in rank order, the candidates cand[0..n_cand) that pass the rules, at most n, in out
 * (which may equal cand); returns their count. session[0..session_len) are the session's items
 * (for exclude_session). cat_seen and cat_count are caller buffers of n entries (per-category
 * counting without allocation). */
size_t sbr_biz_apply(const sbr_biz_rules *r, const sbr_biz_request *q, const uint32_t *session,
                     size_t session_len, const sbr_scored *cand, size_t n_cand, sbr_scored *out,
                     size_t n, uint32_t *cat_seen, uint32_t *cat_count);

#endif
