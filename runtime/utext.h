/* utext: Unicode text operations on UTF-8, as LANGUAGE.md appendix A fixes
 * them: the White_Space set, simple case folding for comparisons, full case
 * mappings for upper()/lower(), code-point length.
 *
 * Every function accepts any bytes: invalid UTF-8 sequences are kept as they
 * are (each invalid byte counts as one code point and folds to itself), so
 * data is never rejected here.  ASCII takes a fast path everywhere; other code
 * points go to ICU.
 *
 * Ownership: functions that produce text write into a caller's Buf (ubuf_*);
 * nothing here keeps a pointer to its arguments. */
#ifndef LEAD_UTEXT_H
#define LEAD_UTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer.  Zero-initialise; ubuf_free releases it. */
typedef struct Buf {
    char  *p;
    size_t len, cap;
} Buf;

void ubuf_grow(Buf *b, size_t extra);         /* room for extra more; aborts on out of memory */
void ubuf_free(Buf *b);

/* Inline: the output of every record goes through these. */
static inline void ubuf_reserve(Buf *b, size_t extra)
{
    if (b->cap - b->len < extra) ubuf_grow(b, extra);
}

static inline void ubuf_add(Buf *b, const void *p, size_t n)
{
    if (!n) return;
    ubuf_reserve(b, n);
    __builtin_memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void ubuf_addc(Buf *b, char c)
{
    ubuf_reserve(b, 1);
    b->p[b->len++] = c;
}
static inline void ubuf_clear(Buf *b) { b->len = 0; }

/* Decode one code point at s (n > 0 bytes available).  Returns its length in
 * bytes (1..4) and stores it in *cp; for an invalid or truncated sequence
 * returns 1 and stores UT_INVALID.  Overlong forms, surrogates and values
 * above U+10FFFF are invalid. */
#define UT_INVALID 0xFFFFFFFFu
size_t ut_decode(const unsigned char *s, size_t n, uint32_t *cp);
size_t ut_encode(uint32_t cp, char out[4]);   /* cp must be valid */

/* True iff all of s is valid UTF-8. Offset of the first bad byte in *bad. */
bool ut_valid(const char *s, size_t n, size_t *bad);

/* Unicode White_Space (appendix A's list). */
bool ut_is_space(uint32_t cp);

/* Trim leading and trailing white space: adjusts *s and *n in place. */
void ut_trim_slow(const char **s, size_t *n);
static inline void ut_trim(const char **s, size_t *n)
{
    /* the usual value: a printable ASCII byte at each end, nothing to do */
    const unsigned char *u = (const unsigned char *)*s;
    if (*n && u[0] - 0x21u < 0x5Eu && u[*n - 1] - 0x21u < 0x5Eu) return;
    ut_trim_slow(s, n);
}

/* True iff s is empty after trimming (a "blank" cell: missing). */
bool ut_blank(const char *s, size_t n);

/* Number of code points (invalid bytes count one each). */
size_t ut_length(const char *s, size_t n);

/* Append the simple case folding of s to out (no trimming). */
void ut_fold(const char *s, size_t n, Buf *out);

/* Append trim+fold of s to out: the comparison key of a text value. */
void ut_key(const char *s, size_t n, Buf *out);

/* Compare the comparison key of raw value s with an already folded and
 * trimmed constant k: true iff equal.  No allocation; ASCII fast path. */
bool ut_key_eq(const char *s, size_t n, const char *k, size_t kn);

/* ut_key_eq with its commonest answer inline: a value whose first byte is
 * printable ASCII (so not trimmed away) that differs from the key's first
 * byte once lower-cased is not equal (folding maps code point to code
 * point; an ASCII byte is a code point of its own). */
static inline bool ut_key_eq_inline(const char *s, size_t n, const char *k, size_t kn)
{
    if (n && kn) {
        unsigned c = (unsigned char)s[0];
        if (c - 0x21u < 0x5Eu && (c - 'A' < 26u ? c + 32 : c) != (unsigned char)k[0]) return false;
    }
    return ut_key_eq(s, n, k, kn);
}

/* Case-insensitive substring tests: the value s is trimmed and folded, the
 * pattern p is given already folded (it keeps its spaces). */
bool ut_contains(const char *s, size_t n, const char *p, size_t pn);
bool ut_starts_with(const char *s, size_t n, const char *p, size_t pn);
bool ut_ends_with(const char *s, size_t n, const char *p, size_t pn);

/* Full case mappings (ß upper-cases to SS), appended to out. */
/* ASCII text only: its upper or lower case, n bytes into out (the same as
 * ut_upper/ut_lower would give).  false when a byte is not ASCII (out is
 * then partly written). */
bool ut_case_ascii(const char *s, size_t n, bool upper, char *out);
void ut_upper(const char *s, size_t n, Buf *out);
void ut_lower(const char *s, size_t n, Buf *out);

/* Total order used for tie-breaks (appendix A: "text by folded text, then
 * code points"): compares keys, then raw bytes (UTF-8 byte order is code
 * point order).  Returns <0, 0, >0. */
int ut_order(const char *a, size_t an, const char *b, size_t bn);

/* A 64-bit hash of the comparison key of s (equal keys hash equal), without
 * allocating: used for set membership and count(distinct).  It equals
 * ut_hash_bytes of ut_key(s), so a table built from folded constants can be
 * probed with raw cells. */
uint64_t ut_key_hash(const char *s, size_t n);
uint64_t ut_hash_bytes(const char *s, size_t n);   /* of bytes as they are */

#endif
