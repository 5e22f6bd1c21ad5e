/* xsum: exact floating-point sums (appendix A: `sum`, `average` and the
 * total of a `for each` line are correctly rounded exact sums, so no result
 * depends on the order of events).
 *
 * The running sum is kept exactly as a list of non-overlapping doubles
 * (Shewchuk's partials, as in Python's math.fsum); xsum_value rounds it
 * once.  Adding -x removes x exactly, which sliding windows use.
 * Ownership: the partials live in the struct up to XSUM_INLINE, then in a
 * malloc'd array xsum_free releases. */
#ifndef LEAD_XSUM_H
#define LEAD_XSUM_H

#include <stdbool.h>
#include <stdint.h>

#define XSUM_INLINE 16

typedef struct XSum {
    double *p;                  /* partials, smallest magnitude first */
    uint32_t n, cap;
    double inline_p[XSUM_INLINE];
    double special;             /* sum of infinities / NaN seen (non-finite inputs) */
    bool overflow;              /* an intermediate sum overflowed */
} XSum;

void xsum_init(XSum *s);
void xsum_add(XSum *s, double x);
/* The correctly rounded value of the exact sum; inf/NaN when it overflows. */
double xsum_value(const XSum *s);
void xsum_free(XSum *s);

#endif
