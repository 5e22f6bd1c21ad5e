/* diag: source files and diagnostics.
 *
 * A compilation registers each source text it reads (the main file and every
 * module) and reports problems against byte spans in them.  Diagnostics are
 * collected, then sorted as appendix B of LANGUAGE.md says (lexical and syntax
 * errors first, in file order; then resolution, type and lint diagnostics in
 * file order) and printed in one of the formats of TOOLS.md.
 *
 * Ownership: Diags owns its files' texts and every message. */
#ifndef LEAD_DIAG_H
#define LEAD_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "ast.h"

typedef struct SrcFile {
    char *path;            /* as given (printed in diagnostics) */
    char *text;            /* whole file, NUL-terminated (may contain NULs) */
    size_t len;
    uint32_t *lines;       /* byte offset of each line start */
    uint32_t nlines;
    /* the last column computed (diag_linecol): code generation asks for
     * rising offsets on one line, which must not cost the line's length
     * each time (a 100,000-term condition is one line) */
    uint32_t lc_start, lc_off, lc_col;
} SrcFile;

typedef enum { SEV_ERROR, SEV_WARNING, SEV_NOTE } Severity;
typedef enum { PH_SYNTAX = 0, PH_SEMA = 1 } Phase;

typedef struct Diag {
    Severity sev;
    Phase phase;
    Loc loc;
    char *msg;
    const char *code;      /* short rule id for lints ("unused-define"), or NULL */
    struct Diag *notes;    /* attached notes */
    uint32_t nnotes;
    uint32_t seq;          /* insertion order (stable sort) */
} Diag;

typedef enum { DF_TEXT, DF_JSON, DF_GITHUB, DF_SARIF } DiagFormat;

typedef struct Diags {
    SrcFile *files; uint32_t nfiles, fcap;
    Diag *v; uint32_t n, cap;
    uint32_t nerrors, nwarnings;
    bool werror;           /* -Werror: warnings count as errors */
} Diags;

/* Register a source text (taken over: diags frees it); returns its id. */
uint32_t diag_add_file(Diags *d, const char *path, char *text, size_t len);

/* 1-based line and column (code points; a tab counts one) of a byte offset. */
void diag_linecol(const Diags *d, uint32_t file, uint32_t off, uint32_t *line, uint32_t *col);

void diag_report(Diags *d, Severity sev, Phase ph, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_vreport(Diags *d, Severity sev, Phase ph, Loc loc, const char *code,
                  const char *fmt, va_list ap);
void diag_warn(Diags *d, const char *code, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Attach a note to the diagnostic reported last. */
void diag_note(Diags *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Errors (and, with werror, warnings) so far. */
uint32_t diag_errors(const Diags *d);

void diag_sort(Diags *d);
/* Print all diagnostics; color: use ANSI colours (text format only). */
void diag_print(Diags *d, FILE *out, DiagFormat fmt, bool color);
/* Forget the diagnostics printed so far (files stay). */
void diag_clear(Diags *d);
void diag_free(Diags *d);
/* Append src's files and diagnostics to dst (for one report over several
 * files); src is left empty of texts. */
void diag_merge(Diags *dst, Diags *src);

/* Edit distance for "did you mean" suggestions (case-insensitive, bounded). */
unsigned diag_distance(const char *a, size_t an, const char *b, size_t bn);

#endif
