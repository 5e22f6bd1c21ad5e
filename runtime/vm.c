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
    if (!s || ut_blank(s, n)) return vm_missing();
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

void vm_parse_event(const Prog *p, uint32_t stream, const VmCell *cells, VmEvent *out)
{
    const PStream *st = &p->streams[stream];
    for (uint32_t i = 0; i < st->nfields; i++) {
        bool invalid;
        if (cells[i].invalid) out->vals[i] = vm_missing();
        else out->vals[i] = vm_parse_cell(p, st->fields[i].type, cells[i].p, cells[i].len, &invalid);
    }
    out->has_t = 0;
    out->t = 0;
    if (st->time >= 0 && !out->vals[st->time].miss) {
        out->has_t = 1;
        out->t = out->vals[st->time].u.i;
    }
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

VmValue vm_eval(VmCtx *vm, int32_t fi)
{
    const PFunc *f = &vm->p->funcs[fi];
    if (f->memo >= 0 && vm->mgen[f->memo] == vm->gen) return vm->memo[f->memo];
    VmValue v = vm_run(vm, f, vm->regs);
    if (f->memo >= 0) {
        vm->memo[f->memo] = v;
        vm->mgen[f->memo] = vm->gen;
    }
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

static bool in_text_set(VmCtx *vm, const PSet *s, const VmValue *v)
{
    ubuf_clear(&vm->k2);
    ut_key(v->u.s, v->len, &vm->k2);
    return pset_has_key(s, vm->k2.p ? vm->k2.p : "", (uint32_t)vm->k2.len);
}

static VmValue boolv(bool b) { return vm_int(b); }

static VmValue numv(double x)
{
    if (!isfinite(x)) return vm_missing();
    return vm_num(x);
}

/* ---- the interpreter ------------------------------------------------------------------ */

#define B(i) (R[pc[i]])
#define MISS2(a, b) ((a).miss | (b).miss)

VmValue vm_run(VmCtx *vm, const PFunc *f, VmValue *R)
{
    const Prog *p = vm->p;
    const uint32_t *pc = f->code;
    VmValue *top = R + f->nregs;          /* callees' frames start here */
    for (uint32_t i = f->nparams; i < f->nregs; i++) R[i].miss = 1;
    if (vm->cov) vm->cov[f - p->funcs] = 1;

    for (;;) {
        switch ((Opcode)pc[0]) {
        case OP_LOADK: B(1) = vm_num(p->nums[pc[2]]); pc += 3; break;
        case OP_LOADI: B(1) = vm_int(p->ints[pc[2]]); pc += 3; break;
        case OP_LOADS: B(1) = vm_text(p->texts[pc[2]].p, p->texts[pc[2]].len); pc += 3; break;
        case OP_LOADNIL: B(1) = vm_missing(); pc += 2; break;
        case OP_MOVE: B(1) = B(2); pc += 3; break;
        case OP_FIELD: {
            uint32_t fi = pc[2];
            if (vm->fgen[fi] != vm->gen) parse_field(vm, fi);
            B(1) = vm->fvals[fi];
            pc += 3;
            break;
        }
        case OP_EVFIELD: B(1) = vm->cur_ev->vals[pc[2]]; pc += 3; break;
        case OP_NOT: {
            VmValue a = B(2);
            B(1) = a.miss ? vm_missing() : boolv(!a.u.i);
            pc += 3;
            break;
        }
        case OP_AND: {
            VmValue a = B(2), b = B(3);
            if ((!a.miss && !a.u.i) || (!b.miss && !b.u.i)) B(1) = boolv(false);
            else if (a.miss || b.miss) B(1) = vm_missing();
            else B(1) = boolv(true);
            pc += 4;
            break;
        }
        case OP_OR: {
            VmValue a = B(2), b = B(3);
            if ((!a.miss && a.u.i) || (!b.miss && b.u.i)) B(1) = boolv(true);
            else if (a.miss || b.miss) B(1) = vm_missing();
            else B(1) = boolv(false);
            pc += 4;
            break;
        }
        case OP_TRUTH: B(1) = boolv(!B(2).miss && B(2).u.i); pc += 3; break;
        case OP_ISMISS: B(1) = boolv(B(2).miss); pc += 3; break;
        case OP_ISPRES: B(1) = boolv(!B(2).miss); pc += 3; break;
        case OP_JMP: pc += 2 + pc[1]; break;
        case OP_JFALSE: pc += 3 + ((!B(1).miss && !B(1).u.i) ? pc[2] : 0); break;
        case OP_JTRUE: pc += 3 + ((!B(1).miss && B(1).u.i) ? pc[2] : 0); break;
        case OP_JNTRUE: pc += 3 + ((!B(1).miss && B(1).u.i) ? 0 : pc[2]); break;
        case OP_JMISS: pc += 3 + (B(1).miss ? pc[2] : 0); break;
        case OP_ADD: B(1) = MISS2(B(2), B(3)) ? vm_missing() : numv(B(2).u.n + B(3).u.n); pc += 4; break;
        case OP_SUB: B(1) = MISS2(B(2), B(3)) ? vm_missing() : numv(B(2).u.n - B(3).u.n); pc += 4; break;
        case OP_MUL: B(1) = MISS2(B(2), B(3)) ? vm_missing() : numv(B(2).u.n * B(3).u.n); pc += 4; break;
        case OP_DIV:
            B(1) = MISS2(B(2), B(3)) || B(3).u.n == 0 ? vm_missing() : numv(B(2).u.n / B(3).u.n);
            pc += 4;
            break;
        case OP_NEG: B(1) = B(2).miss ? vm_missing() : vm_num(-B(2).u.n); pc += 3; break;
        case OP_EQN: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.n == B(3).u.n); pc += 4; break;
        case OP_NEN: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.n != B(3).u.n); pc += 4; break;
        case OP_LTN: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.n < B(3).u.n); pc += 4; break;
        case OP_LEN: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.n <= B(3).u.n); pc += 4; break;
        case OP_EQI: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.i == B(3).u.i); pc += 4; break;
        case OP_NEI: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.i != B(3).u.i); pc += 4; break;
        case OP_LTI: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.i < B(3).u.i); pc += 4; break;
        case OP_LEI: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(B(2).u.i <= B(3).u.i); pc += 4; break;
        case OP_EQT: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(text_eq(vm, &B(2), &B(3))); pc += 4; break;
        case OP_NET: B(1) = MISS2(B(2), B(3)) ? vm_missing() : boolv(!text_eq(vm, &B(2), &B(3))); pc += 4; break;
        case OP_EQTK: {
            const PText *k = &p->texts[pc[3]];
            B(1) = B(2).miss ? vm_missing() : boolv(ut_key_eq(B(2).u.s, B(2).len, k->key, k->keylen));
            pc += 4;
            break;
        }
        case OP_NETK: {
            const PText *k = &p->texts[pc[3]];
            B(1) = B(2).miss ? vm_missing() : boolv(!ut_key_eq(B(2).u.s, B(2).len, k->key, k->keylen));
            pc += 4;
            break;
        }
        case OP_CONTAINS: case OP_STARTS: case OP_ENDS: {
            if (MISS2(B(2), B(3))) { B(1) = vm_missing(); pc += 4; break; }
            uint32_t pl;
            const char *pat = fold_pattern(vm, &B(3), &pl);
            bool r = pc[0] == OP_CONTAINS ? ut_contains(B(2).u.s, B(2).len, pat, pl) :
                     pc[0] == OP_STARTS ? ut_starts_with(B(2).u.s, B(2).len, pat, pl) :
                                          ut_ends_with(B(2).u.s, B(2).len, pat, pl);
            B(1) = boolv(r);
            pc += 4;
            break;
        }
        case OP_CONTAINSK: case OP_STARTSK: case OP_ENDSK: {
            if (B(2).miss) { B(1) = vm_missing(); pc += 4; break; }
            const PText *k = &p->texts[pc[3]];
            bool r = pc[0] == OP_CONTAINSK ? ut_contains(B(2).u.s, B(2).len, k->p, k->len) :
                     pc[0] == OP_STARTSK ? ut_starts_with(B(2).u.s, B(2).len, k->p, k->len) :
                                           ut_ends_with(B(2).u.s, B(2).len, k->p, k->len);
            B(1) = boolv(r);
            pc += 4;
            break;
        }
        case OP_MATCH: {
            if (B(2).miss) { B(1) = vm_missing(); pc += 4; break; }
            int r = rx_match(p->rx[pc[3]], vm->rx, B(2).u.s, B(2).len);
            B(1) = r < 0 ? vm_missing() : boolv(r);
            pc += 4;
            break;
        }
        case OP_INSET: {
            const PSet *s = &p->sets[pc[3]];
            VmValue x = B(2);
            if (x.miss) B(1) = vm_missing();
            else if (s->kind == PS_TEXT) B(1) = boolv(in_text_set(vm, s, &x));
            else if (s->kind == PS_NUMBER) B(1) = boolv(pset_has_num(s, x.u.n));
            else B(1) = boolv(pset_has_int(s, x.u.i));
            pc += 4;
            break;
        }
        case OP_WITHIN: {
            VmValue x = B(2);
            if (x.miss) { B(1) = vm_missing(); pc += 4; break; }
            int64_t t = f->rtypes[pc[2]].kind == PT_DATE ? x.u.i * US_PER_DAY : x.u.i;
            int64_t len = p->ints[pc[3]];
            B(1) = boolv(t < vm->asof_us && t >= vm->asof_us - len);
            pc += 4;
            break;
        }
        case OP_D2T: B(1) = B(2).miss ? vm_missing() : vm_int(B(2).u.i * US_PER_DAY); pc += 3; break;
        case OP_T2LEVEL: {
            VmValue x = B(2);
            VmValue out = vm_missing();
            if (!x.miss) {
                const PLabels *lv = &p->levels[pc[3]];
                for (uint32_t i = 0; i < lv->n; i++)
                    if (ut_key_eq(x.u.s, x.len, lv->labels[i].key, lv->labels[i].keylen)) { out = vm_int(i); break; }
            }
            B(1) = out;
            pc += 4;
            break;
        }
        case OP_LEVEL2T: {
            VmValue x = B(2);
            if (x.miss) B(1) = vm_missing();
            else { const PText *t = &p->levels[pc[3]].labels[x.u.i]; B(1) = vm_text(t->p, t->len); }
            pc += 4;
            break;
        }
        case OP_CLASS2T: {
            VmValue x = B(2);
            if (x.miss) B(1) = vm_missing();
            else { const PText *t = &p->classes[pc[3]].labels[x.u.i]; B(1) = vm_text(t->p, t->len); }
            pc += 4;
            break;
        }
        case OP_CALL: {
            const PFunc *g = &p->funcs[pc[2]];
            uint32_t n = pc[3];
            VmValue out;
            if (g->memo >= 0) {
                if (vm->mgen[g->memo] == vm->gen) out = vm->memo[g->memo];
                else {
                    out = vm_run(vm, g, top);
                    vm->memo[g->memo] = out;
                    vm->mgen[g->memo] = vm->gen;
                }
            } else {
                for (uint32_t i = 0; i < n; i++) top[i] = R[pc[4 + i]];
                out = vm_run(vm, g, top);
            }
            B(1) = out;
            pc += 4 + n;
            break;
        }
        case OP_BUILTIN: {
            const Builtin *b = &lead_builtins[pc[2]];
            uint32_t n = pc[3];
            bool any_miss = false;
            for (uint32_t i = 0; i < n; i++) {
                top[i] = R[pc[4 + i]];
                any_miss |= top[i].miss;
            }
            VmValue out;
            if (any_miss && !b->any_missing_ok) out = vm_missing();
            else b->fn(vm, &out, top, n);
            B(1) = out;
            pc += 4 + n;
            break;
        }
        case OP_EXTERN: {
            uint32_t n = pc[3];
            for (uint32_t i = 0; i < n; i++) top[i] = R[pc[4 + i]];
            B(1) = vm_ffi_call(vm, pc[2], top, n);
            pc += 4 + n;
            break;
        }
        case OP_AGG: {
            /* the arguments are the where body's parameters: its frame is top */
            uint32_t n = pc[3];
            for (uint32_t i = 0; i < n; i++) top[i] = R[pc[4 + i]];
            B(1) = vm_aggregate(vm, &p->aggs[pc[2]], top, n, top);
            pc += 4 + n;
            break;
        }
        case OP_ACC: {
            VmValue v = B(2);
            if (!v.miss && isfinite(v.u.n)) {
                B(1).u.n += v.u.n;
                if (v.u.n != 0) {
                    vm->spoints[pc[3]] = v.u.n;
                    vm->sfired[pc[3]] = 1;
                }
            }
            pc += 4;
            break;
        }
        case OP_CLAMP: {
            if (!B(1).miss) {
                double lo = p->nums[pc[2]], hi = p->nums[pc[3]];
                if (B(1).u.n < lo) B(1).u.n = lo;
                if (B(1).u.n > hi) B(1).u.n = hi;
            }
            pc += 4;
            break;
        }
        case OP_FINITE: if (!B(1).miss && !isfinite(B(1).u.n)) B(1) = vm_missing(); pc += 2; break;
        case OP_HIT: vm->chit[pc[1]] = 1; pc += 2; break;
        case OP_RET: return B(1);
        case OP__COUNT: default:
            /* unreachable in a verified program */
            return vm_missing();
        }
    }
}
