/* diag: collect diagnostics against source spans, sort them as appendix B of
 * LANGUAGE.md says, and print them like a C compiler (text), as JSON, as
 * GitHub workflow commands or as SARIF 2.1.0. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "lint.h"
#include "utext.h"

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return p;
}

uint32_t diag_add_file(Diags *d, const char *path, char *text, size_t len)
{
    if (d->nfiles == d->fcap) {
        d->fcap = d->fcap ? d->fcap * 2 : 4;
        d->files = xrealloc(d->files, d->fcap * sizeof *d->files);
    }
    SrcFile *f = &d->files[d->nfiles];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    f->text = text;
    f->len = len;
    uint32_t cap = 64;
    f->lines = xrealloc(NULL, cap * sizeof *f->lines);
    f->lines[f->nlines++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
            if (f->nlines == cap) {
                cap *= 2;
                f->lines = xrealloc(f->lines, cap * sizeof *f->lines);
            }
            f->lines[f->nlines++] = (uint32_t)(i + 1);
        }
    }
    return d->nfiles++;
}

static uint32_t line_of(const SrcFile *f, uint32_t off)
{
    uint32_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (f->lines[mid] <= off) lo = mid; else hi = mid;
    }
    return lo;
}

/* Code points from a to b (invalid bytes count one each). */
static uint32_t cps(const char *s, uint32_t a, uint32_t b)
{
    return (uint32_t)ut_length(s + a, b - a);
}

void diag_linecol(const Diags *d, uint32_t file, uint32_t off, uint32_t *line, uint32_t *col)
{
    const SrcFile *f = &d->files[file];
    if (off > f->len) off = (uint32_t)f->len;
    uint32_t l = line_of(f, off);
    uint32_t start = f->lines[l];
    /* a BOM at the very start is not a column */
    if (start == 0 && f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0 && off >= 3)
        start = 3;
    *line = l + 1;
    /* Continue from the last answer when it is on this line, before off,
     * and on a character boundary (tokens and bad bytes always are). */
    SrcFile *mf = (SrcFile *)f;
    uint32_t from = start, n = 0;
    if (mf->lc_col && mf->lc_start == start && mf->lc_off <= off) {
        from = mf->lc_off;
        n = mf->lc_col - 1;
    }
    n += cps(f->text, from, off);
    if (off < f->len && ((unsigned char)f->text[off] & 0xC0) != 0x80) {
        mf->lc_start = start;
        mf->lc_off = off;
        mf->lc_col = n + 1;
    }
    *col = n + 1;
}

void diag_vreport(Diags *d, Severity sev, Phase ph, Loc loc, const char *code,
                  const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    Diag *g = &d->v[d->n];
    memset(g, 0, sizeof *g);
    g->sev = sev;
    g->phase = ph;
    g->loc = loc;
    g->code = code;
    g->seq = d->n;
    if (vasprintf(&g->msg, fmt, ap) < 0) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    d->n++;
    if (sev == SEV_ERROR) d->nerrors++;
    else if (sev == SEV_WARNING) d->nwarnings++;
}

void diag_report(Diags *d, Severity sev, Phase ph, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(d, sev, ph, loc, NULL, fmt, ap);
    va_end(ap);
}

void diag_warn(Diags *d, const char *code, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(d, SEV_WARNING, PH_SEMA, loc, code, fmt, ap);
    va_end(ap);
}

void diag_note(Diags *d, Loc loc, const char *fmt, ...)
{
    if (d->n == 0) return;
    Diag *g = &d->v[d->n - 1];
    g->notes = xrealloc(g->notes, (g->nnotes + 1) * sizeof *g->notes);
    Diag *nt = &g->notes[g->nnotes++];
    memset(nt, 0, sizeof *nt);
    nt->sev = SEV_NOTE;
    nt->loc = loc;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&nt->msg, fmt, ap) < 0) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    va_end(ap);
}

uint32_t diag_errors(const Diags *d)
{
    return d->nerrors + (d->werror ? d->nwarnings : 0);
}

static int cmp_diag(const void *pa, const void *pb)
{
    const Diag *a = pa, *b = pb;
    if (a->phase != b->phase) return a->phase < b->phase ? -1 : 1;
    if (a->loc.file != b->loc.file) return a->loc.file < b->loc.file ? -1 : 1;
    if (a->loc.off != b->loc.off) return a->loc.off < b->loc.off ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_sort(Diags *d)
{
    if (d->n > 1) qsort(d->v, d->n, sizeof *d->v, cmp_diag);
}

static const char *sev_name(Severity s)
{
    return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* The source line and a caret/tilde underline of the span on that line. */
static void print_excerpt(const Diags *d, FILE *out, Loc loc, bool color)
{
    const SrcFile *f = &d->files[loc.file];
    uint32_t line, col;
    diag_linecol(d, loc.file, loc.off, &line, &col);
    uint32_t start = f->lines[line - 1];
    uint32_t end = line < f->nlines ? f->lines[line] : (uint32_t)f->len;
    while (end > start && (f->text[end - 1] == '\n' || f->text[end - 1] == '\r')) end--;
    if (start == 0 && f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0) start = 3;
    if (end - start > 400) return;            /* not worth printing */
    fprintf(out, "%5u | ", line);
    for (uint32_t i = start; i < end; i++) {
        unsigned char ch = (unsigned char)f->text[i];
        fputc(ch == 0 ? ' ' : ch, out);
    }
    fputs("\n      | ", out);
    uint32_t off = loc.off < start ? start : loc.off;
    for (uint32_t i = start; i < off && i < end; ) {
        uint32_t cp;
        size_t k = ut_decode((const unsigned char *)f->text + i, end - i, &cp);
        fputc(f->text[i] == '\t' ? '\t' : ' ', out);
        i += (uint32_t)k;
    }
    uint32_t span_end = loc.end > end ? end : loc.end;
    uint32_t n = span_end > off ? cps(f->text, off, span_end) : 1;
    if (n == 0) n = 1;
    if (color) fputs("\033[1;32m", out);
    fputc('^', out);
    for (uint32_t i = 1; i < n; i++) fputc('~', out);
    if (color) fputs("\033[0m", out);
    fputc('\n', out);
}

static void print_text_one(const Diags *d, FILE *out, const Diag *g, bool color)
{
    uint32_t line, col;
    diag_linecol(d, g->loc.file, g->loc.off, &line, &col);
    const char *sc = g->sev == SEV_ERROR ? "\033[1;31m" : g->sev == SEV_WARNING ? "\033[1;35m" : "\033[1;36m";
    if (color)
        fprintf(out, "\033[1m%s:%u:%u:\033[0m %s%s:\033[0m \033[1m%s\033[0m\n",
                d->files[g->loc.file].path, line, col, sc, sev_name(g->sev), g->msg);
    else
        fprintf(out, "%s:%u:%u: %s: %s\n", d->files[g->loc.file].path, line, col,
                sev_name(g->sev), g->msg);
    print_excerpt(d, out, g->loc, color);
}

/* JSON string (for the json and sarif formats).  A message quotes source
 * text, which may be cut inside a character or not be UTF-8 at all: such
 * bytes become U+FFFD, so the document stays valid JSON. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; ) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = ut_decode((const unsigned char *)s + i, n - i, &cp);
            if (cp == UT_INVALID) fputs("\\ufffd", out);
            else fwrite(s + i, 1, k, out);
            i += k;
            continue;
        }
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '\t') fputs("\\t", out);
        else if (c < 0x20 || c == 0x7F) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
        i++;
    }
    fputc('"', out);
}

/* GitHub workflow commands: data must escape % CR LF; properties also : , */
static void gh_escape(FILE *out, const char *s, bool prop)
{
    for (; *s; s++) {
        if (*s == '%') fputs("%25", out);
        else if (*s == '\r') fputs("%0D", out);
        else if (*s == '\n') fputs("%0A", out);
        else if (prop && *s == ':') fputs("%3A", out);
        else if (prop && *s == ',') fputs("%2C", out);
        else fputc(*s, out);
    }
}

static void print_json_loc(const Diags *d, FILE *out, Loc l)
{
    uint32_t line, col, eline, ecol;
    diag_linecol(d, l.file, l.off, &line, &col);
    diag_linecol(d, l.file, l.end > l.off ? l.end : l.off, &eline, &ecol);
    fputs("\"file\":", out);
    json_str(out, d->files[l.file].path);
    fprintf(out, ",\"line\":%u,\"column\":%u,\"end_line\":%u,\"end_column\":%u", line, col, eline, ecol);
}

/* A file path as a URI reference (RFC 3986): every byte but the unreserved
 * characters and '/' is percent-encoded; an absolute path becomes a file:
 * URI.  (Code scanning expects paths relative to the repository's root.) */
static void sarif_uri(FILE *out, const char *path)
{
    fputc('"', out);
    if (path[0] == '/') fputs("file://", out);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/')
            fputc(*p, out);
        else
            fprintf(out, "%%%02X", *p);
    }
    fputc('"', out);
}

/* region: 1-based lines and columns in code points (run.columnKind says
 * so); endColumn is the column after the span.  An empty span covers the
 * character it stands on. */
static void sarif_location(const Diags *d, FILE *out, Loc l)
{
    uint32_t line, col, eline, ecol;
    diag_linecol(d, l.file, l.off, &line, &col);
    diag_linecol(d, l.file, l.end > l.off ? l.end : l.off, &eline, &ecol);
    if (eline < line || (eline == line && ecol <= col)) { eline = line; ecol = col + 1; }
    fputs("{\"artifactLocation\":{\"uri\":", out);
    sarif_uri(out, d->files[l.file].path);
    fprintf(out, "},\"region\":{\"startLine\":%u,\"startColumn\":%u,\"endLine\":%u,\"endColumn\":%u}}",
            line, col, eline, ecol);
}

static const char *sarif_rule(const Diag *g)
{
    return g->code ? g->code : g->phase == PH_SYNTAX ? "syntax" : "error";
}

static void print_sarif(const Diags *d, FILE *out)
{
    fputs("{\"$schema\":\"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json\","
          "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"leadc\",\"version\":\"" PACKAGE_VERSION "\","
          "\"rules\":[", out);
    /* one rule per distinct code, in order of first use */
    const char **codes = calloc(d->n + 1, sizeof *codes);
    uint32_t ncodes = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        const char *c = sarif_rule(&d->v[i]);
        uint32_t j;
        for (j = 0; j < ncodes; j++) if (strcmp(codes[j], c) == 0) break;
        if (j < ncodes) continue;
        codes[ncodes++] = c;
        const char *what = lint_rule_summary(c);
        bool lint = what != NULL;
        if (!what)
            what = strcmp(c, "syntax") == 0 ? "A lexical or syntax error." :
                   strcmp(c, "test-failed") == 0 ? "A test block whose expectation does not hold." :
                   "An error: an unknown name, a type mismatch, a duplicate, ...";
        fprintf(out, "%s{\"id\":", j ? "," : "");
        json_str(out, c);
        fputs(",\"shortDescription\":{\"text\":", out);
        json_str(out, what);
        fprintf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"}}", lint ? "warning" : "error");
    }
    fputs("]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[", out);
    for (uint32_t i = 0; i < d->n; i++) {
        const Diag *g = &d->v[i];
        const char *c = sarif_rule(g);
        uint32_t j;
        for (j = 0; j < ncodes; j++) if (strcmp(codes[j], c) == 0) break;
        fprintf(out, "%s{\"ruleId\":", i ? "," : "");
        json_str(out, c);
        fprintf(out, ",\"ruleIndex\":%u,\"level\":\"%s\",\"message\":{\"text\":", j,
                g->sev == SEV_ERROR ? "error" : g->sev == SEV_WARNING ? "warning" : "note");
        json_str(out, g->msg);
        fputs("},\"locations\":[{\"physicalLocation\":", out);
        sarif_location(d, out, g->loc);
        fputs("}]", out);
        if (g->nnotes) {
            fputs(",\"relatedLocations\":[", out);
            for (uint32_t k = 0; k < g->nnotes; k++) {
                fprintf(out, "%s{\"id\":%u,\"physicalLocation\":", k ? "," : "", k);
                sarif_location(d, out, g->notes[k].loc);
                fputs(",\"message\":{\"text\":", out);
                json_str(out, g->notes[k].msg);
                fputs("}}", out);
            }
            fputs("]", out);
        }
        fputs("}", out);
    }
    fputs("]}]}\n", out);
    free(codes);
}

/* One workflow command, exactly as GitHub documents it:
 * ::error file=F,line=L,col=C::MESSAGE (or ::warning, ::notice).  Notes
 * follow the message on lines of their own, as in the text format. */
static void print_github_one(const Diags *d, FILE *out, const Diag *g)
{
    uint32_t line, col;
    diag_linecol(d, g->loc.file, g->loc.off, &line, &col);
    fprintf(out, "::%s file=", g->sev == SEV_ERROR ? "error" : g->sev == SEV_WARNING ? "warning" : "notice");
    gh_escape(out, d->files[g->loc.file].path, true);
    fprintf(out, ",line=%u,col=%u::", line, col);
    gh_escape(out, g->msg, false);
    for (uint32_t k = 0; k < g->nnotes; k++) {
        uint32_t nl, nc;
        diag_linecol(d, g->notes[k].loc.file, g->notes[k].loc.off, &nl, &nc);
        char *m;
        if (asprintf(&m, "\n%s:%u:%u: note: %s", d->files[g->notes[k].loc.file].path, nl, nc,
                     g->notes[k].msg) < 0)
            continue;
        gh_escape(out, m, false);
        free(m);
    }
    fputc('\n', out);
}

void diag_print(Diags *d, FILE *out, DiagFormat fmt, bool color)
{
    switch (fmt) {
    case DF_TEXT:
        for (uint32_t i = 0; i < d->n; i++) {
            print_text_one(d, out, &d->v[i], color);
            for (uint32_t k = 0; k < d->v[i].nnotes; k++)
                print_text_one(d, out, &d->v[i].notes[k], color);
        }
        break;
    case DF_JSON:
        for (uint32_t i = 0; i < d->n; i++) {
            const Diag *g = &d->v[i];
            fputs("{", out);
            print_json_loc(d, out, g->loc);
            fprintf(out, ",\"severity\":\"%s\",\"code\":", sev_name(g->sev));
            if (g->code) json_str(out, g->code); else fputs("null", out);
            fputs(",\"message\":", out);
            json_str(out, g->msg);
            fputs(",\"notes\":[", out);
            for (uint32_t k = 0; k < g->nnotes; k++) {
                fputs(k ? ",{" : "{", out);
                print_json_loc(d, out, g->notes[k].loc);
                fputs(",\"message\":", out);
                json_str(out, g->notes[k].msg);
                fputs("}", out);
            }
            fputs("]}\n", out);
        }
        break;
    case DF_GITHUB:
        for (uint32_t i = 0; i < d->n; i++) print_github_one(d, out, &d->v[i]);
        break;
    case DF_SARIF:
        print_sarif(d, out);
        break;
    }
}

void diag_clear(Diags *d)
{
    for (uint32_t i = 0; i < d->n; i++) {
        free(d->v[i].msg);
        for (uint32_t k = 0; k < d->v[i].nnotes; k++) free(d->v[i].notes[k].msg);
        free(d->v[i].notes);
    }
    d->n = 0;
    d->nerrors = d->nwarnings = 0;
}

void diag_free(Diags *d)
{
    diag_clear(d);
    free(d->v);
    for (uint32_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].path);
        free(d->files[i].text);
        free(d->files[i].lines);
    }
    free(d->files);
    memset(d, 0, sizeof *d);
}

static int lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

unsigned diag_distance(const char *a, size_t an, const char *b, size_t bn)
{
    unsigned row[64], i, j;
    if (an > 62 || bn > 62) return 99;
    for (j = 0; j <= bn; j++) row[j] = j;
    for (i = 1; i <= an; i++) {
        unsigned prev = row[0], tmp;
        row[0] = i;
        for (j = 1; j <= bn; j++) {
            tmp = row[j];
            unsigned cost = lc((unsigned char)a[i - 1]) == lc((unsigned char)b[j - 1]) ? 0 : 1;
            unsigned best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            /* transposition counts one */
            row[j] = best;
            prev = tmp;
        }
    }
    return row[bn];
}

void diag_merge(Diags *dst, Diags *src)
{
    uint32_t base = dst->nfiles;
    for (uint32_t k = 0; k < src->nfiles; k++) {
        SrcFile *f = &src->files[k];
        diag_add_file(dst, f->path, f->text, f->len);
        f->text = NULL;
    }
    for (uint32_t i = 0; i < src->n; i++) {
        Diag *g = &src->v[i];
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 16;
            dst->v = xrealloc(dst->v, dst->cap * sizeof *dst->v);
        }
        Diag *n = &dst->v[dst->n++];
        *n = *g;
        n->loc.file += base;
        for (uint32_t k = 0; k < n->nnotes; k++) n->notes[k].loc.file += base;
        n->seq = dst->n - 1;
        if (g->sev == SEV_ERROR) dst->nerrors++; else if (g->sev == SEV_WARNING) dst->nwarnings++;
        g->msg = NULL; g->notes = NULL; g->nnotes = 0;
    }
    src->n = 0;
}
