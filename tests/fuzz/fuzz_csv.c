/* fuzz_csv: the CSV chunker and row parser.  The input is read twice: in
 * tiny blocks (8 to 71 bytes, chosen from the input's length), holding two
 * blocks at a time so that recycled buffers would show, and in one block
 * (64 KiB; the default 1 MiB for bigger inputs).  Both reads must give the
 * same header, rows, line numbers and error; along the way, rows' lines
 * increase, every field lies in its block or in the row buffer, and a held
 * block never changes.  A read or decompression error (a corrupt gzip or
 * zstd stream) may surface after more or fewer rows depending on how much
 * is read at a time, so then the shorter read need only be a prefix of the
 * longer. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csv.h"
#include "fuzz.h"

/* FNV-1a over everything a reader hands out, so two reads compare cheaply;
 * hist[i] is the digest after row i. */
typedef struct Digest { uint64_t h; uint64_t rows; uint64_t *hist; bool read_error; } Digest;
static void mix(Digest *d, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) { d->h ^= s[i]; d->h *= 1099511628211u; }
}
static void mix64(Digest *d, uint64_t x) { mix(d, &x, sizeof x); }

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_csv: %s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static bool within(const char *p, uint32_t n, const char *lo, size_t len)
{
    return lo && p >= lo && (size_t)(p - lo) <= len && n <= len - (size_t)(p - lo);
}

static void check_row(const CsvRow *row, const CsvBlock *b, const CsvRowBuf *rb)
{
    CHECK(row->nfields >= 1 && row->nfields <= CSV_MAX_FIELDS);
    CHECK(within(row->raw, (uint32_t)row->rawlen, b->data, b->len));
    for (uint32_t i = 0; i < row->nfields; i++) {
        const CsvField *f = &row->fields[i];
        CHECK(within(f->p, f->len, b->data, b->len) || within(f->p, f->len, rb->text, rb->textcap));
    }
}

static void digest_row(Digest *d, const CsvRow *row)
{
    mix64(d, (uint64_t)row->line);
    mix64(d, row->nfields);
    for (uint32_t i = 0; i < row->nfields; i++) {
        mix64(d, row->fields[i].len);
        mix64(d, row->fields[i].quoted);
        mix(d, row->fields[i].p, row->fields[i].len);
    }
    uint64_t *nh = realloc(d->hist, (d->rows + 1) * sizeof *nh);
    if (!nh) abort();
    d->hist = nh;
    d->hist[d->rows++] = d->h;
}

typedef struct Held { CsvBlock b; uint64_t sum; bool used; } Held;

static uint64_t block_sum(const CsvBlock *b)
{
    Digest d = { 14695981039346656037u, 0, NULL, false };
    mix(&d, b->data, b->len);
    return d.h;
}

/* Read the whole input; returns the digest of header, rows and outcome. */
static Digest read_all(const uint8_t *data, size_t size, size_t block)
{
    static int fd = -1;
    Digest d = { 14695981039346656037u, 0, NULL, false };
    char err[512];
    InSrc *src = in_open(fz_memfd_path(&fd, data, size), err, sizeof err);
    if (!src) { fprintf(stderr, "fuzz_csv: in_open: %s\n", err); abort(); }
    CsvRow header = { 0 };
    CsvChunker *c = csv_open(src, 0, block, &header, err, sizeof err);
    if (!c) {
        d.read_error = strstr(err, "line") == NULL;
        mix(&d, "open failed: ", 13);
        mix(&d, err, strlen(err));
        return d;
    }
    int delim = csv_delimiter(c);
    CHECK(delim > 0 && delim < 256 && delim != '"' && delim != '\n' && delim != '\r');
    mix64(&d, (uint64_t)delim);
    digest_row(&d, &header);

    CsvRowBuf rb = { 0 };
    Held held[2] = { 0 };
    int64_t last_line = header.nfields ? header.line : 0, next_seq = 0;
    for (int turn = 0;; turn++) {
        CsvBlock b;
        int64_t errline = 0;
        int r = csv_next_block(c, &b, &errline, err, sizeof err);
        if (r < 0) {
            d.read_error = errline == 0;
            mix(&d, "error: ", 7);
            mix64(&d, (uint64_t)errline);
            mix(&d, err, strlen(err));
            /* after an error every call returns it again */
            int64_t again_line = 0;
            char again[512];
            CHECK(csv_next_block(c, &b, &again_line, again, sizeof again) < 0);
            CHECK(again_line == errline && strcmp(again, err) == 0);
            break;
        }
        if (r == 0) break;
        CHECK(b.seq == next_seq);
        next_seq++;
        CHECK(b.line > last_line);
        CsvCursor cur;
        csv_cursor_init(&cur, &b, delim);
        CsvRow row;
        while (csv_row(&cur, &rb, &row)) {
            CHECK(row.line > last_line);
            last_line = row.line;
            check_row(&row, &b, &rb);
            digest_row(&d, &row);
        }
        CHECK(cur.p == b.data + b.len);
        /* hold two blocks; the older one must not have changed meanwhile */
        Held *h = &held[turn % 2];
        if (h->used) {
            CHECK(block_sum(&h->b) == h->sum);
            csv_release_block(c, &h->b);
        }
        h->b = b;
        h->sum = block_sum(&b);
        h->used = true;
    }
    for (int i = 0; i < 2; i++)
        if (held[i].used) {
            CHECK(block_sum(&held[i].b) == held[i].sum);
            csv_release_block(c, &held[i].b);
        }
    CHECK(csv_consumed(c) >= 0);
    csv_rowbuf_free(&rb);
    csv_close(c);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    Digest small = read_all(data, size, 8 + size % 64);
    Digest whole = read_all(data, size, size < 65536 ? 65536 : 0);
    bool same = small.h == whole.h && small.rows == whole.rows;
    if (!same && (small.read_error || whole.read_error)) {
        uint64_t k = small.rows < whole.rows ? small.rows : whole.rows;
        same = k == 0 || small.hist[k - 1] == whole.hist[k - 1];
    }
    if (!same) {
        fprintf(stderr, "fuzz_csv: reading in %zu-byte blocks gives %llu rows, in one block %llu rows%s\n",
                8 + size % 64, (unsigned long long)small.rows, (unsigned long long)whole.rows,
                small.rows == whole.rows ? " (but different ones)" : "");
        abort();
    }
    free(small.hist);
    free(whole.hist);
    return 0;
}
