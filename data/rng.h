/* Seeded random numbers: the only source of randomness in sbr.
 *
 * One generator per work item, never per thread, so results do not depend on the thread
 * count. Seeds are derived with sbr_seed from the run seed and the work item's coordinates.
 * The generator is GSL's mt19937, created without gsl_rng_env_setup (so GSL_RNG_SEED cannot
 * change a run behind its back). */
#ifndef SBR_DATA_RNG_H
#define SBR_DATA_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* Mixes a run seed with up to three work-item coordinates (split index, algorithm index, a
 * purpose tag) through splitmix64 and cuts the result to 32 bits, because mt19937 ignores the
 * upper 32 bits of a seed. Never returns 0 (mt19937 treats seed 0 as 4357). Pure. */
uint32_t sbr_seed(uint64_t run_seed, uint64_t a, uint64_t b, uint64_t purpose);

/* A new mt19937 generator seeded with `seed` (0 is mapped to 1). NULL when out of memory.
 * Free with gsl_rng_free. Not thread-safe: one generator per work item. */
gsl_rng *sbr_rng_new(uint32_t seed);

#endif
