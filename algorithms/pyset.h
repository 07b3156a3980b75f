/* pyset: CPython 3.11's set of integers, emulated exactly (64-bit: hash(n) = n mod 2^61 - 1,
 * open addressing with 9 linear probes then perturbation, growth at 60% fill), so that the
 * iteration order of session-rec's Python sets can be reproduced (ties=session_rec).
 *
 * Keys are small integers (session numbers) whose Python hashes the caller keeps in an array
 * indexed by key. A set's table is a caller-owned buffer; a resize rebuilds the table in a
 * spare buffer and hands the old one back as the new spare, so nothing is allocated here.
 * Every buffer must hold the largest table the caller's sets can grow to. */
#ifndef SBR_ALGORITHMS_PYSET_H
#define SBR_ALGORITHMS_PYSET_H

#include <stddef.h>
#include <stdint.h>

#define SBR_PYSET_EMPTY UINT32_MAX /* marks a free slot */

typedef struct sbr_pyset {
    uint32_t *tab; /* [mask + 1] */
    size_t mask, used;
} sbr_pyset;

/* An empty set in buffer `buf` (8 slots, as a new Python set). */
void sbr_pyset_init(sbr_pyset *s, uint32_t *buf);

/* set.add(key); `hash` holds every key's Python hash; *spare is a free buffer, swapped with
 * the set's table when it resizes. */
void sbr_pyset_add(sbr_pyset *s, uint32_t key, uint32_t **spare, const uint64_t *hash);

/* set_merge(s, other) (as `s |= other` and the copy in `a | b` run it): other's n keys in
 * its slot order, their slots, and its mask. */
void sbr_pyset_merge(sbr_pyset *s, const uint32_t *keys, const uint32_t *slots, size_t n,
                     size_t other_mask, uint32_t **spare, const uint64_t *hash);

/* The keys of s in iteration (slot) order into keys, their slots into slots (may be NULL).
 * Returns their count. */
size_t sbr_pyset_list(const sbr_pyset *s, uint32_t *keys, uint32_t *slots);

#endif
