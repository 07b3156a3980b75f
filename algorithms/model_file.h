/* model_file: fitted models saved to and loaded from a versioned, checksummed binary file.
 *
 * Layout (every integer little-endian; a file written on a big-endian machine is refused):
 *
 *   "SBRMODEL"                      8 bytes, the magic
 *   u32 format version              SBR_MODEL_FORMAT (1)
 *   u32 interface version           SBR_ALGO_ABI of the writer
 *   u32 + bytes algorithm name      "vmis"
 *   u32 + bytes parameters          sbr_algo_format_params: "m=500;k=500;..."
 *   array u64 item ids, u64 clicks  the training vocabulary (data/vocab.h)
 *   ...                             the algorithm's payload, written by its `save`
 *   u32 CRC-32                      of every byte before it (zlib's crc32)
 *
 * The configuration travels as text, so a model records exactly the parameters it was fitted
 * with and `sbr_model_load` re-validates them (sbr_algo_check). A path ending in ".gz" is
 * gzip-compressed (data/output.h), and any file is read through zlib, compressed or not.
 * Saving is atomic: a reader sees the old file or the complete new one.
 *
 * An algorithm's save writes its arrays and scalars through the writer; its load reads them
 * back in the same order through the reader. Writer errors are remembered and reported once by
 * the file's commit; every reader call checks that the bytes exist and, for arrays, that the
 * element size matches, so a truncated, corrupt or foreign payload is SBR_EPARSE, never a
 * read past the end. */
#ifndef SBR_ALGORITHMS_MODEL_FILE_H
#define SBR_ALGORITHMS_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/vocab.h"

#define SBR_MODEL_FORMAT 1

/* Saves model (fitted from spec on a training set of vocabulary vocab) to path. Errors:
 * SBR_EIO naming the path, SBR_EINVAL (spec or vocabulary not the model's), SBR_ENOMEM, and
 * the algorithm's save errors. */
sbr_rc sbr_model_save(const sbr_model *model, const sbr_spec *spec, const sbr_vocab *vocab,
                      const char *path, sbr_err *err);

/* Loads a model file: its algorithm and configuration into *spec (released first), the
 * training vocabulary into *vocab (released first; may be NULL when not wanted), the model
 * into *out (free with (*out)->algo->free). Errors name the path and what is wrong: SBR_EIO
 * (cannot read), SBR_EPARSE (not a model file, another format or interface version, an
 * unknown algorithm, bad parameters, a checksum mismatch, a truncated or inconsistent
 * payload), SBR_ENOMEM. On failure *spec is empty and *out NULL. */
sbr_rc sbr_model_load(const char *path, sbr_spec *spec, sbr_vocab *vocab, sbr_model **out,
                      sbr_err *err);

/* ---- for an algorithm's save ------------------------------------------------------------ */

void sbr_mw_bytes(sbr_model_writer *w, const void *p, size_t n);
void sbr_mw_u64(sbr_model_writer *w, uint64_t v);
void sbr_mw_f64(sbr_model_writer *w, double v);
/* An array: its count (u64), its element size (u32), then count * elem bytes. */
void sbr_mw_array(sbr_model_writer *w, const void *p, size_t count, size_t elem);

/* ---- for an algorithm's load ------------------------------------------------------------ */

/* The algorithm whose model is being read (shared loaders, e.g. the rule baselines', need it). */
const sbr_algo *sbr_mr_algo(const sbr_model_reader *r);

sbr_rc sbr_mr_bytes(sbr_model_reader *r, void *p, size_t n, sbr_err *err);
sbr_rc sbr_mr_u64(sbr_model_reader *r, uint64_t *v, sbr_err *err);
/* A u64 that must lie in lo..hi, stored as size_t. */
sbr_rc sbr_mr_size(sbr_model_reader *r, size_t *v, size_t lo, size_t hi, sbr_err *err);
sbr_rc sbr_mr_f64(sbr_model_reader *r, double *v, sbr_err *err);
/* An array written by sbr_mw_array, into a new block *p (free with free(); a valid pointer
 * even when empty) and its count into *count. elem must equal the written element size. */
sbr_rc sbr_mr_array(sbr_model_reader *r, void **p, size_t *count, size_t elem, sbr_err *err);
/* The same, when the count is known: anything else is SBR_EPARSE. */
sbr_rc sbr_mr_array_n(sbr_model_reader *r, void **p, size_t count, size_t elem, sbr_err *err);

#endif
