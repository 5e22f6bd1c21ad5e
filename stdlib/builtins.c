/* builtins: the built-in functions of LANGUAGE.md section 4 and appendix A.
 *
 * Each function receives its arguments already evaluated; unless its entry
 * says any_missing_ok, the VM never calls it with a missing argument (it
 * gives missing instead), so most bodies only compute.  Texts they make go
 * to the record's scratch space. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "builtins.h"
#include "utext.h"
#include "value.h"
#include "vmvalue.h"

#define FN(name) static void name(struct VmCtx *vm, VmValue *dst, const VmValue *a, uint32_t n)

static void set_text_buf(struct VmCtx *vm, VmValue *dst, Buf *b)
{
    char *p = vm_scratch(vm, b->len ? b->len : 1);
    if (b->len) memcpy(p, b->p, b->len);
    *dst = vm_text(p, (uint32_t)b->len);
    ubuf_free(b);
}

/* ASCII text changes case byte by byte, straight into the scratch space;
 * anything else goes through utext (ICU).  false: not all ASCII. */
static bool ascii_case(struct VmCtx *vm, VmValue *dst, const char *s, size_t n, bool upper)
{
    char *p = vm_scratch(vm, n ? n : 1);
    if (!ut_case_ascii(s, n, upper, p)) return false;
    *dst = vm_text(p, (uint32_t)n);
    return true;
}

FN(bi_lower)
{
    if (ascii_case(vm, dst, a[0].u.s, a[0].len, false)) return;
    Buf b = {0};
    ut_lower(a[0].u.s, a[0].len, &b);
    set_text_buf(vm, dst, &b);
}

FN(bi_upper)
{
    if (ascii_case(vm, dst, a[0].u.s, a[0].len, true)) return;
    Buf b = {0};
    ut_upper(a[0].u.s, a[0].len, &b);
    set_text_buf(vm, dst, &b);
}

FN(bi_trim)
{
    const char *p = a[0].u.s;
    size_t len = a[0].len;
    ut_trim(&p, &len);
    *dst = vm_text(p, (uint32_t)len);
}

FN(bi_length) { *dst = vm_num((double)ut_length(a[0].u.s, a[0].len)); }

static const char *last_at(const VmValue *v)
{
    return v->len ? memrchr(v->u.s, '@', v->len) : NULL;
}

FN(bi_domain)
{
    const char *at = last_at(&a[0]);
    if (!at) { *dst = vm_missing(); return; }
    size_t off = (size_t)(at + 1 - a[0].u.s);
    if (ascii_case(vm, dst, at + 1, a[0].len - off, false)) return;
    Buf b = {0};
    ut_lower(at + 1, a[0].len - off, &b);
    set_text_buf(vm, dst, &b);
}

FN(bi_local_part)
{
    const char *at = last_at(&a[0]);
    if (!at) { *dst = vm_missing(); return; }
    *dst = vm_text(a[0].u.s, (uint32_t)(at - a[0].u.s));
}

FN(bi_days_since_date) { *dst = vm_num((double)(vm_asof(vm) - a[0].u.i)); }
FN(bi_days_since_time) { *dst = vm_num((double)(vm_asof(vm) - val_date_of_time(a[0].u.i))); }
FN(bi_today) { *dst = vm_int(vm_asof(vm)); }

static void ymd(int64_t days, int *y, int *m, int *d) { val_civil_from_days((int32_t)days, y, m, d); }
FN(bi_year_d) { int y, m, d; ymd(a[0].u.i, &y, &m, &d); *dst = vm_num(y); }
FN(bi_month_d) { int y, m, d; ymd(a[0].u.i, &y, &m, &d); *dst = vm_num(m); }
FN(bi_day_d) { int y, m, d; ymd(a[0].u.i, &y, &m, &d); *dst = vm_num(d); }
FN(bi_year_t) { int y, m, d; ymd(val_date_of_time(a[0].u.i), &y, &m, &d); *dst = vm_num(y); }
FN(bi_month_t) { int y, m, d; ymd(val_date_of_time(a[0].u.i), &y, &m, &d); *dst = vm_num(m); }
FN(bi_day_t) { int y, m, d; ymd(val_date_of_time(a[0].u.i), &y, &m, &d); *dst = vm_num(d); }

static void num_result(VmValue *dst, double x)
{
    if (isfinite(x)) *dst = vm_num(x == 0 ? 0.0 : x);   /* no -0 */
    else *dst = vm_missing();
}

FN(bi_abs) { num_result(dst, fabs(a[0].u.n)); }
FN(bi_round) { num_result(dst, round(a[0].u.n)); }      /* halves away from zero */
FN(bi_floor) { num_result(dst, floor(a[0].u.n)); }
FN(bi_ceil) { num_result(dst, ceil(a[0].u.n)); }

FN(bi_min)
{
    double m = a[0].u.n;
    for (uint32_t i = 1; i < n; i++) if (a[i].u.n < m) m = a[i].u.n;
    num_result(dst, m);
}

FN(bi_max)
{
    double m = a[0].u.n;
    for (uint32_t i = 1; i < n; i++) if (a[i].u.n > m) m = a[i].u.n;
    num_result(dst, m);
}

FN(bi_coalesce)
{
    for (uint32_t i = 0; i < n; i++)
        if (!a[i].miss) { *dst = a[i]; return; }
    *dst = vm_missing();
}

FN(bi_number)
{
    double x;
    if (ut_blank(a[0].u.s, a[0].len) || !val_parse_number(a[0].u.s, a[0].len, &x)) { *dst = vm_missing(); return; }
    num_result(dst, x);
}

static void text_of(struct VmCtx *vm, VmValue *dst, const char *buf, size_t len)
{
    char *p = vm_scratch(vm, len ? len : 1);
    memcpy(p, buf, len);
    *dst = vm_text(p, (uint32_t)len);
}

FN(bi_text_t) { *dst = a[0]; }
FN(bi_text_n) { char b[VAL_FMT_MAX]; text_of(vm, dst, b, val_format_number(a[0].u.n, b)); }
FN(bi_text_b) { if (a[0].u.i) *dst = vm_text("true", 4); else *dst = vm_text("false", 5); }
FN(bi_text_d) { char b[VAL_FMT_MAX]; text_of(vm, dst, b, val_format_date((int32_t)a[0].u.i, b)); }
FN(bi_text_T) { char b[VAL_FMT_MAX]; text_of(vm, dst, b, val_format_time(a[0].u.i, b)); }

/* Entries with one name stand together (sema scans from the first). */
const Builtin lead_builtins[] = {
    { "abs", "n", 'n', false, bi_abs },
    { "ceil", "n", 'n', false, bi_ceil },
    { "coalesce", "*+", '=', true, bi_coalesce },
    { "day", "d", 'n', false, bi_day_d },
    { "day", "T", 'n', false, bi_day_t },
    { "days_since", "d", 'n', false, bi_days_since_date },
    { "days_since", "T", 'n', false, bi_days_since_time },
    { "domain", "t", 't', false, bi_domain },
    { "floor", "n", 'n', false, bi_floor },
    { "length", "t", 'n', false, bi_length },
    { "local_part", "t", 't', false, bi_local_part },
    { "lower", "t", 't', false, bi_lower },
    { "max", "n+", 'n', false, bi_max },
    { "min", "n+", 'n', false, bi_min },
    { "month", "d", 'n', false, bi_month_d },
    { "month", "T", 'n', false, bi_month_t },
    { "number", "t", 'n', false, bi_number },
    { "round", "n", 'n', false, bi_round },
    { "text", "t", 't', false, bi_text_t },
    { "text", "n", 't', false, bi_text_n },
    { "text", "b", 't', false, bi_text_b },
    { "text", "d", 't', false, bi_text_d },
    { "text", "T", 't', false, bi_text_T },
    { "today", "", 'd', false, bi_today },
    { "trim", "t", 't', false, bi_trim },
    { "upper", "t", 't', false, bi_upper },
    { "year", "d", 'n', false, bi_year_d },
    { "year", "T", 'n', false, bi_year_t },
};
const uint32_t lead_nbuiltins = sizeof lead_builtins / sizeof lead_builtins[0];

int builtin_find(const char *name, uint32_t len)
{
    for (uint32_t i = 0; i < lead_nbuiltins; i++)
        if (strlen(lead_builtins[i].name) == len && memcmp(lead_builtins[i].name, name, len) == 0)
            return (int)i;
    return -1;
}
