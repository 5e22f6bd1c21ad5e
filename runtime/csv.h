/* csv: an RFC 4180 reader for record and event files (TOOLS.md "Input
 * details").  Two layers, so that parsing can be spread over threads:
 *
 *   CsvChunker  reads an InSrc and hands out blocks of whole rows (the split
 *               is quote-aware, so a quoted line break never ends a block),
 *               each with the physical line number of its first byte.  It
 *               strips a leading BOM, reads the header row and detects the
 *               delimiter.  One thread drives it.
 *   csv_row     parses one row from a block: any thread, no shared state.
 *
 * Line ends are LF, CRLF or CR; blank (empty) lines are skipped; quoted
 * fields may hold delimiters, "" and line breaks.  Line numbers count
 * physical lines from 1 (CR, LF and CRLF each end one line), after a BOM.
 * Malformed quoting is read leniently, never an error: a quote opens a
 * quoted field only as the field's first byte, so a"b is the value a"b; and
 * bytes between a closing quote and the next delimiter are kept together
 * with that quote, so "ab"c is the value ab"c (still marked quoted).
 *
 * Limits: a row (all its bytes) may not exceed CSV_MAX_ROW bytes; a longer
 * row, or an opening quote that is never closed, is an error reported at the
 * line where the row (or the unclosed quote) began.
 *
 * Ownership: blocks belong to the chunker until released; rows point into
 * the block and into the CsvRowBuf the caller passes. */
#ifndef LEAD_CSV_H
#define LEAD_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "input.h"

#define CSV_MAX_ROW    (64u << 20)   /* 64 MiB */
#define CSV_MAX_FIELDS 100000

typedef struct CsvField {
    const char *p;          /* the value, quotes removed and "" made " */
    uint32_t    len;
    uint32_t    quoted;     /* the field was quoted in the input */
} CsvField;

/* A parsed row.  fields[i] for i < nfields.  raw/rawlen: the row's bytes as
 * they appear in the input, without its line end (for --reject). */
typedef struct CsvRow {
    CsvField   *fields;
    uint32_t    nfields;
    int64_t     line;       /* physical line where the row begins */
    const char *raw;
    size_t      rawlen;
} CsvRow;

/* Per-thread scratch for rows: fields array and unescaped text. */
typedef struct CsvRowBuf {
    CsvField *fields;
    uint32_t  cap;
    char     *text;         /* unescaped values of fields that had "" */
    size_t    textcap;
} CsvRowBuf;
void csv_rowbuf_free(CsvRowBuf *rb);

/* A block of whole rows: bytes [data, data+len), the first of which is at
 * physical line `line`.  Every row in it ends with a line end or the end of
 * the input. */
typedef struct CsvBlock {
    const char *data;
    size_t      len;
    int64_t     line;
    int64_t     seq;        /* 0, 1, 2, ... in input order */
    void       *owner;      /* the chunker's bookkeeping */
} CsvBlock;

typedef struct CsvChunker CsvChunker;

/* Open a chunker over src (which it then owns and closes, also when
 * csv_open fails).  delim is the delimiter byte (1..255, not a quote or a
 * line end), or 0 to detect it from the header line: the most frequent of
 * , ; TAB | outside quotes (ties in that order; , when none occurs).
 * block_size is the target block size (0: a default of 1 MiB).
 * Reads the header row, the first non-blank one: on success *header holds
 * it (valid until csv_close); its bytes are in no block.  An input with no
 * rows (empty, or only a BOM and blank lines) gives a header with
 * nfields == 0 and no blocks.  Returns NULL on error with a message in err
 * that names the line when there is one (the header row is bad, or the
 * input cannot be read). */
CsvChunker *csv_open(InSrc *src, int delim, size_t block_size,
                     CsvRow *header, char *err, size_t errlen);

int csv_delimiter(const CsvChunker *c);

/* Next block: 1 and *b filled, 0 at the end of the input, -1 on error
 * (message in err, e.g. "unterminated quoted field (the quote opened on line
 * 12)", "row longer than 64 MiB", "row has more than 100000 fields", or a
 * read or decompression error; *errline gets the line the error is on, 0
 * for read and decompression errors).  All whole rows before an error are
 * handed out first; after an error every call returns it again.  A block
 * may hold only blank lines.  A block stays valid until it is released
 * (from any thread); released buffers are recycled, so memory is bounded by
 * the number of blocks the caller holds at once.  Release every block
 * before csv_close. */
int  csv_next_block(CsvChunker *c, CsvBlock *b, int64_t *errline,
                    char *err, size_t errlen);
void csv_release_block(CsvChunker *c, CsvBlock *b);

/* Bytes of the underlying file consumed so far, and its size (-1 unknown). */
int64_t csv_consumed(const CsvChunker *c);
int64_t csv_total(const CsvChunker *c);

void csv_close(CsvChunker *c);

/* A cursor over the rows of a block. */
typedef struct CsvCursor {
    const char *p, *end;
    int64_t     line;
    int         delim;
} CsvCursor;
void csv_cursor_init(CsvCursor *cur, const CsvBlock *b, int delim);

/* Parse the next row at the cursor, skipping blank lines.  Returns 1 and
 * fills *row (using rb for storage), 0 at the end of the block. Rows never
 * fail here: the chunker already checked quoting and sizes (in a block not
 * from the chunker, an unclosed quote runs to the block's end).  Fields
 * point into the block, or into rb->text when they held "", until the next
 * csv_row call with the same rb.  Aborts when out of memory. */
int csv_row(CsvCursor *cur, CsvRowBuf *rb, CsvRow *row);

#endif
