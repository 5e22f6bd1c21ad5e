/* utext: the Unicode text operations of LANGUAGE.md appendix A on UTF-8
 * bytes as they come from the input (see utext.h for the contract).
 *
 * These run on every comparison, set lookup and text test the VM makes, so
 * the shape of every function is: an ASCII loop that handles eight bytes at
 * a time where it can, and a per-code-point slow path for everything else.
 * ICU is only consulted for code points above U+007F (simple folding) and for
 * runs that contain them (full case mappings, which depend on context).
 *
 * Invalid UTF-8 is data, not an error: each invalid byte stands for itself,
 * is one code point long, folds to itself and is never white space. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE                     /* memmem */
#endif
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include "utext.h"

/* ---- buffers ---------------------------------------------------------- */

/* Out of memory ends the process, as utext.h promises: callers on the hot
 * path have no error return to carry it. */
static _Noreturn void oom(void)
{
    fputs("lead: out of memory\n", stderr);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) oom();
    return p;
}

void ubuf_grow(Buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) return;
    size_t need = b->len + extra;
    if (need < b->len) oom();                       /* size_t overflow */
    size_t cap = b->cap ? b->cap : 32;
    while (cap < need) cap = cap * 2 > cap ? cap * 2 : need;
    char *p = realloc(b->p, cap);
    if (!p) oom();
    b->p = p;
    b->cap = cap;
}

void ubuf_free(Buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- eight ASCII bytes at a time -------------------------------------- */

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Little-endian load whatever the host order, so every path that feeds the
 * hash sees the same byte order; compilers turn this into one load. */
static inline uint64_t load64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void store64(unsigned char *p, uint64_t w)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(w >> (8 * i));
}

/* Lower-case the letters of a word whose bytes are all below 0x80.  No byte
 * can carry into its neighbour: 0x7F + 0x3F < 0x100. */
static inline uint64_t lower64(uint64_t w)
{
    uint64_t ge_a = w + ONES * (0x80 - 'A');        /* high bit iff byte >= 'A' */
    uint64_t gt_z = w + ONES * (0x7F - 'Z');        /* high bit iff byte >  'Z' */
    return w | ((ge_a & ~gt_z & HIGHS) >> 2);       /* 0x80 >> 2 == 0x20 */
}

static inline unsigned char lower8(unsigned char c)
{
    return (unsigned char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
}

static inline bool ascii_space(unsigned char c)
{
    return c == ' ' || (c >= 9 && c <= 13);
}

/* ---- code points ------------------------------------------------------ */

static inline bool cont(unsigned char c) { return (c & 0xC0) == 0x80; }

size_t ut_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* The second-byte ranges follow Unicode table 3-7: they exclude overlong
     * forms, surrogates and values above U+10FFFF in one test. */
    if (c >= 0xC2 && c <= 0xDF) {
        if (n >= 2 && cont(s[1])) {
            *cp = (c & 0x1F) << 6 | (s[1] & 0x3F);
            return 2;
        }
    } else if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (n >= 3 && s[1] >= lo && s[1] <= hi && cont(s[2])) {
            *cp = (c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
            return 3;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (n >= 4 && s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3])) {
            *cp = (c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
                  (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
            return 4;
        }
    }
    *cp = UT_INVALID;
    return 1;
}

size_t ut_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool ut_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n && !(load64(u + i) & HIGHS)) {
            i += 8;
            continue;
        }
        uint32_t cp;
        size_t k = ut_decode(u + i, n - i, &cp);
        if (cp == UT_INVALID) {
            if (bad) *bad = i;
            return false;
        }
        i += k;
    }
    return true;
}

/* A hand list rather than u_hasBinaryProperty: it is appendix A's list, and
 * the unit test checks it against ICU's White_Space over every code point. */
bool ut_is_space(uint32_t cp)
{
    if (cp < 0x80) return ascii_space((unsigned char)cp);
    switch (cp) {
    case 0x0085: case 0x00A0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

static inline uint32_t fold_cp(uint32_t cp)
{
    if (cp < 0x80) return lower8((unsigned char)cp);
    return (uint32_t)u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT);
}

/* ---- trimming --------------------------------------------------------- */

void ut_trim_slow(const char **sp, size_t *np)
{
    const unsigned char *s = (const unsigned char *)*sp;
    size_t n = *np;
    while (n) {
        if (s[0] < 0x80) {
            if (!ascii_space(s[0])) break;
            s++, n--;
            continue;
        }
        uint32_t cp;
        size_t k = ut_decode(s, n, &cp);
        if (!ut_is_space(cp)) break;
        s += k, n -= k;
    }
    /* From the end, without decoding backwards in general: the non-ASCII
     * spaces are all two or three bytes long and begin with a lead byte,
     * which no earlier sequence can have absorbed, so matching a whole
     * sequence at the tail is the same as decoding from the front. */
    while (n) {
        unsigned char c = s[n - 1];
        if (c < 0x80) {
            if (!ascii_space(c)) break;
            n--;
            continue;
        }
        uint32_t cp;
        if (n >= 2 && s[n - 2] == 0xC2 && (c == 0x85 || c == 0xA0))
            n -= 2;
        else if (n >= 3 && ut_decode(s + n - 3, 3, &cp) == 3 && ut_is_space(cp))
            n -= 3;
        else
            break;
    }
    *sp = (const char *)s;
    *np = n;
}

bool ut_blank(const char *s, size_t n)
{
    ut_trim(&s, &n);
    return n == 0;
}

size_t ut_length(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, len = 0;
    while (i < n) {
        if (i + 8 <= n && !(load64(u + i) & HIGHS)) {
            i += 8, len += 8;
            continue;
        }
        uint32_t cp;
        i += ut_decode(u + i, n - i, &cp);
        len++;
    }
    return len;
}

/* ---- folding ---------------------------------------------------------- */

/* Simple folding never more than doubles the length: ASCII and invalid
 * bytes stay one byte, and any longer sequence becomes at most four. */
#define FOLD_BOUND(n) (2 * (n))

/* Fold s into dst (FOLD_BOUND(n) bytes available); returns the length. */
static size_t fold_raw(const unsigned char *s, size_t n, unsigned char *dst)
{
    unsigned char *o = dst;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w = load64(s + i);
            if (!(w & HIGHS)) {
                store64(o, lower64(w));
                o += 8, i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            *o++ = lower8(c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = ut_decode(s + i, n - i, &cp);
        if (cp == UT_INVALID)
            *o++ = c;
        else
            o += ut_encode(fold_cp(cp), (char *)o);
        i += k;
    }
    return (size_t)(o - dst);
}

void ut_fold(const char *s, size_t n, Buf *out)
{
    if (!n) return;
    ubuf_reserve(out, FOLD_BOUND(n));
    out->len += fold_raw((const unsigned char *)s, n, (unsigned char *)out->p + out->len);
}

void ut_key(const char *s, size_t n, Buf *out)
{
    ut_trim(&s, &n);
    ut_fold(s, n, out);
}

/* The folded bytes of a text one at a time, for the comparisons that must
 * not allocate.  A folded code point of several bytes waits in pend. */
typedef struct FoldIter {
    const unsigned char *p, *end;
    char pend[4];
    unsigned npend, ipend;
} FoldIter;

static inline void fi_init(FoldIter *it, const char *s, size_t n)
{
    it->p = (const unsigned char *)s;
    it->end = it->p + n;
    it->npend = it->ipend = 0;
}

static int fi_slow(FoldIter *it)
{
    uint32_t cp;
    size_t k = ut_decode(it->p, (size_t)(it->end - it->p), &cp);
    unsigned char c = *it->p;
    it->p += k;
    if (cp == UT_INVALID) return c;
    it->npend = (unsigned)ut_encode(fold_cp(cp), it->pend);
    it->ipend = 1;
    return (unsigned char)it->pend[0];
}

/* The next folded byte, or -1 at the end. */
static inline int fi_next(FoldIter *it)
{
    if (it->ipend < it->npend) return (unsigned char)it->pend[it->ipend++];
    if (it->p == it->end) return -1;
    if (*it->p < 0x80) return lower8(*it->p++);
    return fi_slow(it);
}

/* Nothing waiting in pend: the ASCII fast paths may read p directly. */
static inline bool fi_clean(const FoldIter *it) { return it->ipend == it->npend; }

/* ut_key_eq for a trimmed value with bytes outside ASCII. */
static bool __attribute__((noinline)) key_eq_general(const char *s, size_t n, const char *k, size_t kn)
{
    const unsigned char *ku = (const unsigned char *)k;
    FoldIter it;
    fi_init(&it, s, n);
    size_t j = 0;
    for (;;) {
        while (fi_clean(&it) && it.end - it.p >= 8 && kn - j >= 8) {
            uint64_t w = load64(it.p);
            if (w & HIGHS) break;
            if (lower64(w) != load64(ku + j)) return false;
            it.p += 8, j += 8;
        }
        int c = fi_next(&it);
        if (c < 0) return j == kn;
        if (j == kn || ku[j] != c) return false;
        j++;
    }
}

bool ut_key_eq(const char *s, size_t n, const char *k, size_t kn)
{
    ut_trim(&s, &n);
    /* ASCII folds byte for byte: an ASCII value is the key exactly when its
     * lower case is; only a value with other bytes needs the general path
     * (folding can change the length).  A difference within an ASCII
     * prefix settles it either way. */
    const unsigned char *su = (const unsigned char *)s, *ku0 = (const unsigned char *)k;
    /* Simple folding maps code point to code point, and an ASCII byte is
     * always a code point of its own: a first or last ASCII byte must meet
     * its folded self at the same end of the key.  Most unequal cells stop
     * here. */
    if (n && kn && ((su[0] < 0x80 && lower8(su[0]) != ku0[0]) ||
                    (su[n - 1] < 0x80 && lower8(su[n - 1]) != ku0[kn - 1])))
        return false;
    if (n == kn) {
        size_t i = 0;
        if (n >= 8) {           /* words, the last one overlapping */
            uint64_t w;
            for (; i + 8 < n; i += 8) {
                w = load64(su + i);
                if (w & HIGHS) goto general;
                if (lower64(w) != load64(ku0 + i)) return false;
            }
            w = load64(su + n - 8);
            if (w & HIGHS) goto general;
            return lower64(w) == load64(ku0 + n - 8);
        }
        for (; i < n; i++) {
            if (su[i] >= 0x80) goto general;
            if (lower8(su[i]) != ku0[i]) return false;
        }
        return true;
    }
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (load64(su + i) & HIGHS) goto general;
        if (load64(su + n - 8) & HIGHS) goto general;
    } else {
        for (size_t i = 0; i < n; i++)
            if (su[i] >= 0x80) goto general;
    }
    return false;
general:
    return key_eq_general(s, n, k, kn);
}

/* ---- substring tests -------------------------------------------------- */

/* The folded form of a trimmed value, in a caller's stack buffer when it is
 * small enough (the usual case) and on the heap otherwise. */
typedef struct Folded {
    unsigned char *p;
    size_t n;
    unsigned char *heap;
} Folded;

#define FOLD_STACK 512

static void folded_make(Folded *f, const char *s, size_t n, unsigned char *stack)
{
    ut_trim(&s, &n);
    f->heap = NULL;
    f->p = stack;
    if (FOLD_BOUND(n) > FOLD_STACK) f->p = f->heap = xmalloc(FOLD_BOUND(n));
    f->n = fold_raw((const unsigned char *)s, n, f->p);
}

bool ut_contains(const char *s, size_t n, const char *p, size_t pn)
{
    if (pn == 0) return true;
    unsigned char stack[FOLD_STACK];
    Folded f;
    folded_make(&f, s, n, stack);
    bool hit = f.n >= pn && memmem(f.p, f.n, p, pn) != NULL;
    free(f.heap);
    return hit;
}

bool ut_starts_with(const char *s, size_t n, const char *p, size_t pn)
{
    ut_trim(&s, &n);
    const unsigned char *pu = (const unsigned char *)p;
    FoldIter it;
    fi_init(&it, s, n);
    for (size_t j = 0; j < pn; j++) {
        int c = fi_next(&it);
        if (c != pu[j]) return false;
    }
    return true;
}

bool ut_ends_with(const char *s, size_t n, const char *p, size_t pn)
{
    if (pn == 0) return true;
    ut_trim(&s, &n);
    /* Each ASCII byte folds to exactly one byte, so when the last pn bytes
     * are ASCII they alone make the folded tail, whatever precedes them. */
    if (pn <= n) {
        const unsigned char *t = (const unsigned char *)s + n - pn;
        size_t i = 0;
        while (i < pn && t[i] < 0x80) i++;
        if (i == pn) {
            for (i = 0; i < pn; i++)
                if (lower8(t[i]) != (unsigned char)p[i]) return false;
            return true;
        }
    }
    unsigned char stack[FOLD_STACK];
    Folded f;
    folded_make(&f, s, n, stack);
    bool hit = f.n >= pn && memcmp(f.p + f.n - pn, p, pn) == 0;
    free(f.heap);
    return hit;
}

/* ---- full case mappings ----------------------------------------------- */

typedef int32_t (*IcuCaseFn)(UChar *, int32_t, const UChar *, int32_t, const char *, UErrorCode *);

/* Map one run of valid UTF-8 through ICU. */
static void map_run(const unsigned char *s, size_t n, IcuCaseFn fn, Buf *out)
{
    UChar src_stack[256], dst_stack[800];
    UChar *src = n <= 256 ? src_stack : xmalloc(n * sizeof(UChar));
    int32_t sn = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += ut_decode(s + i, n - i, &cp);
        if (cp >= 0x10000) {
            src[sn++] = (UChar)(0xD7C0 + (cp >> 10));
            src[sn++] = (UChar)(0xDC00 | (cp & 0x3FF));
        } else {
            src[sn++] = (UChar)cp;
        }
    }
    /* A full mapping produces at most three code units per code unit. */
    int32_t cap = 3 * sn + 8;
    UChar *dst = (size_t)cap <= sizeof dst_stack / sizeof *dst_stack ? dst_stack
                                                                      : xmalloc((size_t)cap * sizeof(UChar));
    UErrorCode err = U_ZERO_ERROR;
    int32_t dn = fn(dst, cap, src, sn, "", &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        if (dst != dst_stack) free(dst);
        cap = dn;
        dst = xmalloc((size_t)cap * sizeof(UChar));
        err = U_ZERO_ERROR;
        dn = fn(dst, cap, src, sn, "", &err);
    }
    if (U_FAILURE(err)) {
        ubuf_add(out, s, n);                        /* cannot happen on valid input */
    } else {
        ubuf_reserve(out, 3 * (size_t)dn);          /* 3 bytes per unit at most */
        char *o = out->p + out->len;
        for (int32_t i = 0; i < dn; i++) {
            uint32_t cp = dst[i];
            if (U16_IS_LEAD(cp) && i + 1 < dn && U16_IS_TRAIL(dst[i + 1]))
                cp = U16_GET_SUPPLEMENTARY(cp, dst[++i]);
            o += ut_encode(cp, o);
        }
        out->len = (size_t)(o - out->p);
    }
    if (src != src_stack) free(src);
    if (dst != dst_stack) free(dst);
}

/* ICU counts in int32_t; longer runs are cut at a code point boundary (a
 * context reaching over the cut is lost, in a cell of 256 MB). */
#define RUN_MAX ((size_t)1 << 28)

static void map_ascii(const unsigned char *s, size_t n, bool upper, Buf *out)
{
    if (!n) return;
    ubuf_reserve(out, n);
    char *o = out->p + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        o[i] = (char)(upper ? ((unsigned)(c - 'a') < 26u ? c - 32 : c) : lower8(c));
    }
    out->len += n;
}

/* Text is cut into runs of valid UTF-8 at the invalid bytes, which stay as
 * they are.  A run of ASCII maps byte by byte; any other run goes to ICU
 * whole, ASCII included, since a mapping may depend on an ASCII neighbour
 * ("AΣ" lower-cases to "aς"). */
static void map_case(const char *s, size_t n, bool upper, Buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    IcuCaseFn fn = upper ? u_strToUpper : u_strToLower;
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        bool ascii = true, bad = false;
        while (i < n && i - start < RUN_MAX) {
            if (i + 8 <= n && !(load64(u + i) & HIGHS)) {
                i += 8;
                continue;
            }
            if (u[i] < 0x80) {
                i++;
                continue;
            }
            uint32_t cp;
            size_t k = ut_decode(u + i, n - i, &cp);
            if (cp == UT_INVALID) {
                bad = true;
                break;
            }
            ascii = false;
            i += k;
        }
        if (ascii)
            map_ascii(u + start, i - start, upper, out);
        else
            map_run(u + start, i - start, fn, out);
        if (bad) ubuf_addc(out, (char)u[i++]);
    }
}

bool ut_case_ascii(const char *s, size_t n, bool upper, char *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load64(u + i);
        if (w & HIGHS) return false;
        if (upper) {
            uint64_t ge_a = w + ONES * (0x80 - 'a'), gt_z = w + ONES * (0x7F - 'z');
            w &= ~((ge_a & ~gt_z & HIGHS) >> 2);
        } else
            w = lower64(w);
        memcpy(out + i, &w, 8);
    }
    for (; i < n; i++) {
        unsigned char c = u[i];
        if (c >= 0x80) return false;
        if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) c ^= 0x20;
        out[i] = (char)c;
    }
    return true;
}

void ut_upper(const char *s, size_t n, Buf *out) { map_case(s, n, true, out); }
void ut_lower(const char *s, size_t n, Buf *out) { map_case(s, n, false, out); }

/* ---- order and hashing ------------------------------------------------ */

int ut_order(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ta = a, *tb = b;
    size_t tan = an, tbn = bn;
    ut_trim(&ta, &tan);
    ut_trim(&tb, &tbn);
    FoldIter x, y;
    fi_init(&x, ta, tan);
    fi_init(&y, tb, tbn);
    for (;;) {
        int c = fi_next(&x), d = fi_next(&y);
        if (c != d) return c < d ? -1 : 1;          /* -1 (end) sorts first */
        if (c < 0) break;
    }
    size_t m = an < bn ? an : bn;
    int r = m ? memcmp(a, b, m) : 0;
    if (r) return r < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

/* The hash reads the byte stream in little-endian words of eight, so its
 * value depends only on the bytes and not on how they were produced:
 * ut_key_hash(s) == ut_hash_bytes(key of s).  Not seeded: the data is the
 * user's own, so hash flooding is not a threat worth a global seed. */
typedef struct Hasher {
    uint64_t h, w;        /* w: the partial word, k bytes of it */
    unsigned k;
    size_t len;
} Hasher;

static inline uint64_t rotl64(uint64_t x, int r) { return x << r | x >> (64 - r); }

static inline void hs_mix(Hasher *x, uint64_t w)
{
    x->h = rotl64(x->h ^ (w * 0x87C37B91114253D5ull), 31) * 0x4CF5AD432745937Full;
}

static inline void hs_byte(Hasher *x, unsigned char c)
{
    x->w |= (uint64_t)c << (8 * x->k);
    x->len++;
    if (++x->k == 8) {
        hs_mix(x, x->w);
        x->w = 0;
        x->k = 0;
    }
}

static inline void hs_word(Hasher *x, uint64_t w)
{
    x->len += 8;
    if (x->k == 0) {
        hs_mix(x, w);
    } else {
        hs_mix(x, x->w | w << (8 * x->k));
        x->w = w >> (64 - 8 * x->k);
    }
}

static uint64_t hs_end(Hasher *x)
{
    if (x->k) hs_mix(x, x->w);
    uint64_t h = x->h ^ x->len;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

#define HASH_SEED 0x9E3779B97F4A7C15ull

uint64_t ut_key_hash(const char *s, size_t n)
{
    ut_trim(&s, &n);
    const unsigned char *u = (const unsigned char *)s;
    Hasher x = {HASH_SEED, 0, 0, 0};
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w = load64(u + i);
            if (!(w & HIGHS)) {
                hs_word(&x, lower64(w));
                i += 8;
                continue;
            }
        } else if (x.k == 0) {      /* the last r < 8 bytes, ASCII: one word */
            size_t r = n - i;
            uint64_t w;
            if (n >= 8) {
                w = load64(u + n - 8) >> (8 * (8 - r));
            } else {
                unsigned char b[8] = {0};
                memcpy(b, u + i, r);
                w = load64(b);
            }
            if (!(w & HIGHS)) {
                x.w = lower64(w);
                x.k = (unsigned)r;
                x.len += r;
                break;
            }
        }
        unsigned char c = u[i];
        if (c < 0x80) {
            hs_byte(&x, lower8(c));
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = ut_decode(u + i, n - i, &cp);
        if (cp == UT_INVALID) {
            hs_byte(&x, c);
        } else {
            char e[4];
            size_t en = ut_encode(fold_cp(cp), e);
            for (size_t j = 0; j < en; j++) hs_byte(&x, (unsigned char)e[j]);
        }
        i += k;
    }
    return hs_end(&x);
}

uint64_t ut_hash_bytes(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    Hasher x = {HASH_SEED, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) hs_word(&x, load64(u + i));
    for (; i < n; i++) hs_byte(&x, u[i]);
    return hs_end(&x);
}
