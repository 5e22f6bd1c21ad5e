/* jsonl: JSON-lines input (TOOLS.md "Input details"): one object per line,
 * read in blocks of whole lines (so workers can parse blocks in parallel),
 * each line parsed with Jansson.
 *
 * A line that is not valid JSON (or not valid UTF-8), is not an object, or
 * repeats a key is malformed.  Values become cells: strings as they are,
 * numbers and booleans as their text (exactly as written), null as
 * missing, a nested array or
 * object as an invalid value.  Keys match fields as CSV headers do
 * (trimmed, case-insensitive; the first matching key of an object wins).
 *
 * Ownership: blocks belong to the reader until released; a parsed line's
 * cells point into the JsonRow, valid until the next jsonl_parse on it. */
#ifndef LEAD_JSONL_H
#define LEAD_JSONL_H

#include <stdbool.h>
#include <stdint.h>
#include "csv.h"
#include "input.h"
#include "prog.h"
#include "utext.h"
#include "vm.h"

#define JSONL_MAX_LINE (64u << 20)

typedef struct LineChunker LineChunker;

/* Open over src (owned from now on, closed even on failure). */
LineChunker *lines_open(InSrc *src, size_t block_size, char *err, size_t errlen);
/* Next block of whole lines: 1, 0 at the end, -1 on error (message). */
int lines_next_block(LineChunker *c, CsvBlock *b, int64_t *errline, char *err, size_t errlen);
void lines_release_block(LineChunker *c, CsvBlock *b);
int64_t lines_consumed(const LineChunker *c);
int64_t lines_total(const LineChunker *c);
void lines_close(LineChunker *c);

/* Iterate the non-blank lines of a block (CR before LF stripped). */
typedef struct LineCursor { const char *p, *end; int64_t line; } LineCursor;
void lines_cursor_init(LineCursor *cur, const CsvBlock *b);
bool lines_next(LineCursor *cur, const char **s, size_t *n, int64_t *line);

/* The fields a file's objects are matched against. */
typedef struct JsonSchema {
    const PField *fields;
    uint32_t nfields;
    const char **extra;      /* --keep keys (matched like fields), may be NULL */
    uint32_t nextra;
} JsonSchema;

typedef struct JsonRow {
    void *obj;               /* the parsed json_t */
    Buf text;                /* numbers formatted as text */
    Buf numtext;             /* the line with its numbers quoted */
    VmCell *cells;           /* nfields + nextra */
    uint32_t ncells;
    uint8_t *seen;           /* which fields some object of the file had */
} JsonRow;

void jsonl_row_init(JsonRow *r, const JsonSchema *s);
void jsonl_row_free(JsonRow *r);

/* Parse one line into cells; false and a reason when it is malformed. */
bool jsonl_parse(JsonRow *r, const JsonSchema *s, const char *line, size_t n, char *why, size_t whylen);

#endif
