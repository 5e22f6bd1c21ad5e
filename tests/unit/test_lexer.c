/* Unit tests for grammar/lexer.l: the tokens of LANGUAGE.md section 2.
 *
 * The scanner runs alone through its test hook (lead_scan_all), which
 * reports every token as the parser would get it, with the same context
 * decisions (score-line signs, contextual keywords).  Each test checks the
 * token kinds, their values, where they are (line and column, counted in
 * code points as appendix B says) and the exact lexical diagnostics. */
#include "config.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lexctx.h"
#include "parser.h"
#include "value.h"

/* ---- harness ---------------------------------------------------------- */

typedef struct Tok { int tok; Loc loc; LEAD_YYSTYPE v; } Tok;

typedef struct Scan {
    Arena arena;
    Diags diags;
    LexCtx ctx;
    Tok *t;
    size_t n, cap;
    int errors;
} Scan;

static void on_token(void *u, int tok, Loc loc, const LEAD_YYSTYPE *v)
{
    Scan *sc = u;
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 16;
        sc->t = realloc(sc->t, sc->cap * sizeof *sc->t);
        ck_assert_ptr_nonnull(sc->t);
    }
    sc->t[sc->n++] = (Tok){ tok, loc, *v };
}

static Scan *scan_n(const char *src, size_t len)
{
    Scan *sc = calloc(1, sizeof *sc);
    char *copy = malloc(len + 1);
    memcpy(copy, src, len);
    copy[len] = 0;
    uint32_t id = diag_add_file(&sc->diags, "t.lead", copy, len);
    sc->ctx.arena = &sc->arena;
    sc->ctx.diags = &sc->diags;
    sc->ctx.file = id;
    sc->ctx.src = sc->diags.files[id].text;
    sc->ctx.len = len;
    sc->errors = lead_scan_all(&sc->ctx, on_token, sc);
    return sc;
}

static Scan *scan(const char *src) { return scan_n(src, strlen(src)); }

static void scan_free(Scan *sc)
{
    free(sc->t);
    diag_free(&sc->diags);
    arena_free(&sc->arena);
    free(sc);
}

/* "LINE:COL" of a byte offset. */
static const char *at(Scan *sc, uint32_t off)
{
    static char buf[8][32];
    static int k;
    uint32_t line, col;
    diag_linecol(&sc->diags, 0, off, &line, &col);
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%u:%u", line, col);
    return buf[k];
}

/* All diagnostics as "LINE:COL: MESSAGE" lines, in the order reported. */
static const char *diags(Scan *sc)
{
    static char buf[8192];
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < sc->diags.n && o < sizeof buf - 200; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s: %s\n", at(sc, sc->diags.v[i].loc.off),
                              sc->diags.v[i].msg);
    return buf;
}

/* The token kinds, terminated by -1. */
static void kinds_are(Scan *sc, const int *want)
{
    size_t n = 0;
    while (want[n] >= 0) n++;
    ck_assert_msg(sc->n == n, "%zu tokens, want %zu (diagnostics: %s)", sc->n, n, diags(sc));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(sc->t[i].tok == want[i], "token %zu is %d, want %d", i, sc->t[i].tok, want[i]);
}
#define KINDS(sc, ...) kinds_are(sc, (const int[]){ __VA_ARGS__, -1 })

static void str_is(const Tok *t, const char *want, size_t wlen)
{
    ck_assert_msg(t->v.str.len == wlen && memcmp(t->v.str.s, want, wlen) == 0,
                  "text is '%.*s' (%u bytes), want '%.*s'", (int)t->v.str.len, t->v.str.s,
                  t->v.str.len, (int)wlen, want);
}
#define STR_IS(t, lit) str_is((t), (lit), sizeof(lit) - 1)

static bool same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* ---- keywords and names ----------------------------------------------- */

static const struct { const char *kw; int tok; } keywords[] = {
    {"definition", T_DEFINITION}, {"version", T_VERSION}, {"owner", T_OWNER},
    {"approved", T_APPROVED}, {"use", T_USE}, {"record", T_RECORD}, {"key", T_KEY},
    {"events", T_EVENTS}, {"match", T_MATCH}, {"from", T_FROM}, {"set", T_SET},
    {"define", T_DEFINE}, {"extern", T_EXTERN}, {"function", T_FUNCTION},
    {"symbol", T_SYMBOL}, {"lead", T_LEAD}, {"when", T_WHEN}, {"score", T_SCORE},
    {"per", T_PER}, {"at", T_AT}, {"most", T_MOST}, {"for", T_FOR}, {"each", T_EACH},
    {"half", T_HALF}, {"life", T_LIFE}, {"limit", T_LIMIT}, {"to", T_TO},
    {"classify", T_CLASSIFY}, {"otherwise", T_OTHERWISE}, {"distinct", T_DISTINCT},
    {"test", T_TEST}, {"as", T_AS}, {"of", T_OF}, {"expect", T_EXPECT},
    {"repeat", T_REPEAT}, {"and", T_AND}, {"or", T_OR}, {"not", T_NOT}, {"in", T_IN},
    {"is", T_IS}, {"missing", T_MISSING}, {"present", T_PRESENT},
    {"contains", T_CONTAINS}, {"starts", T_STARTS}, {"ends", T_ENDS}, {"with", T_WITH},
    {"matches", T_MATCHES}, {"between", T_BETWEEN}, {"within", T_WITHIN},
    {"last", T_LAST}, {"during", T_DURING}, {"any", T_ANY}, {"where", T_WHERE},
    {"true", T_TRUE}, {"false", T_FALSE}, {"if", T_IF}, {"then", T_THEN},
    {"else", T_ELSE}, {"text", T_KTEXT}, {"number", T_KNUMBER}, {"bool", T_BOOL},
    {"date", T_KDATE}, {"time", T_KTIME}, {"level", T_LEVEL}, {"count", T_COUNT},
    {"sum", T_SUM}, {"min", T_MIN}, {"max", T_MAX}, {"average", T_AVERAGE},
    {"latest", T_LATEST}, {"earliest", T_EARLIEST}, {"none", T_NONE},
};

START_TEST(test_every_keyword)
{
    /* every keyword of section 2 (but the six contextual ones, below) */
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        Scan *sc = scan(keywords[i].kw);
        ck_assert_msg(sc->n == 1 && sc->t[0].tok == keywords[i].tok, "'%s' scans as %d",
                      keywords[i].kw, sc->n ? sc->t[0].tok : -1);
        /* a keyword carries its spelling: it may be used as a name */
        str_is(&sc->t[0], keywords[i].kw, strlen(keywords[i].kw));
        ck_assert_int_eq(sc->errors, 0);
        scan_free(sc);
    }
}
END_TEST

START_TEST(test_keywords_are_lower_case)
{
    Scan *sc = scan("Lead AND When DEFINE Score dAy");
    KINDS(sc, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME);
    STR_IS(&sc->t[1], "AND");
    scan_free(sc);
}
END_TEST

START_TEST(test_names)
{
    Scan *sc = scan("a _ _x a1_2 Z9 definitionx leads x_y_z averages");
    KINDS(sc, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME);
    STR_IS(&sc->t[3], "a1_2");
    STR_IS(&sc->t[5], "definitionx");
    ck_assert_str_eq(at(sc, sc->t[8].loc.off), "1:40");
    ck_assert_int_eq(sc->t[8].loc.end - sc->t[8].loc.off, 8);
    scan_free(sc);
    /* a digit cannot start a name: 9a is a number and a name */
    sc = scan("9a");
    KINDS(sc, T_NUMBER, T_NAME);
    scan_free(sc);
}
END_TEST

START_TEST(test_contextual_time_units)
{
    /* day days week weeks hour hours: keywords only after a number or `any` */
    Scan *sc = scan("3 day 2 days 1 week 4 weeks 5 hour 6 hours any day any 2 days");
    KINDS(sc, T_NUMBER, T_DAY, T_NUMBER, T_DAYS, T_NUMBER, T_WEEK, T_NUMBER, T_WEEKS,
          T_NUMBER, T_HOUR, T_NUMBER, T_HOURS, T_ANY, T_DAY, T_ANY, T_NUMBER, T_DAYS);
    scan_free(sc);

    sc = scan("day days week weeks hour hours");
    KINDS(sc, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME, T_NAME);
    STR_IS(&sc->t[1], "days");
    scan_free(sc);

    /* after anything else they are field names (conformance case 36) */
    sc = scan("count(touch where day = \"mon\") x.day (day) last day");
    KINDS(sc, T_COUNT, '(', T_NAME, T_WHERE, T_NAME, '=', T_STRING, ')', T_NAME, '.', T_NAME,
          '(', T_NAME, ')', T_LAST, T_NAME);
    scan_free(sc);

    /* a comment or a line break in between does not matter */
    sc = scan("30 # thirty\n  days");
    KINDS(sc, T_NUMBER, T_DAYS);
    scan_free(sc);
}
END_TEST

START_TEST(test_punctuation)
{
    Scan *sc = scan("= != < <= > >= -> + - * / , : . ( ) [ ] { }");
    KINDS(sc, '=', T_NE, '<', T_LE, '>', T_GE, T_ARROW, '+', '-', '*', '/', ',', ':', '.',
          '(', ')', '[', ']', '{', '}');
    ck_assert_int_eq(sc->errors, 0);
    ck_assert_str_eq(at(sc, sc->t[6].loc.off), "1:16");
    ck_assert_int_eq(sc->t[6].loc.end - sc->t[6].loc.off, 2);
    scan_free(sc);
    /* no space needed */
    sc = scan("a<=b!=c->d");
    KINDS(sc, T_NAME, T_LE, T_NAME, T_NE, T_NAME, T_ARROW, T_NAME);
    scan_free(sc);
}
END_TEST

START_TEST(test_operators_from_other_languages)
{
    /* reported once each, with what to write; the parse goes on with the
     * operator meant, so nothing cascades */
    Scan *sc = scan("a == b && c || !d");
    KINDS(sc, T_NAME, '=', T_NAME, T_AND, T_NAME, T_OR, T_NOT, T_NAME);
    ck_assert_str_eq(diags(sc),
        "1:3: '==' is written '=' in the lead language\n"
        "1:8: '&&' is written 'and' in the lead language\n"
        "1:13: '||' is written 'or' in the lead language\n"
        "1:16: '!' is written 'not' in the lead language ('!=' is not equal)\n");
    ck_assert_int_eq(sc->errors, 4);
    scan_free(sc);
}
END_TEST

/* ---- numbers ------------------------------------------------------------ */

START_TEST(test_number_forms)
{
    /* each literal and the decimal it means exactly (strtod rounds once) */
    static const struct { const char *src, *exact; } t[] = {
        {"0", "0"}, {"42", "42"}, {"3.5", "3.5"}, {"1_000_000", "1000000"}, {"1e6", "1e6"},
        {"1E6", "1e6"}, {"1e+6", "1e6"}, {"2.5e-3", "0.0025"}, {"007", "7"},
        {"1_2.3_4", "12.34"}, {"1e1_0", "1e10"},
        {"$300M", "300000000"}, {"$300", "300"}, {"2B", "2000000000"}, {"50K", "50000"},
        {"20%", "0.2"}, {"0.1%", "0.001"}, {"1.5e3K", "1500000"}, {"1.1M", "1100000"},
        {"0.07%", "0.0007"}, {"3.3%", "0.033"}, {"1e-2%", "0.0001"}, {"$1_000K", "1000000"},
        {"0.3", "0.3"}, {"1.7976931348623157e308", "1.7976931348623157e308"},
        {"4.9e-324", "4.9e-324"}, {"1e-400", "0"}, {"0.000001B", "1000"},
        {"12345678901234567890", "12345678901234567890"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        Scan *sc = scan(t[i].src);
        ck_assert_msg(sc->n == 1 && sc->t[0].tok == T_NUMBER, "'%s' is one number", t[i].src);
        double want = strtod(t[i].exact, NULL);
        ck_assert_msg(same_double(sc->t[0].v.num, want), "'%s' is %.17g, want %.17g",
                      t[i].src, sc->t[0].v.num, want);
        ck_assert_msg(sc->errors == 0, "'%s': %s", t[i].src, diags(sc));
        ck_assert_int_eq(sc->t[0].loc.end - sc->t[0].loc.off, strlen(t[i].src));
        scan_free(sc);
    }
}
END_TEST

START_TEST(test_number_suffix_scaling_is_exact)
{
    /* the naive way (multiply or divide the double) would be off by an ulp */
    volatile double x82 = 8.2, x007 = 0.07, x1005 = 1.005;
    Scan *sc = scan("8.2M 0.07% 1.005K");
    KINDS(sc, T_NUMBER, T_NUMBER, T_NUMBER);
    ck_assert(sc->t[0].v.num == 8200000.0);
    ck_assert(x82 * 1e6 != 8200000.0);
    ck_assert(same_double(sc->t[1].v.num, 0.0007));
    ck_assert(x007 / 100 != 0.0007);
    ck_assert(sc->t[2].v.num == 1005.0);
    ck_assert(x1005 * 1000 != 1005.0);
    scan_free(sc);
}
END_TEST

START_TEST(test_number_overflow)
{
    /* a source literal that overflows is a compile error at its start */
    Scan *sc = scan("x = 1e400");
    KINDS(sc, T_NAME, '=', T_NUMBER);
    ck_assert_str_eq(diags(sc), "1:5: number literal out of range (it does not fit in a double)\n");
    ck_assert_int_eq(sc->errors, 1);
    scan_free(sc);

    sc = scan("1e308K 1.8e308 $2e306B 1e306%");
    ck_assert_str_eq(diags(sc),
        "1:1: number literal out of range (it does not fit in a double)\n"
        "1:8: number literal out of range (it does not fit in a double)\n"
        "1:16: number literal out of range (it does not fit in a double)\n");
    ck_assert(sc->t[3].v.num == 1e304);
    scan_free(sc);
}
END_TEST

START_TEST(test_number_edges)
{
    /* the suffixes are upper case only: 2b is a number and a name */
    Scan *sc = scan("2b 3k 10K% 1__0 1.5.3 $ 5");
    KINDS(sc, T_NUMBER, T_NAME, T_NUMBER, T_NAME, T_NUMBER, T_LEAD_YYUNDEF,
          T_NUMBER, T_NAME, T_NUMBER, '.', T_NUMBER, T_LEAD_YYUNDEF, T_NUMBER);
    ck_assert_str_eq(diags(sc),
        "1:10: unexpected character '%'\n"
        "1:23: '$' must be followed by a number\n");
    ck_assert(sc->t[4].v.num == 10000);
    ck_assert(sc->t[8].v.num == 1.5);
    ck_assert(sc->t[10].v.num == 3);
    scan_free(sc);

    /* a literal longer than the limit */
    char big[LEAD_MAX_NUMBER_LITERAL + 2];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = 0;
    sc = scan(big);
    KINDS(sc, T_NUMBER);
    ck_assert_str_eq(diags(sc), "1:1: number literal too long (401 characters; the limit is 400)\n");
    scan_free(sc);
    big[sizeof big - 2] = 0;              /* 400 characters: 1.1e399, out of range */
    sc = scan(big);
    ck_assert_str_eq(diags(sc), "1:1: number literal out of range (it does not fit in a double)\n");
    scan_free(sc);
}
END_TEST

/* ---- dates and times ------------------------------------------------------ */

static int32_t D(const char *s)
{
    int32_t d;
    ck_assert(val_parse_date(s, strlen(s), &d));
    return d;
}

#define H(n) ((int64_t)(n) * 3600000000LL)
#define MIN(n) ((int64_t)(n) * 60000000LL)
#define SEC(n) ((int64_t)(n) * 1000000LL)

START_TEST(test_dates)
{
    Scan *sc = scan("2026-11-01 2024-02-29 1970-01-01 0001-01-01 9999-12-31");
    KINDS(sc, T_DATE, T_DATE, T_DATE, T_DATE, T_DATE);
    ck_assert_int_eq(sc->t[2].v.date, 0);
    ck_assert_int_eq(sc->t[0].v.date, 20758);     /* days since 1970-01-01 */
    ck_assert_int_eq(sc->t[1].v.date - D("2024-02-28"), 1);
    ck_assert_int_eq(sc->errors, 0);
    scan_free(sc);
}
END_TEST

START_TEST(test_times_with_offsets)
{
    int64_t day = (int64_t)D("2026-11-01") * US_PER_DAY;
    static const struct { const char *src; int64_t h, m, s, us; } t[] = {
        {"2026-11-01T09:30:00Z", 9, 30, 0, 0},
        {"2026-11-01T09:30Z", 9, 30, 0, 0},
        {"2026-11-01t09:30z", 9, 30, 0, 0},             /* t and z in any case */
        {"2026-11-01T09:30:15", 9, 30, 15, 0},          /* no zone: UTC */
        {"2026-11-01T09:30", 9, 30, 0, 0},
        {"2026-11-01T11:30+02:00", 9, 30, 0, 0},
        {"2026-11-01T06:00-04:00", 10, 0, 0, 0},        /* seconds omitted, with an offset */
        {"2026-11-01T09:30:00.25Z", 9, 30, 0, 250000},
        {"2026-11-01T09:30:00.1234567Z", 9, 30, 0, 123456},   /* truncated to microseconds */
        {"2026-11-01T23:00-23:00", 46, 0, 0, 0},
        {"2026-11-01T00:30+01:00", -1, 30, 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        Scan *sc = scan(t[i].src);
        ck_assert_msg(sc->n == 1 && sc->t[0].tok == T_TIME, "'%s' is one time (%s)", t[i].src, diags(sc));
        int64_t want = day + H(t[i].h) + MIN(t[i].m) + SEC(t[i].s) + t[i].us;
        ck_assert_msg(sc->t[0].v.time == want, "'%s' is %lld, want %lld", t[i].src,
                      (long long)sc->t[0].v.time, (long long)want);
        ck_assert_int_eq(sc->errors, 0);
        scan_free(sc);
    }
}
END_TEST

START_TEST(test_invalid_dates_and_times)
{
    /* each reported at its start */
    Scan *sc = scan("x = 2026-02-30\n"
                    "  2025-02-29 2026-13-01 2026-00-10\n"
                    "y = 2026-11-01T24:00Z 2026-11-01T09:60Z\n"
                    "2026-11-01T10:00+24:00 2026-11-01T10:00:61Z 2026-02-30T10:00Z");
    KINDS(sc, T_NAME, '=', T_DATE, T_DATE, T_DATE, T_DATE, T_NAME, '=', T_TIME, T_TIME,
          T_TIME, T_TIME, T_TIME);
    ck_assert_str_eq(diags(sc),
        "1:5: invalid date '2026-02-30'\n"
        "2:3: invalid date '2025-02-29'\n"
        "2:14: invalid date '2026-13-01'\n"
        "2:25: invalid date '2026-00-10'\n"
        "3:5: invalid time '2026-11-01T24:00Z'\n"
        "3:23: invalid time '2026-11-01T09:60Z'\n"
        "4:1: invalid time '2026-11-01T10:00+24:00'\n"
        "4:24: invalid time '2026-11-01T10:00:61Z'\n"
        "4:45: invalid time '2026-02-30T10:00Z'\n");
    ck_assert_int_eq(sc->errors, 9);
    scan_free(sc);
}
END_TEST

START_TEST(test_date_lookalikes)
{
    /* not dates: a date needs 4-2-2 digits; these are arithmetic */
    Scan *sc = scan("2026-1-01 26-11-01");
    KINDS(sc, T_NUMBER, '-', T_NUMBER, '-', T_NUMBER, T_NUMBER, '-', T_NUMBER, '-', T_NUMBER);
    ck_assert_int_eq(sc->errors, 0);
    scan_free(sc);
}
END_TEST

/* ---- text literals -------------------------------------------------------- */

START_TEST(test_text_escapes)
{
    static const struct { const char *src, *want; size_t wlen; } t[] = {
        {"\"abc\"", "abc", 3},
        {"\"\"", "", 0},
        {"\"a\\\"b\"", "a\"b", 3},
        {"\"\\\\\"", "\\", 1},
        {"\"a\\nb\\tc\"", "a\nb\tc", 5},
        {"\"\\u{1F600}\"", "\xF0\x9F\x98\x80", 4},
        {"\"\\u{41}\\u{e9}\\u{20AC}\"", "A\xC3\xA9\xE2\x82\xAC", 6},
        {"\"\\u{10FFFF}\"", "\xF4\x8F\xBF\xBF", 4},
        {"\"\\u{00000A}\"", "\n", 1},
        /* any other \x stays as the two characters */
        {"\"\\bvp\\b\"", "\\bvp\\b", 6},
        {"\"\\d+\\.\\s\"", "\\d+\\.\\s", 7},
        {"\"\\u\"", "\\u", 2},
        {"\"\\u0041\"", "\\u0041", 6},
        {"\"\\'\"", "\\'", 2},
        {"\"caf\xC3\xA9 \xF0\x9F\x98\x80\"", "caf\xC3\xA9 \xF0\x9F\x98\x80", 10},
        {"\"# not a comment\"", "# not a comment", 15},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        Scan *sc = scan(t[i].src);
        ck_assert_msg(sc->n == 1 && sc->t[0].tok == T_STRING, "%s is one text literal", t[i].src);
        str_is(&sc->t[0], t[i].want, t[i].wlen);
        ck_assert_msg(sc->errors == 0, "%s: %s", t[i].src, diags(sc));
        ck_assert_int_eq(sc->t[0].loc.end - sc->t[0].loc.off, strlen(t[i].src));
        scan_free(sc);
    }
}
END_TEST

START_TEST(test_bad_unicode_escapes)
{
    /* at the backslash; the rest of the literal is kept */
    Scan *sc = scan("x = \"ab\\u{}c\" \"\\u{110000}\" \"\\u{D800}\" \"\\u{1234567}\"\n"
                    "\"\\u{41\" \"\\u{0}\" \"\\u{zz}\" \"ok \\u{41} \\u{-1}\"");
    KINDS(sc, T_NAME, '=', T_STRING, T_STRING, T_STRING, T_STRING, T_STRING, T_STRING,
          T_STRING, T_STRING);
    const char *m = "invalid escape: \\u{...} needs 1 to 6 hex digits naming a code point";
    char want[2048];
    snprintf(want, sizeof want, "1:8: %s\n1:16: %s\n1:29: %s\n1:40: %s\n2:2: %s\n2:10: %s\n2:18: %s\n2:37: %s\n",
             m, m, m, m, m, m, m, m);
    ck_assert_str_eq(diags(sc), want);
    STR_IS(&sc->t[2], "ab{}c");
    STR_IS(&sc->t[9], "ok A {-1}");
    scan_free(sc);
}
END_TEST

START_TEST(test_unterminated_text)
{
    /* at the opening quote; the literal ends with its line */
    Scan *sc = scan("lead when x = \"abc\ny = 1");
    KINDS(sc, T_LEAD, T_WHEN, T_NAME, '=', T_STRING, T_NAME, '=', T_NUMBER);
    ck_assert_str_eq(diags(sc), "1:15: unterminated text literal (it must end on the line it starts)\n");
    STR_IS(&sc->t[4], "abc");
    ck_assert_int_eq(sc->errors, 1);
    scan_free(sc);

    sc = scan("x = \"ends with a backslash\\\r\n  \"ok\" \"at the end");
    KINDS(sc, T_NAME, '=', T_STRING, T_STRING, T_STRING);
    ck_assert_str_eq(diags(sc),
        "1:5: unterminated text literal (it must end on the line it starts)\n"
        "2:8: unterminated text literal (it must end on the line it starts)\n");
    STR_IS(&sc->t[3], "ok");
    scan_free(sc);
}
END_TEST

START_TEST(test_text_length_limit)
{
    size_t n = LEAD_MAX_TEXT_LITERAL;
    char *src = malloc(n + 16);
    src[0] = 'x'; src[1] = ' '; src[2] = '"';
    memset(src + 3, 'a', n);
    src[n + 3] = '"';
    src[n + 4] = 0;
    Scan *sc = scan(src);
    KINDS(sc, T_NAME, T_STRING);
    ck_assert_int_eq(sc->t[1].v.str.len, n);
    ck_assert_int_eq(sc->errors, 0);
    scan_free(sc);

    src[n + 3] = 'a';                     /* one byte more */
    src[n + 4] = '"';
    src[n + 5] = 0;
    sc = scan(src);
    ck_assert_str_eq(diags(sc), "1:3: text literal too long (65536 bytes; the limit is 65535)\n");
    scan_free(sc);

    /* the limit is on the decoded text: 40,000 \u{1F600} are 160,000 bytes */
    size_t k = 40000, o = 0;
    char *src2 = malloc(k * 9 + 8);
    src2[o++] = '"';
    for (size_t i = 0; i < k; i++) { memcpy(src2 + o, "\\u{1F600}", 9); o += 9; }
    src2[o++] = '"';
    src2[o] = 0;
    sc = scan(src2);
    ck_assert_str_eq(diags(sc), "1:1: text literal too long (160000 bytes; the limit is 65535)\n");
    scan_free(sc);
    free(src2);
    free(src);
}
END_TEST

START_TEST(test_wrong_quotes)
{
    /* 'x' and curly quotes: one error at the opening quote, then the text */
    Scan *sc = scan("a = 'x y' and b = \xE2\x80\x9CVP\xE2\x80\x9D and c");
    KINDS(sc, T_NAME, '=', T_STRING, T_AND, T_NAME, '=', T_STRING, T_AND, T_NAME);
    ck_assert_str_eq(diags(sc),
        "1:5: text literals use straight double quotes: write \"x y\"\n"
        "1:19: text literals use straight double quotes: write \"VP\"\n");
    STR_IS(&sc->t[2], "x y");
    STR_IS(&sc->t[6], "VP");
    ck_assert_str_eq(at(sc, sc->t[7].loc.off), "1:24");
    scan_free(sc);
    /* a lone quote */
    sc = scan("a = 'x");
    ck_assert_str_eq(diags(sc), "1:5: unexpected character '''; text literals use double quotes \"...\"\n");
    scan_free(sc);
}
END_TEST

/* ---- backticks ------------------------------------------------------------ */

START_TEST(test_backtick_names)
{
    Scan *sc = scan("`Lead Source` `from` `a``b` `caf\xC3\xA9`");
    KINDS(sc, T_BQNAME, T_BQNAME, T_BQNAME, T_BQNAME, T_BQNAME);
    STR_IS(&sc->t[0], "Lead Source");
    STR_IS(&sc->t[1], "from");
    STR_IS(&sc->t[2], "a");
    STR_IS(&sc->t[3], "b");
    STR_IS(&sc->t[4], "caf\xC3\xA9");
    ck_assert_int_eq(sc->errors, 0);
    scan_free(sc);
}
END_TEST

START_TEST(test_bad_backticks)
{
    /* unterminated: at the backtick; empty: at the backticks; both still a name */
    Scan *sc = scan("x = `Lead Source\ny = `` + 1");
    KINDS(sc, T_NAME, '=', T_BQNAME, T_NAME, '=', T_BQNAME, '+', T_NUMBER);
    ck_assert_str_eq(diags(sc),
        "1:5: unterminated name in backticks\n"
        "2:5: empty name in backticks\n");
    STR_IS(&sc->t[2], "Lead Source");
    STR_IS(&sc->t[5], "");
    scan_free(sc);
}
END_TEST

/* ---- bytes: UTF-8, NUL, BOM ------------------------------------------------- */

START_TEST(test_invalid_utf8)
{
    /* at the byte, in code, text, backticks and comments; once per token */
    static const char src[] =
        "a \xC3( b\n"                        /* truncated sequence */
        "\"x\xFFy\xFE\" c\n"                 /* in a text literal: the first only */
        "`n\x80` # com\xE2\x82 ment\n"      /* in backticks and in a comment */
        "d \xC0\x80 e \xED\xA0\x80 f\n";     /* overlong, surrogate: one report each */
    Scan *sc = scan_n(src, sizeof src - 1);
    ck_assert_str_eq(diags(sc),
        "1:3: invalid UTF-8 byte 0xC3\n"
        "2:3: invalid UTF-8 byte 0xFF\n"
        "3:3: invalid UTF-8 byte 0x80\n"
        "3:11: invalid UTF-8 byte 0xE2\n"
        "4:3: invalid UTF-8 byte 0xC0\n"
        "4:8: invalid UTF-8 byte 0xED\n");
    KINDS(sc, T_NAME, T_LEAD_YYUNDEF, '(', T_NAME, T_STRING, T_NAME, T_BQNAME, T_NAME,
          T_LEAD_YYUNDEF, T_NAME, T_LEAD_YYUNDEF, T_NAME);
    scan_free(sc);
}
END_TEST

START_TEST(test_nul_and_bom)
{
    /* a BOM at the start is ignored (and is no column) */
    static const char a[] = "\xEF\xBB\xBFlead when x";
    Scan *sc = scan_n(a, sizeof a - 1);
    KINDS(sc, T_LEAD, T_WHEN, T_NAME);
    ck_assert_int_eq(sc->errors, 0);
    ck_assert_str_eq(at(sc, sc->t[0].loc.off), "1:1");
    ck_assert_str_eq(at(sc, sc->t[2].loc.off), "1:11");
    scan_free(sc);

    /* elsewhere it is an error at its position, and so is a NUL; both are
     * invisible, so scanning goes on as if they were white space */
    static const char b[] = "x \xEF\xBB\xBF y\n\"a\0b\" z \0 w\n# \xEF\xBB\xBF";
    sc = scan_n(b, sizeof b - 1);
    KINDS(sc, T_NAME, T_NAME, T_STRING, T_NAME, T_NAME);
    ck_assert_str_eq(diags(sc),
        "1:3: byte-order mark in the middle of the file\n"
        "2:3: NUL byte in source\n"
        "2:9: NUL byte in source\n"
        "3:3: byte-order mark in the middle of the file\n");
    ck_assert_str_eq(at(sc, sc->t[1].loc.off), "1:5");
    scan_free(sc);
}
END_TEST

START_TEST(test_stray_characters)
{
    /* one report each, then the error token (the parser skips to the next
     * declaration without a second message) */
    Scan *sc = scan("a @ b ; c ^\x01 d ~");
    KINDS(sc, T_NAME, T_LEAD_YYUNDEF, T_NAME, T_LEAD_YYUNDEF, T_NAME, T_LEAD_YYUNDEF,
          T_LEAD_YYUNDEF, T_NAME, T_LEAD_YYUNDEF);
    ck_assert_str_eq(diags(sc),
        "1:3: unexpected character '@'\n"
        "1:7: unexpected character ';'\n"
        "1:11: unexpected character '^'\n"
        "1:12: unexpected control character 0x01\n"
        "1:16: unexpected character '~'\n");
    scan_free(sc);

    /* a name with letters outside ASCII: once per word, with the fix */
    sc = scan("gr\xC3\xB6\xC3\x9F" "e \xC3\xA9t\xC3\xA9 x");
    KINDS(sc, T_NAME, T_LEAD_YYUNDEF, T_LEAD_YYUNDEF, T_NAME, T_LEAD_YYUNDEF, T_NAME,
          T_LEAD_YYUNDEF, T_NAME);
    ck_assert_str_eq(diags(sc),
        "1:3: unexpected character '\xC3\xB6'; a name with characters other than A-Z, a-z, 0-9 "
        "and _ is written in backticks (`Name`)\n"
        "1:7: unexpected character '\xC3\xA9'; a name with characters other than A-Z, a-z, 0-9 "
        "and _ is written in backticks (`Name`)\n");
    scan_free(sc);
}
END_TEST

/* ---- comments, lines and columns -------------------------------------------- */

START_TEST(test_comments)
{
    Scan *sc = scan("# a comment\nx # another = 5 \"not text\n# last line");
    KINDS(sc, T_NAME);
    ck_assert_str_eq(at(sc, sc->t[0].loc.off), "2:1");
    ck_assert_int_eq(sc->errors, 0);
    scan_free(sc);
}
END_TEST

START_TEST(test_columns_in_code_points)
{
    /* a tab counts one column; a code point of any length counts one */
    Scan *sc = scan("\tx\n\t\ty \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\" z\r\nw\rv");
    KINDS(sc, T_NAME, T_NAME, T_STRING, T_NAME, T_NAME, T_NAME);
    ck_assert_str_eq(at(sc, sc->t[0].loc.off), "1:2");
    ck_assert_str_eq(at(sc, sc->t[1].loc.off), "2:3");
    ck_assert_str_eq(at(sc, sc->t[2].loc.off), "2:5");
    ck_assert_str_eq(at(sc, sc->t[3].loc.off), "2:11");
    ck_assert_str_eq(at(sc, sc->t[4].loc.off), "3:1");        /* CRLF is one line end */
    ck_assert_str_eq(at(sc, sc->t[5].loc.off), "4:1");        /* so is CR alone */
    scan_free(sc);
}
END_TEST

/* ---- score-line signs ---------------------------------------------------------- */

START_TEST(test_score_signs)
{
    Scan *sc = scan("score {\n  +20 when x\n  -5 per y, at most 3\n  limit -10 to 10\n}\n");
    KINDS(sc, T_SCORE, '{',
          T_SPLUS, T_NUMBER, T_WHEN, T_NAME,
          T_SMINUS, T_NUMBER, T_PER, T_NAME, ',', T_AT, T_MOST, T_NUMBER,
          T_LIMIT, '-', T_NUMBER, T_TO, T_NUMBER, '}');
    scan_free(sc);
}
END_TEST

START_TEST(test_score_sign_contexts)
{
    /* right after `score {`, on the same line */
    Scan *sc = scan("score { +5 when x }");
    KINDS(sc, T_SCORE, '{', T_SPLUS, T_NUMBER, T_WHEN, T_NAME, '}');
    scan_free(sc);

    /* a + or - later on a line is an operator */
    sc = scan("score {\n +5 per x - y + 1 -3 when z\n}");
    KINDS(sc, T_SCORE, '{', T_SPLUS, T_NUMBER, T_PER, T_NAME, '-', T_NAME, '+', T_NUMBER,
          '-', T_NUMBER, T_WHEN, T_NAME, '}');
    scan_free(sc);

    /* first on a line, but inside parentheses or brackets: an operator */
    sc = scan("score {\n +5 per (x\n - y)\n +1 when k in [1,\n -2]\n - 1 when z\n}");
    KINDS(sc, T_SCORE, '{', T_SPLUS, T_NUMBER, T_PER, '(', T_NAME, '-', T_NAME, ')',
          T_SPLUS, T_NUMBER, T_WHEN, T_NAME, T_IN, '[', T_NUMBER, ',', '-', T_NUMBER, ']',
          T_SMINUS, T_NUMBER, T_WHEN, T_NAME, '}');
    scan_free(sc);

    /* a comment line does not end the "first on the line" state */
    sc = scan("score {\n # points\n\n   +1 when a # c\n -2 when b\n}");
    KINDS(sc, T_SCORE, '{', T_SPLUS, T_NUMBER, T_WHEN, T_NAME, T_SMINUS, T_NUMBER, T_WHEN, T_NAME, '}');
    scan_free(sc);

    /* outside a score block a sign on a new line is an operator */
    sc = scan("define a = 1\n+ 2\nscore {\n}\n- 3\nlead when x =\n -1");
    KINDS(sc, T_DEFINE, T_NAME, '=', T_NUMBER, '+', T_NUMBER, T_SCORE, '{', '}', '-', T_NUMBER,
          T_LEAD, T_WHEN, T_NAME, '=', '-', T_NUMBER);
    scan_free(sc);

    /* `score` as a value, then a brace elsewhere: no score block */
    sc = scan("classify g {\n A when score > 1\n}\ntest \"t\" { c {\n -1 } }");
    ck_assert_int_eq(sc->t[sc->n - 4].tok, '-');
    scan_free(sc);
}
END_TEST

/* ---------------------------------------------------------------- main */

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");

    TCase *tc = tcase_create("words");
    tcase_add_test(tc, test_every_keyword);
    tcase_add_test(tc, test_keywords_are_lower_case);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_contextual_time_units);
    tcase_add_test(tc, test_punctuation);
    tcase_add_test(tc, test_operators_from_other_languages);
    suite_add_tcase(s, tc);

    tc = tcase_create("numbers");
    tcase_add_test(tc, test_number_forms);
    tcase_add_test(tc, test_number_suffix_scaling_is_exact);
    tcase_add_test(tc, test_number_overflow);
    tcase_add_test(tc, test_number_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("dates");
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_times_with_offsets);
    tcase_add_test(tc, test_invalid_dates_and_times);
    tcase_add_test(tc, test_date_lookalikes);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_text_escapes);
    tcase_add_test(tc, test_bad_unicode_escapes);
    tcase_add_test(tc, test_unterminated_text);
    tcase_add_test(tc, test_text_length_limit);
    tcase_add_test(tc, test_wrong_quotes);
    tcase_add_test(tc, test_backtick_names);
    tcase_add_test(tc, test_bad_backticks);
    suite_add_tcase(s, tc);

    tc = tcase_create("bytes");
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_nul_and_bom);
    tcase_add_test(tc, test_stray_characters);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_columns_in_code_points);
    suite_add_tcase(s, tc);

    tc = tcase_create("score");
    tcase_add_test(tc, test_score_signs);
    tcase_add_test(tc, test_score_sign_contexts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
