/* diff: run two definitions over the same data and compare their outputs
 * record by record.  The runs go through the same engine as leadvm (run.c),
 * into temporary CSV files, which are then read side by side: outputs are
 * in input order, so row i of one is row i of the other. */
#include "config.h"
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compile.h"
#include "csv.h"
#include "diff.h"
#include "gen.h"
#include "rtinit.h"
#include "run.h"
#include "utext.h"
#include "value.h"

#define EXAMPLES 3

/* One output column's transitions: a small matrix over the distinct
 * values seen (labels, true/false), or for the score a count of changes. */
typedef struct Trans {
    char *name;
    int old_col, new_col;
    bool numeric;
    char **vals; uint32_t nvals;             /* distinct values, first-seen order */
    uint64_t *count;                         /* nvals x nvals, grows */
    char ***ex; uint32_t *nex;               /* examples per cell */
    uint32_t cap;
    uint64_t changed, up, down;
    double sum_delta;
    char *ex_up[EXAMPLES], *ex_down[EXAMPLES];
    uint32_t nex_up, nex_down;
} Trans;

static uint32_t val_index(Trans *t, const char *v)
{
    for (uint32_t i = 0; i < t->nvals; i++)
        if (strcmp(t->vals[i], v) == 0) return i;
    if (t->nvals == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        uint64_t *nc = calloc((size_t)cap * cap, sizeof *nc);
        char ***ne = calloc((size_t)cap * cap, sizeof *ne);
        uint32_t *nn = calloc((size_t)cap * cap, sizeof *nn);
        if (!nc || !ne || !nn) { fputs("out of memory\n", stderr); exit(2); }
        for (uint32_t a = 0; a < t->nvals; a++)
            for (uint32_t b = 0; b < t->nvals; b++) {
                nc[a * cap + b] = t->count[a * t->cap + b];
                ne[a * cap + b] = t->ex[a * t->cap + b];
                nn[a * cap + b] = t->nex[a * t->cap + b];
            }
        free(t->count); free(t->ex); free(t->nex);
        t->count = nc; t->ex = ne; t->nex = nn;
        t->vals = realloc(t->vals, cap * sizeof *t->vals);
        if (!t->vals) { fputs("out of memory\n", stderr); exit(2); }
        t->cap = cap;
    }
    t->vals[t->nvals] = strdup(v);
    return t->nvals++;
}

static void add_example(char ***slot, uint32_t *n, const char *key)
{
    if (*n >= EXAMPLES) return;
    if (!*slot) *slot = calloc(EXAMPLES, sizeof **slot);
    (*slot)[(*n)++] = strdup(key);
}

static char *cell_str(const CsvRow *r, int col)
{
    if (col < 0 || (uint32_t)col >= r->nfields) return strdup("");
    return strndup(r->fields[col].p, r->fields[col].len);
}

/* The declared labels of the classifications of both definitions, in
 * declared order (old first): the rows and columns of a transition
 * matrix follow them, not the order the data happened to show them. */
typedef struct Order { char *cls; char *label; } Order;
typedef struct Orders { Order *v; uint32_t n, cap; } Orders;

static void orders_add(Orders *os, const Prog *p)
{
    for (uint32_t c = 0; c < p->nclasses; c++)
        for (uint32_t l = 0; l < p->classes[c].n; l++) {
            if (os->n == os->cap) {
                os->cap = os->cap ? os->cap * 2 : 32;
                os->v = realloc(os->v, os->cap * sizeof *os->v);
                if (!os->v) { fputs("out of memory\n", stderr); exit(2); }
            }
            os->v[os->n].cls = strndup(p->classes[c].name.p, p->classes[c].name.len);
            os->v[os->n].label = strndup(p->classes[c].labels[l].p, p->classes[c].labels[l].len);
            os->n++;
        }
}

/* Where a value goes among an output's rows: lead's false before true,
 * a classification's labels as declared, anything else as first seen,
 * no value last. */
static uint64_t rank_of(const Orders *os, const char *output, const char *v, uint32_t seen)
{
    if (!*v) return UINT64_MAX;
    if (strcmp(output, "lead") == 0) {
        if (strcmp(v, "false") == 0) return 0;
        if (strcmp(v, "true") == 0) return 1;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < os->n; i++)
        if (strcmp(os->v[i].cls, output) == 0) {
            if (strcmp(os->v[i].label, v) == 0) return k;
            k++;
        }
    return ((uint64_t)1 << 32) + seen;
}

/* Put an output's values in rank order (the matrix moves with them). */
static void order_values(Trans *t, const Orders *os)
{
    uint32_t n = t->nvals;
    if (n < 2) return;
    uint32_t *perm = malloc(n * sizeof *perm);
    uint64_t *rank = malloc(n * sizeof *rank);
    uint64_t *nc = calloc((size_t)t->cap * t->cap, sizeof *nc);
    char ***ne = calloc((size_t)t->cap * t->cap, sizeof *ne);
    uint32_t *nn = calloc((size_t)t->cap * t->cap, sizeof *nn);
    char **nv = malloc(t->cap * sizeof *nv);
    if (!perm || !rank || !nc || !ne || !nn || !nv) { fputs("out of memory\n", stderr); exit(2); }
    for (uint32_t i = 0; i < n; i++) { perm[i] = i; rank[i] = rank_of(os, t->name, t->vals[i], i); }
    for (uint32_t i = 1; i < n; i++)            /* insertion sort: a handful of labels, stable */
        for (uint32_t j = i; j > 0 && rank[perm[j - 1]] > rank[perm[j]]; j--) {
            uint32_t x = perm[j]; perm[j] = perm[j - 1]; perm[j - 1] = x;
        }
    for (uint32_t a = 0; a < n; a++) {
        nv[a] = t->vals[perm[a]];
        for (uint32_t b = 0; b < n; b++) {
            uint32_t from = perm[a] * t->cap + perm[b], to = a * t->cap + b;
            nc[to] = t->count[from];
            ne[to] = t->ex[from];
            nn[to] = t->nex[from];
        }
    }
    free(t->vals); free(t->count); free(t->ex); free(t->nex);
    t->vals = nv; t->count = nc; t->ex = ne; t->nex = nn;
    free(perm); free(rank);
}

/* Compile and run one definition into a temporary CSV file. */
static bool run_one(const LeadcOpts *o, const char *path, const char *data, const DiffEvents *ev, uint32_t nev,
                    Orders *os, char *tmp, size_t tmplen)
{
    Compilation c = { 0 };
    CompOptions co = { o->incdirs, o->nincdirs };
    comp_file(&c, path, &co);
    if (c.io_error) { comp_free(&c); return false; }
    if (c.diags.nerrors) {
        uint32_t k = 0;
        for (uint32_t d = 0; d < c.diags.n; d++) if (c.diags.v[d].sev == SEV_ERROR) c.diags.v[k++] = c.diags.v[d];
        c.diags.n = k;
        diag_print(&c.diags, stderr, DF_TEXT, o->color);
        fprintf(stderr, "leadc diff: %s does not compile\n", path);
        comp_free(&c);
        return false;
    }
    char err[1024];
    Prog *p = gen_program(&c, true, err, sizeof err);
    comp_free(&c);
    if (!p || !prog_verify(p, err, sizeof err) || !rt_init(p, o->allow, o->nallow, err, sizeof err)) {
        fprintf(stderr, "leadc diff: %s: %s\n", path, err);
        prog_free(p);
        return false;
    }
    orders_add(os, p);
    snprintf(tmp, tmplen, "%s/leadc-diff-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0) { fprintf(stderr, "leadc diff: cannot create a temporary file: %s\n", strerror(errno)); prog_free(p); return false; }
    close(fd);
    RunOpts ro = { 0 };
    ro.input = data;
    ro.out = tmp;
    ro.out_format = 0;
    ro.in_format = 0;
    {
        size_t n = strlen(data);
        const char *d = data;
        char b[4096];
        snprintf(b, sizeof b, "%s", d);
        if (n > 3 && strcmp(b + n - 3, ".gz") == 0) b[n - 3] = 0;
        else if (n > 4 && strcmp(b + n - 4, ".zst") == 0) b[n - 4] = 0;
        size_t m = strlen(b);
        ro.in_format = (m > 6 && strcmp(b + m - 6, ".jsonl") == 0) || (m > 7 && strcmp(b + m - 7, ".ndjson") == 0) ? 2 : 1;
    }
    ro.as_of = o->has_as_of ? o->as_of : (int32_t)(time(NULL) / 86400);
    ro.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ro.threads < 1) ro.threads = 1;
    ro.progress = 0;
    ro.prog_name = "leadc diff";
    /* only the streams this definition declares */
    RunEvents *re = calloc(nev + 1, sizeof *re);
    for (uint32_t i = 0; i < nev; i++)
        for (uint32_t s = 0; s < p->nstreams; s++)
            if (strcmp(p->streams[s].name.p, ev[i].name) == 0) { re[ro.nevents].name = ev[i].name; re[ro.nevents].path = ev[i].path; ro.nevents++; }
    ro.events = re;
    int st = run_program(p, &ro);
    free(re);
    prog_free(p);
    if (st != 0) { unlink(tmp); return false; }
    return true;
}

static int col_of(const CsvRow *h, const char *name)
{
    for (uint32_t i = 0; i < h->nfields; i++)
        if (h->fields[i].len == strlen(name) && memcmp(h->fields[i].p, name, h->fields[i].len) == 0) return (int)i;
    return -1;
}

static void json_s(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(out, "\\u%04x", (unsigned char)*s);
        else fputc(*s, out);
    }
    fputc('"', out);
}

static const char *shown(const char *v) { return *v ? v : "(none)"; }

int leadc_diff(const LeadcOpts *o, const char *data, const DiffEvents *ev, uint32_t nev, const char *fmt)
{
    if (o->nfiles != 2) {
        fputs("leadc diff: give OLD.lead and NEW.lead\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    if (!data) {
        fputs("leadc diff: --data FILE is required (the records to compare on)\n", stderr);
        return 2;
    }
    int mode = 0;                       /* 0 text, 1 markdown, 2 json */
    if (fmt && strcmp(fmt, "markdown") == 0) mode = 1;
    else if (fmt && strcmp(fmt, "json") == 0) mode = 2;
    else if (fmt && strcmp(fmt, "text") != 0) {
        fprintf(stderr, "leadc diff: --format must be text, markdown or json, not '%s'\n", fmt);
        return 2;
    }
    char told[4096], tnew[4096];
    Orders os = { 0 };
    int status = 2;
    if (!run_one(o, o->files[0], data, ev, nev, &os, told, sizeof told)) goto free_orders;
    if (!run_one(o, o->files[1], data, ev, nev, &os, tnew, sizeof tnew)) { unlink(told); goto free_orders; }

    char err[512];
    CsvRow ho, hn;
    InSrc *so = in_open(told, err, sizeof err), *sn = in_open(tnew, err, sizeof err);
    CsvChunker *co = so ? csv_open(so, ',', 0, &ho, err, sizeof err) : NULL;
    CsvChunker *cn = sn ? csv_open(sn, ',', 0, &hn, err, sizeof err) : NULL;
    if (!co || !cn) { fprintf(stderr, "leadc diff: %s\n", err); unlink(told); unlink(tnew); goto free_orders; }
    /* the outputs both have: lead, score, and classifications by name */
    Trans *t = calloc(ho.nfields + 1, sizeof *t);
    char **only_old = calloc(ho.nfields + 1, sizeof *only_old), **only_new = calloc(hn.nfields + 1, sizeof *only_new);
    uint32_t nt = 0, nonly_old = 0, nonly_new = 0;
    for (uint32_t i = 1; i < ho.nfields; i++) {
        char *name = strndup(ho.fields[i].p, ho.fields[i].len);
        int nc = col_of(&hn, name);
        if (nc < 0) {
            if (mode != 2) fprintf(stdout, "%s: only in %s\n", name, o->files[0]);
            only_old[nonly_old++] = name;
            continue;
        }
        t[nt].name = name;
        t[nt].old_col = (int)i;
        t[nt].new_col = nc;
        t[nt].numeric = strcmp(name, "score") == 0;
        nt++;
    }
    for (uint32_t i = 1; i < hn.nfields; i++) {
        char *name = strndup(hn.fields[i].p, hn.fields[i].len);
        if (col_of(&ho, name) < 0) {
            if (mode != 2) fprintf(stdout, "%s: only in %s\n", name, o->files[1]);
            only_new[nonly_new++] = name;
        } else
            free(name);
    }
    /* read both side by side, block by block */
    CsvBlock bo, bn;
    CsvCursor uo, un;
    CsvRowBuf rbo = { 0 }, rbn = { 0 };
    CsvRow ro, rn;
    bool have_o = false, have_n = false;
    int64_t el;
    uint64_t records = 0;
    for (;;) {
        int ko = 0, kn = 0;
        while (!have_o || (ko = csv_row(&uo, &rbo, &ro)) == 0) {
            if (have_o) csv_release_block(co, &bo);
            int r = csv_next_block(co, &bo, &el, err, sizeof err);
            if (r <= 0) { have_o = false; ko = 0; break; }
            have_o = true;
            csv_cursor_init(&uo, &bo, ',');
        }
        while (!have_n || (kn = csv_row(&un, &rbn, &rn)) == 0) {
            if (have_n) csv_release_block(cn, &bn);
            int r = csv_next_block(cn, &bn, &el, err, sizeof err);
            if (r <= 0) { have_n = false; kn = 0; break; }
            have_n = true;
            csv_cursor_init(&un, &bn, ',');
        }
        if (ko != 1 || kn != 1) break;
        records++;
        char *key = cell_str(&ro, 0);
        for (uint32_t i = 0; i < nt; i++) {
            Trans *x = &t[i];
            char *a = cell_str(&ro, x->old_col), *b = cell_str(&rn, x->new_col);
            if (x->numeric) {
                if (strcmp(a, b) != 0) {
                    x->changed++;
                    double da = *a ? strtod(a, NULL) : 0, db = *b ? strtod(b, NULL) : 0;
                    x->sum_delta += db - da;
                    if (db > da) { x->up++; if (x->nex_up < EXAMPLES) x->ex_up[x->nex_up++] = strdup(key); }
                    else if (db < da) { x->down++; if (x->nex_down < EXAMPLES) x->ex_down[x->nex_down++] = strdup(key); }
                }
            } else {
                uint32_t ia = val_index(x, a), ib = val_index(x, b);
                x->count[ia * x->cap + ib]++;
                if (ia != ib) add_example(&x->ex[ia * x->cap + ib], &x->nex[ia * x->cap + ib], key);
            }
            free(a); free(b);
        }
        free(key);
    }
    if (have_o) csv_release_block(co, &bo);
    if (have_n) csv_release_block(cn, &bn);
    csv_rowbuf_free(&rbo); csv_rowbuf_free(&rbn);
    csv_close(co); csv_close(cn);
    unlink(told); unlink(tnew);
    for (uint32_t i = 0; i < nt; i++) if (!t[i].numeric) order_values(&t[i], &os);

    FILE *out = stdout;
    if (mode == 2) {
        fprintf(out, "{\"old\":"); json_s(out, o->files[0]);
        fprintf(out, ",\"new\":"); json_s(out, o->files[1]);
        fprintf(out, ",\"records\":%llu,\"only_old\":[", (unsigned long long)records);
        for (uint32_t k = 0; k < nonly_old; k++) { if (k) fputc(',', out); json_s(out, only_old[k]); }
        fprintf(out, "],\"only_new\":[");
        for (uint32_t k = 0; k < nonly_new; k++) { if (k) fputc(',', out); json_s(out, only_new[k]); }
        fprintf(out, "],\"outputs\":[");
    } else if (mode == 1)
        fprintf(out, "## Impact of `%s` -> `%s` on %llu records\n\n", o->files[0], o->files[1], (unsigned long long)records);
    else
        fprintf(out, "%s -> %s on %llu records\n", o->files[0], o->files[1], (unsigned long long)records);
    for (uint32_t i = 0; i < nt; i++) {
        Trans *x = &t[i];
        if (x->numeric) {
            double mean = x->changed ? x->sum_delta / (double)x->changed : 0;
            char m[VAL_FMT_MAX];
            val_format_number(mean, m);
            if (mode == 2) {
                fprintf(out, "%s{\"output\":\"score\",\"changed\":%llu,\"up\":%llu,\"down\":%llu,\"mean_change\":%s,\"examples_up\":[",
                        i ? "," : "", (unsigned long long)x->changed, (unsigned long long)x->up, (unsigned long long)x->down, m);
                for (uint32_t k = 0; k < x->nex_up; k++) { if (k) fputc(',', out); json_s(out, x->ex_up[k]); }
                fprintf(out, "],\"examples_down\":[");
                for (uint32_t k = 0; k < x->nex_down; k++) { if (k) fputc(',', out); json_s(out, x->ex_down[k]); }
                fprintf(out, "]}");
                continue;
            }
            fprintf(out, mode == 1 ? "\n### score\n\n%llu record%s changed (%llu up, %llu down), mean change %s\n" :
                                     "\nscore: %llu record%s changed (%llu up, %llu down), mean change %s\n",
                    (unsigned long long)x->changed, x->changed == 1 ? "" : "s", (unsigned long long)x->up, (unsigned long long)x->down, m);
            if (x->nex_up) { fprintf(out, "  up, e.g."); for (uint32_t k = 0; k < x->nex_up; k++) fprintf(out, " %s", x->ex_up[k]); fputc('\n', out); }
            if (x->nex_down) { fprintf(out, "  down, e.g."); for (uint32_t k = 0; k < x->nex_down; k++) fprintf(out, " %s", x->ex_down[k]); fputc('\n', out); }
            continue;
        }
        if (mode == 2) {
            fprintf(out, "%s{\"output\":", i ? "," : "");
            json_s(out, x->name);
            fprintf(out, ",\"transitions\":[");
            bool first = true;
            for (uint32_t a = 0; a < x->nvals; a++)
                for (uint32_t b = 0; b < x->nvals; b++) {
                    uint64_t n = x->count[a * x->cap + b];
                    if (!n) continue;
                    fprintf(out, "%s{\"old\":", first ? "" : ",");
                    json_s(out, x->vals[a]);
                    fprintf(out, ",\"new\":");
                    json_s(out, x->vals[b]);
                    fprintf(out, ",\"count\":%llu,\"examples\":[", (unsigned long long)n);
                    for (uint32_t k = 0; k < x->nex[a * x->cap + b]; k++) { if (k) fputc(',', out); json_s(out, x->ex[a * x->cap + b][k]); }
                    fprintf(out, "]}");
                    first = false;
                }
            fprintf(out, "]}");
            continue;
        }
        uint64_t moved = 0;
        for (uint32_t a = 0; a < x->nvals; a++)
            for (uint32_t b = 0; b < x->nvals; b++) if (a != b) moved += x->count[a * x->cap + b];
        if (mode == 1) {
            fprintf(out, "\n### %s\n\n%llu record%s changed\n\n| old \\ new |", x->name, (unsigned long long)moved, moved == 1 ? "" : "s");
            for (uint32_t b = 0; b < x->nvals; b++) fprintf(out, " %s |", shown(x->vals[b]));
            fprintf(out, "\n|---|");
            for (uint32_t b = 0; b < x->nvals; b++) fprintf(out, "---:|");
            fputc('\n', out);
            for (uint32_t a = 0; a < x->nvals; a++) {
                fprintf(out, "| %s |", shown(x->vals[a]));
                for (uint32_t b = 0; b < x->nvals; b++) fprintf(out, " %llu |", (unsigned long long)x->count[a * x->cap + b]);
                fputc('\n', out);
            }
        } else {
            fprintf(out, "\n%s: %llu record%s changed\n", x->name, (unsigned long long)moved, moved == 1 ? "" : "s");
            int w0 = 9;
            for (uint32_t a = 0; a < x->nvals; a++) if ((int)strlen(shown(x->vals[a])) > w0) w0 = (int)strlen(shown(x->vals[a]));
            int *w = calloc(x->nvals + 1, sizeof *w);
            for (uint32_t b = 0; b < x->nvals; b++) {
                char num[32];
                w[b] = (int)strlen(shown(x->vals[b]));
                for (uint32_t a = 0; a < x->nvals; a++) {
                    int k = snprintf(num, sizeof num, "%llu", (unsigned long long)x->count[a * x->cap + b]);
                    if (k > w[b]) w[b] = k;
                }
            }
            fprintf(out, "  %-*s", w0, "old \\ new");
            for (uint32_t b = 0; b < x->nvals; b++) fprintf(out, "  %*s", w[b], shown(x->vals[b]));
            fputc('\n', out);
            for (uint32_t a = 0; a < x->nvals; a++) {
                fprintf(out, "  %-*s", w0, shown(x->vals[a]));
                for (uint32_t b = 0; b < x->nvals; b++) fprintf(out, "  %*llu", w[b], (unsigned long long)x->count[a * x->cap + b]);
                fputc('\n', out);
            }
            free(w);
        }
        for (uint32_t a = 0; a < x->nvals; a++)
            for (uint32_t b = 0; b < x->nvals; b++) {
                uint32_t ne = x->nex[a * x->cap + b];
                if (a == b || !ne) continue;
                fprintf(out, mode == 1 ? "\n- %s -> %s: %llu, e.g." : "  %s -> %s: %llu, e.g.", shown(x->vals[a]), shown(x->vals[b]),
                        (unsigned long long)x->count[a * x->cap + b]);
                for (uint32_t k = 0; k < ne; k++) fprintf(out, " %s", x->ex[a * x->cap + b][k]);
                if (mode != 1) fputc('\n', out);
            }
        if (mode == 1) fputc('\n', out);
    }
    if (mode == 2) fprintf(out, "]}\n");
    for (uint32_t i = 0; i < nt; i++) {
        Trans *x = &t[i];
        for (uint32_t a = 0; a < x->nvals; a++) free(x->vals[a]);
        for (uint32_t c = 0; c < x->cap * x->cap; c++) {
            for (uint32_t k = 0; k < x->nex[c]; k++) free(x->ex[c][k]);
            free(x->ex[c]);
        }
        free(x->vals); free(x->count); free(x->ex); free(x->nex); free(x->name);
        for (uint32_t k = 0; k < x->nex_up; k++) free(x->ex_up[k]);
        for (uint32_t k = 0; k < x->nex_down; k++) free(x->ex_down[k]);
    }
    free(t);
    for (uint32_t k = 0; k < nonly_old; k++) free(only_old[k]);
    for (uint32_t k = 0; k < nonly_new; k++) free(only_new[k]);
    free(only_old); free(only_new);
    status = 0;
free_orders:
    for (uint32_t k = 0; k < os.n; k++) { free(os.v[k].cls); free(os.v[k].label); }
    free(os.v);
    return status;
}
