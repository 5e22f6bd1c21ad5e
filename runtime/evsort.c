/* evsort: an events file put into the record file's order (see evsort.h). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "csv.h"
#include "evsort.h"
#include "input.h"
#include "jsonl.h"
#include "outfile.h"
#include "run_internal.h"
#include "utext.h"

#define NO_RANK UINT32_MAX
#define MAX_SLICES 64           /* open slice files; more are merged into one first */

/* ---- the records' keys and their ranks ------------------------------------------------------ */

typedef struct KEnt { uint64_t h; uint64_t off; uint32_t len; } KEnt;
typedef struct KeyMap {
    Buf keys;
    KEnt *ent; uint32_t n, cap;      /* the rank of a key is its entry's index */
    uint32_t *tab; uint32_t tcap;    /* entry index + 1, open addressing */
} KeyMap;

static void km_grow(KeyMap *km)
{
    uint32_t cap = km->tcap ? km->tcap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    for (uint32_t i = 0; i < km->n; i++) {
        uint32_t j = (uint32_t)km->ent[i].h & (cap - 1);
        while (t[j]) j = (j + 1) & (cap - 1);
        t[j] = i + 1;
    }
    free(km->tab);
    km->tab = t;
    km->tcap = cap;
}

/* The slot of key in the table: holding its entry, or empty. */
static uint32_t km_slot(const KeyMap *km, const char *k, uint32_t n, uint64_t h)
{
    uint32_t j = (uint32_t)h & (km->tcap - 1);
    for (; km->tab[j]; j = (j + 1) & (km->tcap - 1)) {
        const KEnt *e = &km->ent[km->tab[j] - 1];
        if (e->h == h && e->len == n && memcmp(km->keys.p + e->off, k, n) == 0) break;
    }
    return j;
}

/* A record's key: given a rank if it is the first record with it. */
static bool km_add(KeyMap *km, const char *k, uint32_t n)
{
    if (n == 0) return true;
    if ((uint64_t)(km->n + 1) * 2 > km->tcap) km_grow(km);
    uint64_t h = ut_hash_bytes(k, n);
    uint32_t j = km_slot(km, k, n, h);
    if (km->tab[j]) return true;
    if (km->n == NO_RANK - 1) return false;
    if (km->n == km->cap) {
        km->cap = km->cap ? km->cap * 2 : 1024;
        km->ent = realloc(km->ent, km->cap * sizeof *km->ent);
        if (!km->ent) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    km->ent[km->n] = (KEnt){ h, km->keys.len, n };
    ubuf_add(&km->keys, k, n);
    km->tab[j] = ++km->n;
    return true;
}

static uint32_t km_rank(const KeyMap *km, const char *k, uint32_t n)
{
    if (n == 0 || km->n == 0) return NO_RANK;
    uint32_t j = km_slot(km, k, n, ut_hash_bytes(k, n));
    return km->tab[j] ? km->tab[j] - 1 : NO_RANK;
}

static void km_free(KeyMap *km)
{
    ubuf_free(&km->keys);
    free(km->ent);
    free(km->tab);
}

static void trimmed(const char **p, uint32_t *n)
{
    size_t len = *n;
    ut_trim(p, &len);
    *n = (uint32_t)len;
}

/* The next block of a JSON-lines or CSV file (lc or ch): 1, 0 at its end,
 * -1 with err naming the file and, when known, the line. */
static int next_block(LineChunker *lc, CsvChunker *ch, CsvBlock *b, const char *name, char *err, size_t errlen)
{
    char msg[1024];
    int64_t el = 0;
    int k = lc ? lines_next_block(lc, b, &el, msg, sizeof msg) : csv_next_block(ch, b, &el, msg, sizeof msg);
    if (k < 0) {
        if (el > 0) snprintf(err, errlen, "%s:%lld: error: %s", name, (long long)el, msg);
        else snprintf(err, errlen, "%s: error: %s", name, msg);
    }
    return k;
}

/* Read the record file for its keys, in order. */
static bool record_keys(const Prog *p, const RunOpts *o, KeyMap *km, char *err, size_t errlen)
{
    const char *name = o->input;
    char msg[1024];
    InSrc *src = in_open(name, msg, sizeof msg);
    if (!src) { snprintf(err, errlen, "%s: %s", name, msg); return false; }
    const PField *kf = &p->fields[p->key];
    JsonSchema js = { kf, 1, NULL, 0 };
    JsonRow jr;
    LineChunker *lc = NULL;
    CsvChunker *ch = NULL;
    CsvRowBuf rb = { 0 };
    int32_t col = -1;
    uint32_t ncols = 0;
    int delim = 0;
    if (o->in_format == 2) {
        if (!(lc = lines_open(src, 0, msg, sizeof msg))) { snprintf(err, errlen, "%s: %s", name, msg); return false; }
        jsonl_row_init(&jr, &js);
    } else {
        CsvRow header;
        if (!(ch = csv_open(src, o->delim, 0, &header, msg, sizeof msg))) { snprintf(err, errlen, "%s: %s", name, msg); return false; }
        delim = csv_delimiter(ch);
        ncols = header.nfields;
        if (!run_bind(&header, kf, 1, &col, name, "record", err, errlen)) { csv_close(ch); return false; }
    }
    bool ok = true;
    for (;;) {
        CsvBlock b;
        int k = next_block(lc, ch, &b, name, err, errlen);
        if (k < 0) { ok = false; break; }
        if (k == 0) break;
        if (lc) {
            LineCursor cur;
            const char *s;
            size_t n;
            int64_t line;
            lines_cursor_init(&cur, &b);
            while (ok && lines_next(&cur, &s, &n, &line)) {
                char why[300];
                if (!jsonl_parse(&jr, &js, s, n, why, sizeof why)) continue;     /* malformed: no events */
                const VmCell *c = &jr.cells[0];
                const char *kp = c->p && !c->invalid ? c->p : "";
                uint32_t kl = c->p && !c->invalid ? c->len : 0;
                trimmed(&kp, &kl);
                ok = km_add(km, kp, kl);
            }
            lines_release_block(lc, &b);
        } else {
            CsvCursor cur;
            CsvRow row;
            csv_cursor_init(&cur, &b, delim);
            while (ok && csv_row(&cur, &rb, &row) == 1) {
                if (row.nfields != ncols) continue;
                const char *kp = row.fields[col].p;
                uint32_t kl = (uint32_t)row.fields[col].len;
                trimmed(&kp, &kl);
                ok = km_add(km, kp, kl);
            }
            csv_release_block(ch, &b);
        }
        if (!ok) snprintf(err, errlen, "%s: more than %u distinct keys", name, NO_RANK - 1);
        if (!ok) break;
    }
    csv_rowbuf_free(&rb);
    if (lc) { jsonl_row_free(&jr); lines_close(lc); }
    if (ch) csv_close(ch);
    return ok;
}

/* ---- slices ------------------------------------------------------------------------------------ */

typedef struct Ent { uint32_t rank, len; uint64_t off; } Ent;

typedef struct Sorter {
    const char *path;          /* the events file, for messages */
    const char *dir;
    Buf data;                  /* the slice's rows */
    Ent *ent, *tmp; size_t n, cap;
    size_t budget;
    FILE *slices[MAX_SLICES]; uint32_t nslices;
    char *err; size_t errlen;
} Sorter;

static bool write_failed(Sorter *s)
{
    snprintf(s->err, s->errlen, "%s: sorting it into the record file's order in %s: %s", s->path, s->dir,
             strerror(errno ? errno : EIO));
    return false;
}

/* An unnamed file in the temporary directory. */
static FILE *scratch(Sorter *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/leadvm-slice-XXXXXX", s->dir);
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f) { close(fd); return NULL; }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

/* Stable sort of the slice by rank: least significant 16 bits, then the rest. */
static void sort_slice(Sorter *s)
{
    static size_t count[1 << 16];
    Ent *a = s->ent, *b = s->tmp;
    for (int pass = 0; pass < 2; pass++) {
        int shift = pass * 16;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < s->n; i++) count[(a[i].rank >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t d = 0; d < (1u << 16); d++) { size_t c = count[d]; count[d] = sum; sum += c; }
        for (size_t i = 0; i < s->n; i++) b[count[(a[i].rank >> shift) & 0xFFFF]++] = a[i];
        Ent *t = a; a = b; b = t;
    }
    /* two passes: the sorted entries are back in s->ent */
}

static bool put(FILE *f, const void *p, size_t n) { return n == 0 || fwrite(p, 1, n, f) == n; }

/* Slice records: rank, length, the row's bytes. */
static bool put_rec(FILE *f, uint32_t rank, const char *row, uint32_t len)
{
    uint32_t h[2] = { rank, len };
    return put(f, h, sizeof h) && put(f, row, len);
}

static bool merge(Sorter *s, FILE *out, bool as_slice);

static bool flush_slice(Sorter *s)
{
    if (s->n == 0) return true;
    if (s->nslices == MAX_SLICES) {
        /* too many files open: merge those so far into one */
        FILE *f = scratch(s);
        if (!f) return write_failed(s);
        if (!merge(s, f, true)) { fclose(f); return false; }
        s->slices[s->nslices++] = f;
    }
    sort_slice(s);
    FILE *f = scratch(s);
    if (!f) return write_failed(s);
    for (size_t i = 0; i < s->n; i++)
        if (!put_rec(f, s->ent[i].rank, s->data.p + s->ent[i].off, s->ent[i].len)) { fclose(f); return write_failed(s); }
    if (fflush(f) != 0) { fclose(f); return write_failed(s); }
    s->slices[s->nslices++] = f;
    s->n = 0;
    s->data.len = 0;
    return true;
}

static bool add_row(Sorter *s, uint32_t rank, const char *row, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->ent = realloc(s->ent, s->cap * sizeof *s->ent);
        s->tmp = realloc(s->tmp, s->cap * sizeof *s->tmp);
        if (!s->ent || !s->tmp) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    bool nl = len && (row[len - 1] == '\n' || row[len - 1] == '\r');
    s->ent[s->n++] = (Ent){ rank, (uint32_t)(len + !nl), s->data.len };
    ubuf_add(&s->data, row, len);
    if (!nl) ubuf_addc(&s->data, '\n');      /* a last row without a line end gets one */
    return s->data.len < s->budget || flush_slice(s);
}

/* ---- merging ---------------------------------------------------------------------------------- */

typedef struct Reader { FILE *f; uint32_t rank, len; char *row; size_t cap; uint32_t idx; } Reader;

static int next_rec(Reader *r)
{
    uint32_t h[2];
    size_t k = fread(h, 1, sizeof h, r->f);
    if (k == 0 && feof(r->f)) return 0;
    if (k != sizeof h) return -1;
    r->rank = h[0];
    r->len = h[1];
    if (r->len > r->cap) {
        r->cap = r->len;
        r->row = realloc(r->row, r->cap);
        if (!r->row) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    return fread(r->row, 1, r->len, r->f) == r->len ? 1 : -1;
}

static bool before(const Reader *a, const Reader *b)
{
    return a->rank != b->rank ? a->rank < b->rank : a->idx < b->idx;   /* equal ranks: file order */
}

static void sift(Reader **h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && before(h[l], h[m])) m = l;
        if (r < n && before(h[r], h[m])) m = r;
        if (m == i) return;
        Reader *t = h[i]; h[i] = h[m]; h[m] = t;
        i = m;
    }
}

/* Merge every slice into out (as rows, or as one slice) and close them. */
static bool merge(Sorter *s, FILE *out, bool as_slice)
{
    uint32_t n = s->nslices;
    Reader *rd = calloc(n + 1, sizeof *rd);
    Reader **heap = calloc(n + 1, sizeof *heap);
    if (!rd || !heap) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    bool ok = true;
    uint32_t nh = 0;
    for (uint32_t i = 0; i < n; i++) {
        rd[i].f = s->slices[i];
        rd[i].idx = i;
        if (fseek(rd[i].f, 0, SEEK_SET) != 0) { ok = false; continue; }
        int k = next_rec(&rd[i]);
        if (k < 0) ok = false;
        if (k > 0) heap[nh++] = &rd[i];
    }
    for (uint32_t i = nh; i-- > 0;) sift(heap, nh, i);
    while (ok && nh) {
        Reader *r = heap[0];
        ok = as_slice ? put_rec(out, r->rank, r->row, r->len) : put(out, r->row, r->len);
        int k = next_rec(r);
        if (k < 0) ok = false;
        if (k == 0) heap[0] = heap[--nh];
        sift(heap, nh, 0);
    }
    for (uint32_t i = 0; i < n; i++) { fclose(rd[i].f); free(rd[i].row); }
    s->nslices = 0;
    free(rd);
    free(heap);
    if (!ok) return write_failed(s);
    return true;
}

/* ---- the events file -------------------------------------------------------------------------- */

static void csv_header_cell(Buf *b, const char *p, size_t n, int delim)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == '"' || p[i] == '\n' || p[i] == '\r' || p[i] == (char)delim;
    if (!quote) { ubuf_add(b, p, n); return; }
    ubuf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') ubuf_addc(b, '"');
        ubuf_addc(b, p[i]);
    }
    ubuf_addc(b, '"');
}

bool evsort(const Prog *p, uint32_t stream, const RunOpts *o, const char *events,
            char *out, size_t outlen, int *slot, uint64_t *dropped, char *err, size_t errlen)
{
    const PStream *st = &p->streams[stream];
    *dropped = 0;
    *slot = -1;
    KeyMap km = { 0 };
    if (!record_keys(p, o, &km, err, errlen)) { km_free(&km); return false; }

    Sorter s = { 0 };
    s.path = events;
    s.dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    s.budget = EVSORT_SLICE;
    if (getenv("LEAD_EVSORT_SLICE")) s.budget = strtoull(getenv("LEAD_EVSORT_SLICE"), NULL, 10);   /* for tests */
    if (s.budget < 1) s.budget = 1;
    s.err = err;
    s.errlen = errlen;

    char msg[1024];
    bool jsonl = run_is_jsonl_name(events);
    InSrc *src = in_open(events, msg, sizeof msg);
    if (!src) { snprintf(err, errlen, "%s: %s", events, msg); km_free(&km); return false; }
    LineChunker *lc = NULL;
    CsvChunker *ch = NULL;
    CsvRowBuf rb = { 0 };
    JsonSchema js = { &st->fields[st->key], 1, NULL, 0 };
    JsonRow jr;
    Buf header = { 0 };
    int32_t col = -1;
    uint32_t ncols = 0;
    int delim = 0;
    if (jsonl) {
        if (!(lc = lines_open(src, 0, msg, sizeof msg))) { snprintf(err, errlen, "%s: %s", events, msg); km_free(&km); return false; }
        jsonl_row_init(&jr, &js);
    } else {
        CsvRow h;
        if (!(ch = csv_open(src, o->delim, 0, &h, msg, sizeof msg))) { snprintf(err, errlen, "%s: %s", events, msg); km_free(&km); return false; }
        delim = csv_delimiter(ch);
        ncols = h.nfields;
        char what[300];
        snprintf(what, sizeof what, "'%s' event", st->name.p);
        if (!run_bind(&h, &st->fields[st->key], 1, &col, events, what, err, errlen)) { csv_close(ch); km_free(&km); return false; }
        for (uint32_t i = 0; i < h.nfields; i++) {
            if (i) ubuf_addc(&header, (char)delim);
            csv_header_cell(&header, h.fields[i].p, h.fields[i].len, delim);
        }
        ubuf_addc(&header, '\n');
    }

    bool ok = true;
    while (ok) {
        CsvBlock b;
        int k = next_block(lc, ch, &b, events, err, errlen);
        if (k < 0) { ok = false; break; }
        if (k == 0) break;
        if (lc) {
            LineCursor cur;
            const char *line;
            size_t n;
            int64_t ln;
            lines_cursor_init(&cur, &b);
            while (ok && lines_next(&cur, &line, &n, &ln)) {
                char why[300];
                if (!jsonl_parse(&jr, &js, line, n, why, sizeof why)) {
                    snprintf(err, errlen, "%s:%lld: error: %s", events, (long long)ln, why);
                    ok = false;
                    break;
                }
                const VmCell *c = &jr.cells[0];
                const char *kp = c->p && !c->invalid ? c->p : "";
                uint32_t kl = c->p && !c->invalid ? c->len : 0;
                trimmed(&kp, &kl);
                uint32_t rank = km_rank(&km, kp, kl);
                if (rank == NO_RANK) { (*dropped)++; continue; }
                ok = add_row(&s, rank, line, (size_t)(cur.p - line));
            }
            lines_release_block(lc, &b);
        } else {
            CsvCursor cur;
            CsvRow row;
            csv_cursor_init(&cur, &b, delim);
            for (;;) {
                const char *start = cur.p;
                if (!ok || csv_row(&cur, &rb, &row) != 1) break;
                if (row.nfields != ncols) {
                    snprintf(err, errlen, "%s:%lld: error: the row has %u field%s, the header has %u", events,
                             (long long)row.line, row.nfields, row.nfields == 1 ? "" : "s", ncols);
                    ok = false;
                    break;
                }
                const char *kp = row.fields[col].p;
                uint32_t kl = (uint32_t)row.fields[col].len;
                trimmed(&kp, &kl);
                uint32_t rank = km_rank(&km, kp, kl);
                if (rank == NO_RANK) { (*dropped)++; continue; }
                while (start < cur.p && (*start == '\n' || *start == '\r')) start++;     /* blank lines before it */
                ok = add_row(&s, rank, start, (size_t)(cur.p - start));
            }
            csv_release_block(ch, &b);
        }
    }
    csv_rowbuf_free(&rb);
    if (lc) { jsonl_row_free(&jr); lines_close(lc); }
    if (ch) csv_close(ch);
    km_free(&km);

    /* the sorted file, named for its format */
    FILE *f = NULL;
    if (ok) {
        snprintf(out, outlen, "%s/leadvm-events-XXXXXX%s", s.dir, jsonl ? ".jsonl" : ".csv");
        int fd = mkstemps(out, jsonl ? 6 : 4);
        if (fd < 0) ok = write_failed(&s);
        else {
            *slot = of_tmp_register(out);
            f = fdopen(fd, "wb");
            if (!f) { close(fd); ok = write_failed(&s); }
            else setvbuf(f, NULL, _IOFBF, 1 << 20);
        }
    }
    if (ok && !put(f, header.p, header.len)) ok = write_failed(&s);
    if (ok && s.nslices == 0) {
        /* it all fitted in one slice: straight out */
        sort_slice(&s);
        for (size_t i = 0; ok && i < s.n; i++)
            if (!put(f, s.data.p + s.ent[i].off, s.ent[i].len)) ok = write_failed(&s);
    } else if (ok) {
        ok = flush_slice(&s) && merge(&s, f, false);
    }
    if (f && fclose(f) != 0 && ok) ok = write_failed(&s);
    for (uint32_t i = 0; i < s.nslices; i++) fclose(s.slices[i]);
    ubuf_free(&s.data);
    ubuf_free(&header);
    free(s.ent);
    free(s.tmp);
    if (!ok && *slot >= 0) {
        unlink(out);
        of_tmp_release(*slot);
        *slot = -1;
    } else if (!ok && f)
        unlink(out);
    return ok;
}
