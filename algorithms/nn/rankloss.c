#include "algorithms/nn/rankloss.h"

#include <math.h>
#include <string.h>

#include "algorithms/nn/softmax.h"

/* s = the softmax of o over j != pos (s[pos] = 0), in work; returns nothing when m < 2. */
static void softmax_neg(const float *o, size_t m, size_t pos, float *s)
{
    float mx = -INFINITY;
    for (size_t j = 0; j < m; j++)
        if (j != pos && o[j] > mx)
            mx = o[j];
    for (size_t j = 0; j < m; j++)
        s[j] = o[j] - mx;
    s[pos] = -INFINITY;
    sbr_nn_exp_nonpositive(s, s, m);
    s[pos] = 0.0f;
    double sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += (double)s[j];
    float inv = (float)(1.0 / sum);
    for (size_t j = 0; j < m; j++)
        s[j] *= inv;
}

double sbr_nn_xent_row(const float *o, size_t m, size_t pos, float scale, float *g, float *work)
{
    (void)work;
    float mx = o[0];
    for (size_t j = 1; j < m; j++)
        mx = o[j] > mx ? o[j] : mx;
    for (size_t j = 0; j < m; j++)
        g[j] = o[j] - mx;
    sbr_nn_exp_nonpositive(g, g, m);
    double sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += (double)g[j];
    double p = (double)g[pos] / sum;
    /* d/do_j -log(p + eps) = (p / (p + eps)) (softmax_j - [j = pos]) */
    float c = (float)((double)scale * p / (p + 1e-24) / sum);
    for (size_t j = 0; j < m; j++)
        g[j] *= c;
    g[pos] -= (float)((double)scale * p / (p + 1e-24));
    return -log(p + 1e-24);
}

double sbr_nn_bprmax_row(const float *o, size_t m, size_t pos, double bpreg, float scale, float *g,
                         float *work)
{
    memset(g, 0, m * sizeof *g);
    if (m < 2)
        return 0;
    float *s = work, *sg = work + m;
    softmax_neg(o, m, pos, s);
    for (size_t j = 0; j < m; j++)
        sg[j] = o[pos] - o[j];
    sbr_nn_logistic(sg, sg, m); /* sigmoid(o_pos - o_j) */
    double a = 0, b = 0, dpos = 0;
    for (size_t j = 0; j < m; j++) {
        a += (double)s[j] * (double)sg[j];
        b += (double)s[j] * (double)o[j] * (double)o[j];
    }
    double t = a + 1e-24;
    for (size_t j = 0; j < m; j++) {
        if (j == pos)
            continue;
        double sj = s[j], sgj = sg[j], oj = o[j], d1 = sgj * (1 - sgj);
        dpos += sj * d1;
        double da = sj * (sgj - a - d1);
        double db = sj * (oj * oj - b + 2 * oj);
        g[j] = (float)((double)scale * (-da / t + bpreg * db));
    }
    g[pos] = (float)((double)scale * (-dpos / t));
    return -log(t) + bpreg * b;
}

double sbr_nn_top1max_row(const float *o, size_t m, size_t pos, float scale, float *g, float *work)
{
    memset(g, 0, m * sizeof *g);
    if (m < 2)
        return 0;
    float *s = work, *sd = work + m, *sq = g; /* g is scratch until the end */
    softmax_neg(o, m, pos, s);
    for (size_t j = 0; j < m; j++) {
        sd[j] = o[j] - o[pos];
        sq[j] = o[j] * o[j];
    }
    sbr_nn_logistic(sd, sd, m); /* sigmoid(o_j - o_pos) */
    sbr_nn_logistic(sq, sq, m); /* sigmoid(o_j^2) */
    double l = 0;
    for (size_t j = 0; j < m; j++)
        if (j != pos)
            l += (double)s[j] * ((double)sd[j] + (double)sq[j]);
    double dpos = 0;
    for (size_t j = 0; j < m; j++) {
        if (j == pos)
            continue;
        double sj = s[j], a = sd[j], q = sq[j], oj = o[j];
        double da = a * (1 - a), dq = q * (1 - q) * 2 * oj;
        dpos -= sj * da;
        g[j] = (float)((double)scale * sj * (a + q - l + da + dq));
    }
    g[pos] = (float)((double)scale * dpos);
    return l;
}
