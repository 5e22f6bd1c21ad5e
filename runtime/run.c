/* run: the batch job behind `leadvm run`.
 *
 * Pipeline: the main thread reads the record file in blocks of whole rows
 * (csv.h) and hands them to workers; each worker parses its block's rows,
 * finds each record's events, evaluates the outputs and formats them into
 * the block's output buffer; the main thread writes finished blocks in
 * input order.  So the output never depends on the number of threads, and
 * the main thread alone touches the output file, the reject file and the
 * progress line.  With one thread the same code runs inline.
 *
 * Events are joined by key (appendix A "Events"): the key cells are
 * compared as text after trimming, case kept.  run_events.c builds the
 * join. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "csv.h"
#include "outfile.h"
#include "run.h"
#include "evsort.h"
#include "run_internal.h"
#include "utext.h"
#include "value.h"
#include "vm.h"

/* ---- output formatting -------------------------------------------------------------- */

static void csv_cell(Buf *b, const char *s, size_t n)
{
    bool q = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') { q = true; break; }
    if (!q) { ubuf_add(b, s, n); return; }
    ubuf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') ubuf_addc(b, '"');
        ubuf_addc(b, s[i]);
    }
    ubuf_addc(b, '"');
}

/* A JSON string; invalid UTF-8 becomes U+FFFD. */
static void json_str(Buf *b, const char *s, size_t n)
{
    ubuf_addc(b, '"');
    for (size_t i = 0; i < n; ) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': ubuf_add(b, "\\\"", 2); break;
            case '\\': ubuf_add(b, "\\\\", 2); break;
            case '\n': ubuf_add(b, "\\n", 2); break;
            case '\r': ubuf_add(b, "\\r", 2); break;
            case '\t': ubuf_add(b, "\\t", 2); break;
            default:
                if (c < 0x20) { char u[8]; snprintf(u, sizeof u, "\\u%04x", c); ubuf_add(b, u, 6); }
                else ubuf_addc(b, (char)c);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = ut_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp == UT_INVALID) ubuf_add(b, "\xEF\xBF\xBD", 3);
        else ubuf_add(b, s + i, k);
        i += k;
    }
    ubuf_addc(b, '"');
}

static void json_key(Buf *b, const char *name, bool first)
{
    if (!first) ubuf_addc(b, ',');
    json_str(b, name, strlen(name));
    ubuf_addc(b, ':');
}

/* ---- the program's outputs for one record ---------------------------------------------- */

void run_format_value(const Prog *p, PType t, VmValue v, Buf *b)
{
    char tmp[VAL_FMT_MAX];
    if (v.miss) return;
    switch (t.kind) {
    case PT_NUMBER: ubuf_add(b, tmp, val_format_number(v.u.n, tmp)); break;
    case PT_BOOL: if (v.u.i) ubuf_add(b, "true", 4); else ubuf_add(b, "false", 5); break;
    case PT_DATE: ubuf_add(b, tmp, val_format_date((int32_t)v.u.i, tmp)); break;
    case PT_TIME: ubuf_add(b, tmp, val_format_time(v.u.i, tmp)); break;
    case PT_TEXT: ubuf_add(b, v.u.s, v.len); break;
    case PT_LEVEL: ubuf_add(b, p->levels[t.id].labels[v.u.i].p, p->levels[t.id].labels[v.u.i].len); break;
    case PT_CLASS: ubuf_add(b, p->classes[t.id].labels[v.u.i].p, p->classes[t.id].labels[v.u.i].len); break;
    }
}

/* The index of a classification's first line (its lines stand together). */
static uint32_t class_first_line(const Prog *p, uint32_t c)
{
    for (uint32_t i = 0; i < p->nclines; i++)
        if (p->clines[i].cls == c) return i;
    return 0;
}

/* The `why` column of --explain. */
static void explain(RunCtx *rc, VmCtx *vm, bool lead, Buf *w)
{
    const Prog *p = rc->p;
    char tmp[VAL_FMT_MAX];
    if (lead) {
        ubuf_add(w, "lead:", 5);
        for (uint32_t i = 0; i < p->nexplain; i++) {
            ubuf_addc(w, ' ');
            ubuf_add(w, p->explain[i].text.p, p->explain[i].text.len);
            if (i + 1 < p->nexplain) ubuf_addc(w, ',');
        }
    } else {
        ubuf_add(w, "not lead:", 9);
        for (uint32_t i = 0; i < p->nexplain; i++) {
            VmValue v = vm_eval(vm, p->explain[i].fn);
            if (!v.miss && v.u.i) continue;
            ubuf_addc(w, ' ');
            ubuf_add(w, p->explain[i].text.p, p->explain[i].text.len);
            if (v.miss) ubuf_add(w, " is unknown", 11);
            else ubuf_add(w, " is false", 9);
            break;
        }
    }
    if (p->score_fn >= 0) {
        const double *pts = vm_score_points(vm);
        const uint8_t *fired = vm_score_fired(vm);
        bool any = false;
        ubuf_add(w, "; score:", 8);
        for (uint32_t i = 0; i < p->nslines; i++) {
            if (!fired[i]) continue;
            ubuf_addc(w, any ? ',' : ' ');
            any = true;
            if (pts[i] > 0) ubuf_addc(w, '+');
            ubuf_add(w, tmp, val_format_number(pts[i], tmp));
            /* a bytecode file compiled with --strip has no lines: then its number in the block */
            int n = p->slines[i].line ? snprintf(tmp, sizeof tmp, " (line %u)", p->slines[i].line)
                                      : snprintf(tmp, sizeof tmp, " (score line #%u)", i + 1);
            ubuf_add(w, tmp, (size_t)n);
        }
        if (!any) ubuf_add(w, " no line added points", 21);
    }
    const uint8_t *hit = vm_class_hit(vm);
    for (uint32_t c = 0; c < p->nclasses; c++) {
        ubuf_add(w, "; ", 2);
        ubuf_add(w, p->classes[c].name.p, p->classes[c].name.len);
        ubuf_addc(w, ':');
        bool found = false;
        for (uint32_t i = 0; i < p->nclines; i++) {
            if (p->clines[i].cls != c || !hit[i]) continue;
            const PText *lab = &p->classes[c].labels[p->clines[i].label];
            ubuf_addc(w, ' ');
            ubuf_add(w, lab->p, lab->len);
            int n = p->clines[i].line ? snprintf(tmp, sizeof tmp, " (line %u)", p->clines[i].line)
                                      : snprintf(tmp, sizeof tmp, " (line #%u of %s)", i + 1 - class_first_line(p, c),
                                                 p->classes[c].name.p);
            ubuf_add(w, tmp, (size_t)n);
            found = true;
            break;
        }
        if (!found) ubuf_add(w, " no line matched", 16);
    }
}

/* The k-th --keep column of the current row (CSV) or object (JSON lines). */
static bool keep_value(RunCtx *rc, Worker *wk, const CsvRow *row, uint32_t k, const char **p, uint32_t *n)
{
    if (rc->lines) {
        const VmCell *c = &wk->jr.cells[rc->p->nfields + k];
        if (!c->p || c->invalid) return false;
        *p = c->p; *n = c->len;
        return true;
    }
    int32_t col = rc->keep_cols[k];
    if (col < 0 || !row || (uint32_t)col >= row->nfields) return false;
    *p = row->fields[col].p;
    *n = row->fields[col].len;
    return true;
}

/* Evaluate the current record and append its output row to b.  Returns
 * false when --only leaves the record out. */
static bool emit_record(RunCtx *rc, Worker *wk, const char *key, size_t keylen, const CsvRow *row, Buf *b)
{
    const Prog *p = rc->p;
    VmCtx *vm = wk->vm;
    VmValue lead = vm_eval(vm, p->lead_fn);
    bool is_lead = !lead.miss && lead.u.i;
    VmValue score = vm_missing();
    if (p->score_fn >= 0) score = vm_eval(vm, p->score_fn);
    VmValue *cls = wk->clsvals;
    for (uint32_t c = 0; c < p->nclasses; c++) cls[c] = vm_eval(vm, p->class_fns[c]);

    /* statistics for --summary */
    if (rc->o->summary) {
        BlockStats *st = &wk->cur->stats;
        st->records++;
        st->leads += is_lead;
        if (p->score_fn >= 0 && !score.miss) run_push_score(st, score.u.n);
        const uint8_t *fired = vm_score_fired(vm);
        for (uint32_t i = 0; i < p->nslines; i++) st->sfired[i] += fired[i];
        const uint8_t *hit = vm_class_hit(vm);
        for (uint32_t i = 0; i < p->nclines; i++) st->chit[i] += hit[i];
        for (uint32_t c = 0; c < p->nclasses; c++)
            if (cls[c].miss) st->nolabel[c]++; else st->labels[rc->label_base[c] + (uint32_t)cls[c].u.i]++;
    }

    /* --only: the condition over the outputs */
    if (rc->o->only) {
        Buf *t = &wk->tmp;
        ubuf_clear(t);
        VmCell *oc = wk->only_cells;
        size_t offs[3 + 256];
        uint32_t nf = rc->o->only->nfields;
        /* fields: key, lead, score, classifications (in that order) */
        offs[0] = t->len; ubuf_add(t, key, keylen);
        offs[1] = t->len; ubuf_add(t, is_lead ? "true" : "false", is_lead ? 4 : 5);
        offs[2] = t->len;
        if (!score.miss) { char tmp[VAL_FMT_MAX]; ubuf_add(t, tmp, val_format_number(score.u.n, tmp)); }
        for (uint32_t c = 0; c < p->nclasses && c < 256; c++) {
            offs[3 + c] = t->len;
            PType ct = { PT_CLASS, (uint16_t)c };
            run_format_value(p, ct, cls[c], t);
        }
        offs[3 + (p->nclasses < 256 ? p->nclasses : 256)] = t->len;
        for (uint32_t i = 0; i < nf && i < 3 + 256; i++) {
            oc[i].p = t->p + offs[i];
            oc[i].len = (uint32_t)(offs[i + 1] - offs[i]);
            oc[i].invalid = 0;
            if (i == 2 && score.miss) oc[i].p = NULL;
            if (i >= 3 && cls[i - 3].miss) oc[i].p = NULL;
        }
        vm_record(wk->only_vm, oc, NULL);
        VmValue keep = vm_eval(wk->only_vm, rc->o->only_fn);
        if (keep.miss || !keep.u.i) return false;
    }

    bool json = rc->o->out_format == 1;
    Buf *v = &wk->tmp;
    if (json) {
        ubuf_addc(b, '{');
        json_key(b, p->fields[p->key].name.p, true);
        json_str(b, key, keylen);
        for (uint32_t k = 0; k < rc->o->nkeep; k++) {
            json_key(b, rc->o->keep[k], false);
            const char *kp; uint32_t kl;
            if (keep_value(rc, wk, row, k, &kp, &kl)) json_str(b, kp, kl);
            else ubuf_add(b, "null", 4);
        }
        json_key(b, "lead", false);
        if (is_lead) ubuf_add(b, "true", 4); else ubuf_add(b, "false", 5);
        if (p->score_fn >= 0) {
            json_key(b, "score", false);
            if (score.miss) ubuf_add(b, "null", 4);
            else { char tmp[VAL_FMT_MAX]; ubuf_add(b, tmp, val_format_number(score.u.n, tmp)); }
        }
        for (uint32_t c = 0; c < p->nclasses; c++) {
            json_key(b, p->classes[c].name.p, false);
            if (cls[c].miss) ubuf_add(b, "null", 4);
            else { const PText *l = &p->classes[c].labels[cls[c].u.i]; json_str(b, l->p, l->len); }
        }
        if (rc->o->explain) {
            json_key(b, "why", false);
            ubuf_clear(v);
            explain(rc, vm, is_lead, v);
            json_str(b, v->p, v->len);
        }
        ubuf_add(b, "}\n", 2);
        return true;
    }
    csv_cell(b, key, keylen);
    for (uint32_t k = 0; k < rc->o->nkeep; k++) {
        ubuf_addc(b, ',');
        const char *kp; uint32_t kl;
        if (keep_value(rc, wk, row, k, &kp, &kl)) csv_cell(b, kp, kl);
    }
    if (is_lead) ubuf_add(b, ",true", 5); else ubuf_add(b, ",false", 6);
    if (p->score_fn >= 0) {
        ubuf_addc(b, ',');
        if (!score.miss) { char tmp[VAL_FMT_MAX]; ubuf_add(b, tmp, val_format_number(score.u.n, tmp)); }
    }
    for (uint32_t c = 0; c < p->nclasses; c++) {
        ubuf_addc(b, ',');
        if (!cls[c].miss) { const PText *l = &p->classes[c].labels[cls[c].u.i]; csv_cell(b, l->p, l->len); }
    }
    if (rc->o->explain) {
        ubuf_addc(b, ',');
        ubuf_clear(v);
        explain(rc, vm, is_lead, v);
        csv_cell(b, v->p, v->len);
    }
    ubuf_addc(b, '\n');
    return true;
}

/* ---- one block of rows ---------------------------------------------------------------- */

static void reject_row(RunCtx *rc, Block *bk, const CsvRow *row, const char *reason)
{
    bk->nrej++;
    if (!rc->o->reject) {
        if (!bk->has_err) {
            bk->has_err = true;
            bk->err_line = row->line;
            snprintf(bk->err_msg, sizeof bk->err_msg, "%s", reason);
            bk->err_row_index = bk->rows_seen;
        }
        return;
    }
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld,", (long long)row->line);
    ubuf_add(&bk->rej, tmp, (size_t)n);
    csv_cell(&bk->rej, reason, strlen(reason));
    ubuf_addc(&bk->rej, ',');
    csv_cell(&bk->rej, row->raw, row->rawlen);
    ubuf_addc(&bk->rej, '\n');
    /* remember where each reject falls, so --max-rejects can stop in order */
    if (bk->nrejpos == bk->rejposcap) {
        bk->rejposcap = bk->rejposcap ? bk->rejposcap * 2 : 16;
        bk->rejpos = realloc(bk->rejpos, bk->rejposcap * sizeof *bk->rejpos);
        if (!bk->rejpos) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    bk->rejpos[bk->nrejpos].out_len = bk->out.len;
    bk->rejpos[bk->nrejpos].rej_len = bk->rej.len;
    bk->rejpos[bk->nrejpos].line = row->line;
    bk->nrejpos++;
}

/* A JSON-lines block: one object per line. */
static void run_block_jsonl(RunCtx *rc, Worker *wk, Block *bk)
{
    const Prog *p = rc->p;
    LineCursor cur;
    const char *s;
    size_t n;
    int64_t line;
    char why[300];
    lines_cursor_init(&cur, &bk->csv);
    while (lines_next(&cur, &s, &n, &line)) {
        bk->rows_seen++;
        CsvRow row = { NULL, 0, line, s, n };
        if (!jsonl_parse(&wk->jr, &rc->js, s, n, why, sizeof why)) {
            reject_row(rc, bk, &row, why);
            if (!rc->o->reject) return;
            continue;
        }
        VmCell *cells = wk->jr.cells;
        /* --keep values come after the fields: present them as a row */
        CsvField kf[1];
        (void)kf;
        const VmCell *key = &cells[p->key];
        const VmEvents *ev = run_events_for(rc, wk, bk->rows_seen - 1, key->p ? key->p : "", key->p ? key->len : 0);
        vm_record(wk->vm, cells, ev);
        if (emit_record(rc, wk, key->p ? key->p : "", key->p ? key->len : 0, NULL, &bk->out)) bk->rows_out++;
    }
}

void run_block(RunCtx *rc, Worker *wk, Block *bk)
{
    const Prog *p = rc->p;
    CsvCursor cur;
    CsvRow row;
    if (rc->lines) { wk->cur = bk; run_block_jsonl(rc, wk, bk); return; }
    csv_cursor_init(&cur, &bk->csv, rc->delim);
    wk->cur = bk;
    while (csv_row(&cur, &wk->rb, &row) == 1) {
        bk->rows_seen++;      /* the row's index + 1, as run_events_prepare_block counts */
        if (row.nfields != rc->ncols) {
            char msg[160];
            snprintf(msg, sizeof msg, "the row has %u field%s, the header has %u", row.nfields,
                     row.nfields == 1 ? "" : "s", rc->ncols);
            reject_row(rc, bk, &row, msg);
            if (!rc->o->reject) return;     /* the run stops here */
            continue;
        }
        for (uint32_t f = 0; f < p->nfields; f++) {
            const CsvField *cf = &row.fields[rc->col_of_field[f]];
            wk->cells[f].p = cf->p;
            wk->cells[f].len = cf->len;
            wk->cells[f].invalid = 0;
        }
        const CsvField *kf = &row.fields[rc->col_of_field[p->key]];
        const VmEvents *ev = run_events_for(rc, wk, bk->rows_seen - 1, kf->p, kf->len);
        vm_record(wk->vm, wk->cells, ev);
        if (emit_record(rc, wk, kf->p, kf->len, &row, &bk->out)) bk->rows_out++;
    }
}

/* ---- workers --------------------------------------------------------------------------- */

static void worker_init(RunCtx *rc, Worker *wk)
{
    const Prog *p = rc->p;
    memset(wk, 0, sizeof *wk);
    wk->vm = vm_new(p, rc->o->as_of);
    vm_set_eager(wk->vm, rc->o->summary != 0);
    wk->cells = calloc(p->nfields + 1, sizeof *wk->cells);
    wk->clsvals = calloc(p->nclasses + 1, sizeof *wk->clsvals);
    wk->evs = calloc(p->nstreams + 1, sizeof *wk->evs);
    if (rc->lines) jsonl_row_init(&wk->jr, &rc->js);
    if (rc->o->only) {
        wk->only_vm = vm_new(rc->o->only, rc->o->as_of);
        wk->only_cells = calloc(rc->o->only->nfields + 1, sizeof *wk->only_cells);
    }
    if (!wk->cells || !wk->clsvals || !wk->evs || (rc->o->only && !wk->only_cells)) {
        fputs("leadvm: out of memory\n", stderr);
        exit(2);
    }
}

static void worker_free(RunCtx *rc, Worker *wk)
{
    run_events_worker_free(rc, wk);
    vm_free(wk->vm);
    vm_free(wk->only_vm);
    free(wk->cells);
    free(wk->clsvals);
    free(wk->evs);
    free(wk->only_cells);
    csv_rowbuf_free(&wk->rb);
    ubuf_free(&wk->tmp);
    jsonl_row_free(&wk->jr);
}

static void *worker_main(void *arg)
{
    Worker *wk = arg;
    RunCtx *rc = wk->rc;
    pthread_mutex_lock(&rc->mu);
    for (;;) {
        while (!rc->queue && !rc->stop) pthread_cond_wait(&rc->cv_work, &rc->mu);
        if (!rc->queue) break;
        Block *bk = rc->queue;
        rc->queue = bk->next;
        if (!rc->queue) rc->queue_tail = NULL;
        pthread_mutex_unlock(&rc->mu);
        run_block(rc, wk, bk);
        pthread_mutex_lock(&rc->mu);
        bk->done = true;
        pthread_cond_broadcast(&rc->cv_done);
    }
    pthread_mutex_unlock(&rc->mu);
    return NULL;
}

/* ---- progress ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(RunCtx *rc, bool final)
{
    double t = now_s();
    if (!final && t - rc->last_progress < 0.25) return;
    rc->last_progress = t;
    double el = t - rc->t0;
    int64_t done = rc->lines ? lines_consumed(rc->lines) : csv_consumed(rc->chunker);
    int64_t total = rc->lines ? lines_total(rc->lines) : csv_total(rc->chunker);
    double mbs = el > 0 ? (double)done / el / 1e6 : 0;
    char eta[32] = "";
    if (total > 0 && done > 0 && !final) {
        double left = el * (double)(total - done) / (double)done;
        snprintf(eta, sizeof eta, ", ETA %.0fs", left);
    }
    if (total > 0)
        fprintf(stderr, "\r%s: %llu rows, %.0f%%, %.1f MB/s%s   %s", rc->o->prog_name,
                (unsigned long long)rc->rows_done, 100.0 * (double)done / (double)total, mbs, eta, final ? "\n" : "");
    else
        fprintf(stderr, "\r%s: %llu rows, %.1f MB/s   %s", rc->o->prog_name,
                (unsigned long long)rc->rows_done, mbs, final ? "\n" : "");
}

/* ---- the run ----------------------------------------------------------------------------- */

static void release_input(RunCtx *rc, CsvBlock *b)
{
    if (rc->lines) lines_release_block(rc->lines, b);
    else csv_release_block(rc->chunker, b);
}

static void close_input(RunCtx *rc)
{
    if (rc->lines) lines_close(rc->lines);
    if (rc->chunker) csv_close(rc->chunker);
    rc->lines = NULL;
    rc->chunker = NULL;
}

static int fail(RunCtx *rc, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(RunCtx *rc, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", rc->o->prog_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

/* fail() before the workers start: also let go of what the setup holds
 * (run_program may be called again in the same process). */
static int fail_setup(RunCtx *rc, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_setup(RunCtx *rc, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", rc->o->prog_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    run_events_close(rc);
    close_input(rc);
    free(rc->col_of_field);
    free(rc->keep_cols);
    free(rc->label_base);
    return status;
}

static void header_list(const CsvRow *h, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < h->nfields && o + 8 < n; i++) {
        int k = snprintf(buf + o, n - o, "%s\"%.*s\"", i ? ", " : "", (int)(h->fields[i].len > 60 ? 60 : h->fields[i].len), h->fields[i].p);
        if (k < 0 || (size_t)k >= n - o) { snprintf(buf + o, n - o, ", ..."); break; }
        o += (size_t)k;
    }
    if (h->nfields == 0) snprintf(buf, n, "(none: the file is empty)");
}

/* Find each field's column: headers match trimmed and case-insensitively,
 * the first match wins. */
bool run_bind(const CsvRow *h, const PField *fields, uint32_t nfields, int32_t *col_of, const char *file,
              const char *what, char *err, size_t errlen)
{
    for (uint32_t f = 0; f < nfields; f++) {
        col_of[f] = -1;
        for (uint32_t c = 0; c < h->nfields; c++)
            if (ut_key_eq(h->fields[c].p, h->fields[c].len, fields[f].column.key, fields[f].column.keylen)) {
                col_of[f] = (int32_t)c;
                break;
            }
        if (col_of[f] < 0) {
            char list[1024];
            header_list(h, list, sizeof list);
            if (fields[f].column.len != fields[f].name.len || memcmp(fields[f].column.p, fields[f].name.p, fields[f].name.len))
                snprintf(err, errlen, "%s: the column \"%s\" (%s field '%s') is not in the header; the header has %s",
                         file, fields[f].column.p, what, fields[f].name.p, list);
            else
                snprintf(err, errlen, "%s: the column \"%s\" (%s field '%s') is not in the header; the header has %s",
                         file, fields[f].column.p, what, fields[f].name.p, list);
            return false;
        }
    }
    return true;
}

static bool write_all(OutFile *of, const void *p, size_t n, RunCtx *rc)
{
    if (n == 0 || rc->pipe_closed) return true;
    if (!of_write(of, p, n)) {
        if (of_is_stdout(of) && errno == EPIPE) { rc->pipe_closed = true; return true; }
        rc->write_errno = errno;
        return false;
    }
    return true;
}

static void print_summary(RunCtx *rc, const BlockStats *st, uint64_t rejected);

#define RUN_AGAIN (-2)      /* run_once: sort this stream's file and start again */

static int run_once(Prog *p, const RunOpts *o, int32_t *again)
{
    RunCtx rcs, *rc = &rcs;
    memset(rc, 0, sizeof *rc);
    rc->p = p;
    rc->o = o;
    char err[2048];
    int status = 0;
    const char *in_name = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;

    of_install_signals();
    InSrc *src = in_open(o->input, err, sizeof err);
    if (!src) return fail_setup(rc, 2, "%s: %s", in_name, err);
    rc->col_of_field = calloc(p->nfields + 1, sizeof *rc->col_of_field);
    rc->keep_cols = calloc(o->nkeep + 1, sizeof *rc->keep_cols);
    if (!rc->col_of_field || !rc->keep_cols) return fail_setup(rc, 2, "out of memory");
    if (o->in_format == 2) {
        rc->lines = lines_open(src, 0, err, sizeof err);
        if (!rc->lines) return fail_setup(rc, 2, "%s: %s", in_name, err);
        rc->js.fields = p->fields;
        rc->js.nfields = p->nfields;
        rc->js.extra = o->keep;
        rc->js.nextra = o->nkeep;
    } else {
        CsvRow header;
        rc->chunker = csv_open(src, o->delim, 0, &header, err, sizeof err);
        if (!rc->chunker) return fail_setup(rc, 2, "%s: %s", in_name, err);
        rc->delim = csv_delimiter(rc->chunker);
        rc->ncols = header.nfields;
        if (!run_bind(&header, p->fields, p->nfields, rc->col_of_field, in_name, "record", err, sizeof err)) {
            close_input(rc);
            return fail_setup(rc, 2, "%s", err);
        }
        for (uint32_t k = 0; k < o->nkeep; k++) {
            rc->keep_cols[k] = -1;
            for (uint32_t c = 0; c < header.nfields; c++) {
                const char *kp = o->keep[k];
                size_t kl = strlen(kp);
                Buf kb = {0};
                ut_key(kp, kl, &kb);
                bool eq = ut_key_eq(header.fields[c].p, header.fields[c].len, kb.p ? kb.p : "", (uint32_t)kb.len);
                ubuf_free(&kb);
                if (eq) { rc->keep_cols[k] = (int32_t)c; break; }
            }
            if (rc->keep_cols[k] < 0) {
                char list[1024];
                header_list(&header, list, sizeof list);
                close_input(rc);
                return fail_setup(rc, 2, "--keep: the column \"%s\" is not in the header of %s; the header has %s", o->keep[k], in_name, list);
            }
        }
    }
    rc->label_base = calloc(p->nclasses + 1, sizeof *rc->label_base);
    for (uint32_t c = 0, n = 0; c < p->nclasses; c++) { rc->label_base[c] = n; n += p->classes[c].n; rc->nlabels_total = n; }

    /* events */
    if (!run_events_open(rc, err, sizeof err)) {
        close_input(rc);
        return fail_setup(rc, 2, "%s", err);
    }

    /* outputs */
    OutFile *of = NULL, *rf = NULL;
    if (!(of = of_open(o->out, err, sizeof err))) { close_input(rc); return fail_setup(rc, 2, "%s", err); }
    /* a run that may have to start again holds standard output back */
    if (of_is_stdout(of) && run_events_any_resortable(rc) && !of_spool(of)) {
        of_discard(of);
        close_input(rc);
        return fail_setup(rc, 2, "cannot make a temporary file to hold the output: %s", strerror(errno));
    }
    bool have_rf = false;
    if (o->reject) {
        if (!(rf = of_open(o->reject, err, sizeof err))) { of_discard(of); close_input(rc); return fail_setup(rc, 2, "%s", err); }
        have_rf = true;
        static const char rh[] = "line,reason,row\n";
        of_write(rf, rh, sizeof rh - 1);
    }
    {
        Buf h = {0};
        if (o->out_format == 0) {
            csv_cell(&h, p->fields[p->key].name.p, p->fields[p->key].name.len);
            for (uint32_t k = 0; k < o->nkeep; k++) { ubuf_addc(&h, ','); csv_cell(&h, o->keep[k], strlen(o->keep[k])); }
            ubuf_add(&h, ",lead", 5);
            if (p->score_fn >= 0) ubuf_add(&h, ",score", 6);
            for (uint32_t c = 0; c < p->nclasses; c++) { ubuf_addc(&h, ','); csv_cell(&h, p->classes[c].name.p, p->classes[c].name.len); }
            if (o->explain) ubuf_add(&h, ",why", 4);
            ubuf_addc(&h, '\n');
        }
        if (!write_all(of, h.p, h.len, rc)) status = -1;
        ubuf_free(&h);
    }

    /* workers */
    int nthreads = o->threads > 0 ? o->threads : 1;
    if (nthreads > 256) nthreads = 256;
    rc->nworkers = nthreads;
    rc->workers = calloc((size_t)nthreads, sizeof *rc->workers);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    if (!rc->workers || !tids) return fail(rc, 2, "out of memory");
    pthread_mutex_init(&rc->mu, NULL);
    pthread_cond_init(&rc->cv_work, NULL);
    pthread_cond_init(&rc->cv_done, NULL);
    for (int i = 0; i < nthreads; i++) {
        worker_init(rc, &rc->workers[i]);
        rc->workers[i].rc = rc;
    }
    bool threaded = nthreads > 1;
    if (threaded) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 16u << 20);
        for (int i = 0; i < nthreads; i++) pthread_create(&tids[i], &attr, worker_main, &rc->workers[i]);
        pthread_attr_destroy(&attr);
    }

    rc->progress = o->progress > 0 || (o->progress < 0 && isatty(STDERR_FILENO));
    rc->t0 = now_s();
    BlockStats total;
    run_stats_init(rc, &total);
    uint64_t rejected = 0;
    int64_t errline = 0;
    char errmsg[2100] = "";
    bool eof = false, stop = false;
    Block *inflight_head = NULL, *inflight_tail = NULL;
    int ninflight = 0, maxinflight = threaded ? nthreads * 3 : 1;
    int64_t seq = 0;

    while (!stop && (!eof || inflight_head)) {
        /* fill the pipeline */
        while (!eof && ninflight < maxinflight && !stop) {
            Block *bk = calloc(1, sizeof *bk);
            if (!bk) { stop = true; status = 2; snprintf(errmsg, sizeof errmsg, "out of memory"); break; }
            int64_t el = 0;
            int r = rc->lines ? lines_next_block(rc->lines, &bk->csv, &el, err, sizeof err)
                              : csv_next_block(rc->chunker, &bk->csv, &el, err, sizeof err);
            if (r <= 0) {
                free(bk);
                eof = true;
                if (r < 0) { rc->read_failed = true; errline = el; snprintf(errmsg, sizeof errmsg, "%s", err); }
                break;
            }
            bk->seq = seq++;
            run_stats_init(rc, &bk->stats);
            if (!run_events_prepare_block(rc, bk, err, sizeof err)) {
                rc->read_failed = true;
                errline = -1;
                snprintf(errmsg, sizeof errmsg, "%s", err);
                eof = true;
                run_events_release_block(rc, bk);
                release_input(rc, &bk->csv);
                run_stats_free(&bk->stats);
                free(bk);
                break;
            }
            if (inflight_tail) inflight_tail->order_next = bk; else inflight_head = bk;
            inflight_tail = bk;
            ninflight++;
            if (threaded) {
                pthread_mutex_lock(&rc->mu);
                if (rc->queue_tail) rc->queue_tail->next = bk; else rc->queue = bk;
                rc->queue_tail = bk;
                pthread_cond_signal(&rc->cv_work);
                pthread_mutex_unlock(&rc->mu);
            } else {
                run_block(rc, &rc->workers[0], bk);
                bk->done = true;
            }
        }
        if (!inflight_head) break;
        /* write the oldest block when it is done */
        Block *bk = inflight_head;
        if (threaded) {
            pthread_mutex_lock(&rc->mu);
            while (!bk->done) pthread_cond_wait(&rc->cv_done, &rc->mu);
            pthread_mutex_unlock(&rc->mu);
        }
        inflight_head = bk->order_next;
        if (!inflight_head) inflight_tail = NULL;
        ninflight--;
        size_t out_len = bk->out.len, rej_len = bk->rej.len;
        if (bk->has_err) {
            /* a malformed row without --reject: keep the rows before it, then stop */
            stop = true;
            status = 1;
            errline = bk->err_line;
            snprintf(errmsg, sizeof errmsg, "%s", bk->err_msg);
            rc->malformed = true;
        }
        if (o->max_rejects && rejected + bk->nrej >= o->max_rejects && bk->nrej) {
            /* stop at the max-rejects'th rejected row */
            uint64_t k = o->max_rejects - rejected;      /* 1-based within this block */
            out_len = bk->rejpos[k - 1].out_len;
            rej_len = bk->rejpos[k - 1].rej_len;
            errline = bk->rejpos[k - 1].line;
            rejected += k;
            stop = true;
            status = 1;
            rc->max_rejects_hit = true;
        } else
            rejected += bk->nrej;
        if (status != -1 && !write_all(of, bk->out.p, out_len, rc)) status = -1;
        if (have_rf && status != -1 && !write_all(rf, bk->rej.p, rej_len, rc)) status = -1;
        rc->rows_done += bk->rows_seen;
        if (o->summary) run_stats_merge(rc, &total, &bk->stats);
        run_events_release_block(rc, bk);
        release_input(rc, &bk->csv);
        ubuf_free(&bk->out);
        ubuf_free(&bk->rej);
        free(bk->rejpos);
        run_stats_free(&bk->stats);
        free(bk);
        if (status == -1) stop = true;
        if (rc->pipe_closed) stop = true;
        if (rc->progress) progress(rc, false);
    }
    /* drain */
    if (threaded) {
        pthread_mutex_lock(&rc->mu);
        rc->stop = true;
        pthread_cond_broadcast(&rc->cv_work);
        pthread_mutex_unlock(&rc->mu);
        for (int i = 0; i < nthreads; i++) pthread_join(tids[i], NULL);
    }
    while (inflight_head) {
        Block *bk = inflight_head;
        inflight_head = bk->order_next;
        run_events_release_block(rc, bk);
        release_input(rc, &bk->csv);
        ubuf_free(&bk->out); ubuf_free(&bk->rej); free(bk->rejpos); run_stats_free(&bk->stats);
        free(bk);
    }
    if (rc->progress) progress(rc, true);

    /* what is left of streamed events files has no record */
    if (status == 0 && !rc->read_failed && !rc->malformed && !rc->pipe_closed && !rc->max_rejects_hit &&
        !run_events_finish(rc, err, sizeof err)) {
        rc->read_failed = true;
        errline = -1;
        snprintf(errmsg, sizeof errmsg, "%s", err);
    }

    /* JSON lines: a --keep name no object had is worth a word */
    if (rc->lines && status == 0 && !rc->read_failed && !rc->pipe_closed)
        for (uint32_t k = 0; k < o->nkeep; k++) {
            bool seen = false;
            for (int i = 0; i < nthreads && !seen; i++) seen = rc->workers[i].jr.seen[p->nfields + k];
            if (!seen)
                fprintf(stderr, "%s: warning: --keep %s: no object in %s has that key; the column is empty\n",
                        o->prog_name, o->keep[k], in_name);
        }

    /* JSON lines: a key that no object of the file has is a missing column */
    if (rc->lines && status == 0 && !rc->read_failed && !rc->malformed && !rc->pipe_closed) {
        for (uint32_t f = 0; f < p->nfields; f++) {
            bool seen = false;
            for (int i = 0; i < nthreads && !seen; i++) seen = rc->workers[i].jr.seen[f];
            if (seen) continue;
            rc->read_failed = true;
            errline = 0;
            snprintf(errmsg, sizeof errmsg, "no object in the file has the key \"%s\" (record field '%s'): a missing column",
                     p->fields[f].column.p, p->fields[f].name.p);
            break;
        }
    }

    int result = 0;
    if (status == -1) {
        of_discard(of);
        if (have_rf) of_discard(rf);
        result = fail(rc, 2, "writing %s: %s", o->out ? o->out : "the output", strerror(rc->write_errno));
    } else if (rc->read_failed && rc->disorder && run_events_resortable(rc, (uint32_t)rc->disorder - 1)) {
        /* an events file out of the records' order: sort it, start again */
        of_discard(of);
        if (have_rf) of_discard(rf);
        *again = rc->disorder - 1;
        result = RUN_AGAIN;
    } else if (rc->read_failed) {
        of_discard(of);
        if (have_rf) of_discard(rf);
        if (errline > 0) fprintf(stderr, "%s:%lld: error: %s\n", in_name, (long long)errline, errmsg);
        else if (errline < 0) fprintf(stderr, "%s\n", errmsg);      /* names its own file */
        else fprintf(stderr, "%s: error: %s\n", in_name, errmsg);
        result = 2;
    } else if (rc->malformed) {
        of_discard(of);
        if (have_rf) of_discard(rf);
        fprintf(stderr, "%s:%lld: error: %s (use --reject FILE to set such rows aside and go on)\n",
                in_name, (long long)errline, errmsg);
        result = 1;
    } else if (rc->max_rejects_hit) {
        of_discard(of);
        if (have_rf) of_discard(rf);
        fprintf(stderr, "%s:%lld: error: stopped after %llu rejected rows (--max-rejects)\n", in_name,
                (long long)errline, (unsigned long long)rejected);
        result = 1;
    } else {
        bool committed;
        if (rc->pipe_closed) { of_discard(of); committed = true; }    /* the reader went away: quietly done */
        else committed = of_commit(of, err, sizeof err);
        if (!committed) {
            if (have_rf) of_discard(rf);
            result = fail(rc, 2, "%s", err);
        } else {
            if (have_rf && !of_commit(rf, err, sizeof err)) result = fail(rc, 2, "%s", err);
            if (rejected && !result) {
                fprintf(stderr, "%s: %llu malformed row%s written to %s\n", rc->o->prog_name,
                        (unsigned long long)rejected, rejected == 1 ? "" : "s", o->reject);
                result = 1;
            }
        }
    }
    if (o->summary && !rc->pipe_closed && result != 2 && result != RUN_AGAIN) print_summary(rc, &total, rejected);
    run_stats_free(&total);
    for (int i = 0; i < nthreads; i++) worker_free(rc, &rc->workers[i]);
    free(rc->workers);
    free(tids);
    run_events_close(rc);
    close_input(rc);
    free(rc->col_of_field);
    free(rc->keep_cols);
    free(rc->label_base);
    return result;
}

int run_program(Prog *p, const RunOpts *o)
{
    RunOpts cur = *o;
    RunEvents *ev = NULL;
    char (*sorted)[4096] = NULL;
    int *slots = NULL;
    int result;
    for (;;) {
        int32_t s = -1;
        result = run_once(p, &cur, &s);
        if (result != RUN_AGAIN) break;
        if (!ev) {
            ev = calloc(o->nevents + 1, sizeof *ev);
            sorted = calloc(o->nevents + 1, sizeof *sorted);
            slots = malloc((o->nevents + 1) * sizeof *slots);
            if (!ev || !sorted || !slots) { fprintf(stderr, "%s: out of memory\n", o->prog_name); result = 2; break; }
            memcpy(ev, o->events, o->nevents * sizeof *ev);
            for (uint32_t i = 0; i <= o->nevents; i++) slots[i] = -1;
            cur.events = ev;
        }
        uint32_t i = 0;
        while (i < cur.nevents && strcmp(ev[i].name, p->streams[s].name.p) != 0) i++;
        if (i == cur.nevents || ev[i].sorted) { fprintf(stderr, "%s: internal error: no events file to sort\n", o->prog_name); result = 2; break; }
        if (o->progress > 0 || (o->progress < 0 && isatty(STDERR_FILENO)))
            fprintf(stderr, "%s: %s is not in the record file's order: sorting it, then starting again\n",
                    o->prog_name, ev[i].path);
        char err[2048];
        uint64_t dropped;
        if (!evsort(p, (uint32_t)s, &cur, ev[i].path, sorted[i], sizeof sorted[i], &slots[i], &dropped, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            result = 2;
            break;
        }
        ev[i].path = sorted[i];
        ev[i].sorted = true;
        ev[i].dropped = dropped;
        cur.attempt++;
    }
    for (uint32_t i = 0; ev && i < o->nevents; i++)
        if (ev[i].sorted) {
            unlink(sorted[i]);
            of_tmp_release(slots[i]);
        }
    free(ev);
    free(sorted);
    free(slots);
    return result;
}

/* ---- --summary ---------------------------------------------------------------------------- */

void run_stats_init(RunCtx *rc, BlockStats *st)
{
    const Prog *p = rc->p;
    memset(st, 0, sizeof *st);
    st->sfired = calloc(p->nslines + 1, sizeof *st->sfired);
    st->chit = calloc(p->nclines + 1, sizeof *st->chit);
    st->labels = calloc(rc->nlabels_total + 1, sizeof *st->labels);
    st->nolabel = calloc(p->nclasses + 1, sizeof *st->nolabel);
    if (!st->sfired || !st->chit || !st->labels || !st->nolabel) { fputs("leadvm: out of memory\n", stderr); exit(2); }
}

void run_stats_free(BlockStats *st)
{
    free(st->sfired); free(st->chit); free(st->labels); free(st->nolabel); free(st->scores);
    memset(st, 0, sizeof *st);
}

void run_push_score(BlockStats *st, double x)
{
    if (st->nscores == st->capscores) {
        st->capscores = st->capscores ? st->capscores * 2 : 1024;
        st->scores = realloc(st->scores, st->capscores * sizeof *st->scores);
        if (!st->scores) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    st->scores[st->nscores++] = x;
}

void run_stats_merge(RunCtx *rc, BlockStats *to, const BlockStats *from)
{
    const Prog *p = rc->p;
    to->records += from->records;
    to->leads += from->leads;
    for (uint32_t i = 0; i < p->nslines; i++) to->sfired[i] += from->sfired[i];
    for (uint32_t i = 0; i < p->nclines; i++) to->chit[i] += from->chit[i];
    for (uint32_t i = 0; i < rc->nlabels_total; i++) to->labels[i] += from->labels[i];
    for (uint32_t i = 0; i < p->nclasses; i++) to->nolabel[i] += from->nolabel[i];
    for (size_t i = 0; i < from->nscores; i++) run_push_score(to, from->scores[i]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Quartiles by the nearest-rank method. */
static double quantile(const double *v, size_t n, double q)
{
    if (n == 0) return NAN;
    size_t k = (size_t)ceil(q * (double)n);
    if (k < 1) k = 1;
    return v[k - 1];
}

static void print_summary(RunCtx *rc, const BlockStats *st, uint64_t rejected)
{
    const Prog *p = rc->p;
    FILE *e = stderr;
    char b[VAL_FMT_MAX];
    VmFieldStats *fs = calloc(p->nfields + 1, sizeof *fs);
    for (int w = 0; w < rc->nworkers; w++) {
        const VmFieldStats *x = vm_field_stats(rc->workers[w].vm);
        for (uint32_t f = 0; f < p->nfields; f++) { fs[f].missing += x[f].missing; fs[f].invalid += x[f].invalid; }
    }
    if (st->nscores > 1) qsort(st->scores, st->nscores, sizeof *st->scores, cmp_double);
    uint64_t orphans = run_events_orphans(rc);
    if (rc->o->summary == 2) {
        Buf j = {0};
        char t[64];
        ubuf_add(&j, "{\"records\":", 11);
        ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "%llu", (unsigned long long)st->records));
        ubuf_add(&j, ",\"leads\":", 9);
        ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "%llu", (unsigned long long)st->leads));
        ubuf_add(&j, ",\"rejected\":", 12);
        ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "%llu", (unsigned long long)rejected));
        if (p->score_fn >= 0) {
            ubuf_add(&j, ",\"score_quartiles\":[", 20);
            for (int q = 0; q <= 4; q++) {
                if (q) ubuf_addc(&j, ',');
                if (st->nscores == 0) ubuf_add(&j, "null", 4);
                else {
                    double v = q == 0 ? st->scores[0] : quantile(st->scores, st->nscores, q / 4.0);
                    ubuf_add(&j, b, val_format_number(v, b));
                }
            }
            ubuf_add(&j, "],\"score_lines\":[", 17);
            for (uint32_t i = 0; i < p->nslines; i++)
                ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "%s{\"line\":%u,\"fired\":%llu}", i ? "," : "",
                                                 p->slines[i].line, (unsigned long long)st->sfired[i]));
            ubuf_addc(&j, ']');
        }
        ubuf_add(&j, ",\"classifications\":{", 20);
        for (uint32_t c = 0; c < p->nclasses; c++) {
            if (c) ubuf_addc(&j, ',');
            json_str(&j, p->classes[c].name.p, p->classes[c].name.len);
            ubuf_add(&j, ":{\"labels\":{", 12);
            for (uint32_t l = 0; l < p->classes[c].n; l++) {
                if (l) ubuf_addc(&j, ',');
                json_str(&j, p->classes[c].labels[l].p, p->classes[c].labels[l].len);
                ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, ":%llu", (unsigned long long)st->labels[rc->label_base[c] + l]));
            }
            ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "},\"no_label\":%llu,\"lines\":[", (unsigned long long)st->nolabel[c]));
            bool first = true;
            for (uint32_t i = 0; i < p->nclines; i++) {
                if (p->clines[i].cls != c) continue;
                ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "%s{\"line\":%u,\"chose\":%llu}", first ? "" : ",",
                                                 p->clines[i].line, (unsigned long long)st->chit[i]));
                first = false;
            }
            ubuf_add(&j, "]}", 2);
        }
        ubuf_add(&j, "},\"fields\":{", 12);
        for (uint32_t f = 0; f < p->nfields; f++) {
            if (f) ubuf_addc(&j, ',');
            json_str(&j, p->fields[f].name.p, p->fields[f].name.len);
            ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, ":{\"missing\":%llu,\"invalid\":%llu}",
                                             (unsigned long long)fs[f].missing, (unsigned long long)fs[f].invalid));
        }
        ubuf_add(&j, t, (size_t)snprintf(t, sizeof t, "},\"unmatched_events\":%llu}\n", (unsigned long long)orphans));
        fwrite(j.p, 1, j.len, e);
        ubuf_free(&j);
        free(fs);
        return;
    }
    fprintf(e, "summary: %llu records, %llu leads (%.1f%%)", (unsigned long long)st->records,
            (unsigned long long)st->leads, st->records ? 100.0 * (double)st->leads / (double)st->records : 0.0);
    if (rejected) fprintf(e, ", %llu rows rejected", (unsigned long long)rejected);
    fputc('\n', e);
    if (p->score_fn >= 0 && st->nscores) {
        fprintf(e, "score: min %s", (val_format_number(st->scores[0], b), b));
        fprintf(e, ", Q1 %s", (val_format_number(quantile(st->scores, st->nscores, 0.25), b), b));
        fprintf(e, ", median %s", (val_format_number(quantile(st->scores, st->nscores, 0.5), b), b));
        fprintf(e, ", Q3 %s", (val_format_number(quantile(st->scores, st->nscores, 0.75), b), b));
        fprintf(e, ", max %s\n", (val_format_number(st->scores[st->nscores - 1], b), b));
    }
    for (uint32_t i = 0; i < p->nslines; i++) {
        if (p->slines[i].line) fprintf(e, "  score line %u", p->slines[i].line);
        else fprintf(e, "  score line #%u", i + 1);
        fprintf(e, " (%s%s): fired for %llu record%s%s\n",
                p->slines[i].n > 0 ? "+" : "", (val_format_number(p->slines[i].n, b), b),
                (unsigned long long)st->sfired[i], st->sfired[i] == 1 ? "" : "s", st->sfired[i] ? "" : "  <- never fired");
    }
    for (uint32_t c = 0; c < p->nclasses; c++) {
        fprintf(e, "%s:", p->classes[c].name.p);
        for (uint32_t l = 0; l < p->classes[c].n; l++)
            fprintf(e, " %s %llu%s", p->classes[c].labels[l].p, (unsigned long long)st->labels[rc->label_base[c] + l],
                    l + 1 < p->classes[c].n ? "," : "");
        if (st->nolabel[c]) fprintf(e, ", (no label) %llu", (unsigned long long)st->nolabel[c]);
        fputc('\n', e);
        for (uint32_t i = 0; i < p->nclines; i++) {
            if (p->clines[i].cls != c) continue;
            if (p->clines[i].line) fprintf(e, "  line %u", p->clines[i].line);
            else fprintf(e, "  line #%u", i + 1 - class_first_line(p, c));
            fprintf(e, " (%s): chose it for %llu record%s%s\n",
                    p->classes[c].labels[p->clines[i].label].p, (unsigned long long)st->chit[i],
                    st->chit[i] == 1 ? "" : "s", st->chit[i] ? "" : "  <- never chosen");
        }
    }
    fprintf(e, "fields (missing / invalid):\n");
    for (uint32_t f = 0; f < p->nfields; f++)
        fprintf(e, "  %-20s %llu / %llu\n", p->fields[f].name.p, (unsigned long long)fs[f].missing,
                (unsigned long long)fs[f].invalid);
    if (p->nstreams) fprintf(e, "events without a matching record: %llu\n", (unsigned long long)orphans);
    free(fs);
}
