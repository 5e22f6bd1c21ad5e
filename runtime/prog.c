/* prog: preparing a program for the VM (keys, set tables) and the
 * verifier, which checks everything the VM relies on before any record is
 * read: every index in range, every operand's type, every jump forward onto
 * an instruction, every function ending in a return, an acyclic call graph
 * of bounded depth, and bounded work per record.  A program that passes
 * cannot make the VM read outside its tables or loop, and its register
 * stack (max_regs) holds every call chain with the argument lists above
 * each frame. */
#include "config.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "opcodes.h"
#include "prog.h"
#include "regex.h"
#include "utext.h"
#include "value.h"

const OpInfo lead_opinfo[OP__COUNT] = {
#define LEAD_OP_INFO(name, ops, meaning) { #name, ops, meaning },
    LEAD_OPCODES(LEAD_OP_INFO)
#undef LEAD_OP_INFO
};

/* ---- keys and set tables ------------------------------------------------ */

static bool key_of(Arena *a, PText *t)
{
    Buf b = {0};
    ut_key(t->p, t->len, &b);
    t->key = arena_strndup(a, b.p ? b.p : "", b.len);
    t->keylen = (uint32_t)b.len;
    ubuf_free(&b);
    return true;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

static uint64_t num_hash(double x)
{
    uint64_t u;
    if (x == 0) x = 0;          /* -0 and 0 are one value */
    memcpy(&u, &x, sizeof u);
    return mix64(u);
}

static uint64_t set_member_hash(const PSet *s, uint32_t i)
{
    switch (s->kind) {
    case PS_TEXT: return ut_hash_bytes(s->texts[i].key, s->texts[i].keylen);
    case PS_NUMBER: return num_hash(s->nums[i]);
    default: return mix64((uint64_t)s->ints[i]);
    }
}

static bool build_set(Arena *a, PSet *s)
{
    if (s->n > (1u << 30)) return false;       /* no file of ours holds that many */
    uint32_t cap = 8;
    while (cap < s->n * 2 + 2) cap *= 2;
    s->hcap = cap;
    s->htab = arena_alloc(a, cap * sizeof *s->htab);
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->kind == PS_TEXT) key_of(a, &s->texts[i]);
        uint32_t h = (uint32_t)set_member_hash(s, i) & (cap - 1);
        while (s->htab[h]) h = (h + 1) & (cap - 1);
        s->htab[h] = i + 1;
    }
    return true;
}

bool prog_prepare(Prog *p)
{
    for (uint32_t i = 0; i < p->ntexts; i++) key_of(&p->arena, &p->texts[i]);
    for (uint32_t i = 0; i < p->nlevels; i++)
        for (uint32_t k = 0; k < p->levels[i].n; k++) key_of(&p->arena, &p->levels[i].labels[k]);
    for (uint32_t i = 0; i < p->nclasses; i++)
        for (uint32_t k = 0; k < p->classes[i].n; k++) key_of(&p->arena, &p->classes[i].labels[k]);
    for (uint32_t i = 0; i < p->nfields; i++) key_of(&p->arena, &p->fields[i].column);
    for (uint32_t s = 0; s < p->nstreams; s++)
        for (uint32_t i = 0; i < p->streams[s].nfields; i++) key_of(&p->arena, &p->streams[s].fields[i].column);
    for (uint32_t i = 0; i < p->nsets; i++)
        if (!build_set(&p->arena, &p->sets[i])) return false;
    return true;
}

bool pset_has_key(const PSet *s, const char *key, uint32_t len)
{
    if (!s->hcap) return false;
    uint32_t h = (uint32_t)ut_hash_bytes(key, len) & (s->hcap - 1);
    for (uint32_t k; (k = s->htab[h]); h = (h + 1) & (s->hcap - 1)) {
        const PText *t = &s->texts[k - 1];
        if (t->keylen == len && memcmp(t->key, key, len) == 0) return true;
    }
    return false;
}

bool pset_has_num(const PSet *s, double x)
{
    if (!s->hcap) return false;
    uint32_t h = (uint32_t)num_hash(x) & (s->hcap - 1);
    for (uint32_t k; (k = s->htab[h]); h = (h + 1) & (s->hcap - 1))
        if (s->nums[k - 1] == x) return true;
    return false;
}

bool pset_has_int(const PSet *s, int64_t x)
{
    if (!s->hcap) return false;
    uint32_t h = (uint32_t)mix64((uint64_t)x) & (s->hcap - 1);
    for (uint32_t k; (k = s->htab[h]); h = (h + 1) & (s->hcap - 1))
        if (s->ints[k - 1] == x) return true;
    return false;
}

uint32_t prog_line(const PFunc *f, uint32_t pc)
{
    uint32_t line = 0;
    for (uint32_t i = 0; i < f->nlines; i++) {
        if (f->lines[2 * i] > pc) break;
        line = f->lines[2 * i + 1];
    }
    return line ? line : f->line;
}

void prog_free(Prog *p)
{
    if (!p) return;
    if (p->rx)
        for (uint32_t i = 0; i < p->nregexes; i++) rx_free(p->rx[i]);
    arena_free(&p->arena);
    free(p->rx);
    free(p->ext_fn);
    free(p->ext_cif);
    free(p);
}

/* ---- the verifier -------------------------------------------------------------- */

typedef struct V {
    Prog *p;
    char *err; size_t errlen;
    bool bad;
} V;

static bool fail(V *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(V *v, const char *fmt, ...)
{
    if (v->bad) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, v->errlen, fmt, ap);
    va_end(ap);
    v->bad = true;
    return false;
}

static bool type_ok(V *v, PType t)
{
    switch (t.kind) {
    case PT_TEXT: case PT_NUMBER: case PT_BOOL: case PT_DATE: case PT_TIME: return t.id == 0;
    case PT_LEVEL: return t.id < v->p->nlevels;
    case PT_CLASS: return t.id < v->p->nclasses;
    default: return false;
    }
}

static bool teq(PType a, PType b) { return a.kind == b.kind && a.id == b.id; }

static bool letter_ok(char c, PType t)
{
    switch (c) {
    case 'n': return t.kind == PT_NUMBER;
    case 'b': return t.kind == PT_BOOL;
    case 't': return t.kind == PT_TEXT;
    case 'd': return t.kind == PT_DATE;
    case 'T': return t.kind == PT_TIME;
    case 'l': return t.kind == PT_LEVEL;
    case 'c': return t.kind == PT_CLASS;
    case 'i': return t.kind == PT_DATE || t.kind == PT_TIME || t.kind == PT_LEVEL || t.kind == PT_CLASS || t.kind == PT_BOOL;
    case '*': return true;
    }
    return false;
}

static PType agg_result(const Prog *p, const PAgg *a)
{
    PType t = { PT_NUMBER, 0 };
    switch (a->kind) {
    case PA_ANY: case PA_NONE: t.kind = PT_BOOL; break;
    case PA_MIN: case PA_MAX: case PA_LATEST: case PA_EARLIEST:
        t = p->streams[a->stream].fields[a->field].type;
        break;
    default: break;
    }
    return t;
}

#define DATE_MIN (-719162)       /* 0001-01-01 */
#define DATE_MAX 2932896         /* 9999-12-31 */

static bool int_ok(const Prog *p, PType t, int64_t x)
{
    switch (t.kind) {
    case PT_BOOL: return x == 0 || x == 1;
    case PT_LEVEL: return x >= 0 && (uint64_t)x < p->levels[t.id].n;
    case PT_CLASS: return x >= 0 && (uint64_t)x < p->classes[t.id].n;
    case PT_DATE: return x >= DATE_MIN && x <= DATE_MAX;
    case PT_TIME: return x >= (int64_t)DATE_MIN * 86400000000LL && x < ((int64_t)DATE_MAX + 1) * 86400000000LL;
    default: return false;
    }
}

/* Does the built-in signature accept these argument types?  (The same
 * rule as the type checker's, without its conversions.) */
static bool builtin_fits(const Builtin *b, const PType *args, uint32_t n, PType dst)
{
    size_t np = strlen(b->params);
    bool var = np && b->params[np - 1] == '+';
    size_t fixed = var ? np - 1 : np;
    if (var ? n < fixed : n != fixed) return false;
    for (uint32_t i = 0; i < n; i++) {
        char want = i < fixed ? b->params[i] : b->params[fixed - 1];
        if (want == '*') { if (!teq(args[i], args[0])) return false; continue; }
        if (!letter_ok(want, args[i])) return false;
    }
    if (b->result == '=') return n > 0 && teq(dst, args[0]);
    return letter_ok(b->result, dst);
}

/* A function's signature and frame: checked for every function before any
 * code, since a CALL or an AGG checks its arguments against the callee's
 * parameter registers. */
static bool verify_head(V *v, uint32_t fi)
{
    Prog *p = v->p;
    PFunc *f = &p->funcs[fi];
    const char *fname = f->name.p;
    if (f->nregs > PROG_MAX_REGS || f->nparams > f->nregs || f->nparams > PROG_MAX_ARGS)
        return fail(v, "function %u ('%s'): bad register count", fi, fname);
    for (uint32_t r = 0; r < f->nregs; r++)
        if (!type_ok(v, f->rtypes[r])) return fail(v, "function %u ('%s'): register %u has an invalid type", fi, fname, r);
    if (!type_ok(v, f->result)) return fail(v, "function %u ('%s'): invalid result type", fi, fname);
    if (f->kind > FK_EXPLAIN) return fail(v, "function %u: invalid kind %u", fi, f->kind);
    if (f->kind == FK_WHERE) {
        if (f->stream < 0 || (uint32_t)f->stream >= p->nstreams) return fail(v, "function %u: where body without a valid stream", fi);
        if (f->result.kind != PT_BOOL) return fail(v, "function %u: a where body must give a bool", fi);
    } else if (f->stream != -1)
        return fail(v, "function %u: only a where body has a stream", fi);
    if (f->memo < -1 || (f->memo >= 0 && (f->nparams || (uint32_t)f->memo >= p->nmemo)))
        return fail(v, "function %u: bad memo slot %d", fi, f->memo);
    if (f->ncode == 0) return fail(v, "function %u ('%s'): no code", fi, fname);
    for (uint32_t i = 0; i < f->nlines; i++) {
        if (f->lines[2 * i] >= f->ncode) return fail(v, "function %u: line table entry %u is past the code", fi, i);
        if (i && f->lines[2 * i] < f->lines[2 * i - 2]) return fail(v, "function %u: line table out of order", fi);
    }
    return true;
}

static bool verify_code(V *v, uint32_t fi, uint8_t *starts)
{
    Prog *p = v->p;
    PFunc *f = &p->funcs[fi];
    const char *fname = f->name.p;

    /* first pass: instruction boundaries */
    memset(starts, 0, f->ncode + 1);
    uint32_t pc = 0, last = 0;
    while (pc < f->ncode) {
        uint32_t op = f->code[pc];
        if (op >= OP__COUNT) return fail(v, "function %u ('%s'), word %u: unknown opcode %u", fi, fname, pc, op);
        starts[pc] = 1;
        last = pc;
        const char *spec = lead_opinfo[op].operands;
        uint32_t len = 1;
        for (const char *s = spec; *s; s++) {
            if (*s == ' ') continue;
            if (*s == 'R') { s++; len++; continue; }
            if (*s == 'V') {
                if (pc + len >= f->ncode) return fail(v, "function %u ('%s'): code ends inside an instruction", fi, fname);
                uint32_t n = f->code[pc + len];
                if (n > PROG_MAX_ARGS) return fail(v, "function %u ('%s'), word %u: too many arguments", fi, fname, pc);
                len += 1 + n;
                continue;
            }
            len++;
        }
        if (pc + len > f->ncode || pc + len < pc)
            return fail(v, "function %u ('%s'): code ends inside an instruction", fi, fname);
        pc += len;
    }
    if (f->code[last] != OP_RET && f->code[last] != OP_JMP)
        return fail(v, "function %u ('%s'): code can run past its end (no final return)", fi, fname);

    /* second pass: operands */
    pc = 0;
    while (pc < f->ncode) {
        uint32_t op = f->code[pc];
        const char *spec = lead_opinfo[op].operands;
        const char *on = lead_opinfo[op].name;
        uint32_t w = pc + 1;
        uint32_t ops[8] = { 0 };
        PType rt[8] = { { 0, 0 } };
        uint32_t k = 0, nargs = 0, argw = 0;
        for (const char *s = spec; *s; s++) {
            if (*s == ' ') continue;
            uint32_t x = f->code[w];
            switch (*s) {
            case 'R':
                s++;
                if (x >= f->nregs) return fail(v, "function %u ('%s'), word %u (%s): register %u out of range", fi, fname, pc, on, x);
                if (!letter_ok(*s, f->rtypes[x]))
                    return fail(v, "function %u ('%s'), word %u (%s): register %u has the wrong type", fi, fname, pc, on, x);
                rt[k] = f->rtypes[x];
                break;
            case 'K': if (x >= p->nnums) return fail(v, "function %u, word %u (%s): number constant %u out of range", fi, pc, on, x); break;
            case 'I': if (x >= p->nints) return fail(v, "function %u, word %u (%s): integer constant %u out of range", fi, pc, on, x); break;
            case 'S': if (x >= p->ntexts) return fail(v, "function %u, word %u (%s): text constant %u out of range", fi, pc, on, x); break;
            case 'T': if (x >= p->nsets) return fail(v, "function %u, word %u (%s): set %u out of range", fi, pc, on, x); break;
            case 'X': if (x >= p->nregexes) return fail(v, "function %u, word %u (%s): pattern %u out of range", fi, pc, on, x); break;
            case 'L': if (x >= p->nlevels) return fail(v, "function %u, word %u (%s): level type %u out of range", fi, pc, on, x); break;
            case 'C': if (x >= p->nclasses) return fail(v, "function %u, word %u (%s): classification %u out of range", fi, pc, on, x); break;
            case 'F': if (x >= p->nfields) return fail(v, "function %u, word %u (%s): field %u out of range", fi, pc, on, x); break;
            case 'E':
                if (f->kind != FK_WHERE) return fail(v, "function %u ('%s'), word %u: an event field outside a where body", fi, fname, pc);
                if (x >= p->streams[f->stream].nfields) return fail(v, "function %u, word %u: event field %u out of range", fi, pc, x);
                break;
            case 'J': {
                uint64_t t = (uint64_t)w + 1 + x;
                if (t >= f->ncode || !starts[t])
                    return fail(v, "function %u ('%s'), word %u (%s): jump does not land on an instruction", fi, fname, pc, on);
                break;
            }
            case 'U': if (x >= p->nfuncs) return fail(v, "function %u, word %u: call of function %u out of range", fi, pc, x); break;
            case 'B': if (x >= lead_nbuiltins) return fail(v, "function %u, word %u: built-in %u out of range", fi, pc, x); break;
            case 'Z': if (x >= p->nexterns) return fail(v, "function %u, word %u: extern %u out of range", fi, pc, x); break;
            case 'A': if (x >= p->naggs) return fail(v, "function %u, word %u: aggregate %u out of range", fi, pc, x); break;
            case 'N': break;
            case 'V':
                nargs = x;
                argw = w + 1;
                for (uint32_t i = 0; i < nargs; i++)
                    if (f->code[argw + i] >= f->nregs)
                        return fail(v, "function %u ('%s'), word %u (%s): argument register out of range", fi, fname, pc, on);
                w += nargs;
                break;
            }
            if (k < 8) ops[k++] = x;
            w++;
        }
        /* checks that relate operands to each other */
        PType targs[PROG_MAX_ARGS + 1];
        for (uint32_t i = 0; i < nargs; i++) targs[i] = f->rtypes[f->code[argw + i]];
        switch (op) {
        case OP_LOADI:
            if (!int_ok(p, rt[0], p->ints[ops[1]])) return fail(v, "function %u, word %u: LOADI constant does not fit its register", fi, pc);
            break;
        case OP_MOVE:
            if (!teq(rt[0], rt[1])) return fail(v, "function %u, word %u: MOVE between types", fi, pc);
            break;
        case OP_FIELD:
            if (!teq(rt[0], p->fields[ops[1]].type)) return fail(v, "function %u, word %u: FIELD into a register of another type", fi, pc);
            break;
        case OP_EVFIELD:
            if (!teq(rt[0], p->streams[f->stream].fields[ops[1]].type)) return fail(v, "function %u, word %u: EVFIELD into a register of another type", fi, pc);
            break;
        case OP_EQI: case OP_NEI: case OP_LTI: case OP_LEI:
            if (!teq(rt[1], rt[2])) return fail(v, "function %u, word %u: comparison of different types", fi, pc);
            break;
        case OP_INSET: {
            const PSet *s = &p->sets[ops[2]];
            bool ok = s->kind == PS_TEXT ? rt[1].kind == PT_TEXT : s->kind == PS_NUMBER ? rt[1].kind == PT_NUMBER :
                      s->kind == PS_INT ? letter_ok('i', rt[1]) : false;
            if (!ok) return fail(v, "function %u, word %u: INSET of a set of another type", fi, pc);
            break;
        }
        case OP_WITHIN:
            if (rt[1].kind != PT_DATE && rt[1].kind != PT_TIME) return fail(v, "function %u, word %u: WITHIN needs a date or time", fi, pc);
            if (p->ints[ops[2]] <= 0) return fail(v, "function %u, word %u: WITHIN needs a positive duration", fi, pc);
            break;
        case OP_T2LEVEL:
            if (rt[0].id != ops[2]) return fail(v, "function %u, word %u: T2LEVEL level type mismatch", fi, pc);
            break;
        case OP_LEVEL2T:
            if (rt[1].id != ops[2]) return fail(v, "function %u, word %u: LEVEL2T level type mismatch", fi, pc);
            break;
        case OP_CLASS2T:
            if (rt[1].id != ops[2]) return fail(v, "function %u, word %u: CLASS2T classification mismatch", fi, pc);
            break;
        case OP_CALL: {
            const PFunc *g = &p->funcs[ops[1]];
            if (g->kind == FK_WHERE || g->kind == FK_EXPLAIN) return fail(v, "function %u, word %u: CALL of a where or explain body", fi, pc);
            if (nargs != g->nparams)
                return fail(v, "function %u, word %u: CALL with %u argument%s, function %u takes %u", fi, pc, nargs,
                            nargs == 1 ? "" : "s", ops[1], g->nparams);
            for (uint32_t i = 0; i < nargs; i++)
                if (!teq(targs[i], g->rtypes[i])) return fail(v, "function %u, word %u: CALL argument %u has the wrong type", fi, pc, i);
            if (!teq(rt[0], g->result)) return fail(v, "function %u, word %u: CALL result type mismatch", fi, pc);
            break;
        }
        case OP_BUILTIN:
            if (!builtin_fits(&lead_builtins[ops[1]], targs, nargs, rt[0]))
                return fail(v, "function %u, word %u: built-in '%s' called with the wrong types", fi, pc, lead_builtins[ops[1]].name);
            break;
        case OP_EXTERN: {
            const PExtern *x = &p->externs[ops[1]];
            if (nargs != x->nparams) return fail(v, "function %u, word %u: EXTERN argument count", fi, pc);
            for (uint32_t i = 0; i < nargs; i++)
                if (targs[i].kind != x->ptypes[i]) return fail(v, "function %u, word %u: EXTERN argument %u type", fi, pc, i);
            if (rt[0].kind != x->rtype) return fail(v, "function %u, word %u: EXTERN result type", fi, pc);
            break;
        }
        case OP_AGG: {
            const PAgg *a = &p->aggs[ops[1]];
            uint32_t want = a->where >= 0 ? p->funcs[a->where].nparams : 0;
            if (nargs != want) return fail(v, "function %u, word %u: AGG argument count", fi, pc);
            for (uint32_t i = 0; i < nargs; i++)
                if (!teq(targs[i], p->funcs[a->where].rtypes[i])) return fail(v, "function %u, word %u: AGG argument %u type", fi, pc, i);
            if (!teq(rt[0], agg_result(p, a))) return fail(v, "function %u, word %u: AGG result type", fi, pc);
            break;
        }
        case OP_ACC:
            if (ops[2] >= p->nslines) return fail(v, "function %u, word %u: score line %u out of range", fi, pc, ops[2]);
            break;
        case OP_HIT:
            if (ops[0] >= p->nclines) return fail(v, "function %u, word %u: classify line %u out of range", fi, pc, ops[0]);
            break;
        case OP_RET:
            if (!teq(rt[0], f->result)) return fail(v, "function %u ('%s'), word %u: RET of the wrong type", fi, fname, pc);
            break;
        default:
            break;
        }
        pc = w;
    }
    return true;
}

static bool verify_agg(V *v, uint32_t ai)
{
    Prog *p = v->p;
    PAgg *a = &p->aggs[ai];
    if (a->kind > PA_FOREACH) return fail(v, "aggregate %u: invalid kind", ai);
    if (a->stream < 0 || (uint32_t)a->stream >= p->nstreams) return fail(v, "aggregate %u: stream out of range", ai);
    const PStream *s = &p->streams[a->stream];
    bool wants_field = !(a->kind == PA_COUNT || a->kind == PA_ANY || a->kind == PA_NONE || a->kind == PA_FOREACH);
    if (wants_field ? (a->field < 0 || (uint32_t)a->field >= s->nfields) : a->field != -1)
        return fail(v, "aggregate %u: field out of range", ai);
    if (wants_field) {
        uint8_t k = s->fields[a->field].type.kind;
        if ((a->kind == PA_SUM || a->kind == PA_AVERAGE) && k != PT_NUMBER) return fail(v, "aggregate %u: sum of a field that is not a number", ai);
        if ((a->kind == PA_MIN || a->kind == PA_MAX) && (k == PT_TEXT || k == PT_BOOL)) return fail(v, "aggregate %u: min/max of text or bool", ai);
    }
    if (a->where != -1) {
        if (a->where < 0 || (uint32_t)a->where >= p->nfuncs) return fail(v, "aggregate %u: where body out of range", ai);
        const PFunc *w = &p->funcs[a->where];
        if (w->kind != FK_WHERE || w->stream != a->stream) return fail(v, "aggregate %u: where body of another stream", ai);
    }
    if (a->win > PW_ANY) return fail(v, "aggregate %u: invalid window", ai);
    if (a->win != PW_NONE) {
        if (s->time < 0) return fail(v, "aggregate %u: window on a stream without a time field", ai);
        if (a->win_us <= 0) return fail(v, "aggregate %u: window length not positive", ai);
    }
    if ((a->win == PW_ANY || a->win == PW_ANY_DAY) &&
        !(a->kind == PA_COUNT || a->kind == PA_COUNT_DISTINCT || a->kind == PA_SUM || a->kind == PA_FOREACH))
        return fail(v, "aggregate %u: 'during any' on an aggregate that has none", ai);
    if ((a->kind == PA_LATEST || a->kind == PA_EARLIEST) && s->time < 0)
        return fail(v, "aggregate %u: latest/earliest on a stream without a time field", ai);
    if (a->half_us < 0 || (a->half_us && (a->kind != PA_FOREACH || s->time < 0)))
        return fail(v, "aggregate %u: invalid half life", ai);
    if (!isfinite(a->n)) return fail(v, "aggregate %u: invalid points", ai);
    return true;
}

static uint64_t work_add(uint64_t a, uint64_t b)
{
    return a + b > PROG_MAX_WORK ? (uint64_t)PROG_MAX_WORK + 1 : a + b;
}

/* One call of f (whose callees are done): returns the most code words it
 * can run, sets *maxv to its largest argument list and *nest to how deep
 * where bodies nest under it.  Jumps go forward, so each word of f runs at
 * most once; a callee without a memo slot adds its own work at each call
 * site (a define calling g(x) + g(x) runs g twice), one with a slot runs at
 * most once per record and is counted on its own; an aggregate's where
 * body counts once, since it runs once per event: the data says how many,
 * and the nesting of where bodies (through functions with parameters,
 * which have no memo slot) is the power of that number.  Without these
 * bounds a small file could nest calls into an evaluation that never ends
 * in practice. */
static uint64_t frame_work(const Prog *p, const PFunc *f, const uint64_t *work, const uint32_t *nests,
                           uint32_t *maxv, uint32_t *nest)
{
    uint64_t w = f->ncode;
    *maxv = 0;
    *nest = 0;
    for (uint32_t q = 0; q < f->ncode; ) {
        uint32_t op = f->code[q], len = 1;
        for (const char *s = lead_opinfo[op].operands; *s; s++) {
            if (*s == ' ') continue;
            if (*s == 'R') { s++; len++; continue; }
            if (*s == 'V') { if (f->code[q + len] > *maxv) *maxv = f->code[q + len]; len += 1 + f->code[q + len]; continue; }
            len++;
        }
        if (op == OP_CALL && p->funcs[f->code[q + 2]].memo < 0) {
            w = work_add(w, work[f->code[q + 2]]);
            if (nests[f->code[q + 2]] > *nest) *nest = nests[f->code[q + 2]];
        } else if (op == OP_AGG && p->aggs[f->code[q + 2]].where >= 0) {
            int32_t wf = p->aggs[f->code[q + 2]].where;
            w = work_add(w, work[wf]);
            if (nests[wf] + 1 > *nest) *nest = nests[wf] + 1;
        }
        q += len;
    }
    return w > PROG_MAX_WORK ? (uint64_t)PROG_MAX_WORK + 1 : w;
}

static bool fields_ok(V *v, const PField *f, uint32_t n, const char *what)
{
    for (uint32_t i = 0; i < n; i++)
        if (!type_ok(v, f[i].type)) return fail(v, "%s field %u has an invalid type", what, i);
    return true;
}

bool prog_verify(Prog *p, char *err, size_t errlen)
{
    V v = { p, err, errlen, false };
    if (p->has_version && !isfinite(p->version)) return fail(&v, "the definition's version is not a number");
    if (p->has_approved && (p->approved < DATE_MIN || p->approved > DATE_MAX)) return fail(&v, "the approved date is out of range");
    if (p->nfields == 0 || p->key < 0 || (uint32_t)p->key >= p->nfields) return fail(&v, "the record's key field is out of range");
    if (!fields_ok(&v, p->fields, p->nfields, "record")) return false;
    for (uint32_t s = 0; s < p->nstreams; s++) {
        PStream *st = &p->streams[s];
        if (!fields_ok(&v, st->fields, st->nfields, "stream")) return false;
        if (st->key < 0 || (uint32_t)st->key >= st->nfields) return fail(&v, "stream %u: match field out of range", s);
        if (st->time != -1 && (st->time < 0 || (uint32_t)st->time >= st->nfields || st->fields[st->time].type.kind != PT_TIME))
            return fail(&v, "stream %u: time field invalid", s);
    }
    for (uint32_t i = 0; i < p->nsets; i++)
        if (p->sets[i].kind > PS_INT) return fail(&v, "set %u: invalid kind", i);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        PExtern *x = &p->externs[i];
        if (x->nparams > 16) return fail(&v, "extern %u: too many parameters", i);
        for (uint32_t k = 0; k < x->nparams; k++)
            if (x->ptypes[k] != PT_TEXT && x->ptypes[k] != PT_NUMBER && x->ptypes[k] != PT_BOOL)
                return fail(&v, "extern %u: parameter type not text, number or bool", i);
        if (x->rtype != PT_TEXT && x->rtype != PT_NUMBER && x->rtype != PT_BOOL)
            return fail(&v, "extern %u: result type not text, number or bool", i);
    }
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (!verify_head(&v, i)) return false;
    for (uint32_t i = 0; i < p->naggs; i++)
        if (!verify_agg(&v, i)) return false;
    size_t maxcode = 0;
    for (uint32_t i = 0; i < p->nfuncs; i++) if (p->funcs[i].ncode > maxcode) maxcode = p->funcs[i].ncode;
    uint8_t *starts = malloc(maxcode + 1);
    if (!starts) return fail(&v, "out of memory");
    for (uint32_t i = 0; i < p->nfuncs && !v.bad; i++) verify_code(&v, i, starts);
    free(starts);
    if (v.bad) return false;

    /* memo slots are distinct */
    uint8_t *seen = calloc(p->nmemo + 1, 1);
    if (!seen) return fail(&v, "out of memory");
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        int32_t m = p->funcs[i].memo;
        if (m < 0) continue;
        if (seen[m]) { free(seen); return fail(&v, "memo slot %d used twice", m); }
        seen[m] = 1;
    }
    free(seen);

    /* outputs */
    if (p->lead_fn < 0 || (uint32_t)p->lead_fn >= p->nfuncs || p->funcs[p->lead_fn].kind != FK_LEAD ||
        p->funcs[p->lead_fn].result.kind != PT_BOOL || p->funcs[p->lead_fn].nparams)
        return fail(&v, "the lead function is invalid");
    if (p->score_fn != -1 && (p->score_fn < 0 || (uint32_t)p->score_fn >= p->nfuncs || p->funcs[p->score_fn].kind != FK_SCORE ||
        p->funcs[p->score_fn].result.kind != PT_NUMBER || p->funcs[p->score_fn].nparams))
        return fail(&v, "the score function is invalid");
    for (uint32_t i = 0; i < p->nclasses; i++) {
        int32_t f = p->class_fns[i];
        if (f < 0 || (uint32_t)f >= p->nfuncs || p->funcs[f].kind != FK_CLASSIFY || p->funcs[f].nparams ||
            p->funcs[f].result.kind != PT_CLASS || p->funcs[f].result.id != i)
            return fail(&v, "classification %u: its function is invalid", i);
    }
    for (uint32_t i = 0; i < p->nclines; i++)
        if (p->clines[i].cls >= p->nclasses || p->clines[i].label >= p->classes[p->clines[i].cls].n)
            return fail(&v, "classify line %u is invalid", i);
    for (uint32_t i = 0; i < p->nslines; i++)
        if (p->slines[i].kind > SL_KIND_FOREACH || !isfinite(p->slines[i].n)) return fail(&v, "score line %u is invalid", i);
    for (uint32_t i = 0; i < p->nexplain; i++) {
        int32_t f = p->explain[i].fn;
        if (f < 0 || (uint32_t)f >= p->nfuncs || p->funcs[f].nparams || p->funcs[f].result.kind != PT_BOOL ||
            p->funcs[f].kind == FK_WHERE)
            return fail(&v, "explain entry %u is invalid", i);
    }

    /* the call graph: acyclic, bounded depth; registers along the deepest
     * path; work and the nesting of where bodies */
    uint32_t n = p->nfuncs;
    uint32_t *state = calloc(n + 1, sizeof *state);     /* 0 new, 1 open, 2 done */
    uint32_t *depth = calloc(n + 1, sizeof *depth);
    uint32_t *regs = calloc(n + 1, sizeof *regs);
    uint64_t *work = calloc(n + 1, sizeof *work);
    uint32_t *nests = calloc(n + 1, sizeof *nests);
    uint32_t *stack = malloc((n + 1) * sizeof *stack), *it = malloc((n + 1) * sizeof *it);
    bool ok = state && depth && regs && work && nests && stack && it;
    if (!ok) fail(&v, "out of memory");
    for (uint32_t root = 0; ok && root < n; root++) {
        if (state[root]) continue;
        uint32_t sp = 0;
        stack[sp] = root; it[sp] = 0; sp++;
        state[root] = 1;
        while (sp && ok) {
            uint32_t fi = stack[sp - 1];
            PFunc *f = &p->funcs[fi];
            /* find the next callee from it[sp-1] on */
            uint32_t pc = it[sp - 1], callee = UINT32_MAX;
            while (pc < f->ncode && callee == UINT32_MAX) {
                uint32_t op = f->code[pc];
                uint32_t len = 1;
                for (const char *s = lead_opinfo[op].operands; *s; s++) {
                    if (*s == ' ') continue;
                    if (*s == 'R') { s++; len++; continue; }
                    if (*s == 'V') { len += 1 + f->code[pc + len]; continue; }
                    len++;
                }
                if (op == OP_CALL) callee = f->code[pc + 2];
                else if (op == OP_AGG && p->aggs[f->code[pc + 2]].where >= 0) callee = (uint32_t)p->aggs[f->code[pc + 2]].where;
                pc += len;
            }
            it[sp - 1] = pc;
            if (callee == UINT32_MAX) {
                state[fi] = 2;
                sp--;
                if (depth[fi] == 0) depth[fi] = 1;
                /* its frame, and above it the largest argument list it passes */
                uint32_t maxv = 0;
                work[fi] = frame_work(p, f, work, nests, &maxv, &nests[fi]);
                regs[fi] = f->nregs + (regs[fi] > maxv ? regs[fi] : maxv);
                if (sp) {
                    uint32_t parent = stack[sp - 1];
                    if (depth[fi] + 1 > depth[parent]) depth[parent] = depth[fi] + 1;
                    if (regs[fi] > regs[parent]) regs[parent] = regs[fi];
                }
                continue;
            }
            if (state[callee] == 1) { ok = fail(&v, "the functions call each other in a cycle (function %u)", callee); break; }
            if (state[callee] == 2) {
                if (depth[callee] + 1 > depth[fi]) depth[fi] = depth[callee] + 1;
                if (regs[callee] > regs[fi]) regs[fi] = regs[callee];
                continue;   /* regs[] holds the callees' need until fi is done */
            }
            if (sp > PROG_MAX_CALL_DEPTH) { ok = fail(&v, "calls nest more than %d deep", PROG_MAX_CALL_DEPTH); break; }
            state[callee] = 1;
            stack[sp] = callee; it[sp] = 0; sp++;
        }
    }
    uint32_t maxd = 0, maxr = 0, maxn = 0;
    for (uint32_t i = 0; ok && i < n; i++) {
        if (depth[i] > maxd) maxd = depth[i];
        if (regs[i] > maxr) maxr = regs[i];
        if (nests[i] > maxn) maxn = nests[i];
    }
    /* what one record can cost: the outputs, and each function with a memo
     * slot once */
    uint64_t total = 0;
    if (ok) {
        uint32_t *root = state;
        memset(root, 0, n * sizeof *root);
        root[p->lead_fn] = 1;
        if (p->score_fn >= 0) root[p->score_fn] = 1;
        for (uint32_t i = 0; i < p->nclasses; i++) root[p->class_fns[i]] = 1;
        for (uint32_t i = 0; i < p->nexplain; i++) root[p->explain[i].fn] = 1;
        for (uint32_t i = 0; i < n; i++)
            if (root[i] || p->funcs[i].memo >= 0) total = work_add(total, work[i]);
    }
    free(state); free(depth); free(regs); free(work); free(nests); free(stack); free(it);
    if (!ok) return false;
    if (maxd > PROG_MAX_CALL_DEPTH) return fail(&v, "calls nest more than %d deep", PROG_MAX_CALL_DEPTH);
    if (maxn > PROG_MAX_WHERE_NEST)
        return fail(&v, "where bodies nest %u deep, more than %d (each runs the next once per event)", maxn, PROG_MAX_WHERE_NEST);
    if (total > PROG_MAX_WORK)
        return fail(&v, "one record could take more than %u instructions (calls of functions that repeat calls nest too deep)",
                    PROG_MAX_WORK);
    p->max_depth = maxd;
    p->max_regs = maxr;
    p->verified = true;
    return true;
}
