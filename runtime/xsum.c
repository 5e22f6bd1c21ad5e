/* xsum: Shewchuk's exact summation with a correctly rounded result. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xsum.h"

void xsum_init(XSum *s)
{
    s->p = s->inline_p;
    s->n = 0;
    s->cap = XSUM_INLINE;
    s->special = 0;
    s->overflow = false;
}

void xsum_free(XSum *s)
{
    if (s->p != s->inline_p) free(s->p);
    xsum_init(s);
}

static void push(XSum *s, double v)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap * 2;
        double *np = malloc(cap * sizeof *np);
        if (!np) { fputs("out of memory\n", stderr); exit(2); }
        memcpy(np, s->p, s->n * sizeof *np);
        if (s->p != s->inline_p) free(s->p);
        s->p = np;
        s->cap = cap;
    }
    s->p[s->n++] = v;
}

void xsum_add(XSum *s, double x)
{
    if (!isfinite(x)) { s->special += x; return; }
    uint32_t i = 0;
    for (uint32_t j = 0; j < s->n; j++) {
        double y = s->p[j];
        if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
        double hi = x + y;
        double lo = y - (hi - x);
        if (!isfinite(hi)) { s->overflow = true; s->special += hi; return; }
        if (lo != 0.0) s->p[i++] = lo;
        x = hi;
    }
    s->n = i;
    push(s, x);
}

double xsum_value(const XSum *s)
{
    if (s->special != 0 || isnan(s->special) || s->overflow)
        return s->special != 0 || isnan(s->special) ? s->special : INFINITY;
    if (s->n == 0) return 0.0;
    /* add the partials from the largest down; stop as soon as the
     * rounding is decided, then correct a half-way case (as fsum does) */
    int32_t k = (int32_t)s->n - 1;
    double hi = s->p[k--], lo = 0.0;
    while (k >= 0) {
        double x = hi, y = s->p[k--];
        hi = x + y;
        double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0) break;
    }
    if (k >= 0 && ((lo < 0 && s->p[k] < 0) || (lo > 0 && s->p[k] > 0))) {
        double y = lo * 2.0;
        double x = hi + y;
        double yr = x - hi;
        if (y == yr) hi = x;
    }
    return hi;
}
