/* The recommendation lists an evaluation kept (sbr_eval_options.keep_lists): written in
 * session-rec's saved-lists format, and hashed so that two runs can prove they returned the
 * same answers. Nothing here prints. */
#ifndef SBR_EVAL_LISTS_H
#define SBR_EVAL_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "data/common.h"
#include "data/dataset.h"
#include "eval/harness.h"

/* Writes every list of r to path as session-rec does: a header "SessionId;Position;
 * Recommendations;Scores", then one line per prediction with the test session's original
 * id, the position, the original item ids and the scores (shortest exact decimals), both
 * comma-separated. item_ids are the training items' original ids (a dataset's or a
 * vocabulary's item_ids), test the set r was evaluated on. Errors: SBR_EIO, SBR_ENOMEM; the
 * file is then untouched. */
sbr_rc sbr_lists_write(const char *path, const uint64_t *item_ids, const sbr_dataset *test,
                       const sbr_eval_result *r, sbr_err *err);

/* The lists file of one algorithm configuration: base itself, or with several sharing one
 * --recs, "<label>-<hash>" before the extension, where label is sanitised (every byte but
 * letters, digits, '-' and '_' becomes '_', at most 48 bytes) and hash is 8 hex digits of
 * sbr_hash53 (data/common.h) of params, the full canonical parameter text
 * (sbr_algo_format_params): ("dir/recs.csv", "vmis", "k=100;m=500;...") ->
 * "dir/recs.vmis-1a2b3c4d.csv"; "dir/recs" -> "dir/recs.vmis-1a2b3c4d". Two configurations of
 * one algorithm get two files, and a configuration gets the same name in every run. */
void sbr_lists_path(const char *base, const char *label, const char *params, bool several,
                    char *out, size_t size);

/* CRC-32 of every list in evaluation order: "<item id>:<score>" per entry (the original item
 * id, the score as sbr_format_double writes it) and a newline per list. */
unsigned long sbr_lists_crc32(const uint64_t *item_ids, const sbr_eval_result *r);

/* Parses a cutoff list "1,5,10,20" (up to SBR_MAX_CUTOFFS strictly ascending integers from 1
 * to 100000) into eo->cutoffs and eo->n_cutoffs. Errors: SBR_EINVAL "--cutoffs '<text>': give
 * up to N ascending integers from 1, e.g. 1,5,10,20" (or "... is too long"); *eo may then
 * hold a part of the list. */
sbr_rc sbr_cutoffs_parse(const char *text, sbr_eval_options *eo, sbr_err *err);

#endif
