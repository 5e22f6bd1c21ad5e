/* leadc_cmds: what each leadc command does. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bc.h"
#include "compile.h"
#include "disasm.h"
#include "fmt.h"
#include "gen.h"
#include "outfile.h"
#include "leadc_cmds.h"
#include "testrun.h"
#include "value.h"

/* Write a whole file as runtime/outfile.h does for leadvm: "-" is
 * standard output; a regular file is written beside its target and
 * renamed over it (a symbolic link is followed and stays); a device or
 * FIFO is written directly.  Nothing is left behind on failure. */
bool leadc_write_file(const char *path, const void *data, size_t len)
{
    char err[1024];
    of_install_signals();
    OutFile *f = of_open(path, err, sizeof err);
    if (!f) { fprintf(stderr, "leadc: %s\n", err); return false; }
    if (!of_write(f, data, len)) {
        fprintf(stderr, "leadc: writing '%s': %s\n", path, strerror(errno));
        of_discard(f);
        return false;
    }
    if (!of_commit(f, err, sizeof err)) { fprintf(stderr, "leadc: %s\n", err); return false; }
    return true;
}

bool leadc_parse_date(const char *s, int32_t *days)
{
    size_t n = strlen(s);
    return n == 10 && val_parse_date(s, n, days);
}

static CompOptions comp_opts(const LeadcOpts *o)
{
    CompOptions co = { o->incdirs, o->nincdirs };
    return co;
}

/* Print a file's diagnostics; returns the file's exit status so far. */
static int report(const LeadcOpts *o, Compilation *c)
{
    /* -Werror: warnings are errors, and say so */
    if (o->werror)
        for (uint32_t i = 0; i < c->diags.n; i++) {
            Diag *g = &c->diags.v[i];
            if (g->sev != SEV_WARNING) continue;
            char *m;
            if (asprintf(&m, "%s [-Werror]", g->msg) >= 0) { free(g->msg); g->msg = m; }
            g->sev = SEV_ERROR;
            c->diags.nwarnings--;
            c->diags.nerrors++;
        }
    c->diags.werror = o->werror;
    if (o->format != DF_SARIF)
        diag_print(&c->diags, o->format == DF_TEXT ? stderr : stdout, o->format, o->color && o->format == DF_TEXT);
    if (c->io_error) return 2;
    return diag_errors(&c->diags) ? 1 : 0;
}

/* "FILE: ok", or what is wrong with it: its errors and warnings and,
 * once its tests have run, the tests that failed. */
static void summary_line(const LeadcOpts *o, const char *path, uint32_t e, uint32_t w, uint32_t tf)
{
    if (o->format != DF_TEXT) return;
    if (e == 0 && w == 0 && tf == 0) {
        fprintf(stderr, "%s: ok\n", path);
        return;
    }
    fprintf(stderr, "%s: %u error%s, %u warning%s", path, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
    if (tf) fprintf(stderr, ", %u test%s failed", tf, tf == 1 ? "" : "s");
    fputc('\n', stderr);
}

/* Code for a checked file, verified: a program the verifier refuses is
 * one beyond the VM's limits (docs/limits.md), reported as an error of
 * the file.  NULL then, after the message. */
static Prog *gen_verified(Compilation *c, bool strip)
{
    char err[512];
    const char *path = c->diags.files[0].path;
    Prog *p = gen_program(c, strip, err, sizeof err);
    if (!p) { fprintf(stderr, "%s: error: %s\n", path, err); return NULL; }
    if (!prog_verify(p, err, sizeof err)) {
        fprintf(stderr, "%s: error: the program is beyond the limits of the VM (%s); "
                        "see docs/limits.md, and split the definitions differently\n", path, err);
        prog_free(p);
        return NULL;
    }
    return p;
}

static void add_diag(Diags *d, Loc l, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_diag(Diags *d, Loc l, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(d, SEV_ERROR, PH_SEMA, l, code, fmt, ap);
    va_end(ap);
}

/* In the machine formats, each failed test ("FAIL NAME (FILE:LINE): WHAT"
 * from the runner) is an error diagnostic with the code test-failed at its
 * expect line: a JSON line or workflow command now, a SARIF result with the
 * file's other results. */
static void failures_as_diags(const LeadcOpts *o, Compilation *c, char *buf)
{
    const SrcFile *f = &c->diags.files[0];
    uint32_t first = c->diags.n;
    size_t plen = strlen(f->path);
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "FAIL ", 5) != 0) continue;
        char *name = line + 5, *at = NULL;
        for (char *q = strstr(name, " ("); q; q = strstr(q + 1, " ("))
            if (strncmp(q + 2, f->path, plen) == 0 && q[2 + plen] == ':') { at = q; break; }
        if (!at) continue;
        char *end;
        unsigned long ln = strtoul(at + 3 + plen, &end, 10);
        if (strncmp(end, "): ", 3) != 0 || ln == 0 || ln > f->nlines) continue;
        uint32_t off = f->lines[ln - 1], stop = ln < f->nlines ? f->lines[ln] : (uint32_t)f->len;
        while (off < stop && (f->text[off] == ' ' || f->text[off] == '\t')) off++;
        while (stop > off && (f->text[stop - 1] == '\n' || f->text[stop - 1] == '\r' ||
                              f->text[stop - 1] == ' ' || f->text[stop - 1] == '\t')) stop--;
        add_diag(&c->diags, (Loc){ 0, off, stop }, "test-failed", "test '%.*s' failed: %s",
                 (int)(at - name), name, end + 3);
    }
    if (o->format == DF_SARIF || c->diags.n == first) return;
    Diags view = c->diags;            /* print only the new ones */
    view.v += first;
    view.n -= first;
    diag_print(&view, stdout, o->format, false);
}

/* Compile a checked file and run its tests; returns 0, 1 (a test failed)
 * or 2 (could not run).  Test lines go to standard output in the text
 * format; the machine formats get the failures as diagnostics. */
static int run_tests(const LeadcOpts *o, Compilation *c, TestTotals *tot)
{
    Prog *p = gen_verified(c, false);
    if (!p) return 1;
    if (c->sema.ntests == 0) { prog_free(p); return 0; }
    TestOpts to = { o->has_as_of, o->as_of, o->allow, o->nallow, o->coverage };
    uint32_t failed0 = tot->failed;
    char *buf = NULL;
    size_t blen = 0;
    FILE *sink = o->format == DF_TEXT ? stdout : open_memstream(&buf, &blen);
    bool ok = test_run(c, p, &to, sink, tot);
    if (sink != stdout) {
        fclose(sink);
        failures_as_diags(o, c, buf ? buf : "");
        free(buf);
    }
    prog_free(p);
    if (!ok) return 2;
    return tot->failed > failed0 ? 1 : 0;
}

static void print_totals(const LeadcOpts *o, const TestTotals *t)
{
    if (o->format == DF_TEXT) printf("%u passed, %u failed\n", t->passed, t->failed);
}

/* leadc test FILE...: the test blocks only (errors still stop a file). */
int leadc_test(const LeadcOpts *o)
{
    if (o->nfiles == 0) {
        fputs("leadc test: no file given\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    int worst = 0;
    TestTotals tot = { 0, 0 };
    for (uint32_t i = 0; i < o->nfiles; i++) {
        Compilation c = { 0 };
        CompOptions co = comp_opts(o);
        comp_file(&c, o->files[i], &co);
        int st;
        if (c.io_error) st = 2;
        else if (c.diags.nerrors) {
            /* only the errors: a test run is not the place for lints */
            uint32_t k = 0;
            for (uint32_t d = 0; d < c.diags.n; d++) if (c.diags.v[d].sev == SEV_ERROR) c.diags.v[k++] = c.diags.v[d];
            c.diags.n = k;
            c.diags.nwarnings = 0;
            diag_print(&c.diags, o->format == DF_TEXT ? stderr : stdout, o->format, o->color && o->format == DF_TEXT);
            st = 1;
        } else
            st = run_tests(o, &c, &tot);
        if (st > worst) worst = st;
        comp_free(&c);
    }
    print_totals(o, &tot);
    return worst;
}

int leadc_check(const LeadcOpts *o)
{
    if (o->nfiles == 0) {
        fputs("leadc check: no file given\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    int worst = 0;
    TestTotals tot = { 0, 0 };
    bool any_tests = false;
    Diags sarif = { 0 };      /* SARIF is one document for all files */
    for (uint32_t i = 0; i < o->nfiles; i++) {
        Compilation c = { 0 };
        CompOptions co = comp_opts(o);
        comp_file(&c, o->files[i], &co);
        int st = report(o, &c);
        uint32_t e = c.diags.nerrors, w = c.diags.nwarnings, failed0 = tot.failed;
        if (st == 0 && c.diags.nerrors == 0) {
            fflush(stderr);
            int ts = run_tests(o, &c, &tot);
            if (ts > st) st = ts;
            if (ts == 1 && tot.failed == failed0) e++;    /* beyond the VM's limits */
            any_tests |= c.sema.ntests > 0;
        }
        if (!c.io_error) {
            fflush(stdout);
            summary_line(o, o->files[i], e, w, tot.failed - failed0);
        }
        if (o->format == DF_SARIF) diag_merge(&sarif, &c.diags);
        if (st > worst) worst = st;
        comp_free(&c);
    }
    if (o->format == DF_SARIF) {
        diag_print(&sarif, stdout, DF_SARIF, false);
        diag_free(&sarif);
    }
    if (any_tests) print_totals(o, &tot);
    return worst;
}

/* leadc compile FILE [-o OUT]: check (errors only), then write bytecode. */
int leadc_compile(const LeadcOpts *o)
{
    if (o->nfiles != 1) {
        fputs("leadc compile: give exactly one .lead file\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    const char *path = o->files[0];
    Compilation c = { 0 };
    CompOptions co = comp_opts(o);
    comp_file(&c, path, &co);
    if (c.io_error) { comp_free(&c); return 2; }
    c.diags.werror = o->werror;
    if (diag_errors(&c.diags)) {
        diag_print(&c.diags, o->format == DF_TEXT ? stderr : stdout, o->format, o->color && o->format == DF_TEXT);
        if (o->format == DF_TEXT)
            fprintf(stderr, "%s: %u error%s: no bytecode written\n", path, diag_errors(&c.diags),
                    diag_errors(&c.diags) == 1 ? "" : "s");
        comp_free(&c);
        return 1;
    }
    Prog *p = gen_verified(&c, o->strip);
    comp_free(&c);
    if (!p) return 1;
    size_t len;
    uint8_t *bytes = bc_write(p, o->strip, &len);
    prog_free(p);
    char outbuf[4096];
    const char *out = o->out;
    if (!out) {
        size_t n = strlen(path);
        if (n > 5 && strcmp(path + n - 5, ".lead") == 0) snprintf(outbuf, sizeof outbuf, "%.*s.leadc", (int)(n - 5), path);
        else snprintf(outbuf, sizeof outbuf, "%s.leadc", path);
        out = outbuf;
    }
    int st = leadc_write_file(out, bytes, len) ? 0 : 2;
    free(bytes);
    return st;
}

/* leadc disasm FILE.leadc: a readable listing of the bytecode. */
int leadc_disasm(const LeadcOpts *o)
{
    if (o->nfiles != 1) {
        fputs("leadc disasm: give exactly one .leadc file\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    char err[1024];
    Prog *p = bc_load_file(o->files[0], err, sizeof err);
    if (!p) { fprintf(stderr, "%s: error: %s\n", o->files[0], err); return 2; }
    disasm_print(p, stdout);
    prog_free(p);
    return 0;
}

/* The whole of a file or of standard input ("-"); NULL on error (errno). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= LEAD_MAX_SOURCE) { free(buf); buf = NULL; errno = EFBIG; break; }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) { free(buf); buf = NULL; errno = ENOMEM; break; }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) {
            if (ferror(f)) { int e = errno; free(buf); buf = NULL; errno = e ? e : EIO; }
            break;
        }
    }
    if (f != stdin) fclose(f);
    if (!buf) return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

/* leadc fmt FILE... [-w] [--check]: the canonical layout (compiler/fmt.h).
 * Without options the formatted text goes to standard output; -w rewrites
 * each file that changes (atomically); --check changes nothing, prints a
 * unified diff for each file that would change and exits 1.  A file with
 * syntax errors is left alone: its diagnostics, and exit 1. */
int leadc_fmt(const LeadcOpts *o)
{
    if (o->nfiles == 0) {
        fputs("leadc fmt: no file given\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    if (o->write && o->check) {
        fputs("leadc fmt: give -w (rewrite) or --check (report), not both\n", stderr);
        return 2;
    }
    int worst = 0;
    for (uint32_t i = 0; i < o->nfiles; i++) {
        const char *path = o->files[i];
        if (o->write && strcmp(path, "-") == 0) {
            fputs("leadc fmt: -w cannot rewrite standard input\n", stderr);
            if (worst < 2) worst = 2;
            continue;
        }
        size_t len;
        char *text = slurp(path, &len);
        if (!text) {
            fprintf(stderr, "%s: error: %s\n", path,
                    errno == EFBIG ? "source file too large (the limit is 16 MiB)" : strerror(errno));
            if (worst < 2) worst = 2;
            continue;
        }
        if (bc_is_bytecode((const uint8_t *)text, len)) {
            fprintf(stderr, "%s: error: this is compiled bytecode, not lead source; there is nothing to format\n", path);
            free(text);
            if (worst < 2) worst = 2;
            continue;
        }
        Diags d = { 0 };
        uint32_t id = diag_add_file(&d, path, text, len);       /* d owns text now */
        char *out = NULL;
        size_t outlen = 0;
        FmtStatus fs = fmt_format(&d, id, &out, &outlen);
        int st = 0;
        if (fs == FMT_SYNTAX) {
            diag_print(&d, o->format == DF_TEXT ? stderr : stdout, o->format, o->color && o->format == DF_TEXT);
            if (o->format == DF_TEXT)
                fprintf(stderr, "%s: not formatted: fix the error%s first\n", path, d.nerrors == 1 ? "" : "s");
            st = 1;
        } else if (fs == FMT_INTERNAL) {
            fprintf(stderr, "%s: internal error: the formatted text would not read back as the same program; "
                            "the file is left as it is (please report this)\n", path);
            st = 2;
        } else {
            bool same = outlen == len && memcmp(out, d.files[id].text, len) == 0;
            if (o->check) {
                if (!same) {
                    fmt_diff(stdout, path, d.files[id].text, len, out, outlen);
                    st = 1;
                }
            } else if (o->write) {
                if (!same && !leadc_write_file(path, out, outlen)) st = 2;
            } else
                fwrite(out, 1, outlen, stdout);
        }
        free(out);
        diag_free(&d);
        if (st > worst) worst = st;
    }
    if (fflush(stdout) != 0 && worst < 2) worst = 2;
    return worst;
}
