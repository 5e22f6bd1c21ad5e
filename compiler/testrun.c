/* testrun: the `test` blocks, run on the compiled program as leadvm would
 * run it, so a test passes exactly when the production run would give the
 * expected outputs. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtinit.h"
#include "testrun.h"
#include "utext.h"
#include "value.h"
#include "vm.h"

/* The text of a literal as it would stand in a CSV cell. */
static void literal_text(const Sema *s, const Expr *v, Buf *b)
{
    char tmp[VAL_FMT_MAX];
    switch (v->kind) {
    case E_STR:
        if (v->res == R_LABEL && v->type.kind == TY_LEVEL) {
            const Label *l = &s->levels[v->type.id].labels[v->ref];
            ubuf_add(b, l->name, l->len);
        } else
            ubuf_add(b, v->str, v->slen);
        break;
    case E_NAME:
        if (v->res == R_LABEL && v->type.kind == TY_LEVEL) {
            const Label *l = &s->levels[v->type.id].labels[v->ref];
            ubuf_add(b, l->name, l->len);
        } else
            ubuf_add(b, v->str, v->slen);
        break;
    case E_NUM: ubuf_add(b, tmp, val_format_number(v->v.num, tmp)); break;
    case E_BOOL: if (v->v.b) ubuf_add(b, "true", 4); else ubuf_add(b, "false", 5); break;
    case E_DATE: ubuf_add(b, tmp, val_format_date(v->v.date, tmp)); break;
    case E_TIME: ubuf_add(b, tmp, val_format_time(v->v.time, tmp)); break;
    default: break;
    }
}

/* Cells for fields[0..n) from a literal's fields; key_text fills an absent
 * field index `fill` (the match field of an event literal). */
static void cells_of(const Sema *s, const TestLit *tl, uint32_t n, VmCell *cells, Buf *text,
                     int32_t fill, const char *fill_p, uint32_t fill_len)
{
    size_t *off = calloc(n + 1, sizeof *off);
    size_t *end = calloc(n + 1, sizeof *end);
    uint8_t *set = calloc(n + 1, sizeof *set);   /* 1: offset into text, 2: pointer */
    if (!off || !end || !set) { fputs("out of memory\n", stderr); exit(2); }
    for (uint32_t k = 0; k < tl->nfields; k++) {
        int32_t f = tl->fields[k].field_idx;
        if (f < 0 || (uint32_t)f >= n) continue;
        off[f] = text->len;
        literal_text(s, tl->fields[k].value, text);
        end[f] = text->len;
        set[f] = 1;
    }
    for (uint32_t f = 0; f < n; f++) {
        cells[f].invalid = 0;
        if (set[f]) { cells[f].p = (const char *)(uintptr_t)off[f]; cells[f].len = (uint32_t)(end[f] - off[f]); }
        else if ((int32_t)f == fill && fill_p) { cells[f].p = fill_p; cells[f].len = fill_len; set[f] = 2; }
        else { cells[f].p = NULL; cells[f].len = 0; }
    }
    /* offsets become pointers now that the text has stopped growing */
    for (uint32_t f = 0; f < n; f++)
        if (set[f] == 1) cells[f].p = text->p + (uintptr_t)cells[f].p;
    free(off); free(end); free(set);
}

static void value_text(const Prog *p, PType t, VmValue v, char *buf, size_t n)
{
    if (v.miss) { snprintf(buf, n, t.kind == PT_BOOL ? "unknown" : t.kind == PT_CLASS ? "no label" : "missing"); return; }
    switch (t.kind) {
    case PT_NUMBER: val_format_number(v.u.n, buf); break;
    case PT_BOOL: snprintf(buf, n, "%s", v.u.i ? "true" : "false"); break;
    case PT_CLASS: snprintf(buf, n, "%s", p->classes[t.id].labels[v.u.i].p); break;
    default: snprintf(buf, n, "?"); break;
    }
}

static int32_t as_of_for(const Sema *s, const Decl *t, const TestOpts *o)
{
    if (t->has_asof) return t->asof;
    if (o->has_as_of) return o->as_of;
    if (s->has_approved) return s->approved;
    return val_days_from_civil(2000, 1, 1);
}

bool test_run(Compilation *c, Prog *p, const TestOpts *o, FILE *out, TestTotals *tot)
{
    Sema *s = &c->sema;
    const char *path = c->diags.files[0].path;
    char err[1024];
    if (!rt_compile_patterns(p, err, sizeof err)) { fprintf(stderr, "%s: error: %s\n", path, err); return false; }
    const char *lib = NULL, *ext = NULL;
    bool natives = rt_natives_allowed(p, o->allow, o->nallow, &lib, &ext);
    if (natives && p->nexterns && !vm_ffi_load(p, err, sizeof err)) { fprintf(stderr, "%s: error: %s\n", path, err); return false; }

    uint8_t *cov = calloc(p->nfuncs + 1, 1);
    uint8_t *sfired = calloc(p->nslines + 1, 1), *chit = calloc(p->nclines + 1, 1);
    VmCell *cells = calloc(p->nfields + 1, sizeof *cells);
    VmEvents *evs = calloc(p->nstreams + 1, sizeof *evs);
    if (!cov || !sfired || !chit || !cells || !evs) { fputs("out of memory\n", stderr); exit(2); }

    for (uint32_t ti = 0; ti < s->ntests; ti++) {
        Decl *t = s->tests[ti];
        if (t->module) continue;
        VmCtx *vm = vm_new(p, as_of_for(s, t, o));
        vm_set_coverage(vm, cov);
        Buf rtext = {0};
        const TestLit *rec = NULL;
        for (uint32_t i = 0; i < t->nlits; i++) if (t->lits[i].repeat_idx_stream == -1) rec = &t->lits[i];
        if (rec) cells_of(s, rec, p->nfields, cells, &rtext, -1, NULL, 0);
        else for (uint32_t f = 0; f < p->nfields; f++) cells[f] = (VmCell){ NULL, 0, 0 };
        const char *key_p = cells[p->key].p;
        uint32_t key_len = cells[p->key].len;

        /* events: every literal of each stream, repeated */
        Buf *etext = calloc(t->nlits + 1, sizeof *etext);
        VmEvent **evarr = calloc(p->nstreams + 1, sizeof *evarr);
        for (uint32_t st = 0; st < p->nstreams; st++) {
            uint64_t n = 0;
            for (uint32_t i = 0; i < t->nlits; i++)
                if (t->lits[i].repeat_idx_stream == (int32_t)st) n += (uint64_t)t->lits[i].repeat;
            evarr[st] = calloc(n + 1, sizeof **evarr);
            uint32_t k = 0;
            const PStream *ps = &p->streams[st];
            VmCell *ec = calloc(ps->nfields + 1, sizeof *ec);
            for (uint32_t i = 0; i < t->nlits; i++) {
                const TestLit *tl = &t->lits[i];
                if (tl->repeat_idx_stream != (int32_t)st) continue;
                cells_of(s, tl, ps->nfields, ec, &etext[i], ps->key, key_p, key_len);
                VmEvent e;
                e.vals = calloc(ps->nfields + 1, sizeof *e.vals);
                vm_parse_event(p, st, ec, &e);
                /* texts point into etext[i], which lives to the end of the test */
                for (uint32_t r = 0; r < (uint32_t)tl->repeat; r++) evarr[st][k++] = e;
            }
            free(ec);
            evs[st].ev = evarr[st];
            evs[st].n = k;
        }
        vm_record(vm, cells, p->nstreams ? evs : NULL);
        VmValue lead = vm_eval(vm, p->lead_fn);
        VmValue score = p->score_fn >= 0 ? vm_eval(vm, p->score_fn) : vm_num(0);
        VmValue *cls = calloc(p->nclasses + 1, sizeof *cls);
        for (uint32_t k = 0; k < p->nclasses; k++) cls[k] = vm_eval(vm, p->class_fns[k]);
        bool is_lead = !lead.miss && lead.u.i;

        char want[600] = "", got[600] = "";
        const Expect *bad = NULL;
        for (uint32_t i = 0; i < t->nexpects && !bad; i++) {
            const Expect *x = &t->expects[i];
            switch (x->kind) {
            case X_LEAD:
                if (!is_lead) { bad = x; snprintf(want, sizeof want, "lead"); snprintf(got, sizeof got, "not lead"); }
                break;
            case X_NOT_LEAD:
                if (is_lead) { bad = x; snprintf(want, sizeof want, "not lead"); snprintf(got, sizeof got, "lead"); }
                break;
            case X_SCORE: {
                bool ok = !score.miss && fabs(score.u.n - x->num) <=
                          1e-9 * fmax(1.0, fmax(fabs(score.u.n), fabs(x->num)));
                if (!ok) {
                    char a[VAL_FMT_MAX];
                    bad = x;
                    val_format_number(x->num, a);
                    snprintf(want, sizeof want, "score = %s", a);
                    PType tn = { PT_NUMBER, 0 };
                    value_text(p, tn, score, a, sizeof a);
                    snprintf(got, sizeof got, "%s", a);
                }
                break;
            }
            case X_LABEL: {
                VmValue v = cls[x->ref];
                if (v.miss || v.u.i != x->label_idx) {
                    char a[VAL_FMT_MAX];
                    PType tc = { PT_CLASS, (uint16_t)x->ref };
                    bad = x;
                    snprintf(want, sizeof want, "%.*s = %s", (int)x->len, x->name, p->classes[x->ref].labels[x->label_idx].p);
                    value_text(p, tc, v, a, sizeof a);
                    snprintf(got, sizeof got, "%s", a);
                }
                break;
            }
            case X_TRUE: case X_NOT_TRUE: {
                VmValue v = vm_eval(vm, x->ref);          /* define i is function i */
                bool yes = !v.miss && v.u.i;
                if (yes != (x->kind == X_TRUE)) {
                    char a[VAL_FMT_MAX];
                    PType tb = { PT_BOOL, 0 };
                    bad = x;
                    snprintf(want, sizeof want, "%s%.*s", x->kind == X_TRUE ? "" : "not ", (int)x->len, x->name);
                    value_text(p, tb, v, a, sizeof a);
                    snprintf(got, sizeof got, "%s", a);
                }
                break;
            }
            }
        }
        int32_t refused = vm_refused_extern(vm);
        uint32_t line, col;
        if (refused >= 0) {
            diag_linecol(&c->diags, t->loc.file, t->loc.off, &line, &col);
            fprintf(out, "FAIL %s (%s:%u): calls extern '%s', whose library '%s' needs --allow-native %s\n", t->name,
                    path, line, p->externs[refused].name.p, p->externs[refused].lib.p, p->externs[refused].lib.p);
            tot->failed++;
        } else if (bad) {
            diag_linecol(&c->diags, bad->loc.file, bad->loc.off, &line, &col);
            fprintf(out, "FAIL %s (%s:%u): expected %s, got %s\n", t->name, path, line, want, got);
            tot->failed++;
        } else {
            fprintf(out, "ok   %s\n", t->name);
            tot->passed++;
        }
        const uint8_t *f = vm_score_fired(vm), *h = vm_class_hit(vm);
        for (uint32_t i = 0; i < p->nslines; i++) sfired[i] |= f[i];
        for (uint32_t i = 0; i < p->nclines; i++) chit[i] |= h[i];
        /* a label chosen without a HIT (none) still counts nothing; done */
        for (uint32_t st = 0; st < p->nstreams; st++) {
            /* the vals arrays: free each distinct one */
            VmValue *last = NULL;
            for (uint32_t k = 0; k < evs[st].n; k++)
                if (evarr[st][k].vals != last) { last = evarr[st][k].vals; free(last); }
            free(evarr[st]);
        }
        for (uint32_t i = 0; i < t->nlits; i++) ubuf_free(&etext[i]);
        free(etext);
        free(evarr);
        free(cls);
        ubuf_free(&rtext);
        vm_free(vm);
    }
    if (o->coverage) {
        for (uint32_t i = 0; i < p->nslines; i++)
            if (!sfired[i] && p->slines[i].line)
                fprintf(out, "not covered: score line %u added no points in any test\n", p->slines[i].line);
        for (uint32_t i = 0; i < p->nclines; i++)
            if (!chit[i] && p->clines[i].line)
                fprintf(out, "not covered: classify line %u (%s %s) was chosen in no test\n", p->clines[i].line,
                        p->classes[p->clines[i].cls].name.p, p->classes[p->clines[i].cls].labels[p->clines[i].label].p);
        for (uint32_t i = 0; i < s->ndefines; i++) {
            Decl *d = s->defines[i].decl;
            if (d->module || cov[i]) continue;
            uint32_t line, col;
            diag_linecol(&c->diags, d->nloc.file, d->nloc.off, &line, &col);
            fprintf(out, "not covered: define '%s' (line %u) was evaluated in no test\n", d->name, line);
        }
    }
    free(cov); free(sfired); free(chit); free(cells); free(evs);
    return true;
}
