/* fuzz_common: in-memory files, quiet output and a small VM driver for the
 * harnesses (fuzz.h). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "compile.h"
#include "fuzz.h"
#include "gen.h"
#include "rtinit.h"
#include "value.h"
#include "vm.h"

static void die(const char *what)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
    abort();
}

static bool write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

const char *fz_memfd_path(int *fd, const void *data, size_t n)
{
    static char path[4][64];
    static int slot;
    if (*fd <= 0) {
        *fd = memfd_create("lead-fuzz", MFD_CLOEXEC);
        if (*fd < 0) die("memfd_create");
    }
    if (ftruncate(*fd, 0) != 0 || lseek(*fd, 0, SEEK_SET) != 0 || !write_all(*fd, data, n)) die("memfd write");
    slot = (slot + 1) % 4;
    snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", *fd);
    return path[slot];
}

static char tmpdir[256];
static char files[4][400];

static void remove_tmpdir(void)
{
    for (int i = 0; i < 4; i++)
        if (files[i][0]) unlink(files[i]);
    if (tmpdir[0]) rmdir(tmpdir);
}

const char *fz_file(int slot, const char *name, const void *data, size_t n)
{
    if (!tmpdir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/lead-fuzz.XXXXXX", base);
        if (!mkdtemp(tmpdir)) die("mkdtemp");
        atexit(remove_tmpdir);
    }
    if (files[slot][0]) unlink(files[slot]);
    snprintf(files[slot], sizeof files[slot], "%s/%s", tmpdir, name);
    FILE *f = fopen(files[slot], "wb");
    if (!f) die(files[slot]);
    if (n && fwrite(data, 1, n, f) != n) die(files[slot]);
    if (fclose(f) != 0) die(files[slot]);
    return files[slot];
}

static FILE *saved_out, *saved_err, *devnull;

void fz_quiet(void)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w"))) die("/dev/null");
    fflush(stdout);
    fflush(stderr);
    saved_out = stdout;
    saved_err = stderr;
    stdout = devnull;
    stderr = devnull;
}

void fz_loud(void)
{
    if (!saved_out) return;
    fflush(devnull);
    stdout = saved_out;
    stderr = saved_err;
    saved_out = saved_err = NULL;
}

/* ---- the VM over synthetic records -------------------------------------------------- */

/* A cell that parses as a value of t (a level's first label). */
static VmCell typical(const Prog *p, PType t, uint32_t i)
{
    static const char *const text[] = { "Ann", "ann@example.com", " VP Sales ", "" };
    static const char *const num[] = { "42", "-1.5", "$2,000", "1e300" };
    static const char *const bools[] = { "true", "no", "1", "maybe" };
    static const char *const dates[] = { "2026-01-02", "1970-01-01", "2026-02-30", "9999-12-31" };
    static const char *const times[] = { "2026-01-09T10:00:00Z", "2025-12-31T23:59:59.5Z", "2026-01-02", "x" };
    const char *s = text[i % 4];
    switch (t.kind) {
    case PT_NUMBER: s = num[i % 4]; break;
    case PT_BOOL: s = bools[i % 4]; break;
    case PT_DATE: s = dates[i % 4]; break;
    case PT_TIME: s = times[i % 4]; break;
    case PT_LEVEL:
        if (t.id < p->nlevels && p->levels[t.id].n) {
            const PText *l = &p->levels[t.id].labels[i % p->levels[t.id].n];
            return (VmCell){ l->p, l->len, 0 };
        }
        break;
    default: break;
    }
    return (VmCell){ s, (uint32_t)strlen(s), 0 };
}

/* Cells for one record or event: 0 all missing, 1 typical values, 2 the
 * program's constants, 3 typical values again, shifted. */
static void fill(const Prog *p, const PField *fields, uint32_t n, int kind, VmCell *cells, char (*numtext)[VAL_FMT_MAX])
{
    for (uint32_t i = 0; i < n; i++) {
        if (kind == 0) { cells[i] = (VmCell){ NULL, 0, 0 }; continue; }
        if (kind == 2 && fields[i].type.kind == PT_TEXT && p->ntexts) {
            const PText *t = &p->texts[i % p->ntexts];
            cells[i] = (VmCell){ t->p, t->len, 0 };
            continue;
        }
        if (kind == 2 && fields[i].type.kind == PT_NUMBER && p->nnums) {
            size_t k = val_format_number(p->nums[i % p->nnums], numtext[i]);
            cells[i] = (VmCell){ numtext[i], (uint32_t)k, 0 };
            continue;
        }
        cells[i] = typical(p, fields[i].type, i + (uint32_t)kind);
    }
}

/* Look at a result the way the output writers do. */
static void touch(const Prog *p, PType t, VmValue v)
{
    char buf[VAL_FMT_MAX];
    volatile unsigned sum = 0;
    if (v.miss) return;
    switch (t.kind) {
    case PT_TEXT:
        for (uint32_t i = 0; i < v.len; i++) sum += (unsigned char)v.u.s[i];
        break;
    case PT_NUMBER: val_format_number(v.u.n, buf); break;
    case PT_DATE: val_format_date((int32_t)v.u.i, buf); break;
    case PT_TIME: val_format_time(v.u.i, buf); break;
    case PT_LEVEL:
        if (t.id >= p->nlevels || v.u.i < 0 || (uint64_t)v.u.i >= p->levels[t.id].n) {
            fprintf(stderr, "fuzz: level value %lld out of range\n", (long long)v.u.i);
            abort();
        }
        break;
    case PT_CLASS:
        if (t.id >= p->nclasses || v.u.i < 0 || (uint64_t)v.u.i >= p->classes[t.id].n) {
            fprintf(stderr, "fuzz: classification value %lld out of range\n", (long long)v.u.i);
            abort();
        }
        break;
    default: break;
    }
    (void)sum;
}

void fz_eval_outputs(const Prog *p, VmCtx *vm)
{
    touch(p, (PType){ PT_BOOL, 0 }, vm_eval(vm, p->lead_fn));
    if (p->score_fn >= 0) touch(p, p->funcs[p->score_fn].result, vm_eval(vm, p->score_fn));
    for (uint32_t c = 0; c < p->nclasses; c++)
        touch(p, p->funcs[p->class_fns[c]].result, vm_eval(vm, p->class_fns[c]));
    for (uint32_t i = 0; i < p->nexplain; i++)
        touch(p, (PType){ PT_BOOL, 0 }, vm_eval(vm, p->explain[i].fn));
    for (uint32_t f = 0; f < p->nfuncs; f++)
        if (p->funcs[f].kind == FK_DEFINE && p->funcs[f].nparams == 0)
            touch(p, p->funcs[f].result, vm_eval(vm, (int32_t)f));
    const double *pts = vm_score_points(vm);
    volatile double sum = 0;
    for (uint32_t i = 0; i < p->nslines; i++) sum += pts[i];
    (void)sum;
}

Prog *fz_compile(const char *name, const char *text, size_t len, bool errors_ok)
{
    Compilation c = { 0 };
    char err[512];
    comp_source(&c, name, text, len, NULL);
    if (diag_errors(&c.diags)) {
        if (errors_ok) { comp_free(&c); return NULL; }
        diag_print(&c.diags, stderr, DF_TEXT, false);
        abort();
    }
    Prog *p = gen_program(&c, false, err, sizeof err);
    comp_free(&c);
    if (!p) {
        if (errors_ok) return NULL;
        fprintf(stderr, "fuzz: %s: %s\n", name, err);
        abort();
    }
    if (!prog_verify(p, err, sizeof err)) {
        if (errors_ok && fz_beyond_limits(err)) { prog_free(p); return NULL; }
        fprintf(stderr, "fuzz: %s: the compiled program fails verification: %s\n", name, err);
        abort();
    }
    return p;
}

bool fz_beyond_limits(const char *err)
{
    return strncmp(err, "calls nest more than", 20) == 0 || strncmp(err, "where bodies nest", 17) == 0 ||
           strncmp(err, "one record could take more than", 31) == 0;
}

#define FZ_EVENTS 3

void fz_run_records(Prog *p)
{
    char err[512];
    if (!rt_compile_patterns(p, err, sizeof err)) return;
    VmCtx *vm = vm_new(p, val_days_from_civil(2026, 1, 10));
    if (!vm) return;
    VmCell *cells = calloc(p->nfields + 1, sizeof *cells);
    char (*numtext)[VAL_FMT_MAX] = calloc(p->nfields + 1, sizeof *numtext);
    VmEvents *evs = calloc(p->nstreams + 1, sizeof *evs);
    VmEvent *ev = calloc((size_t)p->nstreams * FZ_EVENTS + 1, sizeof *ev);
    if (!cells || !numtext || !evs || !ev) abort();
    uint32_t maxf = 0;
    for (uint32_t s = 0; s < p->nstreams; s++)
        if (p->streams[s].nfields > maxf) maxf = p->streams[s].nfields;
    VmCell *ecells = calloc(maxf + 1, sizeof *ecells);
    char (*enumtext)[VAL_FMT_MAX] = calloc(maxf + 1, sizeof *enumtext);
    if (!ecells || !enumtext) abort();

    for (int rec = 0; rec < 4; rec++) {
        fill(p, p->fields, p->nfields, rec, cells, numtext);
        for (uint32_t s = 0; s < p->nstreams; s++) {
            const PStream *st = &p->streams[s];
            for (int k = 0; k < FZ_EVENTS; k++) {
                VmEvent *e = &ev[s * FZ_EVENTS + (uint32_t)k];
                free(e->vals);
                e->vals = calloc(st->nfields + 1, sizeof *e->vals);
                if (!e->vals) abort();
                fill(p, st->fields, st->nfields, k + 1, ecells, enumtext);
                vm_parse_event(p, s, ecells, e);
            }
            evs[s].ev = &ev[s * FZ_EVENTS];
            evs[s].n = rec == 0 ? 0 : FZ_EVENTS;
        }
        vm_set_eager(vm, rec == 3);
        vm_record(vm, cells, p->nstreams ? evs : NULL);
        fz_eval_outputs(p, vm);
    }
    for (uint32_t i = 0; i < p->nstreams * FZ_EVENTS; i++) free(ev[i].vals);
    free(ev); free(evs); free(cells); free(numtext); free(ecells); free(enumtext);
    vm_free(vm);
}
