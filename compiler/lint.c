/* lint: the warnings that need a look at whole conditions, after sema has
 * resolved and typed them (sema's own lints() covers the simple ones:
 * unused names, duplicate set members, a missing otherwise, ...).
 *
 * The reasoning is deliberately small and sure: a comparison of a value with
 * a constant is a constraint on that value (an interval of numbers, dates,
 * times, level ranks or bools, or a finite set of texts); two values are the
 * same when their expressions are equal node for node (parentheses, spacing
 * and the order of `and`/`or` operands do not count).  From these:
 *   - an `and` whose constraints on one value cannot all hold is never true,
 *     and an `or` whose constraints cover every value is always true when
 *     the value is present;
 *   - a classify line whose condition implies an earlier line's condition of
 *     the same classification can never match (the earlier line takes every
 *     record it would);
 *   - a score line whose condition is never true, whose points are 0 or
 *     whose total is clamped to 0 never adds points.
 * A warning that could be wrong is worse than none: anything not understood
 * (a call, arithmetic, `!=`) simply gives no constraint. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lint.h"
#include "utext.h"

#define MAX_CHAIN 64          /* operands compared pairwise; longer chains are skipped */
#define MAX_SNIPPET 60        /* code points of source quoted in a message */

static const struct { const char *code, *summary; } rules[] = {
    { "unused-define", "A define that nothing uses." },
    { "unused-set", "A set that nothing uses." },
    { "duplicate-member", "A set that lists the same member twice." },
    { "no-otherwise", "A classification without an 'otherwise' line: some records get no label." },
    { "no-tests", "A program without test blocks: nobody has signed off on an example." },
    { "constant-comparison", "A comparison or condition that is always true or never true, whatever the record." },
    { "never-label", "A classification compared with a text that is not one of its labels." },
    { "sliding-day", "'during any 1 day' is a sliding 24 hours, not a calendar day." },
    { "never-matches", "A classify line that can never match: an earlier line takes every record it would." },
    { "never-fires", "A score line that never adds points." },
    { "self-comparison", "A value compared with itself." },
    { "empty-text", "A text compared with \"\": a blank cell is missing, never an empty text." },
    { "define-alias", "A define whose body is only another define's name." },
    { "plain-matches", "A 'matches' pattern that is a plain word: 'contains' says the same." },
};

const char *lint_rule_summary(const char *code)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].code, code) == 0) return rules[i].summary;
    return NULL;
}

typedef struct L {
    Sema *s;
    const SrcFile *f;
} L;

/* ---- quoting source ------------------------------------------------- */

/* The source of a span on one line: white space runs become one space and
 * comments are left out; long text ends in "...". */
static const char *snip(const L *l, Loc loc, char *buf, size_t n)
{
    const char *t = l->f->text;
    size_t o = 0, cps = 0;
    bool space = false, instr = false;
    uint32_t end = loc.end <= l->f->len ? loc.end : (uint32_t)l->f->len;
    for (uint32_t i = loc.off; i < end && o + 8 < n; ) {
        char c = t[i];
        if (!instr && c == '#') {
            while (i < end && t[i] != '\n' && t[i] != '\r') i++;
            continue;
        }
        if (!instr && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) {
            space = o > 0;
            i++;
            continue;
        }
        if (space) { buf[o++] = ' '; cps++; space = false; }
        if (cps >= MAX_SNIPPET) { memcpy(buf + o, "...", 3); o += 3; break; }
        if (c == '"') instr = !instr;
        else if (c == '\\' && instr && i + 1 < end) { buf[o++] = c; i++; c = t[i]; }
        buf[o++] = c;
        if (((unsigned char)c & 0xC0) != 0x80) cps++;
        i++;
    }
    buf[o] = 0;
    return buf;
}

static uint32_t line_no(const L *l, Loc loc)
{
    uint32_t line, col;
    diag_linecol(l->s->diags, loc.file, loc.off, &line, &col);
    return line;
}

/* ---- structural equality -------------------------------------------- */

static bool same(const Expr *a, const Expr *b);

static bool same_kids_unordered(const Expr *a, const Expr *b)
{
    if (a->nkids != b->nkids) return false;
    if (a->nkids > MAX_CHAIN) {
        for (uint32_t i = 0; i < a->nkids; i++)
            if (!same(a->kids[i], b->kids[i])) return false;
        return true;
    }
    for (uint32_t i = 0; i < a->nkids; i++) {
        bool found = false;
        for (uint32_t j = 0; j < b->nkids && !found; j++) found = same(a->kids[i], b->kids[j]);
        if (!found) return false;
    }
    for (uint32_t j = 0; j < b->nkids; j++) {
        bool found = false;
        for (uint32_t i = 0; i < a->nkids && !found; i++) found = same(a->kids[i], b->kids[j]);
        if (!found) return false;
    }
    return true;
}

static bool same_kids(const Expr *a, const Expr *b)
{
    if (a->nkids != b->nkids) return false;
    for (uint32_t i = 0; i < a->nkids; i++)
        if (!same(a->kids[i], b->kids[i])) return false;
    return true;
}

static bool same_str(const Expr *a, const Expr *b)
{
    if (!a->str || !b->str) return a->str == b->str;
    return a->slen == b->slen && memcmp(a->str, b->str, a->slen) == 0;
}

/* Do a and b compute the same thing?  Parentheses, spacing and the order of
 * and/or operands do not count; `5 < x` is `x > 5`. */
static bool same(const Expr *a, const Expr *b)
{
    static const uint8_t flip[] = { CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE };
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind) return false;
    switch (a->kind) {
    case E_NUM: return a->v.num == b->v.num;
    case E_STR: return same_str(a, b) && a->res == b->res && a->ref == b->ref;
    case E_DATE: return a->v.date == b->v.date;
    case E_TIME: return a->v.time == b->v.time;
    case E_BOOL: return a->v.b == b->v.b;
    case E_NAME: case E_MEMBER:
        if (a->res == R_NONE || b->res == R_NONE) return false;
        return a->res == b->res && a->ref == b->ref && a->ref2 == b->ref2;
    case E_LEAD: case E_SCORE: return true;
    case E_NOT: case E_NEG: return same_kids(a, b);
    case E_AND: case E_OR: return same_kids_unordered(a, b);
    case E_ARITH: case E_TERM:
        if (!same_kids(a, b)) return false;
        for (uint32_t i = 1; i < a->nkids; i++)
            if (a->ops[i] != b->ops[i]) return false;
        return true;
    case E_CMP:
        if (a->op == b->op && same_kids(a, b)) return true;
        return a->op == flip[b->op] && same(a->kids[0], b->kids[1]) && same(a->kids[1], b->kids[0]);
    case E_IN:
        if (a->op != b->op || a->res != b->res) return false;
        if (a->res == R_SET) return a->ref == b->ref && same(a->kids[0], b->kids[0]);
        return same_kids(a, b);
    case E_TEXTOP: case E_IS: return a->op == b->op && same_kids(a, b);
    case E_MATCHES: return same_str(a, b) && same_kids(a, b);
    case E_BETWEEN: case E_IF: return same_kids(a, b);
    case E_WITHIN: return a->dur_us == b->dur_us && same_kids(a, b);
    case E_CALL:
        if (a->res == R_NONE || a->res != b->res || a->ref != b->ref || a->ref2 != b->ref2) return false;
        if (a->res == R_AGG && a->agg != b->agg) return false;
        if (a->res == R_BUILTIN && !same_str(a, b)) return false;
        if (a->distinct != b->distinct || a->win.kind != b->win.kind || a->win.us != b->win.us) return false;
        if ((a->where == NULL) != (b->where == NULL) || (a->where && !same(a->where, b->where))) return false;
        return same_kids(a, b);
    case E_CONV: return a->op == b->op && type_eq(a->type, b->type) && same_kids(a, b);
    }
    return false;
}

/* ---- constants and constraints -------------------------------------- */

enum { DOM_NONE, DOM_REAL, DOM_INT, DOM_TEXT };

typedef struct Const {
    int dom;
    double v;                 /* DOM_REAL, DOM_INT */
    double umin, umax;        /* DOM_INT: the whole domain (levels, bools) */
    const char *key; uint32_t klen;   /* DOM_TEXT: trimmed, folded */
} Const;

static const char *fold(const L *l, const char *p, uint32_t n, uint32_t *outlen)
{
    Buf b = { 0 };
    ut_key(p, n, &b);
    char *k = arena_strndup(l->s->arena, b.p ? b.p : "", b.len);
    *outlen = (uint32_t)b.len;
    ubuf_free(&b);
    return k;
}

static int level_rank(const L *l, uint16_t lvl, const char *p, uint32_t n)
{
    const LevelInfo *lv = &l->s->levels[lvl];
    uint32_t kl;
    const char *k = fold(l, p, n, &kl);
    for (uint32_t i = 0; i < lv->n; i++)
        if (lv->keylens[i] == kl && memcmp(lv->keys[i], k, kl) == 0) return (int)i;
    return -1;
}

static bool const_of(const L *l, const Expr *e, Const *c)
{
    memset(c, 0, sizeof *c);
    c->umin = -INFINITY;
    c->umax = INFINITY;
    if ((e->kind == E_NAME || e->kind == E_STR) && e->res == R_LABEL) {
        if (e->type.kind == TY_LEVEL) {
            c->dom = DOM_INT;
            c->v = e->ref;
            c->umin = 0;
            c->umax = l->s->levels[e->type.id].n - 1;
            return true;
        }
        if (e->type.kind == TY_CLASS) {
            c->dom = DOM_TEXT;
            c->key = fold(l, e->str, e->slen, &c->klen);
            return true;
        }
        return false;
    }
    switch (e->kind) {
    case E_NUM: c->dom = DOM_REAL; c->v = e->v.num; return true;
    case E_NEG:
        if (e->kids[0]->kind != E_NUM) return false;
        c->dom = DOM_REAL; c->v = -e->kids[0]->v.num; return true;
    case E_DATE: c->dom = DOM_INT; c->v = e->v.date; return true;
    case E_TIME: c->dom = DOM_INT; c->v = (double)e->v.time; return true;
    case E_BOOL: c->dom = DOM_INT; c->v = e->v.b; c->umin = 0; c->umax = 1; return true;
    case E_STR:
        if (e->type.kind != TY_TEXT) return false;
        c->dom = DOM_TEXT;
        c->key = fold(l, e->str, e->slen, &c->klen);
        return true;
    case E_CONV: {
        const Expr *k = e->kids[0];
        if (e->type.kind == TY_TIME && k->kind == E_DATE) {
            c->dom = DOM_INT; c->v = (double)k->v.date * 86400e6; return true;
        }
        if (e->type.kind == TY_LEVEL && k->kind == E_STR) {
            int r = level_rank(l, e->type.id, k->str, k->slen);
            if (r < 0) return false;
            c->dom = DOM_INT; c->v = r; c->umin = 0; c->umax = l->s->levels[e->type.id].n - 1;
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

/* A constraint on one value: an interval, or a finite set of values. */
typedef struct Con {
    const Expr *x;            /* the value */
    const Expr *src;          /* the condition it comes from */
    int dom;
    double umin, umax;        /* the value's whole domain */
    bool points;
    double lo, hi;            /* interval, closed (DOM_INT bounds are made closed) */
    bool lo_open, hi_open;    /* DOM_REAL only */
    uint32_t n;               /* points */
    double *v;
    const char **k; uint32_t *kl;
} Con;

static void con_init(Con *c, const Expr *x, const Expr *src, const Const *k)
{
    memset(c, 0, sizeof *c);
    c->x = x;
    c->src = src;
    c->dom = k->dom;
    c->umin = k->umin;
    c->umax = k->umax;
    c->lo = -INFINITY;
    c->hi = INFINITY;
}

static Con *alloc_points(const L *l, Con *c, uint32_t n)
{
    c->points = true;
    c->n = 0;
    if (c->dom == DOM_TEXT) {
        c->k = arena_alloc(l->s->arena, (n + 1) * sizeof *c->k);
        c->kl = arena_alloc(l->s->arena, (n + 1) * sizeof *c->kl);
    } else
        c->v = arena_alloc(l->s->arena, (n + 1) * sizeof *c->v);
    return c;
}

/* The constraint a condition puts on a value, if it is one we understand:
 * VALUE op CONSTANT (or the other way round), VALUE between C1 and C2,
 * VALUE in [C, ...] or in a set.  `!=` and `not in` give none. */
static bool con_of(const L *l, const Expr *e, Con *c)
{
    static const uint8_t flip[] = { CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE };
    Const k, k2;
    switch (e->kind) {
    case E_CMP: {
        const Expr *x = e->kids[0];
        int op = e->op;
        if (!const_of(l, e->kids[1], &k)) {
            if (!const_of(l, e->kids[0], &k)) return false;
            x = e->kids[1];
            op = flip[op];
        } else if (const_of(l, e->kids[0], &k2))
            return false;                 /* two constants */
        if (op == CMP_NE) return false;
        con_init(c, x, e, &k);
        if (k.dom == DOM_TEXT) {
            if (op != CMP_EQ) return false;
            alloc_points(l, c, 1);
            c->k[0] = k.key; c->kl[0] = k.klen; c->n = 1;
            return true;
        }
        double step = k.dom == DOM_INT ? 1 : 0;
        switch (op) {
        case CMP_EQ: c->lo = c->hi = k.v; break;
        case CMP_LT: c->hi = k.v - step; c->hi_open = !step; break;
        case CMP_LE: c->hi = k.v; break;
        case CMP_GT: c->lo = k.v + step; c->lo_open = !step; break;
        case CMP_GE: c->lo = k.v; break;
        }
        return true;
    }
    case E_BETWEEN:
        if (!const_of(l, e->kids[1], &k) || !const_of(l, e->kids[2], &k2) || k.dom != k2.dom ||
            k.dom == DOM_TEXT || const_of(l, e->kids[0], &k2))
            return false;
        con_init(c, e->kids[0], e, &k);
        c->lo = k.v;
        const_of(l, e->kids[2], &k2);
        c->hi = k2.v;
        return true;
    case E_IN: {
        if (e->op) return false;          /* not in */
        const Expr *x = e->kids[0];
        if (const_of(l, x, &k)) return false;
        if (e->res == R_SET) {
            const SetInfo *si = &l->s->sets[e->ref];
            if (si->n > 10000) return false;
            if (si->numeric) {
                if (x->type.kind != TY_NUMBER) return false;
                k = (Const){ .dom = DOM_REAL, .umin = -INFINITY, .umax = INFINITY };
                con_init(c, x, e, &k);
                alloc_points(l, c, si->n);
                for (uint32_t i = 0; i < si->n; i++) c->v[c->n++] = si->nums[i];
            } else {
                if (x->type.kind != TY_TEXT) return false;
                k = (Const){ .dom = DOM_TEXT };
                con_init(c, x, e, &k);
                alloc_points(l, c, si->n);
                for (uint32_t i = 0; i < si->n; i++) { c->k[c->n] = si->texts[i]; c->kl[c->n++] = si->lens[i]; }
            }
            return true;
        }
        if (e->nkids < 2 || e->nkids > 10001) return false;
        for (uint32_t i = 1; i < e->nkids; i++) {
            if (!const_of(l, e->kids[i], &k2)) return false;
            if (i == 1) { k = k2; con_init(c, x, e, &k); alloc_points(l, c, e->nkids - 1); }
            else if (k2.dom != k.dom) return false;
            if (k.dom == DOM_TEXT) { c->k[c->n] = k2.key; c->kl[c->n++] = k2.klen; }
            else c->v[c->n++] = k2.v;
        }
        return true;
    }
    default:
        return false;
    }
}

static bool pt_eq_text(const Con *c, uint32_t i, const char *k, uint32_t kl)
{
    return c->kl[i] == kl && memcmp(c->k[i], k, kl) == 0;
}

static bool in_range(const Con *c, double v)
{
    if (v < c->lo || v > c->hi) return false;
    if (v == c->lo && c->lo_open) return false;
    if (v == c->hi && c->hi_open) return false;
    return true;
}

/* Does every value that satisfies b satisfy a (same value, same domain)? */
static bool con_subset(const Con *b, const Con *a)
{
    if (a->dom != b->dom) return false;
    if (b->points) {
        for (uint32_t i = 0; i < b->n; i++) {
            if (a->points) {
                bool found = false;
                for (uint32_t j = 0; j < a->n && !found; j++)
                    found = a->dom == DOM_TEXT ? pt_eq_text(a, j, b->k[i], b->kl[i]) : a->v[j] == b->v[i];
                if (!found) return false;
            } else if (a->dom == DOM_TEXT || !in_range(a, b->v[i]))
                return false;
        }
        return true;
    }
    if (a->points) {
        if (b->dom == DOM_TEXT || b->lo != b->hi || b->lo_open || b->hi_open) return false;
        for (uint32_t j = 0; j < a->n; j++) if (a->v[j] == b->lo) return true;
        return false;
    }
    /* intervals, clipped to the domain */
    double blo = fmax(b->lo, b->umin), bhi = fmin(b->hi, b->umax);
    double alo = fmax(a->lo, a->umin), ahi = fmin(a->hi, a->umax);
    if (blo > bhi) return true;           /* b is empty */
    bool lo_ok = alo < blo || (alo == blo && (!a->lo_open || b->lo_open || blo == a->umin));
    bool hi_ok = ahi > bhi || (ahi == bhi && (!a->hi_open || b->hi_open || bhi == a->umax));
    return lo_ok && hi_ok;
}

/* a := a and b; the result is empty when nothing satisfies both. */
static void con_meet(const L *l, Con *a, const Con *b)
{
    if (b->points && a->points) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < a->n; i++) {
            bool found = false;
            for (uint32_t j = 0; j < b->n && !found; j++)
                found = a->dom == DOM_TEXT ? pt_eq_text(b, j, a->k[i], a->kl[i]) : b->v[j] == a->v[i];
            if (!found) continue;
            if (a->dom == DOM_TEXT) { a->k[n] = a->k[i]; a->kl[n] = a->kl[i]; }
            else a->v[n] = a->v[i];
            n++;
        }
        a->n = n;
        return;
    }
    if (b->points) {                      /* the points of b within a's interval */
        Con c = *b;
        alloc_points(l, &c, b->n);
        for (uint32_t i = 0; i < b->n; i++)
            if (in_range(a, b->v[i])) c.v[c.n++] = b->v[i];
        c.x = a->x;
        c.src = a->src;
        *a = c;
        return;
    }
    if (a->points) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < a->n; i++)
            if (in_range(b, a->v[i])) a->v[n++] = a->v[i];
        a->n = n;
        return;
    }
    if (b->lo > a->lo || (b->lo == a->lo && b->lo_open)) { a->lo = b->lo; a->lo_open = b->lo_open; }
    if (b->hi < a->hi || (b->hi == a->hi && b->hi_open)) { a->hi = b->hi; a->hi_open = b->hi_open; }
}

static bool con_empty(const Con *c)
{
    if (c->points) return c->n == 0;
    double lo = fmax(c->lo, c->umin), hi = fmin(c->hi, c->umax);
    if (lo > hi) return true;
    return lo == hi && (c->lo_open || c->hi_open);
}

/* Two operands of an `and` whose constraints on one value cannot both hold
 * (with the others on that value before them): *first and *second. */
static bool and_conflict(const L *l, const Expr *e, const Expr **first, const Expr **second)
{
    if (e->kind != E_AND || e->nkids > MAX_CHAIN) return false;
    Con cs[MAX_CHAIN];
    bool ok[MAX_CHAIN];
    for (uint32_t i = 0; i < e->nkids; i++) ok[i] = con_of(l, e->kids[i], &cs[i]);
    for (uint32_t i = 0; i < e->nkids; i++) {
        if (!ok[i]) continue;
        Con cur = cs[i];
        if (cur.points) {                 /* a copy: con_meet filters in place */
            Con c = cur;
            alloc_points(l, &c, cur.n);
            c.n = cur.n;
            if (cur.dom == DOM_TEXT) { memcpy(c.k, cur.k, cur.n * sizeof *c.k); memcpy(c.kl, cur.kl, cur.n * sizeof *c.kl); }
            else memcpy(c.v, cur.v, cur.n * sizeof *c.v);
            cur = c;
        }
        for (uint32_t j = i + 1; j < e->nkids; j++) {
            if (!ok[j] || cs[j].dom != cur.dom || !same(cs[j].x, cur.x)) continue;
            con_meet(l, &cur, &cs[j]);
            if (con_empty(&cur)) {
                /* name the pair: the first operand alone may not clash with
                 * the last one, so look for one that does */
                *second = e->kids[j];
                *first = e->kids[i];
                for (uint32_t k = i; k < j; k++) {
                    if (!ok[k] || cs[k].dom != cur.dom || !same(cs[k].x, cur.x)) continue;
                    Con t = cs[k];
                    if (t.points) continue;
                    con_meet(l, &t, &cs[j]);
                    if (con_empty(&t)) { *first = e->kids[k]; break; }
                }
                return true;
            }
        }
        return false;                     /* one value per chain is enough */
    }
    return false;
}

/* Operands of an `or` whose constraints on one value cover every value it
 * can have: the first two of them in *a and *b, and the value in *x. */
typedef struct Piece { double lo, hi; bool lo_open, hi_open; } Piece;

static bool covers(Piece *ps, uint32_t np, int dom, double umin, double umax)
{
    for (uint32_t i = 1; i < np; i++)             /* insertion sort by lo, closed first */
        for (uint32_t j = i; j > 0 && (ps[j].lo < ps[j - 1].lo ||
                                       (ps[j].lo == ps[j - 1].lo && !ps[j].lo_open && ps[j - 1].lo_open)); j--) {
            Piece t = ps[j]; ps[j] = ps[j - 1]; ps[j - 1] = t;
        }
    if (dom == DOM_INT) {                         /* closed integer pieces */
        double reach = umin - 1;
        for (uint32_t i = 0; i < np; i++) {
            double lo = fmax(ps[i].lo, umin), hi = fmin(ps[i].hi, umax);
            if (lo > hi) continue;
            if (lo > reach + 1) return false;
            if (hi > reach) reach = hi;
        }
        return reach >= umax;
    }
    double reach = -INFINITY;                     /* covered: (-inf, reach], or (-inf, reach) */
    bool incl = true;
    for (uint32_t i = 0; i < np; i++) {
        if (ps[i].lo > reach || (ps[i].lo == reach && !incl && ps[i].lo_open)) return false;
        if (ps[i].hi > reach) { reach = ps[i].hi; incl = !ps[i].hi_open; }
        else if (ps[i].hi == reach && !ps[i].hi_open) incl = true;
    }
    return isinf(reach) && reach > 0;
}

static bool or_covers(const L *l, const Expr *e, const Expr **a, const Expr **b, const Expr **x)
{
    if (e->kind != E_OR || e->nkids > MAX_CHAIN) return false;
    Con cs[MAX_CHAIN];
    bool ok[MAX_CHAIN];
    for (uint32_t i = 0; i < e->nkids; i++)
        ok[i] = con_of(l, e->kids[i], &cs[i]) && cs[i].dom != DOM_TEXT;
    for (uint32_t i = 0; i < e->nkids; i++) {
        if (!ok[i]) continue;
        Piece ps[MAX_CHAIN * 4];
        uint32_t np = 0, members = 0, second = i;
        for (uint32_t j = i; j < e->nkids; j++) {
            if (!ok[j] || cs[j].dom != cs[i].dom || !same(cs[j].x, cs[i].x)) continue;
            const Con *c = &cs[j];
            if (++members == 2) second = j;
            if (c->points) {
                for (uint32_t k = 0; k < c->n && np < MAX_CHAIN * 4; k++)
                    ps[np++] = (Piece){ c->v[k], c->v[k], false, false };
            } else if (np < MAX_CHAIN * 4)
                ps[np++] = (Piece){ c->lo, c->hi, c->lo_open, c->hi_open };
        }
        if (members >= 2 && covers(ps, np, cs[i].dom, cs[i].umin, cs[i].umax)) {
            *a = e->kids[i];
            *b = e->kids[second];
            *x = cs[i].x;
            return true;
        }
    }
    return false;
}

/* ---- single comparisons that are constant ---------------------------- */

static bool is_text_field(const Expr *e)
{
    return (e->kind == E_NAME || e->kind == E_MEMBER) && (e->res == R_FIELD || e->res == R_EVFIELD) &&
           e->type.kind == TY_TEXT;
}

static bool is_count(const Expr *e)
{
    return e->kind == E_CALL && e->res == R_AGG && (e->agg == AGG_COUNT || e->agg == AGG_COUNT_DISTINCT);
}

static bool is_length(const Expr *e)
{
    return e->kind == E_CALL && e->res == R_BUILTIN && e->slen == 6 && memcmp(e->str, "length", 6) == 0;
}

typedef enum { K_NONE, K_NEVER, K_ALWAYS, K_ALWAYS_PRESENT } Verdict;

/* What a single comparison is for every record, and why (a clause that
 * follows "is always true"/"is never true"), or K_NONE. */
static Verdict cmp_verdict(const L *l, const Expr *e, char *why, size_t n, const char **code)
{
    char b1[160];
    *code = "constant-comparison";
    if (e->kind == E_BETWEEN) {
        Const lo, hi;
        if (const_of(l, e->kids[1], &lo) && const_of(l, e->kids[2], &hi) && lo.dom == hi.dom &&
            lo.dom != DOM_TEXT && lo.v > hi.v) {
            snprintf(why, n, "its low bound is above its high bound; write '%s between %s and %s'",
                     snip(l, e->kids[0]->loc, b1, sizeof b1),
                     snip(l, e->kids[2]->loc, (char[80]){0}, 80), snip(l, e->kids[1]->loc, (char[80]){0}, 80));
            return K_NEVER;
        }
        return K_NONE;
    }
    if (e->kind != E_CMP) return K_NONE;
    const Expr *a = e->kids[0], *b = e->kids[1];
    Const ca, cb;
    bool ka = const_of(l, a, &ca), kb = const_of(l, b, &cb);
    int op = e->op;
    if (ka && kb) {
        if (ca.dom != cb.dom) return K_NONE;
        int c;
        if (ca.dom == DOM_TEXT) c = ca.klen == cb.klen && memcmp(ca.key, cb.key, ca.klen) == 0 ? 0 : 1;
        else c = ca.v < cb.v ? -1 : ca.v > cb.v;
        bool r;
        switch (op) {
        case CMP_EQ: r = c == 0; break;
        case CMP_NE: r = c != 0; break;
        case CMP_LT: r = c < 0; break;
        case CMP_LE: r = c <= 0; break;
        case CMP_GT: r = c > 0; break;
        default: r = c >= 0; break;
        }
        if (ca.dom == DOM_TEXT && op != CMP_EQ && op != CMP_NE) return K_NONE;
        snprintf(why, n, "it compares two constants; compare a field with the constant");
        return r ? K_ALWAYS : K_NEVER;
    }
    if (same(a, b)) {
        *code = "self-comparison";
        snprintf(why, n, "it compares a value with itself; compare '%s' with another value",
                 snip(l, a->loc, b1, sizeof b1));
        return op == CMP_EQ || op == CMP_LE || op == CMP_GE ? K_ALWAYS_PRESENT : K_NEVER;
    }
    /* text fields and "" */
    const Expr *fld = is_text_field(a) ? a : is_text_field(b) ? b : NULL;
    const Expr *lit = fld == a ? b : a;
    if (fld && lit->kind == E_STR && ut_blank(lit->str, lit->slen) && (op == CMP_EQ || op == CMP_NE)) {
        *code = "empty-text";
        snprintf(why, n, "a blank cell is missing, not an empty text; write '%s is %s'",
                 snip(l, fld->loc, b1, sizeof b1), op == CMP_EQ ? "missing" : "present");
        return op == CMP_EQ ? K_NEVER : K_ALWAYS_PRESENT;
    }
    /* counts and lengths are never negative */
    const Expr *x = is_count(a) || is_length(a) ? a : is_count(b) || is_length(b) ? b : NULL;
    if (x && ((x == a && kb && cb.dom == DOM_REAL) || (x == b && ka && ca.dom == DOM_REAL))) {
        Con c;
        if (!con_of(l, e, &c) || c.points) return K_NONE;
        Con all = c;
        all.lo = 0; all.lo_open = false; all.hi = INFINITY; all.hi_open = false;
        Con meet = all;
        con_meet(l, &meet, &c);
        const char *what = is_count(x) ? "a count" : "a length";
        if (con_empty(&meet)) {
            snprintf(why, n, "%s is never negative; compare it with a number above 0", what);
            return K_NEVER;
        }
        if (con_subset(&all, &c)) {
            snprintf(why, n, "%s is never negative%s", what,
                     op == CMP_GE || op == CMP_LE ? "; did you mean '> 0'?" : "");
            return is_count(x) ? K_ALWAYS : K_ALWAYS_PRESENT;
        }
    }
    return K_NONE;
}

/* Is a condition never true, whatever the record?  why: a clause saying
 * why; *code: the rule of the cause. */
static bool never_true(const L *l, const Expr *e, char *why, size_t n, const char **code, int depth)
{
    char b1[160], b2[160];
    *code = "constant-comparison";
    if (depth > 20) return false;
    switch (e->kind) {
    case E_BOOL:
        if (e->v.b) return false;
        snprintf(why, n, "its condition is 'false'");
        return true;
    case E_AND: {
        const Expr *p, *q;
        if (and_conflict(l, e, &p, &q)) {
            snprintf(why, n, "'%s' and '%s' cannot both hold", snip(l, p->loc, b1, sizeof b1),
                     snip(l, q->loc, b2, sizeof b2));
            return true;
        }
        for (uint32_t i = 0; i < e->nkids && i < MAX_CHAIN; i++)
            if (never_true(l, e->kids[i], why, n, code, depth + 1)) return true;
        return false;
    }
    case E_OR:
        if (e->nkids > MAX_CHAIN) return false;
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!never_true(l, e->kids[i], why, n, code, depth + 1)) return false;
        return true;
    case E_CMP: case E_BETWEEN: {
        char w[400];
        if (cmp_verdict(l, e, w, sizeof w, code) != K_NEVER) return false;
        snprintf(why, n, "'%s' is never true: %s", snip(l, e->loc, b1, sizeof b1), w);
        return true;
    }
    default:
        return false;
    }
}

/* ---- implication (classify lines) ----------------------------------- */

/* Does b being true make a true?  Conservative: false when unsure. */
static bool implies(const L *l, const Expr *b, const Expr *a, int depth)
{
    if (depth > 8) return false;
    if (same(b, a)) return true;
    if (a->kind == E_BOOL && a->v.b) return true;
    if (a->kind == E_OR && a->nkids <= MAX_CHAIN)
        for (uint32_t i = 0; i < a->nkids; i++)
            if (implies(l, b, a->kids[i], depth + 1)) return true;
    if (b->kind == E_AND && b->nkids <= MAX_CHAIN)
        for (uint32_t i = 0; i < b->nkids; i++)
            if (implies(l, b->kids[i], a, depth + 1)) return true;
    if (b->kind == E_OR && b->nkids <= MAX_CHAIN) {
        uint32_t i;
        for (i = 0; i < b->nkids; i++)
            if (!implies(l, b->kids[i], a, depth + 1)) break;
        if (i == b->nkids) return true;
    }
    if (a->kind == E_AND && a->nkids <= MAX_CHAIN) {
        uint32_t i;
        for (i = 0; i < a->nkids; i++)
            if (!implies(l, b, a->kids[i], depth + 1)) break;
        if (i == a->nkids) return true;
    }
    Con ca, cb;
    if (!con_of(l, a, &ca)) return false;
    if (b->kind == E_AND && b->nkids <= MAX_CHAIN) {
        /* the constraints of b's operands on a's value, together */
        Con cur;
        bool any = false;
        for (uint32_t i = 0; i < b->nkids; i++) {
            if (!con_of(l, b->kids[i], &cb) || cb.dom != ca.dom || !same(cb.x, ca.x)) continue;
            if (!any) {
                cur = cb;
                if (cb.points) {
                    alloc_points(l, &cur, cb.n);
                    cur.n = cb.n;
                    if (cb.dom == DOM_TEXT) { memcpy(cur.k, cb.k, cb.n * sizeof *cur.k); memcpy(cur.kl, cb.kl, cb.n * sizeof *cur.kl); }
                    else memcpy(cur.v, cb.v, cb.n * sizeof *cur.v);
                }
                any = true;
            } else
                con_meet(l, &cur, &cb);
        }
        return any && con_subset(&cur, &ca);
    }
    return con_of(l, b, &cb) && cb.dom == ca.dom && same(cb.x, ca.x) && con_subset(&cb, &ca);
}

/* ---- the checks ----------------------------------------------------- */

static void walk(const L *l, const Expr *e);

static void check_cmp(const L *l, const Expr *e)
{
    char why[400], b1[160];
    const char *code;
    Verdict v = cmp_verdict(l, e, why, sizeof why, &code);
    if (v == K_NONE) return;
    diag_warn(l->s->diags, code, e->oploc, "'%s' is %s: %s", snip(l, e->loc, b1, sizeof b1),
              v == K_NEVER ? "never true" : v == K_ALWAYS ? "always true" : "true for every present value", why);
}

static void check_and(const L *l, const Expr *e)
{
    const Expr *p, *q;
    char b1[160], b2[160];
    if (!and_conflict(l, e, &p, &q)) return;
    diag_warn(l->s->diags, "constant-comparison", q->loc,
              "this condition is never true: '%s' and '%s' cannot both hold; check the bounds",
              snip(l, p->loc, b1, sizeof b1), snip(l, q->loc, b2, sizeof b2));
    diag_note(l->s->diags, p->loc, "'%s' is here", snip(l, p->loc, b1, sizeof b1));
}

static void check_or(const L *l, const Expr *e)
{
    const Expr *a, *b, *x;
    char b1[160], b2[160], b3[160];
    if (!or_covers(l, e, &a, &b, &x)) return;
    snip(l, x->loc, b3, sizeof b3);
    diag_warn(l->s->diags, "constant-comparison", b->loc,
              "this condition is always true when '%s' is present: '%s' or '%s' covers every value; "
              "to test for a value, write '%s is present'",
              b3, snip(l, a->loc, b1, sizeof b1), snip(l, b->loc, b2, sizeof b2), b3);
}

/* A pattern with nothing but letters, digits, _ and - (and single spaces
 * inside) finds the same as `contains`. */
static void check_matches(const L *l, const Expr *e)
{
    char b1[160];
    if (e->slen == 0 || e->str[0] == ' ' || e->str[e->slen - 1] == ' ') return;
    for (uint32_t i = 0; i < e->slen; i++) {
        char c = e->str[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || (c == ' ' && e->str[i + 1] != ' ');
        if (!ok) return;
    }
    diag_warn(l->s->diags, "plain-matches", e->oploc,
              "'matches \"%.*s\"' uses no pattern syntax: write '%s contains \"%.*s\"', which says the same plainly",
              (int)e->slen, e->str, snip(l, e->kids[0]->loc, b1, sizeof b1), (int)e->slen, e->str);
}

static void walk(const L *l, const Expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case E_AND: check_and(l, e); break;
    case E_OR: check_or(l, e); break;
    case E_CMP: case E_BETWEEN: check_cmp(l, e); break;
    case E_MATCHES: check_matches(l, e); break;
    default: break;
    }
    for (uint32_t i = 0; i < e->nkids; i++) walk(l, e->kids[i]);
    if (e->kind == E_CALL) walk(l, e->where);
}

/* The condition of a score or classify line: a line that is never true is
 * reported as such, once; else its parts are walked. */
static bool line_never(const L *l, const Expr *cond, char *why, size_t n)
{
    const char *code;
    return never_true(l, cond, why, n, &code, 0);
}

static void lint_score(const L *l, Decl *d)
{
    char why[600];
    for (uint32_t i = 0; i < d->nlines; i++) {
        ScoreLine *sl = &d->lines[i];
        if (sl->kind == SL_LIMIT) continue;
        Loc at = sl->loc;
        at.end = at.off + 1;
        if (sl->n == 0) {
            diag_warn(l->s->diags, "never-fires", at,
                      "this score line adds 0 points, so it never changes the score; give it points, or remove it");
            continue;
        }
        if (sl->has_most && sl->most == 0) {
            diag_warn(l->s->diags, "never-fires", sl->most_loc,
                      "this score line never adds points: 'at most 0' clamps its total to 0; raise the limit, or remove the line");
            continue;
        }
        const Expr *cond = sl->kind == SL_WHEN ? sl->e : sl->kind == SL_FOREACH ? sl->where : NULL;
        if (cond && line_never(l, cond, why, sizeof why)) {
            diag_warn(l->s->diags, "never-fires", at,
                      "this score line never adds points: %s%s", why,
                      strchr(why, ';') ? "" : "; check the condition, or remove the line");
            continue;
        }
        walk(l, sl->e);
        walk(l, sl->where);
    }
}

static bool same_label(const Label *a, const Label *b)
{
    return a->len == b->len && strncasecmp(a->name, b->name, a->len) == 0;
}

static void lint_classify(const L *l, Decl *d)
{
    char why[600], b1[160], b2[160];
    uint32_t n = d->nclines;
    for (uint32_t i = 0; i < n; i++) {
        ClassLine *cl = &d->clines[i];
        if (!cl->cond) continue;
        Loc at = cl->label.loc;
        if (line_never(l, cl->cond, why, sizeof why)) {
            diag_warn(l->s->diags, "never-matches", at,
                      "this line can never match: %s%s", why,
                      strchr(why, ';') ? "" : "; check the condition, or remove the line");
            continue;
        }
        bool reported = false;
        for (uint32_t j = 0; j < i && j < 1000 && !reported; j++) {
            ClassLine *prev = &d->clines[j];
            if (!prev->cond || !implies(l, cl->cond, prev->cond, 0)) continue;
            uint32_t pl = line_no(l, prev->label.loc);
            snip(l, cl->cond->loc, b1, sizeof b1);
            snip(l, prev->cond->loc, b2, sizeof b2);
            if (same(cl->cond, prev->cond))
                diag_warn(l->s->diags, "never-matches", at,
                          "this line can never match: '%s' is the same condition as line %u; %s", b1, pl,
                          same_label(&cl->label, &prev->label) ? "remove this line"
                                                                : "remove this line, or change its condition");
            else if (same_label(&cl->label, &prev->label))
                diag_warn(l->s->diags, "never-matches", at,
                          "this line can never match: '%s' is covered by line %u ('%s'), which gives the same label; "
                          "remove this line", b1, pl, b2);
            else
                diag_warn(l->s->diags, "never-matches", at,
                          "this line can never match: '%s' is covered by line %u ('%s'); "
                          "put it before line %u, or remove it", b1, pl, b2, pl);
            diag_note(l->s->diags, prev->label.loc, "line %u takes every record this line would", pl);
            reported = true;
        }
        if (!reported) walk(l, cl->cond);
    }
}

static void lint_define(const L *l, DefineInfo *di)
{
    Decl *d = di->decl;
    const Expr *b = d->body;
    if (!d->has_params && b->kind == E_NAME && b->res == R_DEFINE) {
        const Decl *t = l->s->defines[b->ref].decl;
        diag_warn(l->s->diags, "define-alias", d->nloc,
                  "define '%s' only renames define '%s'; use '%s' where '%s' is used, or rename '%s'",
                  d->name, t->name, t->name, d->name, t->name);
        return;
    }
    walk(l, b);
}

void lint_program(Sema *s)
{
    if (s->diags->nfiles == 0) return;
    L l = { s, &s->diags->files[0] };
    for (uint32_t i = 0; i < s->ndefines; i++)
        if (s->defines[i].decl->module == 0) lint_define(&l, &s->defines[i]);
    if (s->lead && s->lead->module == 0) walk(&l, s->lead->body);
    if (s->score && s->score->module == 0) lint_score(&l, s->score);
    for (uint32_t i = 0; i < s->nclasses; i++)
        if (s->classes[i].decl->module == 0) lint_classify(&l, s->classes[i].decl);
}
