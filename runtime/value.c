/* value: reading numbers, bools, dates and times from data cells and writing
 * numbers, dates and times to output, exactly as LANGUAGE.md appendix A and
 * TOOLS.md "Output details" fix them (see value.h for the representations).
 *
 * Every record goes through these, so each has a fast path for the common
 * shape (plain digits, a short decimal) and falls back to the C library
 * (strtod, printf) only where exact rounding needs it.  Both rely on the
 * "C" LC_NUMERIC locale, which the tools never change. */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "utext.h"
#include "value.h"

static inline bool digit(unsigned char c) { return (unsigned)(c - '0') < 10u; }

/* ---- numbers ---------------------------------------------------------- */

/* Powers of ten that a double holds exactly (10^22 is the last). */
static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO53 9007199254740992ull

/* Exponents and fraction lengths past this stop counting (and leave the
 * work to strtod), so the counters cannot overflow. */
#define EXP_CLAMP 100000000

/* Append a digit to the mantissa while it stays exact (at most 2^53). */
static inline void take(uint64_t *m, bool *exact, unsigned char c)
{
    unsigned d = (unsigned)(c - '0');
    if (*exact && *m <= (TWO53 - d) / 10)
        *m = *m * 10 + d;
    else
        *exact = false;
}

/* Data rule: [+-]?$?(d{1,3}(,ddd)+|d+)(.d+)?([eE][+-]?d+)? after trimming. */
bool val_parse_number(const char *s, size_t n, double *out)
{
    /* The usual cell: up to 15 plain digits (below 2^53, so exact). */
    if (n - 1 < 15 && digit((unsigned char)s[0]) && digit((unsigned char)s[n - 1])) {
        uint64_t m = 0;
        size_t i = 0;
        while (i < n && digit((unsigned char)s[i])) m = m * 10 + (unsigned)(s[i++] - '0');
        if (i == n) {
            *out = (double)m;
            return true;
        }
    }
    ut_trim(&s, &n);
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
    if (p < e && *p == '$') p++;

    /* Validate while gathering the digits into a mantissa; digits that do
     * not fit in 2^53 send us to strtod. */
    const unsigned char *int_start = p;
    uint64_t m = 0;
    bool exact = true;
    while (p < e && digit(*p)) take(&m, &exact, *p++);
    size_t lead = (size_t)(p - int_start);
    if (lead == 0) return false;
    if (p < e && *p == ',') {
        if (lead > 3) return false;
        while (p < e && *p == ',') {
            if (e - p < 4 || !digit(p[1]) || !digit(p[2]) || !digit(p[3])) return false;
            take(&m, &exact, p[1]);
            take(&m, &exact, p[2]);
            take(&m, &exact, p[3]);
            p += 4;
        }
        if (p < e && digit(*p)) return false;       /* "1,2345" */
    }
    int frac = 0;
    if (p < e && *p == '.') {
        p++;
        const unsigned char *f = p;
        while (p < e && digit(*p)) take(&m, &exact, *p++);
        if (p == f) return false;                   /* "5." */
        if ((size_t)(p - f) > EXP_CLAMP) exact = false;
        else frac = (int)(p - f);
    }
    long ex = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        const unsigned char *f = p;
        while (p < e && digit(*p)) {
            if (ex < EXP_CLAMP) ex = ex * 10 + (*p - '0');
            else exact = false;                     /* strtod sees the digits */
            p++;
        }
        if (p == f) return false;
        if (eneg) ex = -ex;
    }
    if (p != e) return false;

    /* Clinger's fast path: with an exact mantissa and an exact power of
     * ten, one IEEE multiplication or division is correctly rounded. */
#if FLT_EVAL_METHOD == 0
    if (exact) {
        long scale = ex - frac;
        double x = (double)m;
        if (m == 0 || (scale >= -22 && scale <= 22)) {
            if (m != 0) x = scale >= 0 ? x * pow10_exact[scale] : x / pow10_exact[-scale];
            if (isfinite(x)) {
                *out = neg ? -x : x;
                return true;
            }
        }
    }
#endif

    /* strtod on a copy without the '$' and the group commas. */
    char stack[128];
    char *buf = n + 1 <= sizeof stack ? stack : malloc(n + 1);
    if (!buf) {
        fputs("lead: out of memory\n", stderr);
        abort();
    }
    char *o = buf;
    if (neg) *o++ = '-';
    for (const unsigned char *q = int_start; q < e; q++)
        if (*q != ',') *o++ = (char)*q;
    *o = 0;
    double x = strtod(buf, NULL);
    if (buf != stack) free(buf);
    if (!isfinite(x)) return false;                 /* "1e400" overflows */
    *out = x;
    return true;
}

/* ---- bools ------------------------------------------------------------ */

bool val_parse_bool(const char *s, size_t n, bool *out)
{
    ut_trim(&s, &n);
    if (n == 0 || n > 5) return false;
    char w[6];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        w[i] = (char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
    }
    w[n] = 0;
    static const char *const yes[] = {"true", "yes", "y", "t", "1"};
    static const char *const no[] = {"false", "no", "n", "f", "0"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(w, yes[i]) == 0) { *out = true; return true; }
        if (strcmp(w, no[i]) == 0) { *out = false; return true; }
    }
    return false;
}

/* ---- calendar --------------------------------------------------------- */

/* The proleptic Gregorian calendar counted in 400-year eras of 146097 days,
 * with years starting on March 1 so the leap day falls at the end of one
 * (the method of H. Hinnant's "chrono-compatible low-level date
 * algorithms").  64-bit intermediates so any int32 day number is safe. */
int32_t val_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                               /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;   /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0..146096 */
    return (int32_t)(era * 146097 + doe - 719468);              /* 719468: 0000-03-01 to 1970-01-01 */
}

void val_civil_from_days(int32_t days, int *y, int *m, int *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;                           /* 0 = March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/* Includes the 0001..9999 year range every date in the language keeps to. */
bool val_valid_civil(int y, int m, int d)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    return d <= dim[m - 1] + (m == 2 && leap(y));
}

int32_t val_date_of_time(int64_t us)
{
    int64_t q = us / US_PER_DAY;
    if (us % US_PER_DAY < 0) q--;
    return (int32_t)q;
}

/* ---- dates and times -------------------------------------------------- */

static bool two(const unsigned char *p, int *v)
{
    if (!digit(p[0]) || !digit(p[1])) return false;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* YYYY-MM-DD[[Tt ]HH:MM[:SS[.f+]][Zz|(+|-)HH:MM]] on trimmed text. */
static bool parse_instant(const unsigned char *p, size_t n, int64_t *us)
{
    const unsigned char *e = p + n;
    /* Times in a column come in runs of the same day: the last valid date
     * part read by this thread is remembered, bytes and day number. */
    static _Thread_local struct { unsigned char ymd[10]; bool ok; int32_t days; } last;
    if (n < 10) return false;
    int32_t days;
    if (last.ok && memcmp(p, last.ymd, 10) == 0) {
        days = last.days;
    } else {
        int y1, y2, mo, d;
        if (!two(p, &y1) || !two(p + 2, &y2) || p[4] != '-' || !two(p + 5, &mo) || p[7] != '-' ||
            !two(p + 8, &d))
            return false;
        int y = y1 * 100 + y2;
        if (!val_valid_civil(y, mo, d)) return false;
        days = val_days_from_civil(y, mo, d);
        memcpy(last.ymd, p, 10);
        last.days = days;
        last.ok = true;
    }
    int64_t t = (int64_t)days * US_PER_DAY;
    p += 10;
    /* The usual clock, "THH:MM:SS" with Z or nothing after it, read as one
     * 64-bit word: every byte below 16 after the XOR, the colons 0 and the
     * digits at most 9. */
    if ((e - p == 9 || (e - p == 10 && (p[9] == 'Z' || p[9] == 'z'))) &&
        (*p == 'T' || *p == 't' || *p == ' ')) {
        uint64_t w;             /* little-endian: p[1] in the low byte */
        memcpy(&w, p + 1, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        uint64_t x = w ^ 0x30303a30303a3030ull;      /* "00:00:00" */
        if (!(x & 0xF0F0F0F0F0F0F0F0ull) && !(x & 0x0000FF0000FF0000ull) &&
            !((x + 0x0606000606000606ull) & 0xF0F0F0F0F0F0F0F0ull)) {
            int h = (int)(x & 0xFF) * 10 + (int)(x >> 8 & 0xFF);
            int mi = (int)(x >> 24 & 0xFF) * 10 + (int)(x >> 32 & 0xFF);
            int sec = (int)(x >> 48 & 0xFF) * 10 + (int)(x >> 56);
            if (h > 23 || mi > 59 || sec > 59) return false;
            *us = t + ((int64_t)(h * 60 + mi) * 60 + sec) * 1000000;
            return true;        /* no offset: within 0001..9999 as the date is */
        }
    }
    if (p < e) {
        int h, mi, sec = 0;
        int64_t f = 0;
        if (e - p < 6 || (*p != 'T' && *p != 't' && *p != ' ') || !two(p + 1, &h) || p[3] != ':' ||
            !two(p + 4, &mi))
            return false;
        p += 6;
        if (p < e && *p == ':') {
            if (e - p < 3 || !two(p + 1, &sec)) return false;
            p += 3;
            if (p < e && *p == '.') {
                const unsigned char *q = ++p;
                int64_t scale = 100000;
                while (p < e && digit(*p)) {         /* beyond microseconds: truncated */
                    f += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
                if (p == q) return false;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return false;
        t += ((int64_t)(h * 60 + mi) * 60 + sec) * 1000000 + f;
        if (p < e && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < e && (*p == '+' || *p == '-')) {
            int oh, om;
            if (e - p < 6 || !two(p + 1, &oh) || p[3] != ':' || !two(p + 4, &om) || oh > 23 || om > 59)
                return false;
            int64_t off = (int64_t)(oh * 60 + om) * 60000000;
            t += *p == '+' ? -off : off;
            p += 6;
        }
        if (p != e) return false;
    }
    /* An offset can carry the instant out of the years 0001..9999; such a
     * time could not be written back in the output form, so it is invalid. */
    static const int64_t lo = -62135596800000000LL;  /* 0001-01-01T00:00:00Z */
    static const int64_t hi = 253402300800000000LL;  /* 10000-01-01T00:00:00Z */
    if (t < lo || t >= hi) return false;
    *us = t;
    return true;
}

bool val_parse_time(const char *s, size_t n, int64_t *us)
{
    ut_trim(&s, &n);
    return parse_instant((const unsigned char *)s, n, us);
}

bool val_parse_date(const char *s, size_t n, int32_t *days)
{
    int64_t us;
    if (!val_parse_time(s, n, &us)) return false;
    *days = val_date_of_time(us);
    return true;
}

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

size_t val_format_date(int32_t days, char *buf)
{
    int y, m, d;
    val_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)                          /* outside the language's range */
        return (size_t)snprintf(buf, VAL_FMT_MAX, "%04d-%02d-%02d", y, m, d);
    char *o = put2(put2(buf, y / 100), y % 100);
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o = 0;
    return (size_t)(o - buf);
}

size_t val_format_time(int64_t us, char *buf)
{
    int32_t days = val_date_of_time(us);
    int64_t r = us - (int64_t)days * US_PER_DAY;    /* 0 .. US_PER_DAY-1 */
    int frac = (int)(r % 1000000);
    int secs = (int)(r / 1000000);
    char *o = buf + val_format_date(days, buf);
    *o++ = 'T';
    o = put2(o, secs / 3600);
    *o++ = ':';
    o = put2(o, secs / 60 % 60);
    *o++ = ':';
    o = put2(o, secs % 60);
    if (frac) {
        *o++ = '.';
        for (int i = 5; i >= 0; i--) {
            o[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += 6;
    }
    *o++ = 'Z';
    *o = 0;
    return (size_t)(o - buf);
}

/* ---- number output ---------------------------------------------------- */

static size_t put_u64(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return n;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
    100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
    10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
    100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

static inline u128 pow10_128(int i) { return i < 20 ? pow10_u64[i] : (u128)pow10_u64[19] * 10; }

/* M * 2^-k >= 10^i, exactly, for i in -4..-1 and k in 1..66. */
static inline bool ge_pow10(uint64_t m, int k, int i)
{
    return (u128)m * pow10_128(-i) >= (u128)1 << k;
}

/* The text %.*g prints at the first precision that reads back, for a
 * non-integral x with 1e-4 <= |x| < 2^52 (the fixed-notation range, where
 * nearly every output falls), in exact integer arithmetic instead of up to
 * seventeen printf and strtod calls; 0 for any other x.
 *
 * With |x| = M * 2^-k (M of 53 bits) and 10^X <= |x| < 10^(X+1), the
 * p-digit candidate is round(M * 10^s / 2^k) * 10^-s for s = p-1-X, rounded
 * as printf does (half to even); it reads back iff it lies within half a
 * unit in the last place of x, a quarter below when M = 2^52 (the gap below
 * a power of two is half as wide), the boundary itself going to x when M is
 * even, as strtod does.  Scaled by 10^s * 2^k, the unit is 10^s.  (In
 * this range neither the quarter gap nor a tie on the boundary decides a
 * case, as it happens; they are kept so the test is strtod's own.) */
static size_t fmt_fixed_shortest(double x, char *buf)
{
    double ax = fabs(x);
    if (!(ax >= 1e-4 && ax < 4503599627370496.0)) return 0;
    int e2;
    uint64_t m = (uint64_t)ldexp(frexp(ax, &e2), 53);
    int k = 53 - e2;
    int X = 0;
    if (ax >= 1)                                    /* 10^X is exact: compare doubles */
        while (X < 15 && ax >= pow10_exact[X + 1]) X++;
    else
        for (X = -4; X < -1 && ge_pow10(m, k, X + 1);) X++;
    /* An integral candidate never reads back (x is not integral and its
     * neighbours are nearer than any integer), so s starts at 1. */
    for (int p = X >= 0 ? X + 2 : 1; p <= 17; p++) {
        int s = p - 1 - X;
        u128 n = (u128)m * pow10_128(s);
        u128 q = n >> k, r = n - (q << k), half = (u128)1 << (k - 1);
        if (r > half || (r == half && (q & 1))) q++;
        u128 qk = q << k, diff4 = 4 * (qk > n ? qk - n : n - qk);
        u128 lim4 = qk < n && m == (1ull << 52) ? pow10_128(s) : 2 * pow10_128(s);
        if (diff4 > lim4 || (diff4 == lim4 && (m & 1))) continue;
        /* q * 10^-s in fixed notation, trailing zeros dropped as %g does. */
        uint64_t v = (uint64_t)q;
        while (v % 10 == 0) v /= 10, s--;
        char digits[24];
        size_t nd = put_u64(digits, v), fr = (size_t)s;
        char *o = buf;
        if (x < 0) *o++ = '-';
        if (nd <= fr) {
            *o++ = '0';
            *o++ = '.';
            for (size_t i = nd; i < fr; i++) *o++ = '0';
            memcpy(o, digits, nd);
            o += nd;
        } else {
            memcpy(o, digits, nd - fr);
            o += nd - fr;
            *o++ = '.';
            memcpy(o, digits + nd - fr, fr);
            o += fr;
        }
        *o = 0;
        return (size_t)(o - buf);
    }
    return 0;                                       /* not reached: 17 digits read back */
}
#else
static size_t fmt_fixed_shortest(double x, char *buf) { (void)x, (void)buf; return 0; }
#endif

size_t val_format_number(double x, char *buf)
{
    if (x == 0) {                                   /* -0 too */
        buf[0] = '0';
        buf[1] = 0;
        return 1;
    }
    if (x > -9223372036854775808.0 && x < 9223372036854775808.0) {
        int64_t i = (int64_t)x;
        if ((double)i == x) {
            if (i < 0) {
                buf[0] = '-';
                return 1 + put_u64(buf + 1, (uint64_t)0 - (uint64_t)i);
            }
            return put_u64(buf, (uint64_t)i);
        }
    } else if (x == floor(x) || !isfinite(x)) {
        /* Every double this large is integral; glibc prints it exactly. */
        return (size_t)snprintf(buf, VAL_FMT_MAX, "%.0f", x);
    }
    size_t n = fmt_fixed_shortest(x, buf);
    if (n) return n;
    /* Elsewhere printf decides.  When some precision up to 15 reads back,
     * %.15g prints the same text: a decimal that reads back is within 2^-53
     * relative of x, less than half the spacing of 15-digit decimals, so it
     * is x rounded to 15 digits (and %g drops the zeros).  Only 15, 16 and
     * 17 need trying; 17 always reads back.  Subnormals have fewer bits than
     * that argument needs and try every precision. */
    for (int prec = fabs(x) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
        n = (size_t)snprintf(buf, VAL_FMT_MAX, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return n;
    }
    return (size_t)snprintf(buf, VAL_FMT_MAX, "%.17g", x);
}
