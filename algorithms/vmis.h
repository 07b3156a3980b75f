/* vmis: VMIS-kNN (Kersbergen et al., SIGMOD '22), the session kNN of bol.com's Serenade.
 *
 * fit builds an index: for every item, the m most recent training sessions that contain it
 * (CSR, most recent first), for every session its distinct items (CSR, ascending), each
 * session's recency key and each item's idf. predict cuts the session to its last
 * `last_items` clicks, collects up to m candidate sessions from the index lists with a
 * recency-bounded 8-ary heap, keeps the k most similar as neighbours and scores their items.
 *
 * Two modes (parameter `compat`), described in detail at the top of vmis.c:
 *  - serenade: Serenade's CSV path exactly (quirks Q1-Q6 of the reference: dropped final row,
 *    session time over item-introducing rows only, idf numerator = (session, item) pairs,
 *    idf as a multiplier, early break of the candidate scan, match weight 1 - 0.1p going
 *    negative), with the canonical tie rules;
 *  - clean (default): no dropped rows, session time = last click, idf = ln(S / n_i) as an
 *    on/off switch, no early break (the candidates are exactly the m most recent sessions of
 *    the union of the lists), match weight max(0, 1 - 0.1p).
 *
 * Contract (through sbr_algo_vmis, see algorithms/algo.h): fit copies what it needs from the
 * training set (the model keeps no pointer into it) and fails with SBR_EINVAL for a parameter
 * out of range (the message names it, e.g. "vmis: k=0 is out of range") or a training set of
 * 2^32 or more clicks, and with SBR_ENOMEM. The model is immutable: any number of threads may
 * call predict on it at once, each with its own scratch (about 16 bytes per training session
 * and 24 per item); predict allocates nothing and never fails. Unknown items
 * (SBR_ITEM_UNKNOWN) in a query are skipped. model_bytes counts the index arrays. */
#ifndef SBR_ALGORITHMS_VMIS_H
#define SBR_ALGORITHMS_VMIS_H

#include "algorithms/algo.h"

typedef struct vmis_config {
    long m;          /* most recent sessions kept per item, and candidate sessions (500) */
    long k;          /* neighbours (500) */
    long last_items; /* the query is cut to its last `last_items` clicks (2) */
    double idf;      /* serenade: idf multiplier (0 = off); clean: > 0 switches idf on (1) */
    int compat;      /* choice index: 0 = clean (default), 1 = serenade */
    long remind;     /* 1: the last clicked item may be recommended too (clean only; 0) */
} vmis_config;

extern const sbr_algo sbr_algo_vmis;

#endif
