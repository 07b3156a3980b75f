#include "data/rng.h"

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

uint32_t sbr_seed(uint64_t run_seed, uint64_t a, uint64_t b, uint64_t purpose)
{
    uint64_t h = splitmix64(run_seed);
    h = splitmix64(h ^ a);
    h = splitmix64(h ^ b);
    h = splitmix64(h ^ purpose);
    uint32_t s = (uint32_t)(h ^ (h >> 32));
    return s == 0 ? 1 : s;
}

gsl_rng *sbr_rng_new(uint32_t seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r != NULL)
        gsl_rng_set(r, seed == 0 ? 1 : seed);
    return r;
}
