/* csv: the RFC 4180 reader (TOOLS.md "Input details").  The chunker cuts
 * the input into blocks of whole rows with one quote-aware scan; csv_row
 * then splits one row of a block into fields, on whichever thread holds the
 * block.  Both passes look only at the bytes that matter (quotes, line ends,
 * and for csv_row the delimiter), found 16 or 64 bytes at a time with SSE2
 * where the target has it, so the cost per row is a handful of bit
 * operations per field rather than a branch per byte.
 *
 * Quoting rules, shared exactly by the chunker and csv_row (they must agree
 * on where rows end):
 *   - A quote opens a quoted field only as the field's first byte (at the
 *     start of a row or right after a delimiter).  Anywhere else a quote is
 *     an ordinary byte: a"b is the three bytes a"b (lenient, as most readers
 *     are).
 *   - Inside a quoted field "" is one quote; any other quote closes it.
 *   - Bytes between a closing quote and the next delimiter or line end
 *     ("ab"c,) are kept, and so is that closing quote: the value is ab"c.
 *     The field still counts as quoted.  Quotes in those bytes are ordinary.
 * Line ends are LF, CR and CRLF, outside quotes and inside them alike, so
 * physical line numbers stay right across quoted line breaks. */
#include "csv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define CSV_SSE2 1
#endif

#define CSV_DEFAULT_BLOCK (1u << 20)
#define CSV_MIN_BLOCK     8         /* room for a BOM and a peeked byte */

/* csv_row has no way to fail; running out of memory there ends the run. */
static void csv_oom(void)
{
    fputs("lead: out of memory\n", stderr);
    abort();
}

/* ---------------------------------------------------------------- scanning */

/* First byte in [p, end) that is a quote, LF or CR; end when none is. */
static const char *find_qnr(const char *p, const char *end)
{
#ifdef CSV_SSE2
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'),
                  vr = _mm_set1_epi8('\r');
#define CSV_QNR(x) _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8((x), vq), \
                   _mm_cmpeq_epi8((x), vn)), _mm_cmpeq_epi8((x), vr))
    while (end - p >= 64) {
        __m128i a = CSV_QNR(_mm_loadu_si128((const __m128i *)p));
        __m128i b = CSV_QNR(_mm_loadu_si128((const __m128i *)(p + 16)));
        __m128i c = CSV_QNR(_mm_loadu_si128((const __m128i *)(p + 32)));
        __m128i d = CSV_QNR(_mm_loadu_si128((const __m128i *)(p + 48)));
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)))) {
            uint64_t m = (uint64_t)(uint32_t)_mm_movemask_epi8(a)
                       | (uint64_t)(uint32_t)_mm_movemask_epi8(b) << 16
                       | (uint64_t)(uint32_t)_mm_movemask_epi8(c) << 32
                       | (uint64_t)(uint32_t)_mm_movemask_epi8(d) << 48;
            return p + __builtin_ctzll(m);
        }
        p += 64;
    }
    while (end - p >= 16) {
        int m = _mm_movemask_epi8(CSV_QNR(_mm_loadu_si128((const __m128i *)p)));
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#undef CSV_QNR
#endif
    for (; p < end; p++)
        if (*p == '"' || *p == '\n' || *p == '\r')
            return p;
    return end;
}

/* A 64-byte window of csv_row's input, as bit masks: bit i of u is set when
 * base[i] ends an unquoted field (delimiter, LF, CR), bit i of q when it
 * matters inside quotes (quote, LF, CR).  q is computed only when a quoted
 * field needs it (qok).  In the last window of a block a sentinel bit marks
 * the end, so searches need no length checks. */
typedef struct Win {
    const char *base;
    uint64_t    u, q;
    uint64_t    rem;        /* the bits of u not consumed yet */
    bool        qok;
} Win;

/* The masks of the 64 bytes at src: delimiter or line end, quote or line end. */
static inline uint64_t mask_u(const char *src, int delim)
{
    uint64_t u = 0;
#ifdef CSV_SSE2
    const __m128i vd = _mm_set1_epi8((char)delim), vn = _mm_set1_epi8('\n'),
                  vr = _mm_set1_epi8('\r');
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(src + 16 * i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vn), _mm_cmpeq_epi8(x, vr)),
                                 _mm_cmpeq_epi8(x, vd));
        u |= (uint64_t)(uint32_t)_mm_movemask_epi8(m) << (16 * i);
    }
#else
    for (int i = 0; i < 64; i++)
        u |= (uint64_t)(src[i] == '\n' || src[i] == '\r' || src[i] == (char)delim) << i;
#endif
    return u;
}

static inline uint64_t mask_q(const char *src)
{
    uint64_t q = 0;
#ifdef CSV_SSE2
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'),
                  vr = _mm_set1_epi8('\r');
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(src + 16 * i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vn), _mm_cmpeq_epi8(x, vr)),
                                 _mm_cmpeq_epi8(x, vq));
        q |= (uint64_t)(uint32_t)_mm_movemask_epi8(m) << (16 * i);
    }
#else
    for (int i = 0; i < 64; i++)
        q |= (uint64_t)(src[i] == '\n' || src[i] == '\r' || src[i] == '"') << i;
#endif
    return q;
}

/* The last bytes of a block: copied into zeros (zero bytes match nothing
 * searched for, as delim is never 0), with the sentinel at the end. */
static void __attribute__((noinline))
win_load_tail(Win *w, const char *s, const char *end, int delim)
{
    size_t avail = (size_t)(end - s);
    char tmp[64];
    memset(tmp, 0, sizeof tmp);
    memcpy(tmp, s, avail);
    uint64_t bit = (uint64_t)1 << avail;
    w->base = s;
    w->u = mask_u(tmp, delim) | bit;
    w->q = mask_q(tmp) | bit;
    w->rem = w->u;
    w->qok = true;
}

static inline void win_load(Win *w, const char *s, const char *end, int delim)
{
    if (end - s < 64) {
        win_load_tail(w, s, end, delim);
        return;
    }
    w->base = s;
    w->u = w->rem = mask_u(s, delim);
    w->qok = false;
}

/* The next byte that ends an unquoted field, or end: the lowest bit not
 * consumed yet.  Taking bits off one by one keeps consecutive fields
 * independent of each other's arithmetic. */
static inline const char *win_pop_u(Win *w, const char *end, int delim)
{
    while (!w->rem)             /* the sentinel ends this loop */
        win_load(w, w->base + 64, end, delim);
    const char *e = w->base + __builtin_ctzll(w->rem);
    w->rem &= w->rem - 1;
    return e;
}

/* Make the bits before s (s <= end) consumed, loading s's window if need be. */
static inline void win_seek(Win *w, const char *s, const char *end, int delim)
{
    size_t off = (size_t)(s - w->base);
    if (off < 64)
        w->rem = w->u & (~(uint64_t)0 << off);
    else
        win_load(w, s, end, delim);
}

/* First quote or line end at or after s (s <= end), or end. */
static inline const char *win_next_q(Win *w, const char *s, const char *end, int delim)
{
    for (;;) {
        size_t off = (size_t)(s - w->base);
        if (off < 64) {
            if (!w->qok) {
                w->q = mask_q(w->base);
                w->qok = true;
            }
            uint64_t m = w->q >> off;
            if (m)
                return s + __builtin_ctzll(m);
            s = w->base + 64;
        }
        win_load(w, s, end, delim);
    }
}

/* ------------------------------------------------------------------ rows */

void csv_rowbuf_free(CsvRowBuf *rb)
{
    free(rb->fields);
    free(rb->text);
    memset(rb, 0, sizeof *rb);
}

static void rb_grow_fields(CsvRowBuf *rb)
{
    uint32_t ncap = rb->cap ? rb->cap * 2 : 64;
    if (ncap <= rb->cap)
        csv_oom();
    CsvField *f = realloc(rb->fields, (size_t)ncap * sizeof *f);
    if (!f)
        csv_oom();
    rb->fields = f;
    rb->cap = ncap;
}

/* Room for `extra` more bytes of unescaped text after `used`. */
static char *rb_text(CsvRowBuf *rb, size_t used, size_t extra)
{
    if (rb->textcap - used < extra) {
        size_t ncap = rb->textcap ? rb->textcap : 256;
        while (ncap - used < extra)
            ncap *= 2;
        char *t = realloc(rb->text, ncap);
        if (!t)
            csv_oom();
        rb->text = t;
        rb->textcap = ncap;
    }
    return rb->text + used;
}

/* Append the content of a quoted field, [s, e) with each "" made ", to the
 * row's text.  Every quote in [s, e) is the first of a pair: the scan that
 * found e treated any other quote as the closing one. */
static size_t unescape(CsvRowBuf *rb, size_t used, const char *s, const char *e)
{
    char *o = rb_text(rb, used, (size_t)(e - s));
    char *o0 = o;
    while (s < e) {
        const char *q = memchr(s, '"', (size_t)(e - s));
        if (!q) {
            memcpy(o, s, (size_t)(e - s));
            o += e - s;
            break;
        }
        memcpy(o, s, (size_t)(q + 1 - s));
        o += q + 1 - s;
        s = q + 2;
    }
    return used + (size_t)(o - o0);
}

void csv_cursor_init(CsvCursor *cur, const CsvBlock *b, int delim)
{
    cur->p = b->data;
    cur->end = b->data + b->len;
    cur->line = b->line;
    cur->delim = delim;
}

int csv_row(CsvCursor *cur, CsvRowBuf *rb, CsvRow *row)
{
    const char *p = cur->p, *end = cur->end;
    int64_t line = cur->line;
    const int delim = cur->delim;

    while (p < end && (*p == '\n' || *p == '\r')) {     /* blank lines */
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
        p++;
        line++;
    }
    if (p == end) {
        cur->p = p;
        cur->line = line;
        return 0;
    }
    row->line = line;
    row->raw = p;

    Win w;
    win_load(&w, p, end, delim);
    CsvField *f = rb->fields;
    uint32_t nf = 0, cap = rb->cap;
    size_t textlen = 0;         /* bytes of rb->text used by this row */
    const char *s = p;          /* start of the current field */
    const char *e;              /* its end: a delimiter, a line end or end */
    for (;;) {
        if (nf == cap) {
            rb_grow_fields(rb);
            f = rb->fields;
            cap = rb->cap;
        }
        CsvField *fd = &f[nf++];
        if (s == end || *s != '"') {
            e = win_pop_u(&w, end, delim);
            fd->p = s;
            fd->len = (uint32_t)(e - s);
            fd->quoted = 0;
        } else {
            const char *c = s + 1, *q;
            bool esc = false;
            for (;;) {
                q = win_next_q(&w, c, end, delim);
                if (q == end)
                    break;      /* unclosed: only in blocks not from the chunker */
                if (*q == '"') {
                    if (q + 1 < end && q[1] == '"') {
                        esc = true;
                        c = q + 2;
                        continue;
                    }
                    break;
                }
                c = (*q == '\r' && q + 1 < end && q[1] == '\n') ? q + 2 : q + 1;
                line++;
            }
            const char *a = q == end ? end : q + 1;     /* after the closing quote */
            win_seek(&w, a, end, delim);
            e = win_pop_u(&w, end, delim);              /* past a for "ab"c: keep c */
            fd->quoted = 1;
            if (!esc) {
                fd->p = s + 1;
                fd->len = (uint32_t)((e == a ? q : e) - (s + 1));
            } else {
                /* Unescaped into rb->text, which may move while the row is
                 * parsed: p stays NULL until the row is done. */
                size_t t0 = textlen;
                textlen = unescape(rb, textlen, s + 1, q);
                if (e != a) {
                    char *o = rb_text(rb, textlen, (size_t)(e - q));
                    memcpy(o, q, (size_t)(e - q));
                    textlen += (size_t)(e - q);
                }
                fd->p = NULL;
                fd->len = (uint32_t)(textlen - t0);
            }
        }
        if (e < end && *e == delim) {
            s = e + 1;
            continue;
        }
        break;
    }

    row->rawlen = (size_t)(e - p);
    if (e < end) {
        e += (*e == '\r' && e + 1 < end && e[1] == '\n') ? 2 : 1;
        line++;
    }
    if (textlen) {
        size_t off = 0;
        for (uint32_t i = 0; i < nf; i++)
            if (!f[i].p) {
                f[i].p = rb->text + off;
                off += f[i].len;
            }
    }
    row->fields = f;
    row->nfields = nf;
    cur->p = e;
    cur->line = line;
    return 1;
}

/* --------------------------------------------------------------- chunker */

/* A block buffer.  Buffers of the standard capacity are recycled through
 * the chunker's free list; bigger ones (grown for a long row) are freed. */
typedef struct CsvBuf {
    struct CsvBuf *next;
    char   *data;
    size_t  len, cap;
} CsvBuf;

/* Where the boundary scan stands in the current buffer (offsets into it).
 * Kept between reads so that a long row is not scanned again from its
 * start every time the buffer grows. */
typedef struct Scan {
    size_t  pos;        /* next byte to look at */
    size_t  row_start;  /* the row being scanned; all before it is whole rows */
    int64_t lines;      /* line ends in [off, pos) */
    int64_t row_lines;  /* line ends in [off, row_start) */
    bool    inq;        /* inside a quoted field */
    int64_t qline;      /* the line its opening quote is on */
} Scan;

struct CsvChunker {
    InSrc   *src;
    int      delim;
    size_t   bsize;         /* standard buffer capacity = target block size */
    CsvBuf  *cur;           /* being filled; never handed out */
    size_t   off;           /* first byte of cur not handed out yet */
    int64_t  line;          /* physical line of cur->data[off] */
    Scan     s;
    bool     eof, done;
    int64_t  seq;

    /* The first error, reported once the whole rows before it are out. */
    bool     failed;
    bool     msg_has_line;
    int64_t  errline;
    char     msg[256];

    char      *hdr;         /* the header row's bytes */
    CsvRowBuf  hdr_rb;

    pthread_mutex_t lock;   /* guards freelist: any thread may release */
    CsvBuf  *freelist;
};

/* Record an error.  Only the first counts: anything after it follows from
 * it.  has_line: the message already names its line. */
static void chunk_fail(CsvChunker *c, int64_t line, bool has_line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void chunk_fail(CsvChunker *c, int64_t line, bool has_line, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    c->errline = line;
    c->msg_has_line = has_line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
}

static int chunk_report(const CsvChunker *c, int64_t *errline, char *err, size_t errlen)
{
    if (errline)
        *errline = c->errline;
    if (errlen)
        snprintf(err, errlen, "%s", c->msg);
    return -1;
}

static CsvBuf *buf_get(CsvChunker *c, size_t need)
{
    CsvBuf *b = NULL;
    if (need <= c->bsize) {
        pthread_mutex_lock(&c->lock);
        b = c->freelist;
        if (b)
            c->freelist = b->next;
        pthread_mutex_unlock(&c->lock);
        if (b) {
            b->len = 0;
            return b;
        }
        need = c->bsize;
    }
    b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->data = malloc(need);
    if (!b->data) {
        free(b);
        return NULL;
    }
    b->cap = need;
    return b;
}

static void buf_put(CsvChunker *c, CsvBuf *b)
{
    if (b->cap != c->bsize) {
        free(b->data);
        free(b);
        return;
    }
    pthread_mutex_lock(&c->lock);
    b->next = c->freelist;
    c->freelist = b;
    pthread_mutex_unlock(&c->lock);
}

/* Read into cur until it is full or the input ends. */
static int chunk_fill(CsvChunker *c)
{
    CsvBuf *b = c->cur;
    while (!c->eof && b->len < b->cap) {
        char e[200];
        ssize_t n = in_read(c->src, b->data + b->len, b->cap - b->len, e, sizeof e);
        if (n < 0) {
            chunk_fail(c, 0, false, "%s", e);
            return -1;
        }
        if (n == 0)
            c->eof = true;
        else
            b->len += (size_t)n;
    }
    return 0;
}

/* The largest buffer a row starting at off may need: the row, a CRLF, and
 * nothing more, so an unclosed quote cannot make us read without end. */
static size_t chunk_maxcap(const CsvChunker *c)
{
    return c->off + CSV_MAX_ROW + 2;
}

/* cur is full and holds no whole row: make it bigger, up to the limit. */
static int chunk_grow(CsvChunker *c)
{
    CsvBuf *b = c->cur;
    if (b->cap >= chunk_maxcap(c)) {
        if (c->s.inq)
            chunk_fail(c, c->s.qline, true,
                       "unterminated quoted field (the quote opened on line %lld "
                       "is not closed within the %u MiB row limit)",
                       (long long)c->s.qline, CSV_MAX_ROW >> 20);
        else
            chunk_fail(c, c->line + c->s.row_lines, false,
                       "row longer than %u MiB", CSV_MAX_ROW >> 20);
        return -1;
    }
    if (c->off > 0) {           /* drop what was handed out or skipped */
        memmove(b->data, b->data + c->off, b->len - c->off);
        b->len -= c->off;
        c->s.pos -= c->off;
        c->s.row_start -= c->off;
        c->off = 0;
    }
    size_t ncap = b->cap * 2;
    if (ncap > chunk_maxcap(c))
        ncap = chunk_maxcap(c);
    char *d = realloc(b->data, ncap);
    if (!d) {
        chunk_fail(c, 0, false, "out of memory");
        return -1;
    }
    b->data = d;
    b->cap = ncap;
    return 0;
}

/* Fields in the row [p, e), counting only up to just past the limit. */
static size_t count_fields(const char *p, const char *e, int delim)
{
    size_t n = 1;
    bool inq = false;
    for (const char *x = p; x < e; x++) {
        if (inq) {
            if (*x == '"') {
                if (x + 1 < e && x[1] == '"')
                    x++;
                else
                    inq = false;
            }
        } else if (*x == delim) {
            if (++n > CSV_MAX_FIELDS)
                break;
        } else if (*x == '"' && (x == p || x[-1] == delim)) {
            inq = true;
        }
    }
    return n;
}

/* Check the limits on a whole row [rs, re) that begins on `line`. */
static int check_row(CsvChunker *c, const char *rs, const char *re, int64_t line)
{
    size_t len = (size_t)(re - rs);
    if (len > CSV_MAX_ROW) {
        chunk_fail(c, line, false, "row longer than %u MiB", CSV_MAX_ROW >> 20);
        return -1;
    }
    /* n bytes hold at most n + 1 fields: only long rows need counting. */
    if (len >= CSV_MAX_FIELDS && count_fields(rs, re, c->delim) > CSV_MAX_FIELDS) {
        chunk_fail(c, line, false, "row has more than %d fields", CSV_MAX_FIELDS);
        return -1;
    }
    return 0;
}

/* Scan cur from s.pos for row ends, as far as the bytes read allow: until
 * the input ends, a byte is looked at only when the one after it is there
 * too (CR LF and "" need it).  With stop_first, stops after the first row
 * and returns 1 with its raw end in *rawend.  Returns -1 when a row breaks a
 * limit (the scan stops before that row), else 0. */
static int chunk_scan(CsvChunker *c, bool stop_first, size_t *rawend)
{
    CsvBuf *cb = c->cur;
    const char *b = cb->data, *E = b + cb->len;
    const char *L = c->eof || cb->len == 0 ? E : E - 1;
    Scan *s = &c->s;
    const char *p = b + s->pos;
    const char dl = (char)c->delim;
    int rc = 0;
    while (p < L) {
        const char *x = find_qnr(p, L);
        if (x == L) {
            p = L;
            break;
        }
        if (*x == '"') {
            if (s->inq) {
                if (x + 1 < E && x[1] == '"') {
                    p = x + 2;
                } else {
                    s->inq = false;
                    p = x + 1;
                }
            } else {
                if (x == b + s->row_start || x[-1] == dl) {
                    s->inq = true;
                    s->qline = c->line + s->lines;
                }
                p = x + 1;
            }
            continue;
        }
        const char *nx = (*x == '\r' && x + 1 < E && x[1] == '\n') ? x + 2 : x + 1;
        if (s->inq) {
            s->lines++;
            p = nx;
            continue;
        }
        const char *rs = b + s->row_start;
        if (x - rs >= CSV_MAX_FIELDS
            && check_row(c, rs, x, c->line + s->row_lines) < 0) {
            rc = -1;
            p = rs;
            break;
        }
        s->lines++;
        s->row_start = (size_t)(nx - b);
        s->row_lines = s->lines;
        p = nx;
        if (stop_first) {
            *rawend = (size_t)(x - b);
            rc = 1;
            break;
        }
    }
    s->pos = (size_t)(p - b);
    return rc;
}

/* Hand out [off, end) of cur as block b; nlines line ends are in it.  The
 * rest of cur moves to a fresh buffer. */
static void chunk_hand_out(CsvChunker *c, CsvBlock *b, size_t end, int64_t nlines)
{
    CsvBuf *cb = c->cur;
    b->data = cb->data + c->off;
    b->len = end - c->off;
    b->line = c->line;
    b->seq = c->seq++;
    b->owner = cb;
    c->line += nlines;

    size_t carry = cb->len - end;
    c->cur = NULL;
    if (c->failed || (carry == 0 && c->eof)) {
        c->done = true;
        return;
    }
    CsvBuf *nb = buf_get(c, carry * 2 > c->bsize ? carry * 2 : c->bsize);
    if (!nb) {
        chunk_fail(c, 0, false, "out of memory");
        c->done = true;
        return;
    }
    memcpy(nb->data, cb->data + end, carry);
    nb->len = carry;
    c->cur = nb;
    c->off = 0;
    c->s.pos -= end;
    c->s.row_start -= end;
    c->s.lines -= nlines;
    c->s.row_lines -= nlines;
}

/* The header line decides the delimiter: the most frequent of , ; TAB |
 * outside quotes, ties in that order, ',' when none occurs.  The delimiter
 * is not known yet, so a quote opens a field after any candidate.  Returns
 * 0 when the line does not end in [p, end) and more input may come. */
static int detect_delim(const char *p, const char *end, bool final, int *delim)
{
    static const char cand[4] = { ',', ';', '\t', '|' };
    size_t count[4] = { 0, 0, 0, 0 };
    bool inq = false, ended = false;
    for (const char *x = p; x < end; x++) {
        char ch = *x;
        if (inq) {
            if (ch == '"') {
                if (x + 1 < end && x[1] == '"')
                    x++;
                else if (x + 1 == end && !final)
                    return 0;
                else
                    inq = false;
            }
            continue;
        }
        if (ch == '\n' || ch == '\r') {
            ended = true;
            break;
        }
        if (ch == '"') {
            if (x == p || memchr(cand, x[-1], sizeof cand))
                inq = true;
            continue;
        }
        const char *k = memchr(cand, ch, sizeof cand);
        if (k)
            count[k - cand]++;
    }
    if (!ended && !final)
        return 0;
    int best = 0;
    for (int i = 1; i < 4; i++)
        if (count[i] > count[best])
            best = i;
    *delim = cand[best];
    return 1;
}

CsvChunker *csv_open(InSrc *src, int delim, size_t block_size,
                     CsvRow *header, char *err, size_t errlen)
{
    memset(header, 0, sizeof *header);
    CsvChunker *c = calloc(1, sizeof *c);
    if (!c) {
        in_close(src);
        if (errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->src = src;
    pthread_mutex_init(&c->lock, NULL);
    if (delim == '"' || delim == '\n' || delim == '\r' || delim < 0 || delim > 255) {
        chunk_fail(c, 0, false, "invalid delimiter");
        goto fail;
    }
    c->bsize = block_size == 0 ? CSV_DEFAULT_BLOCK
             : block_size < CSV_MIN_BLOCK ? CSV_MIN_BLOCK : block_size;
    c->line = 1;
    c->cur = buf_get(c, c->bsize);
    if (!c->cur) {
        chunk_fail(c, 0, false, "out of memory");
        goto fail;
    }
    if (chunk_fill(c) < 0)
        goto fail;

    CsvBuf *cb = c->cur;
    if (cb->len >= 3 && memcmp(cb->data, "\xEF\xBB\xBF", 3) == 0)
        c->off = 3;

    /* Skip blank lines before the header, reading on as needed. */
    for (;;) {
        char *d = cb->data;
        size_t i = c->off, n = cb->len;
        while (i < n) {
            if (d[i] == '\n') {
                i++;
            } else if (d[i] == '\r' && (i + 1 < n || c->eof)) {
                i += (i + 1 < n && d[i + 1] == '\n') ? 2 : 1;
            } else {
                break;
            }
            c->line++;
        }
        c->off = i;
        if (i < n && d[i] != '\r')
            break;                      /* the header starts here */
        if (i == n && c->eof) {         /* no header: an empty input */
            header->line = c->line;
            c->delim = delim ? delim : ',';
            c->done = true;
            return c;
        }
        memmove(d, d + i, n - i);       /* at most a CR whose LF may follow */
        cb->len = n - i;
        c->off = 0;
        if (chunk_fill(c) < 0)
            goto fail;
    }

    c->s = (Scan){ .pos = c->off, .row_start = c->off };
    while (delim == 0) {
        bool final = c->eof || cb->cap >= chunk_maxcap(c);
        if (detect_delim(cb->data + c->off, cb->data + cb->len, final, &delim))
            break;
        if (chunk_grow(c) < 0 || chunk_fill(c) < 0)
            goto fail;
    }
    c->delim = delim;

    /* Find the end of the header row. */
    c->s = (Scan){ .pos = c->off, .row_start = c->off };
    size_t hend, next;
    int64_t hlines;
    for (;;) {
        int r = chunk_scan(c, true, &hend);
        if (r < 0)
            goto fail;
        if (r == 1) {
            next = c->s.row_start;
            hlines = c->s.row_lines;
            break;
        }
        if (c->eof) {
            if (c->s.inq) {
                chunk_fail(c, c->s.qline, true,
                           "unterminated quoted field (the quote opened on line %lld)",
                           (long long)c->s.qline);
                goto fail;
            }
            hend = next = cb->len;
            hlines = c->s.lines;
            if (check_row(c, cb->data + c->off, cb->data + hend, c->line) < 0)
                goto fail;
            break;
        }
        if (chunk_grow(c) < 0 || chunk_fill(c) < 0)
            goto fail;
    }

    /* Keep a copy of the header so that no block holds its bytes. */
    size_t hl = hend - c->off;
    c->hdr = malloc(hl ? hl : 1);
    if (!c->hdr) {
        chunk_fail(c, 0, false, "out of memory");
        goto fail;
    }
    memcpy(c->hdr, cb->data + c->off, hl);
    CsvBlock hb = { .data = c->hdr, .len = hl, .line = c->line };
    CsvCursor hc;
    csv_cursor_init(&hc, &hb, delim);
    csv_row(&hc, &c->hdr_rb, header);

    c->line += hlines;
    c->off = next;
    c->s = (Scan){ .pos = next, .row_start = next };
    return c;

fail:
    if (errlen) {
        if (c->msg_has_line || c->errline <= 0)
            snprintf(err, errlen, "%s", c->msg);
        else
            snprintf(err, errlen, "%s (line %lld)", c->msg, (long long)c->errline);
    }
    csv_close(c);
    return NULL;
}

int csv_delimiter(const CsvChunker *c) { return c->delim; }

int csv_next_block(CsvChunker *c, CsvBlock *b, int64_t *errline,
                   char *err, size_t errlen)
{
    for (;;) {
        if (c->failed)
            return chunk_report(c, errline, err, errlen);
        if (c->done)
            return 0;
        CsvBuf *cb = c->cur;
        chunk_fill(c);          /* on an error, still hand out the whole rows */
        chunk_scan(c, false, NULL);

        size_t end = c->s.row_start;
        int64_t nlines = c->s.row_lines;
        if (c->eof && !c->failed) {
            if (c->s.inq) {
                chunk_fail(c, c->s.qline, true,
                           "unterminated quoted field (the quote opened on line %lld)",
                           (long long)c->s.qline);
            } else if (cb->len > end
                       && check_row(c, cb->data + end, cb->data + cb->len,
                                    c->line + c->s.row_lines) == 0) {
                end = cb->len;          /* the last row has no line end */
                nlines = c->s.lines;
            }
        }
        if (end > c->off) {
            chunk_hand_out(c, b, end, nlines);
            return 1;
        }
        if (c->failed)
            continue;
        if (c->eof) {
            buf_put(c, cb);
            c->cur = NULL;
            c->done = true;
            return 0;
        }
        chunk_grow(c);          /* a row longer than the buffer */
    }
}

void csv_release_block(CsvChunker *c, CsvBlock *b)
{
    if (b->owner)
        buf_put(c, b->owner);
    b->owner = NULL;
    b->data = NULL;
    b->len = 0;
}

int64_t csv_consumed(const CsvChunker *c) { return in_consumed(c->src); }
int64_t csv_total(const CsvChunker *c) { return in_total(c->src); }

void csv_close(CsvChunker *c)
{
    if (!c)
        return;
    if (c->cur) {
        free(c->cur->data);
        free(c->cur);
    }
    while (c->freelist) {
        CsvBuf *n = c->freelist->next;
        free(c->freelist->data);
        free(c->freelist);
        c->freelist = n;
    }
    free(c->hdr);
    csv_rowbuf_free(&c->hdr_rb);
    in_close(c->src);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
