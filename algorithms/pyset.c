/* pyset: see pyset.h. The probe and resize rules follow CPython 3.11's Objects/setobject.c
 * (set_add_entry, set_insert_clean, set_table_resize, set_merge). */
#include "algorithms/pyset.h"

/* The slot of `key` or the first free slot on its probe sequence (set_add_entry and
 * set_insert_clean probe alike: the home slot and up to 9 following ones, then a jump). */
static size_t pyset_probe(const uint32_t *tab, size_t mask, uint64_t hash, uint32_t key)
{
    uint64_t i = hash & mask, perturb = hash;
    for (;;) {
        size_t probes = i + 9 <= mask ? 9 : 0;
        for (size_t j = (size_t)i;; j++) {
            if (tab[j] == SBR_PYSET_EMPTY || tab[j] == key)
                return j;
            if (probes-- == 0)
                break;
        }
        perturb >>= 5;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

void sbr_pyset_init(sbr_pyset *s, uint32_t *buf)
{
    s->tab = buf;
    s->mask = 7;
    s->used = 0;
    for (size_t j = 0; j < 8; j++)
        buf[j] = SBR_PYSET_EMPTY;
}

/* set_table_resize: re-inserts in slot order into the smallest power-of-two table (>= 8)
 * larger than minused, built in *spare; the old table becomes the spare. */
static void pyset_resize(sbr_pyset *s, size_t minused, uint32_t **spare, const uint64_t *hash)
{
    size_t size = 8;
    while (size <= minused)
        size <<= 1;
    uint32_t *t = *spare;
    for (size_t j = 0; j < size; j++)
        t[j] = SBR_PYSET_EMPTY;
    for (size_t j = 0; j <= s->mask; j++) {
        uint32_t key = s->tab[j];
        if (key != SBR_PYSET_EMPTY)
            t[pyset_probe(t, size - 1, hash[key], key)] = key;
    }
    *spare = s->tab;
    s->tab = t;
    s->mask = size - 1;
}

void sbr_pyset_add(sbr_pyset *s, uint32_t key, uint32_t **spare, const uint64_t *hash)
{
    size_t j = pyset_probe(s->tab, s->mask, hash[key], key);
    if (s->tab[j] == key)
        return;
    s->tab[j] = key;
    s->used++;
    if (s->used * 5 < s->mask * 3)
        return;
    pyset_resize(s, s->used > 50000 ? s->used * 2 : s->used * 4, spare, hash);
}

void sbr_pyset_merge(sbr_pyset *s, const uint32_t *keys, const uint32_t *slots, size_t n,
                     size_t other_mask, uint32_t **spare, const uint64_t *hash)
{
    if (n == 0)
        return;
    if ((s->used + n) * 5 >= s->mask * 3)
        pyset_resize(s, (s->used + n) * 2, spare, hash);
    if (s->used == 0 && s->mask == other_mask) { /* same size, empty: the layout is copied */
        for (size_t c = 0; c < n; c++)
            s->tab[slots[c]] = keys[c];
        s->used = n;
        return;
    }
    if (s->used == 0) { /* empty: set_insert_clean in other's order */
        for (size_t c = 0; c < n; c++)
            s->tab[pyset_probe(s->tab, s->mask, hash[keys[c]], keys[c])] = keys[c];
        s->used = n;
        return;
    }
    for (size_t c = 0; c < n; c++)
        sbr_pyset_add(s, keys[c], spare, hash);
}

size_t sbr_pyset_list(const sbr_pyset *s, uint32_t *keys, uint32_t *slots)
{
    size_t n = 0;
    for (size_t j = 0; j <= s->mask; j++) {
        if (s->tab[j] == SBR_PYSET_EMPTY)
            continue;
        if (slots != NULL)
            slots[n] = (uint32_t)j;
        keys[n++] = s->tab[j];
    }
    return n;
}
