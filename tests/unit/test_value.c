/* Unit tests for runtime/value.c: the data rules for numbers, bools, dates
 * and times of LANGUAGE.md section 5 and appendix A, the calendar helpers,
 * and the output forms of TOOLS.md "Output details".
 *
 * The fast paths (Clinger's for parsing, exact integer arithmetic for
 * printing) are checked against the C library on many generated values:
 * strtod for parsing, and the specification's own definition for printing
 * (the first %.*g precision that reads back). */
#include "config.h"
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "value.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ck_assert logs every check that passes (a write each, in fork mode), which
 * dominates loops over many generated cases; those use MUST, which acts only
 * on failure. */
#define MUST(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

static uint64_t rnd(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1Dull;
}

static bool same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* ---- numbers in data -------------------------------------------------- */

START_TEST(test_number_valid)
{
    static const struct { const char *s; double want; } t[] = {
        {"0", 0}, {"42", 42}, {"-3", -3}, {"+7", 7}, {"007", 7},
        {"$1,234.50", 1234.5}, {"-$5", -5}, {"+$5", 5}, {"$0.99", 0.99},
        {"1e6", 1e6}, {"1E+6", 1e6}, {"2.5e-3", 2.5e-3}, {"123.456e2", 12345.6},
        {"1,234", 1234}, {"1,234,567", 1234567}, {"12,345,678.9", 12345678.9},
        {"0,123", 123}, {"999,999", 999999},
        {"0.1", 0.1}, {"3.14159", 3.14159}, {"0.30000000000000004", 0.30000000000000004},
        {"9007199254740993", 9007199254740992.0},       /* ties to even */
        {"123456789012345678901234567890", 123456789012345678901234567890.0},
        {"1e23", 1e23}, {"1e22", 1e22}, {"1e-22", 1e-22},
        {"1.7976931348623157e308", DBL_MAX},
        {"2.2250738585072014e-308", DBL_MIN},
        {"4.9e-324", 4.9e-324},
        {"1e-400", 0},                                  /* underflow is not overflow */
        {"0e999999999999999999", 0},
        {"1e-99999999999999999999", 0},
        {"1e0000000000000000000000000005", 1e5},
        {"0.000000000000000000000000000001e30", 1},
        {"123456789012345678901234567890e-29", 1.2345678901234567890123456789},
        {"\xC2\xA0" "12\xE3\x80\x80", 12},              /* Unicode white space trimmed */
        {" \t7 \n", 7},
        {"1.5E3", 1500}, {"-1.75", -1.75}, {"1234567.5", 1234567.5},
        {"0.000000000000000000000000000001", 1e-30},
        {"3.14159265358979323846264338327950288", 3.14159265358979323846264338327950288},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        double x = -999;
        ck_assert_msg(val_parse_number(t[i].s, strlen(t[i].s), &x), "\"%s\" should parse", t[i].s);
        ck_assert_msg(same_double(x, t[i].want), "\"%s\": got %.17g, want %.17g", t[i].s, x, t[i].want);
    }
    double x = 1;
    ck_assert(val_parse_number(S("-0"), &x));
    ck_assert(x == 0 && signbit(x));
    ck_assert(val_parse_number(S("-$0.00"), &x));
    ck_assert(x == 0 && signbit(x));
}
END_TEST

START_TEST(test_number_invalid)
{
    static const char *const t[] = {
        ".5", "5.", "(3)", "1 000", "12,34", "2B", "12%", "1_000", "$250K",
        "1e400", "-1e400", "1e99999999999999999999", "1e000000000000000000000000000400",
        "", "  ", "$", "-", "+", "-$", "$-5", "--1", "+-1", "5-",
        "1e", "1e+", "1e-", "e5", "1.e5", "1.5e3.2", "1.2.3",
        "1,2345", "1234,567", ",123", "1,,234", "1,234,56", "1,234.", "1,", "1,2",
        "0x10", "inf", "-inf", "nan", "infinity", "1f", "1d",
        "\xD9\xA1\xD9\xA2",                             /* Arabic-Indic digits */
        "\xEF\xBC\x91",                                 /* fullwidth 1 */
        "1\xC2\xA0" "000",                              /* NBSP inside */
        "$ 5", "- 5", "1 e5", "\xE2\x88\x92" "5",       /* U+2212 MINUS */
        "5$", "1.5.", "1..5", "1e5e5",
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        double x = 12345.0;
        ck_assert_msg(!val_parse_number(t[i], strlen(t[i]), &x), "\"%s\" should be invalid", t[i]);
        ck_assert_msg(x == 12345.0, "\"%s\": output touched", t[i]);
    }
    /* 401 nines overflow without an exponent; 300 do not. */
    char nines[402];
    memset(nines, '9', 401);
    double x = 12345.0;
    ck_assert(!val_parse_number(nines, 401, &x));
    ck_assert(val_parse_number(nines, 300, &x));
    ck_assert(x == 1e300);
}
END_TEST

/* Generated numbers against strtod on the same text without '$' and ','. */
START_TEST(test_number_vs_strtod)
{
    uint64_t st = 2026;
    for (int round = 0; round < 200000; round++) {
        char s[128], plain[128];
        size_t n = 0, pn = 0;
        uint64_t r = rnd(&st);
        if (r & 1) s[n++] = '-', plain[pn++] = '-';
        if (r & 2) s[n++] = '$';
        int nint = 1 + (int)(rnd(&st) % (r & 4 ? 20 : 8));
        bool group = (r & 8) && nint > 3;
        for (int i = 0; i < nint; i++) {
            if (group && i > 0 && (nint - i) % 3 == 0) s[n++] = ',';
            char d = (char)('0' + rnd(&st) % 10);
            s[n++] = d, plain[pn++] = d;
        }
        if (r & 16) {
            int nf = 1 + (int)(rnd(&st) % 18);
            s[n++] = '.', plain[pn++] = '.';
            for (int i = 0; i < nf; i++) {
                char d = (char)('0' + rnd(&st) % 10);
                s[n++] = d, plain[pn++] = d;
            }
        }
        if (r & 32) {
            int len = snprintf(s + n, 16, "e%d", (int)(rnd(&st) % 80) - 40);
            memcpy(plain + pn, s + n, (size_t)len);
            n += (size_t)len, pn += (size_t)len;
        }
        s[n] = 0, plain[pn] = 0;
        double got = -1, want = strtod(plain, NULL);
        MUST(val_parse_number(s, n, &got), "\"%s\" should parse", s);
        MUST(same_double(got, want), "\"%s\": got %.17g, strtod %.17g", s, got, want);
    }
}
END_TEST

/* ---- bools ------------------------------------------------------------ */

START_TEST(test_bool)
{
    static const struct { const char *s; bool want; } ok[] = {
        {"true", true}, {"TRUE", true}, {"True", true}, {"tRuE", true},
        {"yes", true}, {"Yes", true}, {"YES", true}, {"y", true}, {"Y", true},
        {"t", true}, {"T", true}, {"1", true},
        {"false", false}, {"FALSE", false}, {"no", false}, {"No", false},
        {"n", false}, {"N", false}, {"f", false}, {"F", false}, {"0", false},
        {" yes\t", true}, {"\xC2\xA0no\xE3\x80\x80", false},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        bool b = !ok[i].want;
        ck_assert_msg(val_parse_bool(ok[i].s, strlen(ok[i].s), &b), "\"%s\" should parse", ok[i].s);
        ck_assert_msg(b == ok[i].want, "\"%s\"", ok[i].s);
    }
    static const char *const bad[] = {
        "", " ", "2", "-1", "01", "yess", "ye", "tru", "truee", "on", "off",
        "tr ue", "\xEF\xBD\x99\xEF\xBD\x85\xEF\xBD\x93", "falsey", "nope", "1.0",
        "\xC4\xB0", "yes!",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bool b = true;
        ck_assert_msg(!val_parse_bool(bad[i], strlen(bad[i]), &b), "\"%s\" should be invalid", bad[i]);
        ck_assert(b == true);
    }
}
END_TEST

/* ---- calendar --------------------------------------------------------- */

START_TEST(test_calendar)
{
    ck_assert_int_eq(val_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(val_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(val_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(val_days_from_civil(2026, 10, 15), 20741);
    ck_assert_int_eq(val_days_from_civil(1, 1, 1), -719162);
    ck_assert_int_eq(val_days_from_civil(9999, 12, 31), 2932896);

    /* Every day of 0001..9999: consecutive, round trip, valid. */
    int py = 0, pm = 12, pd = 31;
    for (int32_t d = -719162; d <= 2932896; d++) {
        int y, m, dd;
        val_civil_from_days(d, &y, &m, &dd);
        MUST(val_valid_civil(y, m, dd) && val_days_from_civil(y, m, dd) == d, "day %d", (int)d);
        bool next_day = y == py && m == pm && dd == pd + 1;
        bool next_month = y == py && m == pm + 1 && dd == 1;
        bool next_year = y == py + 1 && m == 1 && dd == 1 && pm == 12 && pd == 31;
        MUST(next_day || next_month || next_year, "%d-%d-%d after %d-%d-%d", y, m, dd, py, pm, pd);
        py = y, pm = m, pd = dd;
    }
    /* Outside the range the arithmetic still round-trips. */
    for (int32_t d = -3000000; d < 5000000; d += 997) {
        int y, m, dd;
        val_civil_from_days(d, &y, &m, &dd);
        MUST(val_days_from_civil(y, m, dd) == d, "day %d", (int)d);
    }

    ck_assert(val_valid_civil(2024, 2, 29));
    ck_assert(val_valid_civil(2000, 2, 29));
    ck_assert(!val_valid_civil(1900, 2, 29));
    ck_assert(!val_valid_civil(2023, 2, 29));
    ck_assert(!val_valid_civil(2026, 2, 30));
    ck_assert(!val_valid_civil(2026, 4, 31));
    ck_assert(val_valid_civil(2026, 12, 31));
    ck_assert(!val_valid_civil(2026, 13, 1));
    ck_assert(!val_valid_civil(2026, 0, 1));
    ck_assert(!val_valid_civil(2026, 1, 0));
    ck_assert(!val_valid_civil(0, 1, 1));
    ck_assert(!val_valid_civil(10000, 1, 1));
    ck_assert(val_valid_civil(1, 1, 1));
    ck_assert(val_valid_civil(9999, 12, 31));

    ck_assert_int_eq(val_date_of_time(0), 0);
    ck_assert_int_eq(val_date_of_time(1), 0);
    ck_assert_int_eq(val_date_of_time(US_PER_DAY - 1), 0);
    ck_assert_int_eq(val_date_of_time(US_PER_DAY), 1);
    ck_assert_int_eq(val_date_of_time(-1), -1);
    ck_assert_int_eq(val_date_of_time(-US_PER_DAY), -1);
    ck_assert_int_eq(val_date_of_time(-US_PER_DAY - 1), -2);
}
END_TEST

/* ---- dates and times -------------------------------------------------- */

START_TEST(test_time_valid)
{
    static const struct { const char *s; int64_t us; } t[] = {
        {"2026-10-15T09:59:59Z", 1792058399000000},
        {"2026-10-15T12:00:00+02:00", 1792058400000000},
        {"2026-10-15 10:00", 1792058400000000},
        {"2026-10-15t05:30-04:30", 1792058400000000},
        {"2026-10-15T10:00:00.5z", 1792058400500000},
        {"2026-10-15", 1792022400000000},
        {"2026-10-15T10:00", 1792058400000000},
        {"2026-10-15T10:00Z", 1792058400000000},
        {"2026-10-15T10:00:00", 1792058400000000},
        {"2026-10-15T10:00:00-00:00", 1792058400000000},
        {"2026-10-15T10:00:00.123456Z", 1792058400123456},
        {"2026-10-15T10:00:00.1234567Z", 1792058400123456},        /* truncated */
        {"2026-10-15T10:00:00.9999999999", 1792058400999999},
        {"2026-10-15T10:00:00.000001", 1792058400000001},
        {"2026-10-15T10:00:00.0", 1792058400000000},
        {"2026-10-15T23:59:59+23:59", 1792022400000000 + 86399000000 - 86340000000},
        {"2026-10-15T00:00-23:59", 1792022400000000 + 86340000000},
        {" 2026-10-15T10:00Z\t", 1792058400000000},
        {"\xC2\xA0" "2026-10-15\xC2\xA0", 1792022400000000},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59.5Z", -500000},
        {"0001-01-01", -62135596800000000},
        {"9999-12-31T23:59:59.999999Z", 253402300799999999},
        {"2024-02-29T12:00Z", 1709208000000000},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int64_t us = 7;
        ck_assert_msg(val_parse_time(t[i].s, strlen(t[i].s), &us), "\"%s\" should parse", t[i].s);
        ck_assert_msg(us == t[i].us, "\"%s\": got %lld, want %lld", t[i].s, (long long)us, (long long)t[i].us);
    }
}
END_TEST

static const char *const bad_times[] = {
    "2026-10-15T11:00:00+24:00", "15/09/2026", "2026-13-01", "2026-02-30", "2026-02-29",
    "2026-00-10", "2026-01-00", "2026-04-31", "0000-01-01", "10000-01-01",
    "2026-10-15T24:00", "2026-10-15T25:00", "2026-10-15T23:60", "2026-10-15T10:00:60",
    "2026-10-15T10:00+05:60", "2026-10-15T10:00+0200", "2026-10-15T10:00+02", "2026-10-15T10:00 Z",
    "2026-10-15T10", "2026-10-15T1:00", "2026-10-15T10:0", "2026-10-15T10:00:0",
    "2026-10-15T10:00:00.", "2026-10-15T10:00.5", "2026-10-15  10:00", "2026-10-15\t10:00",
    "2026-10-15T", "2026-10-15Z", "2026-10-15x", "2026-1-5", "26-10-15", "2026/10/15",
    "2026-10-15T10:00:00ZZ", "2026-10-15T10:00:00+02:00Z", "2026-10-15T10:00:00.5.5",
    "2026-10-15T10:00:00\xE2\x88\x92" "02:00", "", "  ", "today", "2026-10-15T10:00:00+2:00",
    "\xEF\xBC\x92" "026-10-15",
    "0001-01-01T00:00+00:01",                           /* before 0001-01-01T00:00Z */
    "9999-12-31T23:59-00:01",                           /* after 9999-12-31T23:59:59.999999Z */
    /* the one-word clock: every byte of "THH:MM:SS[Z]" checked */
    "2026-10-15T2a:00:00Z", "2026-10-15T23:5/:00Z", "2026-10-15T23:59::9Z", "2026-10-15T23;59:59Z",
    "2026-10-15T:3:59:59Z", "2026-10-15T23:59:5:", "2026-10-15T23:59:59X", "2026-10-15T24:00:00",
    "2026-10-15T23:59:60Z", "2026-10-15T23:60:00", "2026-10-15T\xB2" "3:59:59",
    "2026-10-15X23:59:59Z", "2026-02-29T10:00:00Z", "2026-10-15T2\x003:59:59",
};

START_TEST(test_time_invalid)
{
    for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
        int64_t us = 7;
        int32_t d = 7;
        const char *s = bad_times[i];
        ck_assert_msg(!val_parse_time(s, strlen(s), &us), "time \"%s\" should be invalid", s);
        ck_assert_msg(!val_parse_date(s, strlen(s), &d), "date \"%s\" should be invalid", s);
        ck_assert(us == 7 && d == 7);
    }
}
END_TEST

/* The one-word reading of "THH:MM:SS" and "THH:MM:SSZ" against the general
 * reader (the same clock with ".0" or "+00:00" goes that way), over every
 * hour, minute and second near and past the limits, on changing dates. */
START_TEST(test_time_clock_fast)
{
    static const char *const dates[] = {"2026-10-15", "2026-10-15", "2024-02-29", "2026-02-29", "0001-01-01",
                                        "9999-12-31"};
    static const char *const ends[] = {"", "Z", "z"};
    int n = 0;
    for (size_t di = 0; di < sizeof dates / sizeof *dates; di++)
        for (int h = 0; h <= 25; h += (h < 20 ? 3 : 1))
            for (int mi = 0; mi <= 61; mi += (mi < 55 ? 7 : 1))
                for (int sec = 0; sec <= 61; sec += (sec < 55 ? 11 : 1))
                    for (int sep = 0; sep < 3; sep++) {
                        char a[64], b[64];
                        char t = "Tt "[sep];
                        const char *end = ends[(h + mi + sec) % 3];
                        snprintf(a, sizeof a, "%s%c%02d:%02d:%02d%s", dates[di], t, h, mi, sec, end);
                        snprintf(b, sizeof b, "%s%c%02d:%02d:%02d%s", dates[di], t, h, mi, sec,
                                 *end ? ".0Z" : "+00:00");
                        int64_t ua = 1, ub = 2;
                        bool ka = val_parse_time(a, strlen(a), &ua), kb = val_parse_time(b, strlen(b), &ub);
                        ck_assert_msg(ka == kb, "\"%s\" %d, \"%s\" %d", a, ka, b, kb);
                        ck_assert_msg(!ka || ua == ub, "\"%s\": %lld, want %lld", a, (long long)ua, (long long)ub);
                        n++;
                    }
    ck_assert_int_gt(n, 1000);
}
END_TEST

START_TEST(test_date)
{
    static const struct { const char *s; int y, m, d; } t[] = {
        {"2026-10-15", 2026, 10, 15},
        {"1970-01-01", 1970, 1, 1},
        {"2024-02-29", 2024, 2, 29},
        {"0001-01-01", 1, 1, 1},
        {"9999-12-31", 9999, 12, 31},
        {" 2026-10-15 ", 2026, 10, 15},
        {"2026-10-15T10:00", 2026, 10, 15},
        {"2026-10-15T23:30:00-02:00", 2026, 10, 16},     /* the UTC date */
        {"2026-10-15T01:00+02:00", 2026, 10, 14},
        {"2026-10-15T00:00:00Z", 2026, 10, 15},
        {"2026-12-31T23:00-01:00", 2027, 1, 1},
        {"1970-01-01T00:30+01:00", 1969, 12, 31},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int32_t d = 7;
        ck_assert_msg(val_parse_date(t[i].s, strlen(t[i].s), &d), "\"%s\" should parse", t[i].s);
        ck_assert_int_eq(d, val_days_from_civil(t[i].y, t[i].m, t[i].d));
    }
}
END_TEST

START_TEST(test_format_date_time)
{
    static const struct { int64_t us; const char *want; } t[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {500000, "1970-01-01T00:00:00.500000Z"},
        {-500000, "1969-12-31T23:59:59.500000Z"},
        {-1, "1969-12-31T23:59:59.999999Z"},
        {1792058399000000, "2026-10-15T09:59:59Z"},
        {1792058400123456, "2026-10-15T10:00:00.123456Z"},
        {1792058400120000, "2026-10-15T10:00:00.120000Z"},
        {-62135596800000000, "0001-01-01T00:00:00Z"},
        {253402300799999999, "9999-12-31T23:59:59.999999Z"},
    };
    char buf[VAL_FMT_MAX];
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t n = val_format_time(t[i].us, buf);
        ck_assert_str_eq(buf, t[i].want);
        ck_assert_uint_eq(n, strlen(t[i].want));
    }
    static const struct { int32_t d; const char *want; } dt[] = {
        {0, "1970-01-01"}, {-1, "1969-12-31"}, {20741, "2026-10-15"},
        {-719162, "0001-01-01"}, {2932896, "9999-12-31"}, {11016, "2000-02-29"},
    };
    for (size_t i = 0; i < sizeof dt / sizeof *dt; i++) {
        size_t n = val_format_date(dt[i].d, buf);
        ck_assert_str_eq(buf, dt[i].want);
        ck_assert_uint_eq(n, 10);
    }
    /* What is written reads back. */
    uint64_t st = 11;
    for (int i = 0; i < 100000; i++) {
        int64_t us = -62135596800000000 + (int64_t)(rnd(&st) % (uint64_t)(253402300800000000 + 62135596800000000));
        if (i % 2) us -= us % 1000000;
        int64_t back;
        size_t n = val_format_time(us, buf);
        MUST(val_parse_time(buf, n, &back) && back == us, "%s", buf);
        int32_t d = val_date_of_time(us), dback;
        n = val_format_date(d, buf);
        MUST(val_parse_date(buf, n, &dback) && dback == d, "%s", buf);
    }
}
END_TEST

/* ---- number output ---------------------------------------------------- */

START_TEST(test_format_number)
{
    static const struct { double x; const char *want; } t[] = {
        {0, "0"}, {-0.0, "0"}, {1, "1"}, {-1, "-1"}, {42, "42"}, {-1234567, "-1234567"},
        {1e21, "1000000000000000000000"},
        {1e22, "10000000000000000000000"},
        {1e23, "99999999999999991611392"},
        {1152921504606846976.0, "1152921504606846976"},                 /* 2^60 */
        {9007199254740992.0, "9007199254740992"},                       /* 2^53 */
        {9223372036854775808.0, "9223372036854775808"},                 /* 2^63 */
        {-9223372036854775808.0, "-9223372036854775808"},
        {18446744073709551616.0, "18446744073709551616"},               /* 2^64 */
        {9223372036854774784.0, "9223372036854774784"},                 /* below 2^63 */
        {0.1 + 0.2, "0.30000000000000004"},
        {0.7999999999999999, "0.7999999999999999"},
        {0.1 + 0.7, "0.7999999999999999"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {33.33333333333333, "33.33333333333333"},
        {100.0 / 3, "33.333333333333336"},
        {-1.75, "-1.75"},
        {1234567.5, "1234567.5"},
        {0.1, "0.1"}, {0.5, "0.5"}, {-0.5, "-0.5"}, {9.5, "9.5"},
        {1.0 / 3, "0.3333333333333333"},
        {2.0 / 3, "0.6666666666666666"},
        {1e-7, "1e-07"}, {1.5e-10, "1.5e-10"}, {2.5e-5, "2.5e-05"}, {0.000123, "0.000123"},
        {-0.00012, "-0.00012"},
        {123456789012.25, "123456789012.25"},
        {4503599627370495.5, "4503599627370495.5"},
        {1000000000000000.5, "1000000000000000.5"},
        {99999999999999.9, "99999999999999.9"},
        {4.9406564584124654e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {3.14159, "3.14159"}, {12345678.9, "12345678.9"}, {0.3, "0.3"},
    };
    char buf[VAL_FMT_MAX];
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t n = val_format_number(t[i].x, buf);
        ck_assert_msg(strcmp(buf, t[i].want) == 0, "%.17g: got \"%s\", want \"%s\"", t[i].x, buf, t[i].want);
        ck_assert_uint_eq(n, strlen(t[i].want));
    }
    size_t n = val_format_number(DBL_MAX, buf);
    ck_assert_uint_eq(n, 309);
    ck_assert_str_eq(buf, "17976931348623157081452742373170435679807056752584499659891747680315726078002853876"
                          "05895586327668781715404589535143824642343213268894641827684675467035375169860499105"
                          "76551282076245490090389328944075868508455133942304583236903222948165808559332123348"
                          "274797826204144723168738177180919299881250404026184124858368");
    n = val_format_number(-DBL_MAX, buf);
    ck_assert_uint_eq(n, 310);
    ck_assert_int_eq(buf[0], '-');
}
END_TEST

/* The specification's definition, done the slow way. */
static void ref_format(double x, char *buf)
{
    if (x == 0) {
        strcpy(buf, "0");
        return;
    }
    if (x == floor(x)) {
        snprintf(buf, VAL_FMT_MAX, "%.0f", x);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, VAL_FMT_MAX, "%.*g", p, x);
        if (strtod(buf, NULL) == x) return;
    }
}

START_TEST(test_format_number_vs_reference)
{
    uint64_t st = 3;
    char got[VAL_FMT_MAX], want[VAL_FMT_MAX];
    for (int i = 0; i < 1000000; i++) {
        double x;
        uint64_t r = rnd(&st);
        switch (i % 5) {
        case 0: {                                        /* any bit pattern */
            uint64_t bits = rnd(&st);
            memcpy(&x, &bits, sizeof x);
            if (!isfinite(x)) continue;
            break;
        }
        case 1:                                          /* short decimals, as data has */
            x = (double)(int64_t)(r % 2000000001 - 1000000000) / pow(10, (double)(rnd(&st) % 12));
            break;
        case 2:                                          /* arithmetic results */
            x = (double)(r % 100000) / (double)(1 + rnd(&st) % 997);
            break;
        case 3:                                          /* binary fractions: exact ties */
            x = ldexp((double)(r >> (11 + rnd(&st) % 50)), -(int)(rnd(&st) % 70));
            break;
        default:                                         /* small and large magnitudes */
            x = (double)(r % 1000003) * pow(10, (double)(int)(rnd(&st) % 60) - 40);
            break;
        }
        if (r & (1ull << 62)) x = -x;
        size_t n = val_format_number(x, got);
        ref_format(x, want);
        MUST(strcmp(got, want) == 0 && n == strlen(want), "%a: got \"%s\", want \"%s\"", x, got, want);
    }
}
END_TEST

/* Next to powers of ten (where the digit count changes) and of two (where
 * the gap below is half the gap above). */
START_TEST(test_format_number_edges)
{
    char got[VAL_FMT_MAX], want[VAL_FMT_MAX];
    for (int i = -8; i <= 17; i++) {
        double t = pow(10, i);
        double xs[] = {t, nextafter(t, 0), nextafter(t, INFINITY), nextafter(nextafter(t, 0), 0),
                       t * 1.5, t / 3, t * 0.999999999999999, t + 0.25, t + 0.5, t - 0.125};
        for (size_t j = 0; j < sizeof xs / sizeof *xs; j++) {
            for (int sg = 0; sg < 2; sg++) {
                double x = sg ? -xs[j] : xs[j];
                val_format_number(x, got);
                ref_format(x, want);
                MUST(strcmp(got, want) == 0, "%a: got \"%s\", want \"%s\"", x, got, want);
            }
        }
    }
    for (int e = -1074; e <= 1023; e++) {
        double t = ldexp(1, e);
        double xs[] = {t, nextafter(t, 0), nextafter(t, INFINITY), t * 1.25, t * 0.75};
        for (size_t j = 0; j < sizeof xs / sizeof *xs; j++) {
            val_format_number(xs[j], got);
            ref_format(xs[j], want);
            MUST(strcmp(got, want) == 0, "%a: got \"%s\", want \"%s\"", xs[j], got, want);
        }
    }
    for (uint64_t n = (1ull << 51) - 50; n < (1ull << 51) + 50; n++) {
        for (int q = 1; q < 4; q++) {
            double x = (double)n + q * 0.25;
            val_format_number(x, got);
            ref_format(x, want);
            MUST(strcmp(got, want) == 0, "%a: got \"%s\", want \"%s\"", x, got, want);
        }
    }
}
END_TEST

/* Formatted numbers that fit the data rule read back to the same double. */
START_TEST(test_number_round_trip)
{
    uint64_t st = 77;
    char buf[VAL_FMT_MAX];
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = rnd(&st);
        double x, back;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x)) continue;
        size_t n = val_format_number(x, buf);
        MUST(val_parse_number(buf, n, &back) && back == x, "\"%s\" should read back", buf);
    }
}
END_TEST

/* ---- runner ----------------------------------------------------------- */

static Suite *value_suite(void)
{
    Suite *s = suite_create("value");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_number_valid);
    tcase_add_test(t, test_number_invalid);
    tcase_add_test(t, test_number_vs_strtod);
    tcase_add_test(t, test_bool);
    tcase_add_test(t, test_calendar);
    tcase_add_test(t, test_time_valid);
    tcase_add_test(t, test_time_invalid);
    tcase_add_test(t, test_time_clock_fast);
    tcase_add_test(t, test_date);
    tcase_add_test(t, test_format_date_time);
    tcase_add_test(t, test_format_number);
    tcase_add_test(t, test_format_number_vs_reference);
    tcase_add_test(t, test_format_number_edges);
    tcase_add_test(t, test_number_round_trip);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(value_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
