/* compile: reading sources, finding modules, and running the front end. */
#include "config.h"
#include <errno.h>
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bc.h"
#include "compile.h"
#include "lexctx.h"

#ifndef LEAD_BUILD_DIR
#define LEAD_BUILD_DIR ""
#endif
#ifndef LEAD_SRC_STDLIB
#define LEAD_SRC_STDLIB ""
#endif

/* Read a whole file (at most LEAD_MAX_SOURCE bytes).  NULL and errno set
 * (EFBIG for a file too large). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) { if (f != stdin) fclose(f); errno = ENOMEM; return NULL; }
    for (;;) {
        if (n == cap) {
            if (cap >= LEAD_MAX_SOURCE) { free(buf); if (f != stdin) fclose(f); errno = EFBIG; return NULL; }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); if (f != stdin) fclose(f); errno = ENOMEM; return NULL; }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    int bad = ferror(f), why = errno;     /* e.g. EISDIR for a directory */
    if (f != stdin) fclose(f);
    if (bad) { free(buf); errno = why ? why : EIO; return NULL; }
    if (n > LEAD_MAX_SOURCE) { free(buf); errno = EFBIG; return NULL; }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The stdlib of the source tree, when this program runs from its build
 * tree (tests and the README's commands run uninstalled). */
static const char *build_tree_stdlib(void)
{
    static char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !LEAD_BUILD_DIR[0]) return NULL;
    exe[n] = 0;
    size_t bl = strlen(LEAD_BUILD_DIR);
    if (strncmp(exe, LEAD_BUILD_DIR, bl) == 0 && exe[bl] == '/') return LEAD_SRC_STDLIB;
    return NULL;
}

uint32_t comp_search_path(const CompOptions *opt, const char **out, uint32_t max)
{
    uint32_t n = 0;
    static char envbuf[8192];
    for (uint32_t i = 0; opt && i < opt->nincdirs && n < max; i++) out[n++] = opt->incdirs[i];
    const char *env = getenv("LEAD_PATH");
    if (env && *env) {
        snprintf(envbuf, sizeof envbuf, "%s", env);
        for (char *save = NULL, *p = strtok_r(envbuf, ":", &save); p && n < max; p = strtok_r(NULL, ":", &save))
            out[n++] = p;
    }
    const char *bt = build_tree_stdlib();
    if (bt && n < max) out[n++] = bt;
    if (n < max) out[n++] = LEAD_STDLIB_DIR;
    return n;
}

static uint32_t load(Compilation *c, const char *shown, const char *text, size_t len, uint32_t module);

static bool is_name(const char *s, uint32_t n)
{
    if (n == 0 || n > 200) return false;
    for (uint32_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || (i && ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

/* `use NAME`: find NAME.lead on the search path and load it once. */
static void use_module(Compilation *c, Decl *d)
{
    const char *dirs[64];
    uint32_t nd = comp_search_path(&c->opt, dirs, 64);
    char path[PATH_MAX];
    if (!is_name(d->name, d->len)) {
        diag_report(&c->diags, SEV_ERROR, PH_SEMA, d->nloc, "'%.*s' is not a module name", (int)d->len, d->name);
        return;
    }
    for (uint32_t i = 0; i < nd; i++) {
        snprintf(path, sizeof path, "%s/%.*s.lead", dirs[i], (int)d->len, d->name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (!S_ISREG(st.st_mode)) {
            diag_report(&c->diags, SEV_ERROR, PH_SEMA, d->nloc, "cannot read module '%s': %s", path,
                        S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
            return;
        }
        char *real = realpath(path, NULL);
        if (!real) continue;
        for (uint32_t k = 0; k < c->nloaded; k++)
            if (c->loaded[k] && strcmp(c->loaded[k], real) == 0) { free(real); return; }
        size_t len;
        char *text = read_file(path, &len);
        if (!text) {
            diag_report(&c->diags, SEV_ERROR, PH_SEMA, d->nloc, "cannot read module '%s': %s", path, strerror(errno));
            free(real);
            return;
        }
        uint32_t id = load(c, path, text, len, 1);     /* load keeps a copy */
        free(text);
        free(c->loaded[id]);
        c->loaded[id] = real;
        return;
    }
    /* not found: suggest a module that exists */
    const char *best = NULL;
    static char bestbuf[256];
    unsigned bd = 3;
    for (uint32_t i = 0; i < nd; i++) {
        DIR *dir = opendir(dirs[i]);
        if (!dir) continue;
        struct dirent *de;
        while ((de = readdir(dir))) {
            size_t l = strlen(de->d_name);
            if (l < 6 || strcmp(de->d_name + l - 5, ".lead")) continue;
            unsigned dd = diag_distance(d->name, d->len, de->d_name, l - 5);
            if (dd < bd && dd < d->len) { bd = dd; snprintf(bestbuf, sizeof bestbuf, "%.*s", (int)(l - 5), de->d_name); best = bestbuf; }
        }
        closedir(dir);
    }
    if (best)
        diag_report(&c->diags, SEV_ERROR, PH_SEMA, d->nloc, "unknown module '%.*s'; did you mean '%s'?", (int)d->len, d->name, best);
    else
        diag_report(&c->diags, SEV_ERROR, PH_SEMA, d->nloc, "unknown module '%.*s' (searched %u director%s; add one with -I DIR or LEAD_PATH)",
                    (int)d->len, d->name, nd, nd == 1 ? "y" : "ies");
}

static uint32_t load(Compilation *c, const char *shown, const char *text, size_t len, uint32_t module)
{
    char *copy = malloc(len + 1);
    if (!copy) { fputs("out of memory\n", stderr); exit(2); }
    memcpy(copy, text, len);
    copy[len] = 0;
    uint32_t id = diag_add_file(&c->diags, shown, copy, len);
    c->loaded = realloc(c->loaded, (id + 1) * sizeof *c->loaded);
    c->dirs = realloc(c->dirs, (id + 1) * sizeof *c->dirs);
    if (!c->loaded || !c->dirs) { fputs("out of memory\n", stderr); exit(2); }
    c->loaded[id] = NULL;
    char *dup = strdup(shown);
    const char *dir = dup ? dirname(dup) : ".";
    c->dirs[id] = arena_strndup(&c->arena, dir, strlen(dir));
    free(dup);
    c->nloaded = id + 1;

    uint32_t first = c->ast.ndecls;
    LexCtx lx = { .arena = &c->arena, .diags = &c->diags, .ast = &c->ast, .file = id, .module = module ? id : 0,
                  .src = c->diags.files[id].text, .len = len };
    c->syntax_errors += (uint32_t)lead_parse(&lx);
    if (lx.syntax_errors) return id;
    uint32_t last = c->ast.ndecls;
    for (uint32_t i = first; i < last; i++)
        if (c->ast.decls[i]->kind == D_USE) use_module(c, c->ast.decls[i]);
    return id;
}

static uint32_t run(Compilation *c)
{
    if (c->syntax_errors || c->diags.nerrors) {
        diag_sort(&c->diags);
        return c->diags.nerrors;
    }
    c->sema.arena = &c->arena;
    c->sema.diags = &c->diags;
    c->sema.ast = &c->ast;
    c->sema.file_dirs = c->dirs;
    sema_check(&c->sema);
    diag_sort(&c->diags);
    return c->diags.nerrors;
}

uint32_t comp_source(Compilation *c, const char *name, const char *text, size_t len, const CompOptions *opt)
{
    if (opt) c->opt = *opt;
    if (len > LEAD_MAX_SOURCE) {
        uint32_t id = diag_add_file(&c->diags, name, strdup(""), 0);
        diag_report(&c->diags, SEV_ERROR, PH_SYNTAX, (Loc){ id, 0, 0 },
                    "source file too large (%zu bytes; the limit is %u)", len, LEAD_MAX_SOURCE);
        return 1;
    }
    load(c, name, text, len, 0);
    return run(c);
}

uint32_t comp_file(Compilation *c, const char *path, const CompOptions *opt)
{
    size_t len;
    if (opt) c->opt = *opt;
    char *text = read_file(path, &len);
    if (!text) {
        c->io_error = true;
        uint32_t id = diag_add_file(&c->diags, path, strdup(""), 0);
        (void)id;
        fprintf(stderr, "%s: error: %s\n", path,
                errno == EFBIG ? "source file too large (the limit is 16 MiB)" : strerror(errno));
        return 1;
    }
    if (bc_is_bytecode((const uint8_t *)text, len)) {
        /* a .leadc given where source is wanted: say so, not a page of
         * lexer errors about its bytes */
        c->io_error = true;
        diag_add_file(&c->diags, path, text, 0);
        fprintf(stderr, "%s: error: this is compiled bytecode, not lead source; "
                        "give its .lead file (leadvm runs bytecode, leadc disasm lists it)\n", path);
        return 1;
    }
    char *real = realpath(path, NULL);
    load(c, path, text, len, 0);
    free(text);
    if (c->nloaded) c->loaded[0] = real; else free(real);
    return run(c);
}

void comp_free(Compilation *c)
{
    for (uint32_t i = 0; i < c->nloaded; i++) free(c->loaded[i]);
    free(c->loaded);
    free(c->dirs);
    diag_free(&c->diags);
    arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}
