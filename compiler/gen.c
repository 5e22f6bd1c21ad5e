/* gen: the program's tables and functions from the checked AST.
 *
 * Every define, the lead condition, the score and each classification
 * becomes a function; each aggregate with a `where` gets a function run per
 * event.  Registers are typed (the verifier checks every operand against
 * its register's type) and recycled per type, so a 100,000-term chain
 * needs a handful.  Chains become flat sequences with forward jumps for
 * the short-circuit of `and`/`or`. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"
#include "fmt.h"
#include "opcodes.h"
#include "utext.h"
#include "value.h"

enum { CV_CLASS_TEXT = 1, CV_LEVEL_TEXT, CV_TEXT_LEVEL, CV_DATE_TIME };   /* as in sema.c */

typedef struct Gen {
    Compilation *c;
    Sema *s;
    Prog *p;
    Arena *A;                 /* the program's arena */
    bool strip;
    bool failed;
    char *err; size_t errlen;
    /* per-type register pools of the function being built */
    struct { uint32_t *code; uint32_t n, cap; } code;
    struct { uint32_t *v; uint32_t n, cap; } lines;
    PType *rtypes; uint32_t nregs, rcap;
    uint32_t *freel; uint32_t nfree, fcap;      /* free registers (any type) */
    uint32_t nparams;
    uint32_t last_line;
    /* function indexes */
    int32_t *define_fn, *class_fn;
    int32_t lead_fn, score_fn;
    uint32_t *cls_line_base;  /* first clines slot of each classification */
    /* constants already in the program, for dedup: open addressing over
     * index + 1 (a 100,000-term chain has 100,000 constants) */
    uint32_t *knum, *kint, *ktext; uint32_t knumcap, kintcap, ktextcap;
    /* how deep calls nest from each function (itself included), so a chain
     * of defines longer than the verifier allows is refused here, with a
     * message, instead of failing verification; cur_depth: the deepest
     * callee of the function being built */
    uint32_t *fdepth; uint32_t fdcap;
    uint32_t cur_depth;
} Gen;

/* ---- growable arrays in the program's arena ------------------------- */

static void *pgrow(Arena *a, void *arr, uint32_t n, size_t size)
{
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        uint32_t cap = n == 0 ? 4 : n * 2;
        void *nv = arena_alloc(a, (size_t)cap * size);
        if (n) memcpy(nv, arr, (size_t)n * size);
        return nv;
    }
    return arr;
}
#define PAPPEND(g, arr, n) ((arr) = pgrow((g)->A, (arr), (n), sizeof *(arr)), &(arr)[(n)++])

static PText ptext(Gen *g, const char *s, size_t n)
{
    PText t = { arena_strndup(g->A, s ? s : "", n), (uint32_t)n, NULL, 0 };
    return t;
}

static PType ptype(Type t)
{
    PType p = { t.kind, t.id };
    return p;
}

static uint32_t line_of(Gen *g, Loc l)
{
    uint32_t line, col;
    diag_linecol(&g->c->diags, l.file, l.off, &line, &col);
    return l.file == 0 ? line : 0;     /* lines of modules are not the main file's */
}

/* ---- constants -------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

/* Find or add a constant: hash h, `same(i)` compares with entry i, `add()`
 * appends it and returns its index. */
#define DEDUP(tab, cap, count, h, same, add)                                           \
    do {                                                                                \
        if ((count) * 2 + 2 > (cap)) {                                                  \
            uint32_t ncap_ = (cap) ? (cap) * 2 : 256;                                   \
            while (ncap_ < (count) * 2 + 2) ncap_ *= 2;                                 \
            free(tab);                                                                  \
            (tab) = calloc(ncap_, sizeof *(tab));                                       \
            if (!(tab)) { fputs("out of memory\n", stderr); exit(2); }                  \
            (cap) = ncap_;                                                              \
            for (uint32_t i_ = 0; i_ < (count); i_++) {                                 \
                uint32_t s_ = (uint32_t)rehash_of(g, i_) & ((cap) - 1);                 \
                while ((tab)[s_]) s_ = (s_ + 1) & ((cap) - 1);                          \
                (tab)[s_] = i_ + 1;                                                     \
            }                                                                           \
        }                                                                               \
        uint32_t s_ = (uint32_t)(h) & ((cap) - 1);                                      \
        for (; (tab)[s_]; s_ = (s_ + 1) & ((cap) - 1)) {                                \
            uint32_t i = (tab)[s_] - 1;                                                 \
            if (same) return i;                                                         \
        }                                                                               \
        uint32_t idx_ = (add);                                                          \
        (tab)[s_] = idx_ + 1;                                                           \
        return idx_;                                                                    \
    } while (0)

static uint64_t num_key(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return mix(u); }
static uint64_t text_key(const char *s, size_t n) { return ut_hash_bytes(s, n); }

static uint32_t add_num(Gen *g, double x) { *PAPPEND(g, g->p->nums, g->p->nnums) = x; return g->p->nnums - 1; }
static uint32_t add_int(Gen *g, int64_t x) { *PAPPEND(g, g->p->ints, g->p->nints) = x; return g->p->nints - 1; }
static uint32_t add_text(Gen *g, const char *s, size_t n) { *PAPPEND(g, g->p->texts, g->p->ntexts) = ptext(g, s, n); return g->p->ntexts - 1; }

#define rehash_of(g, i) num_key((g)->p->nums[i])
static uint32_t k_num(Gen *g, double x)
{
    DEDUP(g->knum, g->knumcap, g->p->nnums, num_key(x), memcmp(&g->p->nums[i], &x, sizeof x) == 0, add_num(g, x));
}
#undef rehash_of

#define rehash_of(g, i) mix((uint64_t)(g)->p->ints[i])
static uint32_t k_int(Gen *g, int64_t x)
{
    DEDUP(g->kint, g->kintcap, g->p->nints, mix((uint64_t)x), g->p->ints[i] == x, add_int(g, x));
}
#undef rehash_of

#define rehash_of(g, i) text_key((g)->p->texts[i].p, (g)->p->texts[i].len)
static uint32_t k_text(Gen *g, const char *s, size_t n)
{
    DEDUP(g->ktext, g->ktextcap, g->p->ntexts, text_key(s, n),
          g->p->texts[i].len == n && memcmp(g->p->texts[i].p, s, n) == 0, add_text(g, s, n));
}
#undef rehash_of

/* A pattern for contains/starts/ends: folded, spaces kept. */
static uint32_t k_pattern(Gen *g, const char *s, size_t n)
{
    Buf b = {0};
    ut_fold(s, n, &b);
    uint32_t k = k_text(g, b.p ? b.p : "", b.len);
    ubuf_free(&b);
    return k;
}

static uint32_t k_regex(Gen *g, const char *s, size_t n)
{
    Prog *p = g->p;
    for (uint32_t i = 0; i < p->nregexes; i++)
        if (p->regexes[i].len == n && memcmp(p->regexes[i].p, s, n) == 0) return i;
    *PAPPEND(g, p->regexes, p->nregexes) = ptext(g, s, n);
    return p->nregexes - 1;
}

/* ---- emitting ---------------------------------------------------------- */

static void emit1(Gen *g, uint32_t w)
{
    if (g->code.n == g->code.cap) {
        g->code.cap = g->code.cap ? g->code.cap * 2 : 256;
        g->code.code = realloc(g->code.code, g->code.cap * sizeof *g->code.code);
        if (!g->code.code) { fputs("out of memory\n", stderr); exit(2); }
    }
    g->code.code[g->code.n++] = w;
}

static void mark_line(Gen *g, Loc l)
{
    if (g->strip) return;
    uint32_t line = line_of(g, l);
    if (!line || line == g->last_line) return;
    g->last_line = line;
    if (g->lines.n + 2 > g->lines.cap) {
        g->lines.cap = g->lines.cap ? g->lines.cap * 2 : 64;
        g->lines.v = realloc(g->lines.v, g->lines.cap * sizeof *g->lines.v);
        if (!g->lines.v) { fputs("out of memory\n", stderr); exit(2); }
    }
    if (g->lines.n >= 2 && g->lines.v[g->lines.n - 2] == g->code.n) {
        g->lines.v[g->lines.n - 1] = line;   /* same pc: the later node wins */
        return;
    }
    g->lines.v[g->lines.n++] = g->code.n;
    g->lines.v[g->lines.n++] = line;
}

#define E0(op) emit1(g, OP_##op)
static void E1(Gen *g, Opcode op, uint32_t a) { emit1(g, op); emit1(g, a); }
static void E2(Gen *g, Opcode op, uint32_t a, uint32_t b) { emit1(g, op); emit1(g, a); emit1(g, b); }
static void E3(Gen *g, Opcode op, uint32_t a, uint32_t b, uint32_t c) { emit1(g, op); emit1(g, a); emit1(g, b); emit1(g, c); }

/* A forward jump: returns the word to patch. */
static uint32_t jump(Gen *g, Opcode op, int64_t reg)
{
    emit1(g, op);
    if (reg >= 0) emit1(g, (uint32_t)reg);
    emit1(g, 0);
    return g->code.n - 1;
}

static void land(Gen *g, uint32_t at)
{
    g->code.code[at] = g->code.n - (at + 1);
}

/* ---- registers ----------------------------------------------------------- */

static uint32_t reg_new(Gen *g, PType t)
{
    for (uint32_t i = g->nfree; i > 0; i--) {
        uint32_t r = g->freel[i - 1];
        if (g->rtypes[r].kind == t.kind && g->rtypes[r].id == t.id) {
            g->freel[i - 1] = g->freel[--g->nfree];
            return r;
        }
    }
    if (g->nregs == g->rcap) {
        g->rcap = g->rcap ? g->rcap * 2 : 32;
        g->rtypes = realloc(g->rtypes, g->rcap * sizeof *g->rtypes);
        if (!g->rtypes) { fputs("out of memory\n", stderr); exit(2); }
    }
    if (g->nregs >= PROG_MAX_REGS && !g->failed) {
        snprintf(g->err, g->errlen, "an expression needs more than %d registers", PROG_MAX_REGS);
        g->failed = true;
    }
    g->rtypes[g->nregs] = t;
    return g->nregs++;
}

static void reg_free(Gen *g, uint32_t r)
{
    if (r < g->nparams) return;
    if (g->nfree == g->fcap) {
        g->fcap = g->fcap ? g->fcap * 2 : 32;
        g->freel = realloc(g->freel, g->fcap * sizeof *g->freel);
        if (!g->freel) { fputs("out of memory\n", stderr); exit(2); }
    }
    g->freel[g->nfree++] = r;
}

/* A register that may be overwritten (not a parameter). */
static uint32_t own(Gen *g, uint32_t r)
{
    if (r >= g->nparams) return r;
    uint32_t t = reg_new(g, g->rtypes[r]);
    E2(g, OP_MOVE, t, r);
    return t;
}

static void fn_begin(Gen *g, uint32_t nparams, const PType *ptypes)
{
    g->code.n = 0;
    g->lines.n = 0;
    g->nregs = 0;
    g->nfree = 0;
    g->last_line = 0;
    g->nparams = nparams;
    g->cur_depth = 0;
    for (uint32_t i = 0; i < nparams; i++) reg_new(g, ptypes[i]);
}

static int32_t fn_end(Gen *g, const char *name, size_t nlen, uint8_t kind, PType result,
                      int32_t stream, Loc at)
{
    Prog *p = g->p;
    PFunc *f = PAPPEND(g, p->funcs, p->nfuncs);
    f->name = ptext(g, name, nlen);
    f->kind = kind;
    f->nparams = g->nparams;
    f->nregs = g->nregs;
    f->rtypes = arena_alloc(g->A, (g->nregs + 1) * sizeof *f->rtypes);
    if (g->nregs) memcpy(f->rtypes, g->rtypes, g->nregs * sizeof *f->rtypes);
    f->result = result;
    f->ncode = g->code.n;
    f->code = arena_alloc(g->A, (g->code.n + 1) * sizeof *f->code);
    if (g->code.n) memcpy(f->code, g->code.code, g->code.n * sizeof *f->code);
    f->nlines = g->lines.n / 2;
    f->lines = arena_alloc(g->A, (g->lines.n + 1) * sizeof *f->lines);
    if (g->lines.n) memcpy(f->lines, g->lines.v, g->lines.n * sizeof *f->lines);
    f->stream = stream;
    f->memo = -1;
    f->line = line_of(g, at);
    if (nlen == 0 || kind == FK_WHERE || kind == FK_EXPLAIN || kind == FK_FUNCTION) f->memo = -1;
    if (p->nfuncs > g->fdcap) {
        uint32_t cap = p->nfuncs * 2;
        uint32_t *nd = realloc(g->fdepth, cap * sizeof *nd);
        if (!nd) { fputs("out of memory\n", stderr); exit(2); }
        memset(nd + g->fdcap, 0, (cap - g->fdcap) * sizeof *nd);
        g->fdepth = nd;
        g->fdcap = cap;
    }
    g->fdepth[p->nfuncs - 1] = g->cur_depth + 1;
    if (g->cur_depth + 1 > PROG_MAX_CALL_DEPTH && kind != FK_WHERE && !g->failed) {   /* named at its define */
        snprintf(g->err, g->errlen, "'%.*s' is built on definitions nested more than %d deep (each using the next); "
                 "that is the limit", (int)nlen, name, PROG_MAX_CALL_DEPTH);
        g->failed = true;
    }
    return (int32_t)(p->nfuncs - 1);
}

/* ---- expressions ----------------------------------------------------------- */

static uint32_t gen_expr(Gen *g, Expr *e);

/* The integer value of a literal (after sema): dates, times, labels, bools. */
static bool const_int(const Expr *e, int64_t *out)
{
    switch (e->kind) {
    case E_DATE: *out = e->v.date; return true;
    case E_TIME: *out = e->v.time; return true;
    case E_BOOL: *out = e->v.b; return true;
    case E_STR: case E_NAME:
        if (e->res == R_LABEL) { *out = e->ref; return true; }
        return false;
    case E_CONV:
        if (e->op == CV_DATE_TIME && const_int(e->kids[0], out)) { *out *= US_PER_DAY; return true; }
        return false;
    default: return false;
    }
}

static bool const_num(const Expr *e, double *out)
{
    if (e->kind == E_NUM) { *out = e->v.num; return true; }
    if (e->kind == E_NEG && e->kids[0]->kind == E_NUM) { *out = -e->kids[0]->v.num; return true; }
    return false;
}

static bool is_text_const(const Expr *e)
{
    return e->kind == E_STR && e->res != R_LABEL && e->type.kind == TY_TEXT;
}

static uint32_t list_set(Gen *g, Expr *e)
{
    Prog *p = g->p;
    PSet *ps = PAPPEND(g, p->sets, p->nsets);
    uint32_t idx = p->nsets - 1;
    Type tx = e->kids[0]->type;
    uint32_t n = e->nkids - 1;
    ps->n = n;
    if (tx.kind == TY_TEXT) {
        ps->kind = PS_TEXT;
        ps->texts = arena_alloc(g->A, (n + 1) * sizeof *ps->texts);
        for (uint32_t i = 0; i < n; i++) {
            Expr *it = e->kids[i + 1];
            if (it->kind == E_CONV && it->op == CV_CLASS_TEXT) it = it->kids[0];
            if (it->kind == E_STR || it->kind == E_NAME)
                ps->texts[i] = ptext(g, it->str, it->slen);
        }
    } else if (tx.kind == TY_NUMBER) {
        ps->kind = PS_NUMBER;
        ps->nums = arena_alloc(g->A, (n + 1) * sizeof *ps->nums);
        for (uint32_t i = 0; i < n; i++) const_num(e->kids[i + 1], &ps->nums[i]);
    } else {
        ps->kind = PS_INT;
        ps->ints = arena_alloc(g->A, (n + 1) * sizeof *ps->ints);
        for (uint32_t i = 0; i < n; i++) const_int(e->kids[i + 1], &ps->ints[i]);
    }
    return idx;
}

static bool is_intlike(TyKind k)
{
    return k == TY_DATE || k == TY_TIME || k == TY_LEVEL || k == TY_CLASS || k == TY_BOOL;
}

static uint32_t gen_cmp(Gen *g, Expr *e, int op, Expr *a, Expr *b)
{
    PType tb = { PT_BOOL, 0 };
    TyKind k = a->type.kind;
    if (k == TY_TEXT) {
        uint32_t ra;
        uint32_t r = reg_new(g, tb);
        if (is_text_const(b) || is_text_const(a)) {
            Expr *x = is_text_const(b) ? a : b, *kx = is_text_const(b) ? b : a;
            ra = gen_expr(g, x);
            E3(g, op == CMP_EQ ? OP_EQTK : OP_NETK, r, ra, k_text(g, kx->str, kx->slen));
            reg_free(g, ra);
            return r;
        }
        ra = gen_expr(g, a);
        uint32_t rb = gen_expr(g, b);
        E3(g, op == CMP_EQ ? OP_EQT : OP_NET, r, ra, rb);
        reg_free(g, ra); reg_free(g, rb);
        return r;
    }
    uint32_t ra = gen_expr(g, a), rb = gen_expr(g, b);
    uint32_t r = reg_new(g, tb);
    bool num = k == TY_NUMBER;
    Opcode eq = num ? OP_EQN : OP_EQI, ne = num ? OP_NEN : OP_NEI,
           lt = num ? OP_LTN : OP_LTI, le = num ? OP_LEN : OP_LEI;
    (void)is_intlike;
    switch (op) {
    case CMP_EQ: E3(g, eq, r, ra, rb); break;
    case CMP_NE: E3(g, ne, r, ra, rb); break;
    case CMP_LT: E3(g, lt, r, ra, rb); break;
    case CMP_LE: E3(g, le, r, ra, rb); break;
    case CMP_GT: E3(g, lt, r, rb, ra); break;
    case CMP_GE: E3(g, le, r, rb, ra); break;
    }
    reg_free(g, ra); reg_free(g, rb);
    (void)e;
    return r;
}

static uint32_t emit_call(Gen *g, Opcode op, PType rt, uint32_t target, Expr **args, uint32_t nargs,
                          const uint32_t *preset)
{
    uint32_t regs[PROG_MAX_ARGS];
    if (nargs > PROG_MAX_ARGS) {
        snprintf(g->err, g->errlen, "a call has more than %d arguments", PROG_MAX_ARGS);
        g->failed = true;
        nargs = PROG_MAX_ARGS;
    }
    for (uint32_t i = 0; i < nargs; i++) regs[i] = preset ? preset[i] : gen_expr(g, args[i]);
    int32_t callee = op == OP_CALL ? (int32_t)target : op == OP_AGG ? g->p->aggs[target].where : -1;
    if (callee >= 0 && (uint32_t)callee < g->fdcap && g->fdepth[callee] > g->cur_depth) g->cur_depth = g->fdepth[callee];
    uint32_t r = reg_new(g, rt);
    emit1(g, op); emit1(g, r); emit1(g, target); emit1(g, nargs);
    for (uint32_t i = 0; i < nargs; i++) emit1(g, regs[i]);
    if (!preset)
        for (uint32_t i = 0; i < nargs; i++) reg_free(g, regs[i]);
    return r;
}

static int32_t gen_where(Gen *g, Expr *where, int32_t stream);

static uint32_t agg_index(Gen *g, uint8_t kind, int32_t stream, int32_t field, Expr *where, const Window *w,
                          int64_t half_us, double n)
{
    Prog *p = g->p;
    int32_t wf = where ? gen_where(g, where, stream) : -1;
    PAgg *a = PAPPEND(g, p->aggs, p->naggs);
    a->kind = kind;
    a->stream = stream;
    a->field = field;
    a->where = wf;
    a->win = w->kind == WIN_LAST ? PW_LAST : w->kind == WIN_ANY_DAY ? PW_ANY_DAY : w->kind == WIN_ANY ? PW_ANY : PW_NONE;
    a->win_us = w->us;
    a->half_us = half_us;
    a->n = n;
    return p->naggs - 1;
}

/* The parameters of the function being built go on to a where function. */
static uint32_t gen_agg_call(Gen *g, PType rt, uint32_t agg)
{
    uint32_t pre[PROG_MAX_ARGS];
    uint32_t np = g->p->aggs[agg].where >= 0 ? g->nparams : 0;
    for (uint32_t i = 0; i < np; i++) pre[i] = i;
    return emit_call(g, OP_AGG, rt, agg, NULL, np, pre);
}

static const uint8_t agg_kind_map[] = {
    [AGG_COUNT] = PA_COUNT, [AGG_COUNT_DISTINCT] = PA_COUNT_DISTINCT, [AGG_ANY] = PA_ANY,
    [AGG_NONE] = PA_NONE, [AGG_SUM] = PA_SUM, [AGG_AVERAGE] = PA_AVERAGE, [AGG_MIN] = PA_MIN,
    [AGG_MAX] = PA_MAX, [AGG_LATEST] = PA_LATEST, [AGG_EARLIEST] = PA_EARLIEST,
};

static uint32_t gen_expr(Gen *g, Expr *e)
{
    PType t = ptype(e->type);
    PType tb = { PT_BOOL, 0 };
    uint32_t r, a;
    int64_t iv;
    mark_line(g, e->loc);
    switch (e->kind) {
    case E_NUM:
        r = reg_new(g, t);
        E2(g, OP_LOADK, r, k_num(g, e->v.num));
        return r;
    case E_STR:
        if (e->res == R_LABEL) break;
        r = reg_new(g, t);
        E2(g, OP_LOADS, r, k_text(g, e->str, e->slen));
        return r;
    case E_DATE: case E_TIME: case E_BOOL:
        break;
    case E_NAME:
        switch (e->res) {
        case R_FIELD: r = reg_new(g, t); E2(g, OP_FIELD, r, (uint32_t)e->ref); return r;
        case R_EVFIELD: r = reg_new(g, t); E2(g, OP_EVFIELD, r, (uint32_t)e->ref); return r;
        case R_PARAM: return (uint32_t)e->ref;
        case R_DEFINE: return emit_call(g, OP_CALL, t, (uint32_t)g->define_fn[e->ref], NULL, 0, NULL);
        case R_CLASS: return emit_call(g, OP_CALL, t, (uint32_t)g->class_fn[e->ref], NULL, 0, NULL);
        case R_LABEL: break;
        default: break;
        }
        break;
    case E_MEMBER:
        r = reg_new(g, t);
        E2(g, OP_EVFIELD, r, (uint32_t)e->ref);
        return r;
    case E_LEAD:
        return emit_call(g, OP_CALL, t, (uint32_t)g->lead_fn, NULL, 0, NULL);
    case E_SCORE:
        if (g->score_fn < 0) {
            r = reg_new(g, t);
            E2(g, OP_LOADK, r, k_num(g, 0));
            return r;
        }
        return emit_call(g, OP_CALL, t, (uint32_t)g->score_fn, NULL, 0, NULL);
    case E_NOT:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        E2(g, OP_NOT, r, a);
        reg_free(g, a);
        return r;
    case E_NEG:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, t);
        E2(g, OP_NEG, r, a);
        reg_free(g, a);
        return r;
    case E_AND: case E_OR: {
        uint32_t *patch = malloc(e->nkids * sizeof *patch), np = 0;
        if (!patch) { fputs("out of memory\n", stderr); exit(2); }
        r = own(g, gen_expr(g, e->kids[0]));
        for (uint32_t i = 1; i < e->nkids; i++) {
            patch[np++] = jump(g, e->kind == E_AND ? OP_JFALSE : OP_JTRUE, r);
            a = gen_expr(g, e->kids[i]);
            E3(g, e->kind == E_AND ? OP_AND : OP_OR, r, r, a);
            reg_free(g, a);
        }
        for (uint32_t i = 0; i < np; i++) land(g, patch[i]);
        free(patch);
        return r;
    }
    case E_ARITH: case E_TERM:
        r = own(g, gen_expr(g, e->kids[0]));
        for (uint32_t i = 1; i < e->nkids; i++) {
            a = gen_expr(g, e->kids[i]);
            Opcode op = e->ops[i] == '+' ? OP_ADD : e->ops[i] == '-' ? OP_SUB : e->ops[i] == '*' ? OP_MUL : OP_DIV;
            E3(g, op, r, r, a);
            reg_free(g, a);
        }
        return r;
    case E_CMP:
        return gen_cmp(g, e, e->op, e->kids[0], e->kids[1]);
    case E_IN: {
        uint32_t set = e->res == R_SET ? (uint32_t)(g->s->nsets ? e->ref : 0) : list_set(g, e);
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        E3(g, OP_INSET, r, a, set);
        reg_free(g, a);
        if (e->op) E2(g, OP_NOT, r, r);
        return r;
    }
    case E_TEXTOP: {
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        Expr *pat = e->kids[1];
        if (is_text_const(pat)) {
            Opcode op = e->op == TX_CONTAINS ? OP_CONTAINSK : e->op == TX_STARTS ? OP_STARTSK : OP_ENDSK;
            E3(g, op, r, a, k_pattern(g, pat->str, pat->slen));
        } else {
            uint32_t b = gen_expr(g, pat);
            Opcode op = e->op == TX_CONTAINS ? OP_CONTAINS : e->op == TX_STARTS ? OP_STARTS : OP_ENDS;
            E3(g, op, r, a, b);
            reg_free(g, b);
        }
        reg_free(g, a);
        return r;
    }
    case E_MATCHES:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        E3(g, OP_MATCH, r, a, k_regex(g, e->str, e->slen));
        reg_free(g, a);
        return r;
    case E_BETWEEN: {
        uint32_t lo = gen_cmp(g, e, CMP_LE, e->kids[1], e->kids[0]);
        uint32_t hi = gen_cmp(g, e, CMP_LE, e->kids[0], e->kids[2]);
        E3(g, OP_AND, lo, lo, hi);
        reg_free(g, hi);
        return lo;
    }
    case E_IS:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        E2(g, e->op ? OP_ISPRES : OP_ISMISS, r, a);
        reg_free(g, a);
        return r;
    case E_WITHIN:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, tb);
        E3(g, OP_WITHIN, r, a, k_int(g, e->dur_us));
        reg_free(g, a);
        return r;
    case E_IF: {
        uint32_t c = gen_expr(g, e->kids[0]);
        uint32_t pe = jump(g, OP_JNTRUE, c);
        reg_free(g, c);
        r = reg_new(g, t);
        a = gen_expr(g, e->kids[1]);
        E2(g, OP_MOVE, r, a);
        reg_free(g, a);
        uint32_t pend = jump(g, OP_JMP, -1);
        land(g, pe);
        a = gen_expr(g, e->kids[2]);
        E2(g, OP_MOVE, r, a);
        reg_free(g, a);
        land(g, pend);
        return r;
    }
    case E_CALL:
        switch (e->res) {
        case R_BUILTIN: return emit_call(g, OP_BUILTIN, t, (uint32_t)e->ref, e->kids, e->nkids, NULL);
        case R_DEFINE: return emit_call(g, OP_CALL, t, (uint32_t)g->define_fn[e->ref], e->kids, e->nkids, NULL);
        case R_EXTERN: return emit_call(g, OP_EXTERN, t, (uint32_t)e->ref, e->kids, e->nkids, NULL);
        case R_AGG: {
            uint32_t agg = agg_index(g, agg_kind_map[e->agg], e->ref2, e->ref, e->where, &e->win, 0, 0);
            return gen_agg_call(g, t, agg);
        }
        default: break;
        }
        break;
    case E_CONV:
        a = gen_expr(g, e->kids[0]);
        r = reg_new(g, t);
        switch (e->op) {
        case CV_CLASS_TEXT: E3(g, OP_CLASS2T, r, a, e->kids[0]->type.id); break;
        case CV_LEVEL_TEXT: E3(g, OP_LEVEL2T, r, a, e->kids[0]->type.id); break;
        case CV_TEXT_LEVEL: E3(g, OP_T2LEVEL, r, a, e->type.id); break;
        case CV_DATE_TIME: E2(g, OP_D2T, r, a); break;
        }
        reg_free(g, a);
        return r;
    }
    /* the integer literals: dates, times, bools, labels */
    if (const_int(e, &iv)) {
        r = reg_new(g, t);
        E2(g, OP_LOADI, r, k_int(g, iv));
        return r;
    }
    if (!g->failed) {
        snprintf(g->err, g->errlen, "internal error: no code for expression kind %d", e->kind);
        g->failed = true;
    }
    r = reg_new(g, t);
    E1(g, OP_LOADNIL, r);
    return r;
}

/* ---- functions ---------------------------------------------------------- */

/* A where body runs with the parameters of the function that holds it. */
static int32_t gen_where(Gen *g, Expr *where, int32_t stream)
{
    /* save the enclosing function's state */
    Gen save = *g;
    PType *ptypes = malloc((g->nparams + 1) * sizeof *ptypes);
    if (!ptypes) { fputs("out of memory\n", stderr); exit(2); }
    if (g->nparams) memcpy(ptypes, g->rtypes, g->nparams * sizeof *ptypes);
    g->code.code = NULL; g->code.n = g->code.cap = 0;
    g->lines.v = NULL; g->lines.n = g->lines.cap = 0;
    g->rtypes = NULL; g->rcap = 0;
    g->freel = NULL; g->fcap = 0;
    fn_begin(g, save.nparams, ptypes);
    uint32_t r = gen_expr(g, where);
    E1(g, OP_RET, r);
    PType tb = { PT_BOOL, 0 };
    int32_t f = fn_end(g, "where", 5, FK_WHERE, tb, stream, where->loc);
    free(g->code.code); free(g->lines.v); free(g->rtypes); free(g->freel); free(ptypes);
    g->code = save.code; g->lines = save.lines;
    g->rtypes = save.rtypes; g->rcap = save.rcap; g->nregs = save.nregs;
    g->freel = save.freel; g->fcap = save.fcap; g->nfree = save.nfree;
    g->nparams = save.nparams; g->last_line = save.last_line; g->cur_depth = save.cur_depth;
    return f;
}

static void gen_define(Gen *g, uint32_t i)
{
    DefineInfo *di = &g->s->defines[i];
    Decl *d = di->decl;
    PType ptypes[PROG_MAX_ARGS + 1];
    for (uint32_t k = 0; k < d->nparams && k < PROG_MAX_ARGS; k++) ptypes[k] = ptype(di->ptypes[k]);
    int32_t f = g->define_fn[i];
    fn_begin(g, d->nparams, ptypes);
    uint32_t r = gen_expr(g, d->body);
    E1(g, OP_RET, r);
    /* fill the slot reserved for this define */
    Prog *p = g->p;
    uint32_t n = p->nfuncs;
    int32_t made = fn_end(g, d->name, d->len, d->has_params ? FK_FUNCTION : FK_DEFINE, ptype(di->type), -1, d->nloc);
    PFunc tmp = p->funcs[made];
    p->funcs[f] = tmp;
    g->fdepth[f] = g->fdepth[made];
    p->nfuncs = n;
}

static void gen_lead(Gen *g)
{
    Decl *d = g->s->lead;
    fn_begin(g, 0, NULL);
    uint32_t c = gen_expr(g, d->body);
    PType tb = { PT_BOOL, 0 };
    uint32_t r = reg_new(g, tb);
    E2(g, OP_TRUTH, r, c);
    E1(g, OP_RET, r);
    uint32_t n = g->p->nfuncs;
    int32_t made = fn_end(g, "lead", 4, FK_LEAD, tb, -1, d->loc);
    g->p->funcs[g->lead_fn] = g->p->funcs[made];
    g->fdepth[g->lead_fn] = g->fdepth[made];
    g->p->nfuncs = n;
}

static void gen_score(Gen *g)
{
    Decl *d = g->s->score;
    Prog *p = g->p;
    PType tn = { PT_NUMBER, 0 };
    fn_begin(g, 0, NULL);
    uint32_t acc = reg_new(g, tn);
    E2(g, OP_LOADK, acc, k_num(g, 0));
    for (uint32_t i = 0; i < d->nlines; i++) {
        ScoreLine *l = &d->lines[i];
        if (l->kind == SL_LIMIT) continue;
        mark_line(g, l->loc);
        PScoreLine *ps = PAPPEND(g, p->slines, p->nslines);
        ps->line = line_of(g, l->loc);
        ps->n = l->n;
        uint32_t slot = p->nslines - 1, v;
        if (l->kind == SL_WHEN) {
            ps->kind = SL_KIND_WHEN;
            uint32_t c = gen_expr(g, l->e);
            uint32_t skip = jump(g, OP_JNTRUE, c);
            reg_free(g, c);
            v = reg_new(g, tn);
            E2(g, OP_LOADK, v, k_num(g, l->n));
            E3(g, OP_ACC, acc, v, slot);
            reg_free(g, v);
            land(g, skip);
            continue;
        }
        if (l->kind == SL_PER) {
            ps->kind = SL_KIND_PER;
            uint32_t x = gen_expr(g, l->e);
            v = reg_new(g, tn);
            E2(g, OP_LOADK, v, k_num(g, l->n));
            E3(g, OP_MUL, v, v, x);
            reg_free(g, x);
        } else {
            ps->kind = SL_KIND_FOREACH;
            uint32_t agg = agg_index(g, PA_FOREACH, l->stream_idx, -1, l->where, &l->win,
                                     l->has_half ? l->half_us : 0, l->n);
            v = gen_agg_call(g, tn, agg);
        }
        if (l->has_most) {
            /* one statement each: the constants' order must not be the C
             * compiler's choice of argument order (the same bytecode from
             * every build) */
            uint32_t hi = k_num(g, l->most);
            uint32_t lo = k_num(g, -l->most);
            E3(g, OP_CLAMP, v, lo, hi);
        }
        E3(g, OP_ACC, acc, v, slot);
        reg_free(g, v);
    }
    E1(g, OP_FINITE, acc);
    if (g->s->limit_line >= 0) {
        ScoreLine *l = &d->lines[g->s->limit_line];
        uint32_t hi = k_num(g, l->hi);
        uint32_t lo = k_num(g, l->n);
        E3(g, OP_CLAMP, acc, lo, hi);
    }
    E1(g, OP_RET, acc);
    uint32_t n = p->nfuncs;
    int32_t made = fn_end(g, "score", 5, FK_SCORE, tn, -1, d->loc);
    p->funcs[g->score_fn] = p->funcs[made];
    g->fdepth[g->score_fn] = g->fdepth[made];
    p->nfuncs = n;
}

static void gen_classify(Gen *g, uint32_t ci)
{
    ClassInfo *c = &g->s->classes[ci];
    Decl *d = c->decl;
    Prog *p = g->p;
    PType tc = { PT_CLASS, (uint16_t)ci };
    fn_begin(g, 0, NULL);
    uint32_t base = p->nclines;
    for (uint32_t i = 0; i < d->nclines; i++) {
        PClassLine *pl = PAPPEND(g, p->clines, p->nclines);
        pl->cls = ci;
        pl->line = line_of(g, d->clines[i].loc);
        pl->label = (uint32_t)d->clines[i].label_idx;
    }
    for (uint32_t i = 0; i < d->nclines; i++) {
        ClassLine *l = &d->clines[i];
        if (!l->cond) continue;
        mark_line(g, l->loc);
        uint32_t cnd = gen_expr(g, l->cond);
        uint32_t next = jump(g, OP_JNTRUE, cnd);
        reg_free(g, cnd);
        uint32_t r = reg_new(g, tc);
        E2(g, OP_LOADI, r, k_int(g, l->label_idx));
        E1(g, OP_HIT, base + i);
        E1(g, OP_RET, r);
        reg_free(g, r);
        land(g, next);
    }
    uint32_t r = reg_new(g, tc);
    if (c->otherwise >= 0) {
        E2(g, OP_LOADI, r, k_int(g, d->clines[c->otherwise].label_idx));
        E1(g, OP_HIT, base + (uint32_t)c->otherwise);
    } else
        E1(g, OP_LOADNIL, r);
    E1(g, OP_RET, r);
    uint32_t n = p->nfuncs;
    int32_t made = fn_end(g, d->name, d->len, FK_CLASSIFY, tc, -1, d->nloc);
    p->funcs[g->class_fn[ci]] = p->funcs[made];
    g->fdepth[g->class_fn[ci]] = g->fdepth[made];
    p->nfuncs = n;
}

/* --explain: the conditions `lead when` combines with `and`. */
static void gen_explain(Gen *g)
{
    Decl *d = g->s->lead;
    Prog *p = g->p;
    Expr *body = d->body;
    uint32_t n = body->kind == E_AND && !body->paren ? body->nkids : 1;
    const SrcFile *f = &g->c->diags.files[body->loc.file];
    for (uint32_t i = 0; i < n; i++) {
        Expr *x = n == 1 ? body : body->kids[i];
        PExplain *pe = PAPPEND(g, p->explain, p->nexplain);
        /* as the formatter spaces it, so the bytecode does not depend on
         * the layout (leadc fmt keeps `compile --strip` byte for byte) */
        char flat[81];
        size_t len = fmt_flat(f->text, f->len, x->loc.off, x->loc.end, flat, sizeof flat);
        pe->text = ptext(g, flat, len);
        if (x->kind == E_NAME && x->res == R_DEFINE && !x->paren) {
            pe->fn = g->define_fn[x->ref];
            continue;
        }
        fn_begin(g, 0, NULL);
        uint32_t r = gen_expr(g, x);
        E1(g, OP_RET, r);
        PType tb = { PT_BOOL, 0 };
        pe = &p->explain[p->nexplain - 1];
        pe->fn = fn_end(g, "explain", 7, FK_EXPLAIN, tb, -1, x->loc);
    }
}

static PLabels labels_of(Gen *g, const char *name, size_t nlen, const Label *labels, uint32_t n)
{
    PLabels pl;
    pl.name = ptext(g, name, nlen);
    pl.n = n;
    pl.labels = arena_alloc(g->A, (n + 1) * sizeof *pl.labels);
    for (uint32_t i = 0; i < n; i++) pl.labels[i] = ptext(g, labels[i].name, labels[i].len);
    return pl;
}

static PField field_of(Gen *g, const FieldInfo *f)
{
    PField pf;
    pf.name = ptext(g, f->name, f->len);
    pf.column = ptext(g, f->column, f->collen);
    pf.type = ptype(f->type);
    return pf;
}

Prog *gen_program(Compilation *c, bool strip, char *err, size_t errlen)
{
    Sema *s = &c->sema;
    Prog *p = calloc(1, sizeof *p);
    if (!p) { snprintf(err, errlen, "out of memory"); return NULL; }
    Gen gen = { 0 }, *g = &gen;
    g->c = c; g->s = s; g->p = p; g->A = &p->arena; g->strip = strip;
    g->err = err; g->errlen = errlen;

    /* header */
    const SrcFile *main = &c->diags.files[0];
    p->source = ptext(g, main->path, strlen(main->path));
    if (s->def_name) p->def_name = ptext(g, s->def_name, strlen(s->def_name));
    p->version = s->version; p->has_version = s->has_version;
    p->nowners = s->nowners;
    p->owners = arena_alloc(g->A, (s->nowners + 1) * sizeof *p->owners);
    for (uint32_t i = 0; i < s->nowners; i++) p->owners[i] = ptext(g, s->owners[i], strlen(s->owners[i]));
    p->approved = s->approved; p->has_approved = s->has_approved;

    /* types, schema, sets, externs */
    p->nlevels = s->nlevels;
    p->levels = arena_alloc(g->A, (s->nlevels + 1) * sizeof *p->levels);
    for (uint32_t i = 0; i < s->nlevels; i++) p->levels[i] = labels_of(g, "", 0, s->levels[i].labels, s->levels[i].n);
    p->nclasses = s->nclasses;
    p->classes = arena_alloc(g->A, (s->nclasses + 1) * sizeof *p->classes);
    for (uint32_t i = 0; i < s->nclasses; i++)
        p->classes[i] = labels_of(g, s->classes[i].decl->name, s->classes[i].decl->len,
                                  s->classes[i].labels, s->classes[i].nlabels);
    p->record_name = ptext(g, s->record->name, s->record->len);
    p->nfields = s->nfields;
    p->fields = arena_alloc(g->A, (s->nfields + 1) * sizeof *p->fields);
    for (uint32_t i = 0; i < s->nfields; i++) p->fields[i] = field_of(g, &s->fields[i]);
    p->key = s->key;
    p->nstreams = s->nstreams;
    p->streams = arena_alloc(g->A, (s->nstreams + 1) * sizeof *p->streams);
    for (uint32_t k = 0; k < s->nstreams; k++) {
        StreamInfo *st = &s->streams[k];
        PStream *ps = &p->streams[k];
        ps->name = ptext(g, st->name, st->len);
        ps->nfields = st->nfields;
        ps->fields = arena_alloc(g->A, (st->nfields + 1) * sizeof *ps->fields);
        for (uint32_t i = 0; i < st->nfields; i++) ps->fields[i] = field_of(g, &st->fields[i]);
        ps->key = st->key;
        ps->time = st->time;
    }
    p->nsets = s->nsets;
    p->sets = arena_alloc(g->A, (s->nsets ? s->nsets : 1) * sizeof *p->sets);
    for (uint32_t i = 0; i < s->nsets; i++) {
        SetInfo *si = &s->sets[i];
        PSet *ps = &p->sets[i];
        ps->n = si->n;
        if (si->numeric) {
            ps->kind = PS_NUMBER;
            ps->nums = arena_alloc(g->A, (si->n + 1) * sizeof *ps->nums);
            if (si->n) memcpy(ps->nums, si->nums, si->n * sizeof *ps->nums);
        } else {
            ps->kind = PS_TEXT;
            ps->texts = arena_alloc(g->A, (si->n + 1) * sizeof *ps->texts);
            for (uint32_t k = 0; k < si->n; k++) ps->texts[k] = ptext(g, si->texts[k], si->lens[k]);
        }
    }
    /* anonymous sets from lists follow; keep the declared ones first */
    {
        PSet *keep = p->sets;
        p->sets = NULL;
        uint32_t n = p->nsets;
        p->nsets = 0;
        for (uint32_t i = 0; i < n; i++) *PAPPEND(g, p->sets, p->nsets) = keep[i];
    }
    p->nexterns = s->nexterns;
    p->externs = arena_alloc(g->A, (s->nexterns + 1) * sizeof *p->externs);
    for (uint32_t i = 0; i < s->nexterns; i++) {
        ExternInfo *ei = &s->externs[i];
        PExtern *pe = &p->externs[i];
        pe->name = ptext(g, ei->decl->name, ei->decl->len);
        pe->lib = ptext(g, ei->lib, strlen(ei->lib));
        pe->sym = ptext(g, ei->sym, strlen(ei->sym));
        pe->nparams = (uint8_t)ei->decl->nparams;
        for (uint32_t k = 0; k < ei->decl->nparams && k < 16; k++) pe->ptypes[k] = ei->ptypes[k].kind;
        pe->rtype = ei->rtype.kind;
    }

    /* reserve the function slots the others call: defines, classifications, lead, score */
    g->define_fn = calloc(s->ndefines + 1, sizeof *g->define_fn);
    g->class_fn = calloc(s->nclasses + 1, sizeof *g->class_fn);
    if (!g->define_fn || !g->class_fn) { snprintf(err, errlen, "out of memory"); free(p); return NULL; }
    for (uint32_t i = 0; i < s->ndefines; i++) { PAPPEND(g, p->funcs, p->nfuncs); g->define_fn[i] = (int32_t)p->nfuncs - 1; }
    for (uint32_t i = 0; i < s->nclasses; i++) { PAPPEND(g, p->funcs, p->nfuncs); g->class_fn[i] = (int32_t)p->nfuncs - 1; }
    PAPPEND(g, p->funcs, p->nfuncs); g->lead_fn = (int32_t)p->nfuncs - 1;
    g->score_fn = -1;
    if (s->score) { PAPPEND(g, p->funcs, p->nfuncs); g->score_fn = (int32_t)p->nfuncs - 1; }

    /* the bodies, in dependency order (any order would do: calls go by index) */
    for (uint32_t k = 0; k < s->norder; k++) {
        int32_t n = s->order[k];
        if (n < (int32_t)s->ndefines) gen_define(g, (uint32_t)n);
        else if (n < s->lead_node) gen_classify(g, (uint32_t)(n - (int32_t)s->ndefines));
        else if (n == s->lead_node) gen_lead(g);
        else if (s->score) gen_score(g);
    }
    gen_explain(g);

    /* memo slots: everything without parameters that others call */
    p->nmemo = 0;
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        PFunc *f = &p->funcs[i];
        if (f->kind == FK_DEFINE || f->kind == FK_LEAD || f->kind == FK_SCORE || f->kind == FK_CLASSIFY)
            f->memo = (int32_t)p->nmemo++;
    }
    p->lead_fn = g->lead_fn;
    p->score_fn = g->score_fn;
    p->class_fns = arena_alloc(g->A, (s->nclasses + 1) * sizeof *p->class_fns);
    for (uint32_t i = 0; i < s->nclasses; i++) p->class_fns[i] = g->class_fn[i];

    free(g->code.code); free(g->lines.v); free(g->rtypes); free(g->freel);
    free(g->define_fn); free(g->class_fn);
    free(g->knum); free(g->kint); free(g->ktext); free(g->fdepth);
    if (g->failed) { prog_free(p); return NULL; }
    if (!prog_prepare(p)) { snprintf(err, errlen, "out of memory"); prog_free(p); return NULL; }
    return p;
}
