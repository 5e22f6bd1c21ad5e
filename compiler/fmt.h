/* fmt: the canonical layout of a .lead file (`leadc fmt`, docs/ci.md).
 *
 * The formatter keeps every token and every comment, in order, and only
 * changes the white space between them: indentation, alignment of the
 * columns of record fields, score lines and classify lines, one space
 * around operators, at most one blank line, long `and`/`or` chains one
 * operand per line.  It parses the file (for the structure) and scans it
 * again with comments (for the layout); the result is scanned once more
 * and must give the same tokens and comments, so a bug can refuse to
 * format but never change what a program means.
 *
 * Ownership: the caller owns the Diags (with the file registered) and
 * frees *out. */
#ifndef LEAD_FMT_H
#define LEAD_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "diag.h"

typedef enum {
    FMT_OK,          /* *out holds the formatted text */
    FMT_SYNTAX,      /* lexical or syntax errors, reported to d */
    FMT_INTERNAL,    /* the result would not scan to the same tokens (a bug) */
} FmtStatus;

/* Format the text of file `file` of d. */
FmtStatus fmt_format(Diags *d, uint32_t file, char **out, size_t *outlen);

/* Print a unified diff from text a to text b (both named path), with three
 * lines of context, as `diff -u` would. */
void fmt_diff(FILE *out, const char *path, const char *a, size_t alen, const char *b, size_t blen);

/* The tokens of text[off, end) on one line with the formatter's spacing
 * and without comments, so that it is the same however the span is laid
 * out; at most cap - 1 bytes (whole tokens), NUL-terminated.  Returns the
 * length.  (The bytecode keeps such texts for --explain: `leadc fmt` must
 * not change the bytecode.) */
size_t fmt_flat(const char *text, size_t len, uint32_t off, uint32_t end, char *buf, size_t cap);

#endif
