/* leadc_cmds: what each leadc command does. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bc.h"
#include "compile.h"
#include "disasm.h"
#include "gen.h"
#include "leadc_cmds.h"
#include "value.h"

/* Write a whole file atomically: a temporary file beside it, then rename. */
bool leadc_write_file(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) { fprintf(stderr, "leadc: cannot write beside '%s': %s\n", path, strerror(errno)); return false; }
    fchmod(fd, 0644);
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "leadc: writing '%s': %s\n", path, strerror(errno));
            close(fd); unlink(tmp);
            return false;
        }
        p += k; left -= (size_t)k;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fprintf(stderr, "leadc: writing '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "leadc: cannot rename to '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        return false;
    }
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
    c->diags.werror = o->werror;
    if (o->format != DF_SARIF)
        diag_print(&c->diags, o->format == DF_TEXT ? stderr : stdout, o->format, o->color && o->format == DF_TEXT);
    if (c->io_error) return 2;
    return diag_errors(&c->diags) ? 1 : 0;
}

static void summary_line(const LeadcOpts *o, const char *path, const Compilation *c)
{
    if (o->format != DF_TEXT) return;
    uint32_t e = c->diags.nerrors, w = c->diags.nwarnings;
    if (e == 0 && w == 0)
        fprintf(stderr, "%s: ok\n", path);
    else
        fprintf(stderr, "%s: %u error%s, %u warning%s\n", path, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

int leadc_test(const LeadcOpts *o);

int leadc_check(const LeadcOpts *o)
{
    if (o->nfiles == 0) {
        fputs("leadc check: no file given\nTry 'leadc --help' for more information.\n", stderr);
        return 2;
    }
    int worst = 0;
    Diags sarif = { 0 };      /* SARIF is one document for all files */
    for (uint32_t i = 0; i < o->nfiles; i++) {
        Compilation c = { 0 };
        CompOptions co = comp_opts(o);
        comp_file(&c, o->files[i], &co);
        int st = report(o, &c);
        if (!c.io_error) summary_line(o, o->files[i], &c);
        if (o->format == DF_SARIF) diag_merge(&sarif, &c.diags);
        if (st > worst) worst = st;
        comp_free(&c);
    }
    if (o->format == DF_SARIF) {
        diag_print(&sarif, stdout, DF_SARIF, false);
        diag_free(&sarif);
    }
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
    char err[512];
    Prog *p = gen_program(&c, o->strip, err, sizeof err);
    comp_free(&c);
    if (!p) { fprintf(stderr, "%s: error: %s\n", path, err); return 1; }
    if (!prog_verify(p, err, sizeof err)) {
        fprintf(stderr, "%s: internal error: the generated code fails verification: %s\n", path, err);
        prog_free(p);
        return 2;
    }
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
