/* vm: the interpreter loop and the per-record state.
 *
 * Registers are typed by the bytecode (the verifier checked every operand),
 * so an instruction never tests a type: it only tests whether its operands
 * are missing, which is one byte in each value.  Dispatch is a switch, or
 * computed goto when the compiler has it (LEAD_COMPUTED_GOTO). */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "opcodes.h"
#include "value.h"
#include "vm_internal.h"

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    return p;
}

/* ---- scratch space ----------------------------------------------------------- */

char *vm_scratch(VmCtx *vm, size_t n)
{
    ScratchChunk *c = vm->scratch;
    n = (n + 7) & ~(size_t)7;
    if (!c || c->used + n > c->cap) {
        size_t cap = c ? c->cap * 2 : 65536;
        while (cap < n) cap *= 2;
        ScratchChunk *nc = malloc(sizeof *nc + cap);
        if (!nc) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        nc->cap = cap;
        nc->used = 0;
        nc->next = c;
        vm->scratch = c = nc;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

static void scratch_reset(VmCtx *vm)
{
    ScratchChunk *c = vm->scratch;
    if (!c) return;
    /* keep the newest (largest) chunk */
    ScratchChunk *rest = c->next;
    while (rest) { ScratchChunk *n = rest->next; free(rest); rest = n; }
    c->next = NULL;
    c->used = 0;
}

int32_t vm_asof(const VmCtx *vm) { return vm->asof; }

/* ---- contexts ------------------------------------------------------------------ */

VmCtx *vm_new(const Prog *p, int32_t as_of)
{
    VmCtx *vm = xcalloc(1, sizeof *vm);
    vm->p = p;
    vm->asof = as_of;
    vm->asof_us = ((int64_t)as_of + 1) * US_PER_DAY;
    vm->fvals = xcalloc(p->nfields, sizeof *vm->fvals);
    vm->fgen = xcalloc(p->nfields, sizeof *vm->fgen);
    vm->fstats = xcalloc(p->nfields, sizeof *vm->fstats);
    vm->memo = xcalloc(p->nmemo, sizeof *vm->memo);
    vm->mgen = xcalloc(p->nmemo, sizeof *vm->mgen);
    size_t nregs = (size_t)p->max_regs + PROG_MAX_ARGS + 16;
    vm->regs = xcalloc(nregs, sizeof *vm->regs);
    vm->regs_end = vm->regs + nregs;
    vm->spoints = xcalloc(p->nslines, sizeof *vm->spoints);
    vm->sfired = xcalloc(p->nslines, 1);
    vm->chit = xcalloc(p->nclines, 1);
    vm->refused_ext = -1;
    vm->rx = rx_match_new();
    if (!vm->rx) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    vm->gen = 0;
    return vm;
}

void vm_free(VmCtx *vm)
{
    if (!vm) return;
    free(vm->fvals); free(vm->fgen); free(vm->fstats);
    free(vm->memo); free(vm->mgen); free(vm->regs);
    free(vm->spoints); free(vm->sfired); free(vm->chit);
    ScratchChunk *c = vm->scratch;
    while (c) { ScratchChunk *n = c->next; free(c); c = n; }
    rx_match_free(vm->rx);
    ubuf_free(&vm->k1); ubuf_free(&vm->k2);
    free(vm);
}

void vm_set_eager(VmCtx *vm, bool eager) { vm->eager = eager; }
void vm_set_coverage(VmCtx *vm, uint8_t *cov) { vm->cov = cov; }
int32_t vm_refused_extern(const VmCtx *vm) { return vm->refused_ext; }

const double *vm_score_points(const VmCtx *vm) { return vm->spoints; }
const uint8_t *vm_score_fired(const VmCtx *vm) { return vm->sfired; }
const uint8_t *vm_class_hit(const VmCtx *vm) { return vm->chit; }
const VmFieldStats *vm_field_stats(const VmCtx *vm) { return vm->fstats; }

/* ---- parsing cells ------------------------------------------------------------ */

VmValue vm_parse_cell(const Prog *p, PType t, const char *s, uint32_t n, bool *invalid)
{
    *invalid = false;
    if (!s || n == 0) return vm_missing();
    /* blank cells are missing: a first byte that is plain ASCII and not
     * white space settles it without trimming */
    unsigned char c0 = (unsigned char)s[0];
    if ((c0 >= 0x80 || c0 <= ' ' ) && ut_blank(s, n)) return vm_missing();
    switch (t.kind) {
    case PT_TEXT:
        return vm_text(s, n);
    case PT_NUMBER: {
        double x;
        if (val_parse_number(s, n, &x)) return vm_num(x);
        break;
    }
    case PT_BOOL: {
        bool b;
        if (val_parse_bool(s, n, &b)) return vm_int(b);
        break;
    }
    case PT_DATE: {
        int32_t d;
        if (val_parse_date(s, n, &d)) return vm_int(d);
        break;
    }
    case PT_TIME: {
        int64_t us;
        if (val_parse_time(s, n, &us)) return vm_int(us);
        break;
    }
    case PT_LEVEL: {
        const PLabels *lv = &p->levels[t.id];
        /* the usual cell, short ASCII with no space around it: folded here
         * and compared whole; the keys are folded and trimmed already */
        unsigned char k[32];
        if (n <= sizeof k && (unsigned char)s[0] > ' ' && (unsigned char)s[n - 1] > ' ' && (unsigned char)s[n - 1] < 0x80) {
            uint32_t i = 0;
            for (; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x80) break;
                k[i] = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
            }
            if (i == n) {
                for (uint32_t l = 0; l < lv->n; l++)
                    if (lv->labels[l].keylen == n && memcmp(lv->labels[l].key, k, n) == 0) return vm_int(l);
                break;
            }
        }
        for (uint32_t i = 0; i < lv->n; i++)
            if (ut_key_eq(s, n, lv->labels[i].key, lv->labels[i].keylen)) return vm_int(i);
        break;
    }
    default:
        break;
    }
    *invalid = true;
    return vm_missing();
}

static void parse_field(VmCtx *vm, uint32_t f)
{
    const VmCell *c = &vm->cells[f];
    bool invalid = false;
    VmValue v;
    if (c->invalid) { v = vm_missing(); invalid = true; }
    else v = vm_parse_cell(vm->p, vm->p->fields[f].type, c->p, c->len, &invalid);
    vm->fvals[f] = v;
    vm->fgen[f] = vm->gen;
    if (invalid) vm->fstats[f].invalid++;
    else if (v.miss) vm->fstats[f].missing++;
}

void vm_stream_used(const Prog *p, uint32_t stream, uint8_t *used)
{
    const PStream *st = &p->streams[stream];
    memset(used, 0, st->nfields);
    if (st->time >= 0) used[st->time] = 1;
    for (uint32_t a = 0; a < p->naggs; a++)
        if (p->aggs[a].stream == (int32_t)stream && p->aggs[a].field >= 0) used[p->aggs[a].field] = 1;
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        const PFunc *f = &p->funcs[fi];
        if (f->stream != (int32_t)stream) continue;
        for (uint32_t pc = 0; pc < f->ncode; ) {
            uint32_t op = f->code[pc], len = 1;
            for (const char *s = lead_opinfo[op].operands; *s; s++) {
                if (*s == ' ') continue;
                if (*s == 'R') { s++; len++; continue; }
                if (*s == 'V') { len += 1 + f->code[pc + len]; continue; }
                len++;
            }
            if (op == OP_EVFIELD) used[f->code[pc + 2]] = 1;
            pc += len;
        }
    }
}

void vm_parse_event(const Prog *p, uint32_t stream, const VmCell *cells, VmEvent *out)
{
    vm_parse_event_used(p, stream, cells, out, NULL);
}

void vm_parse_event_used(const Prog *p, uint32_t stream, const VmCell *cells, VmEvent *out, const uint8_t *used)
{
    const PStream *st = &p->streams[stream];
    /* locals: the stores to vals could otherwise alias the stream's fields */
    const uint32_t nf = st->nfields;
    const PField *fields = st->fields;
    VmValue *vals = out->vals;
    for (uint32_t i = 0; i < nf; i++) {
        bool invalid;
        const VmCell *c = &cells[i];
        if ((used && !used[i]) || c->invalid) vals[i] = vm_missing();
        else if (fields[i].type.kind == PT_TEXT && c->len && (unsigned char)c->p[0] - 0x21u < 0x5Eu)
            vals[i] = vm_text(c->p, c->len);      /* not blank: a printable ASCII byte first */
        else vals[i] = vm_parse_cell(p, fields[i].type, c->p, c->len, &invalid);
    }
    const int32_t ti = st->time;
    out->has_t = ti >= 0 && !vals[ti].miss;
    out->t = out->has_t ? vals[ti].u.i : 0;
}

void vm_record(VmCtx *vm, const VmCell *cells, const VmEvents *events)
{
    if (++vm->gen == 0) {             /* wrapped: forget every stamp */
        memset(vm->fgen, 0, vm->p->nfields * sizeof *vm->fgen);
        memset(vm->mgen, 0, vm->p->nmemo * sizeof *vm->mgen);
        vm->gen = 1;
    }
    vm->cells = cells;
    vm->events = events;
    vm->refused_ext = -1;
    scratch_reset(vm);
    if (vm->p->nslines) {
        memset(vm->spoints, 0, vm->p->nslines * sizeof *vm->spoints);
        memset(vm->sfired, 0, vm->p->nslines);
    }
    if (vm->p->nclines) memset(vm->chit, 0, vm->p->nclines);
    if (vm->eager)
        for (uint32_t f = 0; f < vm->p->nfields; f++) parse_field(vm, f);
}

static void run_into(VmCtx *vm, const PFunc *f, VmValue *R, VmValue *out);

VmValue vm_eval(VmCtx *vm, int32_t fi)
{
    const PFunc *f = &vm->p->funcs[fi];
    VmValue v;
    if (f->memo >= 0) {
        if (vm->mgen[f->memo] != vm->gen) {
            run_into(vm, f, vm->regs, &vm->memo[f->memo]);
            vm->mgen[f->memo] = vm->gen;
        }
        vm_copy(&v, &vm->memo[f->memo]);
        return v;
    }
    run_into(vm, f, vm->regs, &v);
    return v;
}

/* ---- text helpers ---------------------------------------------------------------- */

static bool text_eq(VmCtx *vm, const VmValue *a, const VmValue *b)
{
    ubuf_clear(&vm->k1);
    ut_key(b->u.s, b->len, &vm->k1);
    return ut_key_eq(a->u.s, a->len, vm->k1.p ? vm->k1.p : "", (uint32_t)vm->k1.len);
}

static const char *fold_pattern(VmCtx *vm, const VmValue *b, uint32_t *len)
{
    ubuf_clear(&vm->k1);
    ut_fold(b->u.s, b->len, &vm->k1);
    *len = (uint32_t)vm->k1.len;
    return vm->k1.p ? vm->k1.p : "";
}

/* Membership without writing the folded key: its hash is computed on the
 * fly (ut_key_hash equals the hash of the folded key the set was built
 * with), and a candidate is compared folding as it goes. */
static bool in_text_set(VmCtx *vm, const PSet *s, const VmValue *v)
{
    (void)vm;
    if (!s->hcap) return false;
    uint32_t h = (uint32_t)ut_key_hash(v->u.s, v->len) & (s->hcap - 1);
    for (uint32_t k; (k = s->htab[h]); h = (h + 1) & (s->hcap - 1)) {
        const PText *t = &s->texts[k - 1];
        if (ut_key_eq(v->u.s, v->len, t->key, t->keylen)) return true;
    }
    return false;
}

/* ---- the interpreter ------------------------------------------------------------------ */

/* Operands: A, B, C are the instruction's first three words after the
 * opcode.  Results are written field by field: a missing result still
 * gets a payload (never read), which keeps the common paths branch-free
 * and the values out of stack temporaries. */
#define A_ (pc[1])
#define B_ (pc[2])
#define C_ (pc[3])
#define RA (&R[A_])
#define RB (&R[B_])
#define RC (&R[C_])

static inline void set_bool(VmValue *d, uint8_t miss, int64_t v) { d->u.i = v; d->meta = VM_META(0, miss); }
static inline void set_num(VmValue *d, uint8_t miss, double x)
{
    /* arithmetic that is not finite is missing (appendix A "Numbers") */
    d->u.n = x;
    d->meta = VM_META(0, miss | !isfinite(x));
}

#if defined(__GNUC__) && !defined(LEAD_NO_COMPUTED_GOTO)
#define LEAD_COMPUTED_GOTO 1
#endif

#ifdef LEAD_COMPUTED_GOTO
#define CASE(name) L_##name:
#define NEXT(n) do { pc += (n); goto *labels[pc[0]]; } while (0)
#else
#define CASE(name) case OP_##name:
#define NEXT(n) do { pc += (n); goto dispatch; } while (0)
#endif

/* Results go to *out word by word (see vmvalue.h), never as a struct
 * return that the caller would reload in one wide load. */
static void run_into(VmCtx *vm, const PFunc *f, VmValue *R, VmValue *out);

VmValue vm_run(VmCtx *vm, const PFunc *f, VmValue *R)
{
    VmValue v;
    run_into(vm, f, R, &v);
    return v;
}

static void run_into(VmCtx *vm, const PFunc *f, VmValue *R, VmValue *out)
{
    const Prog *p = vm->p;
    const uint32_t *pc = f->code;
    VmValue *top = R + f->nregs;          /* callees' frames start here */
    /* every register not a parameter starts missing; frames are a few
     * registers, so a plain loop (not vectorised with its set-up) */
    for (VmValue *r = R + f->nparams; r < top; r++) {
        r->meta = VM_META(0, 1);
#if defined(__GNUC__)
        __asm__("" ::: "memory");   /* keeps the compiler from vectorising it */
#endif
    }
    if (vm->cov) vm->cov[f - p->funcs] = 1;

#ifdef LEAD_COMPUTED_GOTO
    static const void *const labels[OP__COUNT + 1] = {
#define LEAD_OP_LABEL(name, ops, meaning) &&L_##name,
        LEAD_OPCODES(LEAD_OP_LABEL)
#undef LEAD_OP_LABEL
        &&L__COUNT
    };
    goto *labels[pc[0]];
#else
dispatch:
    switch ((Opcode)pc[0]) {
#endif

    CASE(LOADK) { VmValue *d = RA; d->u.n = p->nums[B_]; d->meta = 0; NEXT(3); }
    CASE(LOADI) { VmValue *d = RA; d->u.i = p->ints[B_]; d->meta = 0; NEXT(3); }
    CASE(LOADS) { VmValue *d = RA; d->u.s = p->texts[B_].p; d->meta = VM_META(p->texts[B_].len, 0); NEXT(3); }
    CASE(LOADNIL) { RA->meta = VM_META(0, 1); NEXT(2); }
    CASE(MOVE) { vm_copy(RA, RB); NEXT(3); }
    CASE(FIELD) {
        uint32_t fi = B_;
        if (vm->fgen[fi] != vm->gen) parse_field(vm, fi);
        vm_copy(RA, &vm->fvals[fi]);
        NEXT(3);
    }
    CASE(EVFIELD) { vm_copy(RA, &vm->cur_ev->vals[B_]); NEXT(3); }
    CASE(NOT) { const VmValue *a = RB; set_bool(RA, a->miss, !a->u.i); NEXT(3); }
    CASE(AND) {
        const VmValue *a = RB, *b = RC;
        bool af = !a->miss && !a->u.i, bf = !b->miss && !b->u.i;
        uint8_t miss = !(af | bf) && (a->miss | b->miss);
        set_bool(RA, miss, !(af | bf));
        NEXT(4);
    }
    CASE(OR) {
        const VmValue *a = RB, *b = RC;
        bool at = !a->miss && a->u.i, bt = !b->miss && b->u.i;
        uint8_t miss = !(at | bt) && (a->miss | b->miss);
        set_bool(RA, miss, at | bt);
        NEXT(4);
    }
    CASE(TRUTH) { const VmValue *a = RB; set_bool(RA, 0, !a->miss && a->u.i); NEXT(3); }
    CASE(ISMISS) { set_bool(RA, 0, RB->miss); NEXT(3); }
    CASE(ISPRES) { set_bool(RA, 0, !RB->miss); NEXT(3); }
    CASE(JMP) { NEXT(2 + A_); }
    CASE(JFALSE) { const VmValue *a = RA; NEXT(3 + ((!a->miss && !a->u.i) ? B_ : 0)); }
    CASE(JTRUE) { const VmValue *a = RA; NEXT(3 + ((!a->miss && a->u.i) ? B_ : 0)); }
    CASE(JNTRUE) { const VmValue *a = RA; NEXT(3 + ((!a->miss && a->u.i) ? 0 : B_)); }
    CASE(JMISS) { NEXT(3 + (RA->miss ? B_ : 0)); }
    CASE(ADD) { const VmValue *a = RB, *b = RC; set_num(RA, a->miss | b->miss, a->u.n + b->u.n); NEXT(4); }
    CASE(SUB) { const VmValue *a = RB, *b = RC; set_num(RA, a->miss | b->miss, a->u.n - b->u.n); NEXT(4); }
    CASE(MUL) { const VmValue *a = RB, *b = RC; set_num(RA, a->miss | b->miss, a->u.n * b->u.n); NEXT(4); }
    CASE(DIV) {
        const VmValue *a = RB, *b = RC;
        uint8_t miss = a->miss | b->miss | (b->u.n == 0);
        set_num(RA, miss, miss ? 0 : a->u.n / b->u.n);
        NEXT(4);
    }
    CASE(NEG) { const VmValue *a = RB; set_num(RA, a->miss, -a->u.n); NEXT(3); }
    CASE(EQN) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.n == b->u.n); NEXT(4); }
    CASE(NEN) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.n != b->u.n); NEXT(4); }
    CASE(LTN) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.n < b->u.n); NEXT(4); }
    CASE(LEN) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.n <= b->u.n); NEXT(4); }
    CASE(EQI) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.i == b->u.i); NEXT(4); }
    CASE(NEI) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.i != b->u.i); NEXT(4); }
    CASE(LTI) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.i < b->u.i); NEXT(4); }
    CASE(LEI) { const VmValue *a = RB, *b = RC; set_bool(RA, a->miss | b->miss, a->u.i <= b->u.i); NEXT(4); }
    CASE(EQT) {
        const VmValue *a = RB, *b = RC;
        uint8_t miss = a->miss | b->miss;
        set_bool(RA, miss, !miss && text_eq(vm, a, b));
        NEXT(4);
    }
    CASE(NET) {
        const VmValue *a = RB, *b = RC;
        uint8_t miss = a->miss | b->miss;
        set_bool(RA, miss, !miss && !text_eq(vm, a, b));
        NEXT(4);
    }
    CASE(EQTK) {
        const VmValue *a = RB;
        const PText *k = &p->texts[C_];
        set_bool(RA, a->miss, !a->miss && ut_key_eq_inline(a->u.s, a->len, k->key, k->keylen));
        NEXT(4);
    }
    CASE(NETK) {
        const VmValue *a = RB;
        const PText *k = &p->texts[C_];
        set_bool(RA, a->miss, !a->miss && !ut_key_eq_inline(a->u.s, a->len, k->key, k->keylen));
        NEXT(4);
    }
    CASE(CONTAINS) CASE(STARTS) CASE(ENDS) {
        const VmValue *a = RB, *b = RC;
        uint8_t miss = a->miss | b->miss;
        bool r = false;
        if (!miss) {
            uint32_t pl;
            const char *pat = fold_pattern(vm, b, &pl);
            r = pc[0] == OP_CONTAINS ? ut_contains(a->u.s, a->len, pat, pl) :
                pc[0] == OP_STARTS ? ut_starts_with(a->u.s, a->len, pat, pl) :
                                     ut_ends_with(a->u.s, a->len, pat, pl);
        }
        set_bool(RA, miss, r);
        NEXT(4);
    }
    CASE(CONTAINSK) CASE(STARTSK) CASE(ENDSK) {
        const VmValue *a = RB;
        bool r = false;
        if (!a->miss) {
            const PText *k = &p->texts[C_];
            r = pc[0] == OP_CONTAINSK ? ut_contains(a->u.s, a->len, k->p, k->len) :
                pc[0] == OP_STARTSK ? ut_starts_with(a->u.s, a->len, k->p, k->len) :
                                      ut_ends_with(a->u.s, a->len, k->p, k->len);
        }
        set_bool(RA, a->miss, r);
        NEXT(4);
    }
    CASE(MATCH) {
        const VmValue *a = RB;
        int r = a->miss ? -1 : rx_match(p->rx[C_], vm->rx, a->u.s, a->len);
        set_bool(RA, r < 0, r > 0);
        NEXT(4);
    }
    CASE(INSET) {
        const PSet *s = &p->sets[C_];
        const VmValue *x = RB;
        bool r = false;
        if (!x->miss) {
            if (s->kind == PS_TEXT) r = in_text_set(vm, s, x);
            else if (s->kind == PS_NUMBER) r = pset_has_num(s, x->u.n);
            else r = pset_has_int(s, x->u.i);
        }
        set_bool(RA, x->miss, r);
        NEXT(4);
    }
    CASE(WITHIN) {
        /* t in [A - len, A) without computing A - len (a duration may be
         * near 2^63); unsigned, since a missing value's payload is any bits */
        const VmValue *x = RB;
        int64_t t = f->rtypes[B_].kind == PT_DATE ? (int64_t)((uint64_t)x->u.i * US_PER_DAY) : x->u.i;
        uint64_t len = (uint64_t)p->ints[C_];
        set_bool(RA, x->miss, t < vm->asof_us && (uint64_t)vm->asof_us - (uint64_t)t <= len);
        NEXT(4);
    }
    CASE(D2T) { const VmValue *a = RB; VmValue *d = RA; d->u.i = (int64_t)((uint64_t)a->u.i * US_PER_DAY); d->meta = VM_META(0, a->miss); NEXT(3); }
    CASE(T2LEVEL) {
        const VmValue *x = RB;
        int64_t rank = -1;
        if (!x->miss) {
            const PLabels *lv = &p->levels[C_];
            for (uint32_t i = 0; i < lv->n; i++)
                if (ut_key_eq(x->u.s, x->len, lv->labels[i].key, lv->labels[i].keylen)) { rank = i; break; }
        }
        set_bool(RA, rank < 0, rank < 0 ? 0 : rank);
        NEXT(4);
    }
    CASE(LEVEL2T) {
        const VmValue *x = RB;
        VmValue *d = RA;
        if (x->miss) d->meta = VM_META(0, 1);
        else { const PText *t = &p->levels[C_].labels[x->u.i]; d->u.s = t->p; d->meta = VM_META(t->len, 0); }
        NEXT(4);
    }
    CASE(CLASS2T) {
        const VmValue *x = RB;
        VmValue *d = RA;
        if (x->miss) d->meta = VM_META(0, 1);
        else { const PText *t = &p->classes[C_].labels[x->u.i]; d->u.s = t->p; d->meta = VM_META(t->len, 0); }
        NEXT(4);
    }
    CASE(CALL) {
        const PFunc *g = &p->funcs[B_];
        uint32_t n = C_;
        if (g->memo >= 0) {
            if (vm->mgen[g->memo] != vm->gen) {
                run_into(vm, g, top, &vm->memo[g->memo]);
                vm->mgen[g->memo] = vm->gen;
            }
            vm_copy(RA, &vm->memo[g->memo]);
        } else {
            for (uint32_t i = 0; i < n; i++) vm_copy(&top[i], &R[pc[4 + i]]);
            run_into(vm, g, top, RA);
        }
        NEXT(4 + n);
    }
    CASE(BUILTIN) {
        const Builtin *b = &lead_builtins[B_];
        uint32_t n = C_;
        uint8_t any_miss = 0;
        for (uint32_t i = 0; i < n; i++) {
            vm_copy(&top[i], &R[pc[4 + i]]);
            any_miss |= top[i].miss;
        }
        if (any_miss && !b->any_missing_ok) RA->meta = VM_META(0, 1);
        else {
            VmValue out;
            b->fn(vm, &out, top, n);
            *RA = out;
        }
        NEXT(4 + n);
    }
    CASE(EXTERN) {
        uint32_t n = C_;
        for (uint32_t i = 0; i < n; i++) top[i] = R[pc[4 + i]];
        *RA = vm_ffi_call(vm, B_, top, n);
        NEXT(4 + n);
    }
    CASE(AGG) {
        /* the arguments are the where body's parameters: its frame is top */
        uint32_t n = C_;
        for (uint32_t i = 0; i < n; i++) top[i] = R[pc[4 + i]];
        VmValue out = vm_aggregate(vm, &p->aggs[B_], top, n, top);
        *RA = out;
        NEXT(4 + n);
    }
    CASE(ACC) {
        const VmValue *v = RB;
        if (!v->miss && isfinite(v->u.n)) {
            RA->u.n += v->u.n;
            if (v->u.n != 0) {
                vm->spoints[C_] = v->u.n;
                vm->sfired[C_] = 1;
            }
        }
        NEXT(4);
    }
    CASE(CLAMP) {
        VmValue *d = RA;
        if (!d->miss) {
            double lo = p->nums[B_], hi = p->nums[C_];
            if (d->u.n < lo) d->u.n = lo;
            if (d->u.n > hi) d->u.n = hi;
        }
        NEXT(4);
    }
    CASE(FINITE) { VmValue *d = RA; if (!isfinite(d->u.n)) d->meta = VM_META(0, 1); NEXT(2); }
    CASE(HIT) { vm->chit[A_] = 1; NEXT(2); }
    CASE(RET) { vm_copy(out, RA); return; }
    CASE(_COUNT)
#ifndef LEAD_COMPUTED_GOTO
    default:
    }
#endif
    /* unreachable in a verified program */
    out->meta = VM_META(0, 1);
}
