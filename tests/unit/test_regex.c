/* Unit tests for runtime/regex.c.  `matches` has two ways to an answer: a
 * pattern of literals between bars is searched for directly in an ASCII
 * subject, anything else goes to PCRE2.  The direct search must give
 * PCRE2's answer exactly, so it is checked against PCRE2 itself (compiled
 * here with the same options) on hand-picked cases and on many generated
 * patterns and subjects, non-ASCII, case-folding letters (the Kelvin sign,
 * the long s) and invalid UTF-8 included. */
#include "config.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "regex.h"

#define MUST(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

static uint64_t rnd(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1Dull;
}

/* PCRE2's own answer: 1, 0, or -1 for an error (invalid UTF-8). */
static int pcre_answer(const char *pat, size_t plen, const char *s, size_t n)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, plen, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &ec, &off, NULL);
    ck_assert_ptr_nonnull(c);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(c, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int ours(const char *pat, size_t plen, const char *s, size_t n)
{
    char msg[256];
    LeadRegex *rx = rx_compile(pat, plen, msg, sizeof msg);
    ck_assert_ptr_nonnull(rx);
    RxMatch *m = rx_match_new();
    int r = rx_match(rx, m, s, n);
    rx_match_free(m);
    rx_free(rx);
    return r;
}

START_TEST(test_literal_cases)
{
    static const struct { const char *pat, *s; int want; } t[] = {
        { "chief|head|director|vp|vice president", "VP of Operations", 1 },
        { "chief|head|director|vp|vice president", "Manager, Process Development", 0 },
        { "chief|head|director|vp|vice president", "Vice  President", 0 },
        { "chief|head|director|vp|vice president", "SVP Sales", 1 },
        { "chief|head|director|vp|vice president", "", 0 },
        { "chief|head|director|vp|vice president", "HEAD of IT", 1 },
        { "chief|head|director|vp|vice president", "Direct", 0 },
        { "gmail", "x@GMail.com", 1 },
        { "a|", "zzz", 1 },                       /* an empty alternative matches */
        { "", "anything", 1 },
        { "|", "", 1 },
        { "o'brien|d-x", "Mr O'Brien", 1 },
        { "k", "\xE2\x84\xAA", 1 },               /* the Kelvin sign folds to k: PCRE2 decides */
        { "s", "\xC5\xBF", 1 },                   /* the long s folds to s */
        { "vp", "vp \xFF", -1 },                  /* invalid UTF-8: unknown, even after a match */
        { "vp", "caf\xC3\xA9 vp", 1 },
        { "ab|abc", "xabc", 1 },
        { "abc|ab", "xab", 1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int got = ours(t[i].pat, strlen(t[i].pat), t[i].s, strlen(t[i].s));
        ck_assert_msg(got == t[i].want, "'%s' matches '%s': %d, expected %d", t[i].s, t[i].pat, got, t[i].want);
        ck_assert_int_eq(got, pcre_answer(t[i].pat, strlen(t[i].pat), t[i].s, strlen(t[i].s)));
    }
}
END_TEST

/* Generated: patterns of literals (and some that are not), subjects mostly
 * ASCII from the same letters in both cases, some with non-ASCII. */
START_TEST(test_literal_generated)
{
    static const char *pbytes = "abkKsSvVpP  -'|||09#@";
    static const char *sbytes[] = { "a", "b", "k", "K", "s", "S", "v", "V", "p", "P", " ", "-", "'", "0", "9",
                                    "#", "@", "\xE2\x84\xAA", "\xC5\xBF", "\xC3\xA9", "\xFF", "\xC3", ".", "|" };
    uint64_t st = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 20000; iter++) {
        char pat[16], s[64];
        size_t plen = rnd(&st) % 10, n = 0;
        for (size_t i = 0; i < plen; i++) pat[i] = pbytes[rnd(&st) % strlen(pbytes)];
        if (rnd(&st) % 8 == 0 && plen) pat[rnd(&st) % plen] = '.';      /* not literals: PCRE2 alone */
        size_t parts = rnd(&st) % 12;
        bool ascii = rnd(&st) % 4 != 0;
        for (size_t i = 0; i < parts; i++) {
            const char *b = sbytes[rnd(&st) % (ascii ? 17 : sizeof sbytes / sizeof *sbytes)];
            size_t k = strlen(b);
            memcpy(s + n, b, k);
            n += k;
        }
        int want = pcre_answer(pat, plen, s, n), got = ours(pat, plen, s, n);
        MUST(got == want, "pattern '%.*s' on '%.*s': %d, PCRE2 says %d", (int)plen, pat, (int)n, s, got, want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("regex");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_literal_cases);
    tcase_add_test(tc, test_literal_generated);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
