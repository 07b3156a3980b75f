/* The binary dataset cache: a loaded dataset's arrays in one versioned, checksummed file
 * (".sbrd", written by `sbr prepare --out X.sbrd`), read back in one pass with no parsing.
 *
 * Layout (native byte order, recorded and checked; every section starts 8-byte aligned):
 *   header, 144 bytes: magic "SBRDSET\0", u32 format version (SBR_CACHE_VERSION), u32 byte-order
 *     tag 0x01020304, u64 n_sessions, n_clicks, n_items, the source file's size, its
 *     modification time (s, ns), the length of its path, u64 flags (bit 0: the rows section is
 *     empty because every click's row is its index, sbr_dataset.rows == NULL), u64 n_id_runs
 *     (> 0: the session ids are kept as that many runs, sbr_dataset.id_runs), six u64 section
 *     checksums, and a u64 checksum of the 136 header bytes before it XOR that of the padded
 *     path after it;
 *   the source's path (NUL-padded to 8 bytes; empty when none was recorded);
 *   sections: offsets [n_sessions + 1] u64, items [n_clicks] u32 (zero-padded to 8 bytes, the
 * padding checked), times [n_clicks] f64, rows [n_clicks or 0] u64, session_ids [n_sessions]
 *     u64 or [n_id_runs] runs of two u64 (start, id),
 *     item_ids [n_items] u64.
 * The checksum is a 64-bit hash with four independent multiply-rotate lanes (XXH64's round
 * function and constants; not byte-compatible with XXH64): about 10 GB/s on one core, so a
 * 58M-click file (1.3 GB) is checked in a fraction of a second, where zlib's CRC-32 would take
 * several times as long, and it catches the bit flips, zeroed pages and shifted bytes a cache
 * file suffers. It is not a defence against deliberate forgery. */
#ifndef SBR_DATA_CACHE_H
#define SBR_DATA_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

enum { SBR_CACHE_VERSION = 2 };

/* Whether `path` names a cache file (it ends in ".sbrd"). */
bool sbr_cache_is_path(const char *path);

/* Writes ds to `path` atomically (data/output.h). `source` (may be NULL) is the session file
 * the dataset was read from: its path, size and modification time are recorded so that a
 * later change to it makes the cache stale. Errors: SBR_EIO (writing, or `source` cannot be
 * examined), SBR_ENOMEM. */
sbr_rc sbr_cache_write(const sbr_dataset *ds, const char *path, const char *source, sbr_err *err);

/* Reads a cache file into a new dataset (*out, free with sbr_dataset_free). It checks, in
 * order, and names the file and the fault in the message: the magic bytes, the format
 * version and byte order, the header checksum, the file size against the counts (a truncated
 * or extended file), each section's checksum (naming the section), the dataset's invariants
 * (offsets start at 0, ascend strictly and end at n_clicks; item indices < n_items; session
 * and item ids strictly ascending; times finite, >= 0 and ascending within each session), and
 * the source: when the recorded source file exists and its size or modification time differ
 * from the recorded ones, the cache is stale and refused ("rebuild it"). A source that no
 * longer exists is not checked: the cache is complete by itself. Errors: SBR_EIO (cannot open
 * or read), SBR_EPARSE (everything above), SBR_ENOMEM. Thread-safe. */
sbr_rc sbr_cache_load(const char *path, sbr_dataset **out, sbr_err *err);

/* The checksum described above, of `len` bytes. Pure. */
uint64_t sbr_cache_hash(const void *bytes, size_t len);

#endif
