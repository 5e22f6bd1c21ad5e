/* Unit tests for runtime/utext.c: decoding, white space and trimming,
 * simple folding and the comparisons built on it, full case mappings,
 * the tie-break order and the key hash.
 *
 * Besides the examples from LANGUAGE.md appendix A, several tests compare
 * the fast paths with a slow reference written here on top of ICU (one code
 * point at a time, no ASCII shortcuts) over pseudo-random strings built from
 * the awkward pieces: non-ASCII spaces, invalid bytes, letters whose folding
 * changes their length. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE                     /* memmem */
#endif
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include "utext.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ck_assert logs every check that passes (a write each, in fork mode), which
 * dominates loops over millions of generated cases; those use MUST, which
 * acts only on failure. */
#define MUST(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* ---- helpers ---------------------------------------------------------- */

static void ck_bytes(const char *got, size_t gn, const char *want, size_t wn, const char *what)
{
    MUST(gn == wn && (wn == 0 || memcmp(got, want, wn) == 0),
                  "%s: got \"%.*s\" (%zu bytes), want \"%.*s\" (%zu bytes)", what, (int)gn,
                  got ? got : "", gn, (int)wn, want, wn);
}

typedef void (*MapFn)(const char *, size_t, Buf *);

static void ck_map(MapFn fn, const char *in, size_t n, const char *want, size_t wn, const char *what)
{
    Buf b = {0};
    fn(in, n, &b);
    ck_bytes(b.p, b.len, want, wn, what);
    ubuf_free(&b);
}

/* Deterministic pseudo-random numbers (xorshift64*), state passed in. */
static uint64_t rnd(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1Dull;
}

static const char *const pieces[] = {
    "a", "Z", "M", "s", "S", "k", "0", "@", "[", "`", "{", " ", "\t", "\n", "\v", "\f", "\r",
    "xyzXYZqw",                      /* eight ASCII bytes for the word paths */
    "\xC3\x9F",                      /* ß */
    "\xE1\xBA\x9E",                  /* ẞ */
    "\xC3\xBC", "\xC3\x9C",          /* ü Ü */
    "\xCE\xA3", "\xCF\x82",          /* Σ ς */
    "\xE2\x84\xAA",                  /* KELVIN SIGN, folds to k */
    "\xC5\xBF",                      /* ſ, folds to s */
    "\xC8\xBA",                      /* Ⱥ, folds to a longer ⱥ */
    "\xC4\xB0",                      /* İ */
    "\xF0\x9F\x98\x80",              /* 😀 */
    "\xF0\x90\x90\x80",              /* 𐐀, folds to 𐐨 */
    "\xC2\xA0", "\xC2\x85", "\xE3\x80\x80", "\xE2\x80\xA8", "\xE1\x9A\x80",
    "\xE2\x80\x8B",                  /* ZERO WIDTH SPACE: not White_Space */
    "\xFF", "\x80", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xC0\xAF",
};
#define NPIECES (sizeof pieces / sizeof *pieces)

static size_t random_text(uint64_t *st, char *out, size_t max_pieces)
{
    size_t n = 0, k = rnd(st) % (max_pieces + 1);
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[rnd(st) % NPIECES];
        size_t l = strlen(p);
        memcpy(out + n, p, l);
        n += l;
    }
    return n;
}

/* Reference trim: decode from the front, look White_Space up in ICU. */
static void ref_trim(const char *s, size_t n, size_t *off, size_t *len)
{
    size_t first = n, last = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = ut_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp == UT_INVALID || !u_hasBinaryProperty((UChar32)cp, UCHAR_WHITE_SPACE)) {
            if (first == n) first = i;
            last = i + k;
        }
        i += k;
    }
    *off = first == n ? 0 : first;
    *len = first == n ? 0 : last - first;
}

/* Reference fold: u_foldCase on every code point, ASCII included. */
static void ref_fold(const char *s, size_t n, Buf *out)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = ut_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp == UT_INVALID) {
            ubuf_addc(out, s[i]);
        } else {
            uint8_t e[4];
            int32_t el = 0;
            U8_APPEND_UNSAFE(e, el, u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT));
            ubuf_add(out, e, (size_t)el);
        }
        i += k;
    }
}

static void ref_key(const char *s, size_t n, Buf *out)
{
    size_t off, len;
    ref_trim(s, n, &off, &len);
    ref_fold(s + off, len, out);
}

static bool key_eq_text(const char *a, size_t an, const char *b, size_t bn)
{
    Buf k = {0};
    ut_key(b, bn, &k);
    bool r = ut_key_eq(a, an, k.p, k.len);
    ubuf_free(&k);
    return r;
}

/* ---- buffers ---------------------------------------------------------- */

START_TEST(test_buf)
{
    Buf b = {0};
    ubuf_add(&b, "", 0);
    ck_assert_uint_eq(b.len, 0);
    ubuf_add(&b, "abc", 3);
    ubuf_addc(&b, 'd');
    ck_bytes(b.p, b.len, S("abcd"), "add");
    ubuf_reserve(&b, 1000);
    ck_assert_uint_ge(b.cap - b.len, 1000);
    ck_bytes(b.p, b.len, S("abcd"), "reserve keeps contents");
    for (int i = 0; i < 10000; i++) ubuf_addc(&b, (char)('a' + i % 26));
    ck_assert_uint_eq(b.len, 10004);
    ck_assert_int_eq(b.p[10003], 'a' + 9999 % 26);
    ubuf_clear(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_nonnull(b.p);
    ubuf_free(&b);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.cap, 0);
    ubuf_addc(&b, 'x');                 /* usable again after free */
    ck_bytes(b.p, b.len, S("x"), "after free");
    ubuf_free(&b);
}
END_TEST

/* ---- decoding --------------------------------------------------------- */

START_TEST(test_decode_table)
{
    static const struct { const char *s; size_t n, len; uint32_t cp; } t[] = {
        {"A", 1, 1, 0x41},
        {"\x7F", 1, 1, 0x7F},
        {"\xC2\x80", 2, 2, 0x80},
        {"\xC3\xA9", 2, 2, 0xE9},
        {"\xDF\xBF", 2, 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 3, 0x800},
        {"\xE2\x82\xAC", 3, 3, 0x20AC},
        {"\xED\x9F\xBF", 3, 3, 0xD7FF},
        {"\xEE\x80\x80", 3, 3, 0xE000},
        {"\xEF\xBF\xBF", 3, 3, 0xFFFF},
        {"\xF0\x90\x80\x80", 4, 4, 0x10000},
        {"\xF0\x9F\x98\x80", 4, 4, 0x1F600},
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
        {"\x80", 1, 1, UT_INVALID},                 /* lone continuation */
        {"\xBF", 1, 1, UT_INVALID},
        {"\xC0\x80", 2, 1, UT_INVALID},             /* overlong */
        {"\xC1\xBF", 2, 1, UT_INVALID},
        {"\xE0\x80\x80", 3, 1, UT_INVALID},
        {"\xE0\x9F\xBF", 3, 1, UT_INVALID},
        {"\xF0\x80\x80\x80", 4, 1, UT_INVALID},
        {"\xF0\x8F\xBF\xBF", 4, 1, UT_INVALID},
        {"\xED\xA0\x80", 3, 1, UT_INVALID},         /* surrogates */
        {"\xED\xBF\xBF", 3, 1, UT_INVALID},
        {"\xF4\x90\x80\x80", 4, 1, UT_INVALID},     /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 4, 1, UT_INVALID},
        {"\xFE", 1, 1, UT_INVALID},
        {"\xFF", 1, 1, UT_INVALID},
        {"\xC3", 1, 1, UT_INVALID},                 /* truncated */
        {"\xC3\xA9", 1, 1, UT_INVALID},             /* truncated by n */
        {"\xE2\x82", 2, 1, UT_INVALID},
        {"\xF0\x9F\x98", 3, 1, UT_INVALID},
        {"\xC3\x28", 2, 1, UT_INVALID},             /* bad continuation */
        {"\xE2\x28\xA1", 3, 1, UT_INVALID},
        {"\xE2\x82\x28", 3, 1, UT_INVALID},
        {"\xF0\x9F\x98\x28", 4, 1, UT_INVALID},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        uint32_t cp = 12345;
        size_t len = ut_decode((const unsigned char *)t[i].s, t[i].n, &cp);
        ck_assert_msg(len == t[i].len && cp == t[i].cp, "decode case %zu: len %zu cp %X", i, len, cp);
    }
}
END_TEST

/* Every one-, two- and three-byte input, and the four-byte shapes, against
 * ICU's strict decoder. */
START_TEST(test_decode_vs_icu)
{
    unsigned char b[4];
    for (uint32_t v = 0; v < (1u << 24); v++) {
        b[0] = (unsigned char)(v >> 16);
        b[1] = (unsigned char)(v >> 8);
        b[2] = (unsigned char)v;
        for (size_t n = 1; n <= 3; n++) {
            if (n < 3 && (v & ((1u << (8 * (3 - n))) - 1))) continue;   /* each prefix once */
            uint32_t cp;
            size_t len = ut_decode(b, n, &cp);
            int32_t i = 0;
            UChar32 c;
            U8_NEXT(b, i, (int32_t)n, c);
            if (c >= 0)
                MUST(cp == (uint32_t)c && len == (size_t)i, "%06X/%zu", v, n);
            else
                MUST(cp == UT_INVALID && len == 1, "%06X/%zu should be invalid", v, n);
        }
    }
    static const unsigned char tails[] = {0x00, 0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (unsigned b0 = 0xF0; b0 <= 0xFF; b0++)
        for (unsigned b1 = 0; b1 < 256; b1++)
            for (size_t x = 0; x < sizeof tails; x++)
                for (size_t y = 0; y < sizeof tails; y++) {
                    b[0] = (unsigned char)b0, b[1] = (unsigned char)b1, b[2] = tails[x], b[3] = tails[y];
                    uint32_t cp;
                    size_t len = ut_decode(b, 4, &cp);
                    int32_t i = 0;
                    UChar32 c;
                    U8_NEXT(b, i, 4, c);
                    if (c >= 0)
                        MUST(cp == (uint32_t)c && len == (size_t)i, "%02X %02X %02X %02X", b[0], b[1], b[2], b[3]);
                    else
                        MUST(cp == UT_INVALID && len == 1, "%02X %02X %02X %02X invalid", b[0], b[1], b[2], b[3]);
                }
}
END_TEST

START_TEST(test_encode)
{
    char e[4];
    ck_bytes(e, ut_encode(0x41, e), S("A"), "encode A");
    ck_bytes(e, ut_encode(0xDF, e), S("\xC3\x9F"), "encode ß");
    ck_bytes(e, ut_encode(0x20AC, e), S("\xE2\x82\xAC"), "encode €");
    ck_bytes(e, ut_encode(0x1F600, e), S("\xF0\x9F\x98\x80"), "encode 😀");
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        size_t n = ut_encode(cp, e);
        uint32_t back = 0;
        MUST(n == (size_t)U8_LENGTH(cp) && ut_decode((const unsigned char *)e, n, &back) == n && back == cp,
             "encode U+%04X", cp);
    }
}
END_TEST

START_TEST(test_valid)
{
    size_t bad = 99;
    ck_assert(ut_valid(S(""), &bad));
    ck_assert(ut_valid(S("plain ascii text, longer than a word"), &bad));
    ck_assert(ut_valid(S("M\xC3\x9CNCHEN \xF0\x9F\x98\x80 \xE2\x82\xAC"), NULL));
    ck_assert(!ut_valid(S("abc\xFF" "def"), &bad));
    ck_assert_uint_eq(bad, 3);
    ck_assert(!ut_valid(S("0123456789abcdefg\x80"), &bad));
    ck_assert_uint_eq(bad, 17);
    ck_assert(!ut_valid(S("\xE2\x82"), &bad));
    ck_assert_uint_eq(bad, 0);
    ck_assert(!ut_valid(S("\xC3\xA9\xED\xA0\x80"), &bad));      /* é then a surrogate */
    ck_assert_uint_eq(bad, 2);
    ck_assert(!ut_valid(S("ab\xC3"), NULL));
}
END_TEST

/* ---- white space ------------------------------------------------------ */

START_TEST(test_is_space)
{
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++)
        MUST(ut_is_space(cp) == (bool)u_hasBinaryProperty((UChar32)cp, UCHAR_WHITE_SPACE),
                      "U+%04X", cp);
    ck_assert(ut_is_space(0xA0));
    ck_assert(ut_is_space(0x3000));
    ck_assert(!ut_is_space(0x200B));
    ck_assert(!ut_is_space(0x1C));
    ck_assert(!ut_is_space(UT_INVALID));
}
END_TEST

START_TEST(test_trim)
{
    static const struct { const char *in; size_t off, len; } t[] = {
        {"abc", 0, 3},
        {"  abc\t\n", 2, 3},
        {"\v\f\rabc \r", 3, 3},
        {"a b", 0, 3},
        {"\xC2\xA0" "abc\xC2\xA0", 2, 3},               /* NO-BREAK SPACE */
        {"\xC2\x85x\xC2\x85", 2, 1},                    /* NEL */
        {"\xE3\x80\x80x\xE2\x80\xA8", 3, 1},            /* U+3000, U+2028 */
        {"\xE2\x80\x80x\xE2\x80\x8A", 3, 1},            /* U+2000, U+200A */
        {"\xE1\x9A\x80x\xE2\x80\xAF\xE2\x81\x9F\xE2\x80\xA9", 3, 1},
        {"\xE2\x80\x8Bx\xE2\x80\x8B", 0, 7},            /* U+200B is not white space */
        {"\xE1\xA0\x8E", 0, 3},                         /* nor U+180E */
        {"\x1Cx\x1F", 0, 3},                            /* nor the separators */
        {"\xA0x\xA0", 0, 3},                            /* invalid bytes never are */
        {"\x85x\x85", 0, 3},
        {"x\xC2", 0, 2},
        {"x\x80\x80\xC2\xA0 ", 0, 3},
        {" \xC2\xA0\t", 0, 0},
        {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        const char *s = t[i].in;
        size_t n = strlen(s);
        ut_trim(&s, &n);
        ck_assert_msg(s == t[i].in + t[i].off || t[i].len == 0, "trim case %zu: offset %td", i, s - t[i].in);
        ck_assert_msg(n == t[i].len, "trim case %zu: length %zu", i, n);
        ck_assert(ut_blank(t[i].in, strlen(t[i].in)) == (t[i].len == 0));
    }
    ck_assert(ut_blank(NULL, 0));
}
END_TEST

START_TEST(test_trim_random)
{
    uint64_t st = 0x1234567;
    char buf[1024];
    for (int round = 0; round < 20000; round++) {
        size_t n = random_text(&st, buf, 12), off, len;
        ref_trim(buf, n, &off, &len);
        const char *s = buf;
        size_t m = n;
        ut_trim(&s, &m);
        MUST(m == len && (len == 0 || (size_t)(s - buf) == off), "trim \"%.*s\"", (int)n, buf);
    }
}
END_TEST

/* ---- length ----------------------------------------------------------- */

START_TEST(test_length)
{
    ck_assert_uint_eq(ut_length(S("")), 0);
    ck_assert_uint_eq(ut_length(S("abc")), 3);
    ck_assert_uint_eq(ut_length(S("\xF0\x9F\x98\x80 x")), 3);          /* 😀 x */
    ck_assert_uint_eq(ut_length(S("Stra\xC3\x9F" "e")), 6);
    ck_assert_uint_eq(ut_length(S("  spaces count  ")), 16);
    ck_assert_uint_eq(ut_length(S("\xFF\xFE")), 2);
    ck_assert_uint_eq(ut_length(S("\xE2\x82")), 2);                    /* truncated € */
    ck_assert_uint_eq(ut_length(S("a\xF0\x9F\x98")), 4);
    ck_assert_uint_eq(ut_length(S("\xED\xA0\x80")), 3);                /* a surrogate: 3 bytes */
    ck_assert_uint_eq(ut_length(S("0123456789abcdefghij\xC3\xA9")), 21);
    ck_assert_uint_eq(ut_length(S("\xC3\xA9" "0123456789abcdefghij")), 21);
}
END_TEST

/* ---- folding ---------------------------------------------------------- */

START_TEST(test_fold)
{
    ck_map(ut_fold, S("M\xC3\x9CNCHEN"), S("m\xC3\xBCnchen"), "MÜNCHEN");
    ck_map(ut_fold, S("HAUPTSTRA\xE1\xBA\x9E" "E"), S("hauptstra\xC3\x9F" "e"), "ẞ folds to ß");
    ck_map(ut_fold, S("Stra\xC3\x9F" "e"), S("stra\xC3\x9F" "e"), "ß stays ß");
    ck_map(ut_fold, S("\xE2\x84\xAA"), S("k"), "KELVIN SIGN");
    ck_map(ut_fold, S("\xC5\xBF"), S("s"), "long s");
    ck_map(ut_fold, S("\xCE\xA3\xCE\x91\xCF\x82"), S("\xCF\x83\xCE\xB1\xCF\x83"), "ΣΑς");
    ck_map(ut_fold, S("\xC8\xBA"), S("\xE2\xB1\xA5"), "Ⱥ grows to ⱥ");
    ck_map(ut_fold, S("\xC4\xB0"), S("\xC4\xB0"), "İ has no simple folding");
    ck_map(ut_fold, S("\xF0\x90\x90\x80"), S("\xF0\x90\x90\xA8"), "Deseret");
    ck_map(ut_fold, S("@AZ[`az{~"), S("@az[`az{~"), "ASCII edges");
    ck_map(ut_fold, S("@Z[`"), S("@z[`"), "ASCII edges, short");
    ck_map(ut_fold, S("@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`{|}~"), S("@abcdefghijklmnopqrstuvwxyz[\\]^_`{|}~"),
           "ASCII words");
    ck_map(ut_fold, S("  KEEPS  Spaces "), S("  keeps  spaces "), "no trimming");
    ck_map(ut_fold, S("A\xFF" "B\xC3"), S("a\xFF" "b\xC3"), "invalid bytes kept");
    ck_map(ut_fold, S("HELLO WORLD \xC3\x84\xC3\x96\xC3\x9C HELLO WORLD"),
           S("hello world \xC3\xA4\xC3\xB6\xC3\xBC hello world"), "mixed");
    ck_map(ut_fold, S(""), S(""), "empty");

    Buf b = {0};
    ubuf_add(&b, "x", 1);
    ut_fold(S("AB"), &b);
    ck_bytes(b.p, b.len, S("xab"), "appends");
    ubuf_free(&b);
}
END_TEST

/* fold_raw sizes its output as twice the input: check that on every code
 * point, and the whole fold against the reference on random text. */
START_TEST(test_fold_random)
{
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        UChar32 f = u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT);
        MUST(U8_LENGTH(f) <= 2 * U8_LENGTH(cp), "U+%04X grows more than twice", cp);
        MUST(f >= 0x80 || cp == 0x212A || cp == 0x17F, "U+%04X folds to ASCII", cp);
    }
    uint64_t st = 42;
    char buf[2048];
    for (int round = 0; round < 20000; round++) {
        size_t n = random_text(&st, buf, 40);
        Buf got = {0}, want = {0};
        ut_fold(buf, n, &got);
        ref_fold(buf, n, &want);
        ck_bytes(got.p, got.len, want.p ? want.p : "", want.len, "fold vs reference");
        ubuf_clear(&got);
        ubuf_clear(&want);
        ut_key(buf, n, &got);
        ref_key(buf, n, &want);
        ck_bytes(got.p, got.len, want.p ? want.p : "", want.len, "key vs reference");
        ubuf_free(&got);
        ubuf_free(&want);
    }
}
END_TEST

START_TEST(test_key)
{
    ck_map(ut_key, S(" M\xC3\x9CNCHEN\t"), S("m\xC3\xBCnchen"), "key");
    ck_map(ut_key, S("\xC2\xA0" "Acme Inc\xE3\x80\x80"), S("acme inc"), "key trims U+00A0, U+3000");
    ck_map(ut_key, S(" \t "), S(""), "blank key");
}
END_TEST

START_TEST(test_key_eq)
{
    ck_assert(ut_key_eq(S(" m\xC3\xBCnchen\t"), S("m\xC3\xBCnchen")));
    ck_assert(key_eq_text(S("M\xC3\x9CNCHEN"), S(" m\xC3\xBCnchen\t")));
    ck_assert(key_eq_text(S("HAUPTSTRA\xE1\xBA\x9E" "E"), S("Hauptstra\xC3\x9F" "e")));
    ck_assert(!key_eq_text(S("ss"), S("\xC3\x9F")));
    ck_assert(!key_eq_text(S("\xC3\x9F"), S("ss")));
    ck_assert(!key_eq_text(S("STRASSE"), S("Stra\xC3\x9F" "e")));
    ck_assert(key_eq_text(S("\xC2\xA0" "Acme\xC2\xA0"), S("acme")));
    ck_assert(key_eq_text(S("\xE2\x84\xAA" "elvin"), S("KELVIN")));
    ck_assert(key_eq_text(S("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), S("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82")));
    ck_assert(key_eq_text(S(""), S("")));
    ck_assert(key_eq_text(S("   "), S("")));
    ck_assert(!key_eq_text(S("a"), S("")));
    ck_assert(!key_eq_text(S("@"), S("`")));
    ck_assert(!key_eq_text(S("["), S("{")));
    ck_assert(key_eq_text(S("J@X.DE"), S("j@x.de")));
    ck_assert(!key_eq_text(S("abc"), S("abcd")));
    ck_assert(!key_eq_text(S("abcd"), S("abc")));
    ck_assert(!key_eq_text(S("new  york"), S("new york")));    /* inner spaces count */
    ck_assert(key_eq_text(S("THE QUICK BROWN FOX JUMPS"), S("the quick brown fox jumps")));
    ck_assert(!key_eq_text(S("THE QUICK BROWN FOX JUMPS"), S("the quick brown fox jumpz")));
    ck_assert(!key_eq_text(S("THE QUICK BROWN FOX JUMPS"), S("the quicK brown fox jump")));
    ck_assert(!key_eq_text(S("abcdefgh"), S("abcdefgX")));
    ck_assert(!key_eq_text(S("abcdefghi"), S("abcdefgh")));
    ck_assert(key_eq_text(S("A\xFF"), S("a\xFF")));
    ck_assert(!key_eq_text(S("A\xFF"), S("a\xFE")));
    ck_assert(key_eq_text(S("\xC8\xBA" "BCDEFGHIJ"), S("\xE2\xB1\xA5" "bcdefghij")));
    /* Signs outside ASCII that fold into it (KELVIN SIGN to k, LONG S to
     * s): the ASCII first/last byte rejection must not refuse them. */
    ck_assert(key_eq_text(S("\xE2\x84\xAA" "ey"), S("key")));
    ck_assert(key_eq_text(S("ba\xC5\xBF"), S("BAS")));
    ck_assert(key_eq_text(S("\xE2\x84\xAA" "ABCDEFGHIJ\xC5\xBF"), S("kabcdefghijs")));
    ck_assert(!key_eq_text(S("\xE2\x84\xAA" "ABCDEFGHIJ\xC5\xBF"), S("kabcdefghijt")));
    ck_assert(!key_eq_text(S("xey"), S("key")));
    ck_assert(!key_eq_text(S("abcdefghijklmnoq"), S("abcdefghijklmnop")));
    ck_assert(key_eq_text(S("ABCDEFGHIJKLMNOP"), S("abcdefghijklmnop")));
    ck_assert(!key_eq_text(S("ABCDEFGHIXKLMNOP"), S("abcdefghijklmnop")));
    /* A constant that is not folded never matches an upper-case letter. */
    ck_assert(!ut_key_eq(S("ABC"), S("ABC")));
}
END_TEST

START_TEST(test_key_eq_random)
{
    uint64_t st = 99;
    char a[1024], b[1024];
    int equal = 0;
    for (int round = 0; round < 50000; round++) {
        size_t an = random_text(&st, a, 6), bn;
        /* Half the time b is a with its case changed, to get equal keys. */
        if (round & 1) {
            bn = an;
            memcpy(b, a, an);
            for (size_t i = 0; i < bn; i++) {
                char c = (char)(b[i] | 0x20);
                if (c >= 'a' && c <= 'z' && rnd(&st) % 2) b[i] ^= 0x20;   /* flip an ASCII letter's case */
            }
        } else {
            bn = random_text(&st, b, 6);
        }
        Buf ka = {0}, kb = {0};
        ref_key(a, an, &ka);
        ref_key(b, bn, &kb);
        bool want = ka.len == kb.len && (ka.len == 0 || memcmp(ka.p, kb.p, ka.len) == 0);
        equal += want;
        MUST(ut_key_eq(a, an, kb.p, kb.len) == want, "key_eq(\"%.*s\", key of \"%.*s\")", (int)an, a, (int)bn, b);
        MUST(ut_key_eq(b, bn, ka.p, ka.len) == want, "key_eq(\"%.*s\", key of \"%.*s\")", (int)bn, b, (int)an, a);
        MUST(!want || ut_key_hash(a, an) == ut_key_hash(b, bn), "hash of equal keys \"%.*s\"", (int)an, a);
        MUST(ut_key_hash(a, an) == ut_hash_bytes(ka.p, ka.len), "key_hash \"%.*s\"", (int)an, a);
        ubuf_free(&ka);
        ubuf_free(&kb);
    }
    ck_assert_int_gt(equal, 20000);
}
END_TEST

/* ---- substring tests -------------------------------------------------- */

START_TEST(test_substrings)
{
    ck_assert(ut_ends_with(S(" Acme Inc "), S("inc")));
    ck_assert(!ut_contains(S("acme"), S(" ")));
    ck_assert(!ut_contains(S("  acme  "), S(" ")));
    ck_assert(ut_contains(S("Acme Inc"), S(" ")));
    ck_assert(ut_contains(S("Acme Inc"), S("me in")));
    ck_assert(!ut_contains(S("Acme Inc"), S("ME IN")));          /* pattern is folded already */
    ck_assert(ut_starts_with(S(" Acme Inc"), S("acme")));
    ck_assert(ut_starts_with(S("\xC2\xA0" "Acme"), S("acme")));
    ck_assert(!ut_starts_with(S("Acme"), S("acme inc")));
    ck_assert(!ut_starts_with(S("Acme"), S(" acme")));
    ck_assert(ut_ends_with(S("Acme Inc\xC2\xA0"), S("inc")));
    ck_assert(!ut_ends_with(S("Acme Inc"), S("inc ")));
    ck_assert(!ut_ends_with(S("Inc"), S("x inc")));
    ck_assert(ut_contains(S("x"), S("")));
    ck_assert(ut_starts_with(S("x"), S("")));
    ck_assert(ut_ends_with(S("x"), S("")));
    ck_assert(!ut_contains(S("ab"), S("abc")));

    ck_assert(ut_contains(S("GRO\xE1\xBA\x9E" "E STRA\xE1\xBA\x9E" "E"), S("stra\xC3\x9F" "e")));
    ck_assert(!ut_contains(S("GROSSE STRASSE"), S("stra\xC3\x9F" "e")));
    ck_assert(ut_starts_with(S("\xC3\x9C" "ber"), S("\xC3\xBC" "ber")));
    ck_assert(ut_starts_with(S("\xC5\xBFtop"), S("stop")));
    ck_assert(ut_ends_with(S("Stra\xC3\x9F" "e"), S("\xC3\x9F" "e")));
    ck_assert(ut_ends_with(S("M\xC3\x9CNCHEN"), S("\xC3\xBCnchen")));
    ck_assert(ut_ends_with(S("ABC\xE2\x84\xAA"), S("ck")));
    ck_assert(ut_ends_with(S("abc\xE2\x84\xAA"), S("k")));
    ck_assert(ut_ends_with(S("\xE2\x84\xAA" "abc"), S("kabc")));
    ck_assert(ut_ends_with(S("\xC8\xBA" "bc"), S("bc")));
    ck_assert(ut_ends_with(S("\xC8\xBA" "bc"), S("\xE2\xB1\xA5" "bc")));      /* folded text is longer */
    ck_assert(ut_contains(S("ab\xFF" "cd"), S("\xFF" "c")));
    ck_assert(ut_ends_with(S("ab\xFF"), S("\xFF")));

    /* Values too long for the stack buffer. */
    char big[3000];
    size_t n = 0;
    for (int i = 0; i < 900; i++) memcpy(big + n, "\xC3\x84", 2), n += 2;
    memcpy(big + n, "NEEDLE \xE1\xBA\x9E", 10), n += 10;
    ck_assert(ut_contains(big, n, S("needle \xC3\x9F")));
    ck_assert(ut_ends_with(big, n, S("\xC3\xA4needle \xC3\x9F")));
    ck_assert(!ut_contains(big, n, S("needles")));
    ck_assert(ut_starts_with(big, n, S("\xC3\xA4\xC3\xA4")));
}
END_TEST

/* The substring tests against memmem/memcmp on the reference key. */
START_TEST(test_substrings_random)
{
    uint64_t st = 7;
    char a[1024], p[1024];
    for (int round = 0; round < 30000; round++) {
        size_t an = random_text(&st, a, 10);
        Buf ka = {0}, kp = {0};
        ref_key(a, an, &ka);
        /* A pattern cut from the key itself half the time. */
        if (round & 1 && ka.len) {
            size_t i = rnd(&st) % ka.len, j = i + rnd(&st) % (ka.len - i + 1);
            ubuf_add(&kp, ka.p + i, j - i);
        } else {
            size_t pn = random_text(&st, p, 2);
            ref_fold(p, pn, &kp);
        }
        const char *kpp = kp.p ? kp.p : "", *kap = ka.p ? ka.p : "";
        bool c = kp.len == 0 || (ka.len >= kp.len && memmem(kap, ka.len, kpp, kp.len));
        bool s = ka.len >= kp.len && memcmp(kap, kpp, kp.len) == 0;
        bool e = ka.len >= kp.len && memcmp(kap + ka.len - kp.len, kpp, kp.len) == 0;
        MUST(ut_contains(a, an, kpp, kp.len) == c, "contains \"%.*s\"", (int)an, a);
        MUST(ut_starts_with(a, an, kpp, kp.len) == s, "starts_with \"%.*s\"", (int)an, a);
        MUST(ut_ends_with(a, an, kpp, kp.len) == e, "ends_with \"%.*s\"", (int)an, a);
        ubuf_free(&ka);
        ubuf_free(&kp);
    }
}
END_TEST

/* ---- case mappings ---------------------------------------------------- */

START_TEST(test_upper_lower)
{
    ck_map(ut_upper, S("\xC3\x9F"), S("SS"), "upper ß");
    ck_map(ut_upper, S("stra\xC3\x9F" "e"), S("STRASSE"), "upper straße");
    ck_map(ut_upper, S("abc xyz 123 {}"), S("ABC XYZ 123 {}"), "upper ASCII");
    ck_map(ut_upper, S("\xEF\xAC\x81"), S("FI"), "upper ﬁ ligature");
    ck_map(ut_upper, S("\xC3\xA4\xC3\xB6\xC3\xBC"), S("\xC3\x84\xC3\x96\xC3\x9C"), "upper äöü");
    ck_map(ut_upper, S("\xF0\x90\x90\xA8"), S("\xF0\x90\x90\x80"), "upper Deseret");
    ck_map(ut_upper, S("\xF0\x9F\x98\x80" "a"), S("\xF0\x9F\x98\x80" "A"), "upper emoji");
    ck_map(ut_upper, S("a\xFF\xC3\x9F\xC3"), S("A\xFFSS\xC3"), "upper keeps invalid bytes");
    ck_map(ut_upper, S("  spaced  "), S("  SPACED  "), "upper keeps spaces");
    ck_map(ut_lower, S("\xC3\x80" "B"), S("\xC3\xA0" "b"), "lower ÀB");
    ck_map(ut_lower, S("HAUPTSTRA\xE1\xBA\x9E" "E"), S("hauptstra\xC3\x9F" "e"), "lower ẞ");
    ck_map(ut_lower, S("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), S("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"),
           "lower final sigma");
    ck_map(ut_lower, S("\xCE\xA3\xCE\x91\xCE\xA3 \xCE\xA3\xCE\x91\xCE\xA3"),
           S("\xCF\x83\xCE\xB1\xCF\x82 \xCF\x83\xCE\xB1\xCF\x82"), "lower two words");
    ck_map(ut_lower, S("A\xCE\xA3"), S("a\xCF\x82"), "final sigma after an ASCII letter");
    ck_map(ut_lower, S("A\xCE\xA3" "B"), S("a\xCF\x83" "b"), "medial sigma");
    ck_map(ut_lower, S("\xC4\xB0"), S("i\xCC\x87"), "lower İ");
    ck_map(ut_lower, S("\x80\xC3\x84"), S("\x80\xC3\xA4"), "lower keeps invalid bytes");
    ck_map(ut_lower, S("MIXED Case 42"), S("mixed case 42"), "lower ASCII");
    ck_map(ut_lower, S(""), S(""), "lower empty");

    Buf b = {0};
    ubuf_add(&b, "pre:", 4);
    ut_upper(S("\xC3\x9F"), &b);
    ck_bytes(b.p, b.len, S("pre:SS"), "upper appends");
    ubuf_free(&b);

    /* Runs longer than the stack buffers. */
    Buf in = {0}, want = {0};
    for (int i = 0; i < 700; i++) {
        ubuf_add(&in, "\xC3\x9F" "a\xC3\xA4", 5);
        ubuf_add(&want, "SSA\xC3\x84", 5);
    }
    ck_map(ut_upper, in.p, in.len, want.p, want.len, "long upper");
    ubuf_free(&in);
    ubuf_free(&want);
}
END_TEST

/* ---- order and hash --------------------------------------------------- */

static int sign(int x) { return (x > 0) - (x < 0); }

START_TEST(test_order)
{
    ck_assert_int_lt(ut_order(S("apple"), S("Banana")), 0);
    ck_assert_int_gt(ut_order(S("Banana"), S("apple")), 0);
    ck_assert_int_gt(ut_order(S("a"), S("A")), 0);            /* equal keys: 'A' < 'a' */
    ck_assert_int_lt(ut_order(S("A"), S("a")), 0);
    ck_assert_int_eq(ut_order(S("x"), S("x")), 0);
    ck_assert_int_eq(ut_order(S(""), S("")), 0);
    ck_assert_int_lt(ut_order(S(" a"), S("a")), 0);           /* equal keys: ' ' < 'a' */
    ck_assert_int_lt(ut_order(S("ab"), S("abc")), 0);
    ck_assert_int_lt(ut_order(S("ABC"), S("abd")), 0);
    ck_assert_int_lt(ut_order(S("b"), S(" C ")), 0);          /* keys first */
    ck_assert_int_gt(ut_order(S("Stra\xC3\x9F" "e"), S("STRASSE")), 0);   /* ß after s */
    ck_assert_int_gt(ut_order(S("\xC3\xA9"), S("f")), 0);     /* code point order */
    ck_assert_int_lt(ut_order(S("\xC3\xA9"), S("\xF0\x9F\x98\x80")), 0);
    ck_assert_int_gt(ut_order(S("\xFF"), S("a")), 0);
    ck_assert_int_eq(sign(ut_order(S("HAUPTSTRA\xE1\xBA\x9E" "E"), S("hauptstra\xC3\x9F" "e"))), -1);

    uint64_t st = 5;
    char a[512], b[512];
    for (int round = 0; round < 20000; round++) {
        size_t an = random_text(&st, a, 5), bn = random_text(&st, b, 5);
        int ab = ut_order(a, an, b, bn), ba = ut_order(b, bn, a, an);
        MUST(sign(ab) == -sign(ba), "order antisymmetric");
        MUST((ab == 0) == (an == bn && memcmp(a, b, an) == 0), "order 0 iff same bytes");
        MUST(ut_order(a, an, a, an) == 0, "order reflexive");
        Buf ka = {0}, kb = {0};
        ref_key(a, an, &ka);
        ref_key(b, bn, &kb);
        size_t m = ka.len < kb.len ? ka.len : kb.len;
        int kc = m ? memcmp(ka.p, kb.p, m) : 0;
        if (!kc) kc = (ka.len > kb.len) - (ka.len < kb.len);
        MUST(!kc || sign(ab) == sign(kc), "order follows keys");
        ubuf_free(&ka);
        ubuf_free(&kb);
    }
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(test_hash)
{
    ck_assert_uint_eq(ut_key_hash(S("M\xC3\x9CNCHEN")), ut_key_hash(S(" m\xC3\xBCnchen\t")));
    ck_assert_uint_eq(ut_key_hash(S("HAUPTSTRA\xE1\xBA\x9E" "E")), ut_key_hash(S("Hauptstra\xC3\x9F" "e")));
    ck_assert_uint_eq(ut_key_hash(S("\xC2\xA0" "Acme\xE3\x80\x80")), ut_key_hash(S("ACME")));
    ck_assert_uint_eq(ut_key_hash(S("ACME")), ut_hash_bytes(S("acme")));
    ck_assert_uint_eq(ut_key_hash(S("")), ut_key_hash(S("  ")));
    ck_assert_uint_ne(ut_key_hash(S("ss")), ut_key_hash(S("\xC3\x9F")));
    ck_assert_uint_ne(ut_key_hash(S("a b")), ut_key_hash(S("ab")));
    ck_assert_uint_ne(ut_hash_bytes(S("abc")), ut_hash_bytes(S("abd")));
    ck_assert_uint_ne(ut_hash_bytes(S("a")), ut_hash_bytes("a\0", 2));
    ck_assert_uint_ne(ut_hash_bytes(S("")), ut_hash_bytes("\0", 1));
    ck_assert_uint_ne(ut_hash_bytes(S("ABC")), ut_hash_bytes(S("abc")));
    /* Non-ASCII at every offset, so the word-assembly paths all run. */
    for (size_t pre = 0; pre < 20; pre++) {
        char s[64], f[64];
        memset(s, 'Q', pre);
        memset(f, 'q', pre);
        memcpy(s + pre, "\xC3\x9C" "ABCDEFGHIJKLMNOP", 18);
        memcpy(f + pre, "\xC3\xBC" "abcdefghijklmnop", 18);
        ck_assert_uint_eq(ut_key_hash(s, pre + 18), ut_hash_bytes(f, pre + 18));
    }
    /* No collisions among many similar keys (64 bits: any would be a bug). */
    enum { N = 50000 };
    uint64_t *h = malloc(N * sizeof *h);
    for (int i = 0; i < N; i++) {
        char s[32];
        int n = snprintf(s, sizeof s, "item-%d", i);
        h[i] = ut_key_hash(s, (size_t)n);
    }
    qsort(h, N, sizeof *h, cmp_u64);
    for (int i = 1; i < N; i++) MUST(h[i] != h[i - 1], "hash collision");
    free(h);
}
END_TEST

/* ---- runner ----------------------------------------------------------- */

static Suite *utext_suite(void)
{
    Suite *s = suite_create("utext");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_buf);
    tcase_add_test(t, test_decode_table);
    tcase_add_test(t, test_decode_vs_icu);
    tcase_add_test(t, test_encode);
    tcase_add_test(t, test_valid);
    tcase_add_test(t, test_is_space);
    tcase_add_test(t, test_trim);
    tcase_add_test(t, test_trim_random);
    tcase_add_test(t, test_length);
    tcase_add_test(t, test_fold);
    tcase_add_test(t, test_fold_random);
    tcase_add_test(t, test_key);
    tcase_add_test(t, test_key_eq);
    tcase_add_test(t, test_key_eq_random);
    tcase_add_test(t, test_substrings);
    tcase_add_test(t, test_substrings_random);
    tcase_add_test(t, test_upper_lower);
    tcase_add_test(t, test_order);
    tcase_add_test(t, test_hash);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(utext_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
