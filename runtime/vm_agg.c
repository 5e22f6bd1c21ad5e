/* vm_agg: aggregates over a record's events and `for each` score lines
 * (LANGUAGE.md section 4 "Aggregates", appendix A "Events" and "Windows").
 *
 * One pass selects the events that match (window `during last`, then the
 * `where` body; unknown does not match).  Then:
 *   - without a window or with `during last`: one reduction;
 *   - `during any day`: the events sorted by time, reduced per UTC day, the
 *     best day kept;
 *   - `during any L`: sorted by time, a sliding window [t_i, t_i + L) from
 *     each event, kept with two cursors (sums stay exact when an event
 *     leaves, since adding -x to an exact sum removes x exactly).
 * Nothing depends on the order of events in the file: sums are exact,
 * ties in latest/earliest are broken by value. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "value.h"
#include "vm_internal.h"
#include "xsum.h"

typedef struct Sel { const VmEvent *e; int32_t vid; double w; } Sel;

static int by_time(const void *a, const void *b)
{
    const Sel *x = a, *y = b;
    return x->e->t < y->e->t ? -1 : x->e->t > y->e->t;
}

static int64_t day_of(int64_t t)
{
    int64_t d = t / US_PER_DAY;
    if (t % US_PER_DAY < 0) d--;
    return d;
}

/* Compare two present values of type t (for min/max/latest/earliest). */
static int cmp_val(PType t, const VmValue *a, const VmValue *b)
{
    switch (t.kind) {
    case PT_NUMBER: return a->u.n < b->u.n ? -1 : a->u.n > b->u.n;
    case PT_TEXT: return ut_order(a->u.s, a->len, b->u.s, b->len);
    default: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    }
}

/* Give each selected event the id of its value under the equality of `=`
 * (texts by folded key, 1 = 1.0); -1 when missing.  Returns the count of
 * distinct values. */
static uint32_t value_ids(VmCtx *vm, PType t, uint32_t field, Sel *s, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    int32_t *tab = (int32_t *)vm_scratch(vm, cap * sizeof *tab);
    for (uint32_t i = 0; i < cap; i++) tab[i] = -1;
    const char **keys = NULL;
    uint32_t *klen = NULL;
    if (t.kind == PT_TEXT) {
        keys = (const char **)vm_scratch(vm, (n + 1) * sizeof *keys);
        klen = (uint32_t *)vm_scratch(vm, (n + 1) * sizeof *klen);
    }
    uint32_t ndistinct = 0;
    for (uint32_t i = 0; i < n; i++) {
        const VmValue *v = &s[i].e->vals[field];
        if (v->miss) { s[i].vid = -1; continue; }
        uint64_t h;
        if (t.kind == PT_TEXT) {
            ubuf_clear(&vm->k1);
            ut_key(v->u.s, v->len, &vm->k1);
            char *k = vm_scratch(vm, vm->k1.len + 1);
            if (vm->k1.len) memcpy(k, vm->k1.p, vm->k1.len);
            keys[i] = k;
            klen[i] = (uint32_t)vm->k1.len;
            h = ut_hash_bytes(k, klen[i]);
        } else if (t.kind == PT_NUMBER) {
            double x = v->u.n == 0 ? 0.0 : v->u.n;
            uint64_t u;
            memcpy(&u, &x, sizeof u);
            h = u * 0x9E3779B97F4A7C15ULL;
        } else
            h = (uint64_t)v->u.i * 0x9E3779B97F4A7C15ULL;
        uint32_t slot = (uint32_t)(h >> 32) & (cap - 1);
        for (;;) {
            int32_t j = tab[slot];
            if (j < 0) {
                tab[slot] = (int32_t)i;
                s[i].vid = (int32_t)ndistinct++;
                break;
            }
            const VmValue *w = &s[j].e->vals[field];
            bool same = t.kind == PT_TEXT ? (klen[j] == klen[i] && memcmp(keys[j], keys[i], klen[i]) == 0)
                      : t.kind == PT_NUMBER ? w->u.n == v->u.n : w->u.i == v->u.i;
            if (same) { s[i].vid = s[j].vid; break; }
            slot = (slot + 1) & (cap - 1);
        }
    }
    return ndistinct;
}

/* A window's length for arithmetic on instants.  The compiler writes
 * durations up to about 2^63 us, but no two instants the language can
 * write (years 0 to 9999) are 2^62 us apart, so a longer window holds the
 * same events as one of 2^62 us, and t + L, t - L and A - L stay far from
 * overflow. */
static int64_t win_len(const PAgg *a)
{
    return a->win_us < ((int64_t)1 << 62) ? a->win_us : (int64_t)1 << 62;
}

enum { RED_COUNT, RED_DISTINCT, RED_SUM };

/* Add or remove event i from the window's running reduction. */
typedef struct Win { int red; uint32_t *cnt; uint32_t live; XSum sum; } Win;

static void win_add(Win *w, const Sel *e, int sign)
{
    if (w->red == RED_DISTINCT) {
        if (e->vid < 0) return;
        if (sign > 0) { if (w->cnt[e->vid]++ == 0) w->live++; }
        else if (--w->cnt[e->vid] == 0) w->live--;
    } else if (w->red == RED_SUM)
        xsum_add(&w->sum, sign > 0 ? e->w : -e->w);
}

static double win_value(const Win *w, uint32_t count)
{
    return w->red == RED_COUNT ? (double)count : w->red == RED_DISTINCT ? (double)w->live : xsum_value(&w->sum);
}

/* The best window's reduction: count, distinct values or exact sum of the
 * weights w.  An empty window counts 0, so the result is never negative. */
static double best_window(VmCtx *vm, const PAgg *a, int red, Sel *s, uint32_t n, uint32_t ndistinct)
{
    if (n > 1) qsort(s, n, sizeof *s, by_time);
    int64_t L = win_len(a);
    Win w = { red, NULL, 0, { 0 } };
    xsum_init(&w.sum);
    if (red == RED_DISTINCT) {
        w.cnt = (uint32_t *)vm_scratch(vm, (ndistinct + 1) * sizeof *w.cnt);
        memset(w.cnt, 0, (ndistinct + 1) * sizeof *w.cnt);
    }
    double best = 0;
    if (a->win == PW_ANY_DAY) {
        /* UTC calendar days: one group per day */
        for (uint32_t i = 0; i < n; ) {
            int64_t d = day_of(s[i].e->t);
            uint32_t j = i;
            while (j < n && day_of(s[j].e->t) == d) win_add(&w, &s[j++], +1);
            double v = win_value(&w, j - i);
            if (v > best) best = v;
            for (uint32_t k = i; k < j; k++) win_add(&w, &s[k], -1);
            i = j;
        }
        xsum_free(&w.sum);
        return best;
    }
    /* windows [t_i, t_i + L) that start at an event */
    uint32_t j = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t end = s[i].e->t + L;
        if (j < i) j = i;
        while (j < n && s[j].e->t < end) win_add(&w, &s[j++], +1);
        if (i == 0 || s[i - 1].e->t != s[i].e->t) {   /* a window holds every event at its start */
            double v = win_value(&w, j - i);
            if (v > best) best = v;
        }
        win_add(&w, &s[i], -1);
    }
    /* A sum with negative weights may peak in a window that neither starts
     * nor ends at an event ([s, s + L) just after a negative event and
     * just before another).  The content of [s, s + L) changes only when s
     * passes an event (s = t_k + 1) or s + L reaches one (s = t_k - L + 1),
     * in microseconds, so try every such s, both ends sweeping forward. */
    if (red == RED_SUM) {
        xsum_free(&w.sum);
        xsum_init(&w.sum);
        uint32_t lo = 0, hi = 0, ia = 0, ib = 0;
        while (ia < n || ib < n) {
            int64_t sa = ia < n ? s[ia].e->t + 1 : INT64_MAX;
            int64_t sb = ib < n ? s[ib].e->t - L + 1 : INT64_MAX;
            int64_t st = sa < sb ? sa : sb;
            if (sa == st) ia++;
            if (sb == st) ib++;
            while (hi < n && s[hi].e->t - L < st) win_add(&w, &s[hi++], +1);
            while (lo < hi && s[lo].e->t < st) win_add(&w, &s[lo++], -1);
            double v = win_value(&w, hi - lo);
            if (v > best) best = v;
        }
    }
    xsum_free(&w.sum);
    return best;
}

VmValue vm_aggregate(VmCtx *vm, const PAgg *a, const VmValue *args, uint32_t nargs, VmValue *frame)
{
    (void)args; (void)nargs;       /* already in place at frame */
    const Prog *p = vm->p;
    const VmEvents *es = vm->events ? &vm->events[a->stream] : NULL;
    uint32_t n = es ? es->n : 0;
    const PFunc *wf = a->where >= 0 ? &p->funcs[a->where] : NULL;
    const VmEvent *saved = vm->cur_ev;
    int64_t A = vm->asof_us;
    Sel *s = n ? (Sel *)vm_scratch(vm, n * sizeof *s) : NULL;
    uint32_t m = 0;

    for (uint32_t i = 0; i < n; i++) {
        const VmEvent *e = &es->ev[i];
        if (a->win == PW_LAST && (!e->has_t || e->t >= A || e->t < A - win_len(a))) continue;
        if ((a->win == PW_ANY || a->win == PW_ANY_DAY) && !e->has_t) continue;
        if (wf) {
            vm->cur_ev = e;
            VmValue r = vm_run(vm, wf, frame);
            if (r.miss || !r.u.i) continue;
        }
        s[m].e = e;
        s[m].vid = 0;
        s[m].w = 1;
        m++;
    }
    vm->cur_ev = saved;

    bool any_window = a->win == PW_ANY || a->win == PW_ANY_DAY;
    PType ft = { 0, 0 };
    if (a->field >= 0) ft = p->streams[a->stream].fields[a->field].type;

    switch (a->kind) {
    case PA_COUNT:
        return vm_num(any_window ? best_window(vm, a, RED_COUNT, s, m, 0) : (double)m);
    case PA_ANY:
        return vm_int(m > 0);
    case PA_NONE:
        return vm_int(m == 0);
    case PA_COUNT_DISTINCT: {
        uint32_t nd = value_ids(vm, ft, (uint32_t)a->field, s, m);
        return vm_num(any_window ? best_window(vm, a, RED_DISTINCT, s, m, nd) : (double)nd);
    }
    case PA_SUM: case PA_AVERAGE: {
        /* events whose field is missing are skipped */
        uint32_t k = 0;
        for (uint32_t i = 0; i < m; i++) {
            const VmValue *v = &s[i].e->vals[a->field];
            if (v->miss) continue;
            s[k] = s[i];
            s[k].w = v->u.n;
            k++;
        }
        if (a->kind == PA_SUM && any_window) return vm_num(best_window(vm, a, RED_SUM, s, k, 0));
        if (a->kind == PA_AVERAGE && k == 0) return vm_missing();
        XSum sum;
        xsum_init(&sum);
        for (uint32_t i = 0; i < k; i++) xsum_add(&sum, s[i].w);
        double total = xsum_value(&sum);
        xsum_free(&sum);
        if (a->kind == PA_AVERAGE) total /= (double)k;
        return isfinite(total) ? vm_num(total == 0 ? 0.0 : total) : vm_missing();
    }
    case PA_MIN: case PA_MAX: {
        const VmValue *best = NULL;
        for (uint32_t i = 0; i < m; i++) {
            const VmValue *v = &s[i].e->vals[a->field];
            if (v->miss) continue;
            if (!best) { best = v; continue; }
            int c = cmp_val(ft, v, best);
            if (a->kind == PA_MIN ? c < 0 : c > 0) best = v;
        }
        return best ? *best : vm_missing();
    }
    case PA_LATEST: case PA_EARLIEST: {
        const VmEvent *be = NULL;
        for (uint32_t i = 0; i < m; i++) {
            const VmEvent *e = s[i].e;
            const VmValue *v = &e->vals[a->field];
            if (v->miss || !e->has_t) continue;
            if (!be) { be = e; continue; }
            int c = e->t < be->t ? -1 : e->t > be->t;
            if (c == 0) c = cmp_val(ft, v, &be->vals[a->field]);
            if (a->kind == PA_LATEST ? c > 0 : c < 0) be = e;
        }
        return be ? be->vals[a->field] : vm_missing();
    }
    case PA_FOREACH: {
        /* weights: 1, or 0.5^(age / half life) with age up to the as-of
         * instant (later events count in full, events without a time add 0) */
        if (a->half_us > 0)
            for (uint32_t i = 0; i < m; i++) {
                const VmEvent *e = s[i].e;
                if (!e->has_t) { s[i].w = 0; continue; }
                int64_t age = A - e->t;
                s[i].w = age <= 0 ? 1.0 : pow(0.5, (double)age / (double)a->half_us);
            }
        if (any_window) {
            double best = best_window(vm, a, a->half_us > 0 ? RED_SUM : RED_COUNT, s, m, 0);
            double total = a->n * best;
            return isfinite(total) ? vm_num(total) : vm_missing();
        }
        XSum sum;
        xsum_init(&sum);
        for (uint32_t i = 0; i < m; i++) xsum_add(&sum, a->half_us > 0 ? a->n * s[i].w : a->n);
        double total = xsum_value(&sum);
        xsum_free(&sum);
        return isfinite(total) ? vm_num(total) : vm_missing();
    }
    }
    return vm_missing();
}
