/* run_events: joining event streams to records (LANGUAGE.md appendix A
 * "Events"; TOOLS.md --events).  A record's key cell and an event's match
 * cell join when equal as text after trimming, case kept; an empty key
 * joins nothing; events whose key has no record are ignored (and counted).
 *
 * Two ways, chosen per stream:
 *
 *   hash     (files up to EV_HASH_LIMIT bytes, and pipes or compressed
 *            files that turn out small): the whole file is read first,
 *            each event parsed and grouped by key; a record finds its
 *            events with one probe.  Works for any order.
 *
 *   stream   (bigger files): the normal case of a CRM export sorted by key.
 *            The main thread reads the events file alongside the records,
 *            one run of same-key rows at a time, and attaches to each
 *            block of records the bytes of its records' runs; workers
 *            parse them.  Memory stays bounded whatever the file size.
 *            Runs whose key has no record are skipped: when a record's key
 *            is not at the head of the events, the next runs (up to
 *            EV_LOOKAHEAD) are searched for it, and the runs before it are
 *            orphans.  A file that is not in the record file's order is
 *            detected (a run skipped or left over whose key belongs to a
 *            record already passed, or a record whose run was skipped) and
 *            the run stops with a message instead of dropping events.
 *            The check uses Bloom filters, so it can report a false alarm
 *            (rarely) but never misses a real disorder. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "run_internal.h"
#include "value.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define EV_HASH_LIMIT   (64u << 20)     /* bytes: bigger files are streamed */
#define EV_HASH_PART    (16u << 20)     /* of a pipe or compressed file, read into memory first */
#define EV_LOOKAHEAD    4096            /* runs searched for a record's key */
#define EV_LOOKAHEAD_MB (16u << 20)     /* bytes held in the lookahead */
#define BLOOM_BITS      (1u << 27)      /* 16 MiB: record keys already passed */
#define BLOOM_K         6

typedef struct Group {
    const char *key; uint32_t keylen;
    uint32_t start, n;
    uint8_t matched;
} Group;

/* A run of consecutive rows with one key, read ahead in stream mode. */
typedef struct Run {
    char *key; uint32_t keylen;
    char *data; size_t len, cap;     /* the rows' bytes, each ending in a line end */
    int64_t line;                    /* physical line of the first row */
    uint32_t nrows;
    uint64_t hash;
    uint64_t seq;                    /* its number in the file's sequence of runs */
} Run;

struct EventStore {
    uint32_t stream;
    bool present;
    bool presorted;                  /* evsort's copy: streamed, never sorted again */
    uint64_t dropped;                /* events evsort left out */
    bool streaming;
    bool hybrid;                     /* size unknown: memory first, streamed past EV_HASH_PART */
    bool has_hash;                   /* streamed, with its first part in memory */
    bool jsonl;
    const char *path;
    int32_t *col;                    /* column of each field (CSV) */
    uint32_t ncols;
    const char **fs;                 /* next_row's field starts, ncols of them */
    int delim;
    /* hash mode */
    Arena arena;
    VmEvent *ev; uint32_t nev, capev;
    uint32_t *gid;
    Group *groups; uint32_t ngroups, capgroups;
    uint32_t *htab; uint32_t hcap;
    uint64_t orphan_events;
    /* stream mode */
    CsvChunker *ch;
    LineChunker *lc;
    CsvBlock blk; bool have_blk;
    CsvCursor cur;                   /* within blk (CSV) */
    LineCursor lcur;                 /* within blk (JSON lines) */
    CsvRowBuf rb;
    bool eof;
    Run *q; uint32_t qhead, qn, qcap;          /* the lookahead: a ring of runs */
    size_t qbytes;
    /* a hash of the queued runs: (ring slot + 1, run seq); an entry whose
     * slot now holds another run is stale and skipped, and the table is
     * rebuilt when stale entries pile up, so a pop costs nothing */
    struct QEnt { uint32_t slot; uint64_t seq; } *qtab; uint32_t qtcap, qtused;
    uint64_t nextseq;
    Run pending; bool have_pending;            /* a row read past the end of a run */
    char *last_key; uint32_t last_keylen;      /* the previous record's key */
    int64_t last_line; uint32_t last_nrows;    /* and its run, for a repeated key: */
    char *last_data; size_t last_len;          /* a copy, or ... */
    bool last_in_block; size_t last_off;       /* ... bytes of the current block's buffer */
    uint8_t *used;                   /* fields the program reads */
    /* JSON-lines key extraction */
    JsonSchema js;
    JsonRow jr;
};

/* ---- Bloom filters (stream mode) ---------------------------------------------------- */

typedef struct Bloom { uint64_t *bits; uint64_t nbits; } Bloom;

/* A blocked Bloom filter: the k bits of a key all fall in one 512-bit
 * block (one cache line), so an insert or a probe costs one cache miss. */
static uint64_t *bloom_block(const Bloom *b, uint64_t h)
{
    uint64_t nblocks = b->nbits / 512;                 /* a power of two */
    return b->bits + (((h >> 32) * 0x9E3779B97F4A7C15ULL >> 20) & (nblocks - 1)) * 8;
}

static void bloom_add(Bloom *b, uint64_t h)
{
    uint64_t *blk = bloom_block(b, h);
    for (int i = 0; i < BLOOM_K; i++) {
        unsigned x = (unsigned)(h >> (i * 9)) & 511;
        blk[x >> 6] |= 1ull << (x & 63);
    }
}

static bool bloom_has(const Bloom *b, uint64_t h)
{
    const uint64_t *blk = bloom_block(b, h);
    for (int i = 0; i < BLOOM_K; i++) {
        unsigned x = (unsigned)(h >> (i * 9)) & 511;
        if (!(blk[x >> 6] & (1ull << (x & 63)))) return false;
    }
    return true;
}

typedef struct StreamShared {
    Bloom passed;            /* keys of records already processed */
    Bloom dropped;           /* keys of runs skipped as orphans */
    bool any_dropped;
    uint64_t orphan_events;
    /* The current record's key goes into passed when the next record
     * starts: its block is prefetched now and written a record later, so
     * the cache miss is not waited for.  Only drop_run reads passed, and it
     * adds the waiting key first. */
    uint64_t passed_next;
    bool have_passed_next;
} StreamShared;

static StreamShared shared_state;

/* ---- keys --------------------------------------------------------------------------- */

static uint64_t key_hash(const char *s, uint32_t n)
{
    return ut_hash_bytes(s, n);
}

static void trim_key(const char **p, uint32_t *n)
{
    size_t len = *n;
    ut_trim(p, &len);
    *n = (uint32_t)len;
}

/* ---- hash mode ------------------------------------------------------------------------ */

static uint32_t group_of(EventStore *es, const char *key, uint32_t keylen)
{
    if (es->ngroups * 2 + 2 > es->hcap) {
        uint32_t cap = es->hcap ? es->hcap * 2 : 1024;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        for (uint32_t g = 0; g < es->ngroups; g++) {
            uint32_t h = (uint32_t)key_hash(es->groups[g].key, es->groups[g].keylen) & (cap - 1);
            while (t[h]) h = (h + 1) & (cap - 1);
            t[h] = g + 1;
        }
        free(es->htab);
        es->htab = t;
        es->hcap = cap;
    }
    uint32_t h = (uint32_t)key_hash(key, keylen) & (es->hcap - 1);
    for (uint32_t k; (k = es->htab[h]); h = (h + 1) & (es->hcap - 1)) {
        Group *g = &es->groups[k - 1];
        if (g->keylen == keylen && memcmp(g->key, key, keylen) == 0) return k - 1;
    }
    if (es->ngroups == es->capgroups) {
        es->capgroups = es->capgroups ? es->capgroups * 2 : 1024;
        es->groups = realloc(es->groups, es->capgroups * sizeof *es->groups);
        if (!es->groups) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    Group *g = &es->groups[es->ngroups];
    memset(g, 0, sizeof *g);
    g->key = arena_strndup(&es->arena, key, keylen);
    g->keylen = keylen;
    es->htab[h] = es->ngroups + 1;
    return es->ngroups++;
}

static const Group *find_group(const EventStore *es, const char *key, uint32_t keylen)
{
    if (!es->hcap) return NULL;
    uint32_t h = (uint32_t)key_hash(key, keylen) & (es->hcap - 1);
    for (uint32_t k; (k = es->htab[h]); h = (h + 1) & (es->hcap - 1)) {
        const Group *g = &es->groups[k - 1];
        if (g->keylen == keylen && memcmp(g->key, key, keylen) == 0) return g;
    }
    return NULL;
}

static void hash_add_event(RunCtx *rc, EventStore *es, VmCell *cells, const char *kp, uint32_t kl)
{
    const Prog *p = rc->p;
    const PStream *st = &p->streams[es->stream];
    for (uint32_t f = 0; f < st->nfields; f++)
        if (st->fields[f].type.kind == PT_TEXT && cells[f].p)
            cells[f].p = arena_strndup(&es->arena, cells[f].p, cells[f].len);
    if (es->nev == es->capev) {
        es->capev = es->capev ? es->capev * 2 : 4096;
        es->ev = realloc(es->ev, es->capev * sizeof *es->ev);
        es->gid = realloc(es->gid, es->capev * sizeof *es->gid);
        if (!es->ev || !es->gid) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    VmEvent *e = &es->ev[es->nev];
    e->vals = arena_alloc(&es->arena, (st->nfields + 1) * sizeof *e->vals);
    vm_parse_event_used(p, es->stream, cells, e, es->used);
    es->gid[es->nev] = group_of(es, kp, kl);
    es->groups[es->gid[es->nev]].n++;
    es->nev++;
}

static void hash_finish(EventStore *es)
{
    uint32_t pos = 0;
    for (uint32_t g = 0; g < es->ngroups; g++) { es->groups[g].start = pos; pos += es->groups[g].n; es->groups[g].n = 0; }
    VmEvent *sorted = malloc((es->nev + 1) * sizeof *sorted);
    if (!sorted) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    for (uint32_t i = 0; i < es->nev; i++) {
        Group *g = &es->groups[es->gid[i]];
        sorted[g->start + g->n++] = es->ev[i];
    }
    free(es->ev);
    free(es->gid);
    es->gid = NULL;
    es->ev = sorted;
}

/* ---- opening a stream's file -------------------------------------------------------------- */

bool run_is_jsonl_name(const char *s)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", s);
    size_t n = strlen(buf);
    if (n > 3 && strcmp(buf + n - 3, ".gz") == 0) buf[n -= 3] = 0;
    else if (n > 4 && strcmp(buf + n - 4, ".zst") == 0) buf[n -= 4] = 0;
    return (n > 6 && strcmp(buf + n - 6, ".jsonl") == 0) || (n > 7 && strcmp(buf + n - 7, ".ndjson") == 0);
}

static bool open_file(RunCtx *rc, EventStore *es, char *err, size_t errlen)
{
    const PStream *st = &rc->p->streams[es->stream];
    char msg[1024];
    InSrc *src = in_open(es->path, msg, sizeof msg);
    if (!src) { snprintf(err, errlen, "%s: %s", es->path, msg); return false; }
    /* small plain files are joined by hash; anything else is streamed */
    int64_t total = in_total(src);
    bool plain = strcmp(in_kind(src), "plain") == 0 && total >= 0;
    es->streaming = plain && total > (int64_t)EV_HASH_LIMIT;
    es->hybrid = !plain;          /* a pipe or compressed: its size shows only by reading */
    if (es->presorted) { es->streaming = true; es->hybrid = false; }
    if (getenv("LEAD_EVENTS_JOIN")) {                 /* for tests of both ways */
        if (strcmp(getenv("LEAD_EVENTS_JOIN"), "hash") == 0) es->streaming = es->hybrid = false;
        if (strcmp(getenv("LEAD_EVENTS_JOIN"), "stream") == 0) { es->streaming = true; es->hybrid = false; }
    }
    es->col = calloc(st->nfields + 1, sizeof *es->col);
    es->used = calloc(st->nfields + 1, 1);
    if (!es->col || !es->used) { snprintf(err, errlen, "out of memory"); return false; }
    vm_stream_used(rc->p, es->stream, es->used);
    es->jsonl = run_is_jsonl_name(es->path);
    if (es->jsonl) {
        es->lc = lines_open(src, 0, msg, sizeof msg);
        if (!es->lc) { snprintf(err, errlen, "%s: %s", es->path, msg); return false; }
        es->js.fields = st->fields;
        es->js.nfields = st->nfields;
        jsonl_row_init(&es->jr, &es->js);
        return true;
    }
    CsvRow header;
    es->ch = csv_open(src, rc->o->delim, 0, &header, msg, sizeof msg);
    if (!es->ch) { snprintf(err, errlen, "%s: %s", es->path, msg); return false; }
    es->delim = csv_delimiter(es->ch);
    es->ncols = header.nfields;
    es->fs = malloc((es->ncols + 1) * sizeof *es->fs);
    if (!es->fs) { snprintf(err, errlen, "out of memory"); return false; }
    char what[300];
    snprintf(what, sizeof what, "'%s' event", st->name.p);
    return run_bind(&header, st->fields, st->nfields, es->col, es->path, what, err, errlen);
}

/* ---- reading rows (both modes) ---------------------------------------------------------------- */

/* One pass over an event row that starts at p, sixteen bytes at a time with
 * SSE2 (events rows are short and many; the main thread and the workers
 * both run this): false when the row has a quote or a CR other than a
 * CRLF's, for csv_row to parse.  Otherwise *rowend is its LF (or end), *nf
 * its number of fields, and fs[i] the start of field i for i < max (fields
 * past max are counted, not stored). */
#if defined(__GNUC__)
__attribute__((always_inline))      /* in both loops: each call site keeps its constants */
#endif
static inline bool split_simple(const char *p, const char *end, int delim, const char **fs, uint32_t max,
                                uint32_t *nf, const char **rowend)
{
    uint32_t k = 1;
    if (max) fs[0] = p;
    const char *q = p;
#if defined(__SSE2__)
    const __m128i vnl = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"'), vcr = _mm_set1_epi8('\r'),
                  vd = _mm_set1_epi8((char)delim);
    while (end - q >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)q);
        unsigned mnl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vnl));
        unsigned msp = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vcr)));
        unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
        unsigned limit = mnl ? (mnl & -mnl) - 1 : 0xFFFFu;     /* bytes before the LF */
        if (msp & limit) {
            unsigned sp = msp & limit;          /* only a CR right before the LF is fine */
            if (!(mnl && sp == ((mnl & -mnl) >> 1) && q[__builtin_ctz(sp)] == '\r')) return false;
        }
        for (unsigned m = md & limit; m; m &= m - 1, k++)
            if (k < max) fs[k] = q + __builtin_ctz(m) + 1;
        if (mnl) {
            *rowend = q + __builtin_ctz(mnl);
            *nf = k;
            return true;
        }
        q += 16;
    }
#endif
    for (; q < end && *q != '\n'; q++) {
        if (*q == '"' || (*q == '\r' && !(q + 1 < end && q[1] == '\n'))) return false;
        if (*q == (char)delim) {
            if (k < max) fs[k] = q + 1;
            k++;
        }
    }
    *rowend = q;
    *nf = k;
    return true;
}

/* Field c of a row split_simple stored (c < nf, fs[c + 1] stored when
 * c + 1 < nf): its bytes up to the next delimiter, or to the row's end
 * without the CR of a CRLF. */
static inline VmCell simple_cell(const char *const *fs, uint32_t nf, uint32_t c, const char *start,
                                 const char *rowend)
{
    const char *fe = c + 1 < nf ? fs[c + 1] - 1 : rowend > start && rowend[-1] == '\r' ? rowend - 1 : rowend;
    return (VmCell){ fs[c], (uint32_t)(fe - fs[c]), 0 };
}

typedef struct EvRow {
    const char *raw; size_t rawlen;      /* the row's bytes with its line end */
    int64_t line;
    const char *key; uint32_t keylen;    /* trimmed */
    VmCell *cells;                        /* hash mode only: all fields */
} EvRow;

/* Next row of the events file: 1, 0 at the end, -1 on error.  In hash mode
 * (want_cells) every field is parsed; in stream mode only the key, with a
 * fast path for rows without quotes. */
static int next_row(RunCtx *rc, EventStore *es, EvRow *r, VmCell *cells, char *err, size_t errlen)
{
    const PStream *st = &rc->p->streams[es->stream];
    char msg[512];
    for (;;) {
        if (!es->have_blk) {
            if (es->eof) return 0;
            int64_t el = 0;
            int k = es->jsonl ? lines_next_block(es->lc, &es->blk, &el, msg, sizeof msg)
                              : csv_next_block(es->ch, &es->blk, &el, msg, sizeof msg);
            if (k < 0) {
                if (el > 0) snprintf(err, errlen, "%s:%lld: error: %s", es->path, (long long)el, msg);
                else snprintf(err, errlen, "%s: error: %s", es->path, msg);
                return -1;
            }
            if (k == 0) { es->eof = true; return 0; }
            es->have_blk = true;
            if (es->jsonl) lines_cursor_init(&es->lcur, &es->blk);
            else csv_cursor_init(&es->cur, &es->blk, es->delim);
        }
        if (es->jsonl) {
            const char *s;
            size_t n;
            int64_t line;
            const char *before = es->lcur.p;
            if (!lines_next(&es->lcur, &s, &n, &line)) {
                if (es->jsonl) lines_release_block(es->lc, &es->blk);
                es->have_blk = false;
                continue;
            }
            char why[300];
            if (!jsonl_parse(&es->jr, &es->js, s, n, why, sizeof why)) {
                snprintf(err, errlen, "%s:%lld: error: %s", es->path, (long long)line, why);
                return -1;
            }
            /* the raw bytes: from the start of this line through its line end */
            r->raw = s;
            r->rawlen = (size_t)(es->lcur.p - s);
            (void)before;
            r->line = line;
            const VmCell *kc = &es->jr.cells[st->key];
            r->key = kc->p && !kc->invalid ? kc->p : "";
            r->keylen = kc->p && !kc->invalid ? kc->len : 0;
            trim_key(&r->key, &r->keylen);
            if (cells) memcpy(cells, es->jr.cells, st->nfields * sizeof *cells);
            return 1;
        }
        /* CSV: the fast path needs a row without quotes or lone CRs */
        const char *p = es->cur.p, *end = es->cur.end;
        while (p < end && (*p == '\n' || *p == '\r')) {      /* blank lines */
            if (*p == '\r' && p + 1 < end && p[1] == '\n') p++;
            p++;
            es->cur.line++;
        }
        es->cur.p = p;
        if (p >= end) {
            csv_release_block(es->ch, &es->blk);
            es->have_blk = false;
            continue;
        }
        uint32_t nf;
        const char *rowend;
        if (!cells && split_simple(p, end, es->delim, es->fs, es->ncols, &nf, &rowend)) {
            if (nf != es->ncols) {
                snprintf(err, errlen, "%s:%lld: error: the row has %u field%s, the header has %u", es->path,
                         (long long)es->cur.line, nf, nf == 1 ? "" : "s", es->ncols);
                return -1;
            }
            const char *next = rowend < end ? rowend + 1 : end;
            VmCell kc = simple_cell(es->fs, nf, (uint32_t)es->col[st->key], p, rowend);
            r->raw = p;
            r->rawlen = (size_t)(next - p);
            r->line = es->cur.line;
            r->key = kc.p;
            r->keylen = kc.len;
            trim_key(&r->key, &r->keylen);
            es->cur.p = next;
            es->cur.line++;
            return 1;
        }
        CsvRow row;
        const char *start = es->cur.p;
        if (csv_row(&es->cur, &es->rb, &row) != 1) {
            csv_release_block(es->ch, &es->blk);
            es->have_blk = false;
            continue;
        }
        if (row.nfields != es->ncols) {
            snprintf(err, errlen, "%s:%lld: error: the row has %u field%s, the header has %u", es->path,
                     (long long)row.line, row.nfields, row.nfields == 1 ? "" : "s", es->ncols);
            return -1;
        }
        r->raw = start;
        r->rawlen = (size_t)(es->cur.p - start);
        r->line = row.line;
        const CsvField *kf = &row.fields[es->col[st->key]];
        r->key = kf->p;
        r->keylen = kf->len;
        trim_key(&r->key, &r->keylen);
        if (cells)
            for (uint32_t fi = 0; fi < st->nfields; fi++) {
                const CsvField *cf = &row.fields[es->col[fi]];
                cells[fi] = (VmCell){ cf->p, cf->len, 0 };
            }
        return 1;
    }
}

/* Read events into memory, all of them, or (budget > 0) until about that
 * many bytes of rows: *complete says whether the file ended. */
static bool load_hash(RunCtx *rc, EventStore *es, size_t budget, bool *complete, char *err, size_t errlen)
{
    const PStream *st = &rc->p->streams[es->stream];
    VmCell *cells = calloc(st->nfields + 1, sizeof *cells);
    if (!cells) { snprintf(err, errlen, "out of memory"); return false; }
    EvRow r;
    int k;
    size_t bytes = 0;
    *complete = false;
    while ((k = next_row(rc, es, &r, cells, err, errlen)) == 1) {
        bytes += r.rawlen;
        if (r.keylen) hash_add_event(rc, es, cells, r.key, r.keylen);
        else shared_state.orphan_events++;                              /* an empty key joins nothing */
        if (budget && bytes >= budget) break;
    }
    free(cells);
    if (k < 0) return false;
    *complete = k == 0;
    hash_finish(es);
    return true;
}

/* ---- stream mode: runs and the lookahead ------------------------------------------------------- */

static void run_append(Run *run, const char *p, size_t n)
{
    if (run->len + n + 1 > run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 1024;
        while (cap < run->len + n + 1) cap *= 2;
        char *np = realloc(run->data, cap);
        if (!np) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        run->data = np;
        run->cap = cap;
    }
    memcpy(run->data + run->len, p, n);
    run->len += n;
    /* a last row without a line end gets one, so rows stay separable */
    if (n && p[n - 1] != '\n' && p[n - 1] != '\r') run->data[run->len++] = '\n';
}

static void run_free(Run *r)
{
    free(r->key);
    free(r->data);
    memset(r, 0, sizeof *r);
}

/* Read the next whole run (consecutive rows with one key): 1, 0, -1. */
static int read_run(RunCtx *rc, EventStore *es, Run *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (es->have_pending) {
        *out = es->pending;                /* the run takes the pending row's buffers */
        memset(&es->pending, 0, sizeof es->pending);
        es->have_pending = false;
    }
    EvRow r;
    int k;
    for (;;) {
        k = next_row(rc, es, &r, NULL, err, errlen);
        if (k < 0) { run_free(out); return -1; }          /* it may hold the pending row */
        if (k == 0) break;
        if (r.keylen == 0) { shared_state.orphan_events++; continue; }   /* joins nothing */
        if (out->key && (r.keylen != out->keylen || memcmp(r.key, out->key, r.keylen) != 0)) {
            /* the first row of the next run */
            Run *n = &es->pending;
            memset(n, 0, sizeof *n);
            n->key = malloc(r.keylen + 1);
            if (!n->key) { fputs("leadvm: out of memory\n", stderr); exit(2); }
            memcpy(n->key, r.key, r.keylen);
            n->keylen = r.keylen;
            n->line = r.line;
            n->nrows = 1;
            run_append(n, r.raw, r.rawlen);
            es->have_pending = true;
            break;
        }
        if (!out->key) {
            out->key = malloc(r.keylen + 1);
            if (!out->key) { fputs("leadvm: out of memory\n", stderr); exit(2); }
            memcpy(out->key, r.key, r.keylen);
            out->keylen = r.keylen;
            out->line = r.line;
        }
        out->nrows++;
        run_append(out, r.raw, r.rawlen);
    }
    if (!out->key) return 0;
    out->hash = key_hash(out->key, out->keylen);
    return 1;
}

static Run *q_at(EventStore *es, uint32_t i) { return &es->q[(es->qhead + i) % es->qcap]; }

static void q_insert(EventStore *es, uint32_t slot)
{
    uint32_t h = (uint32_t)es->q[slot].hash & (es->qtcap - 1);
    while (es->qtab[h].slot) h = (h + 1) & (es->qtcap - 1);
    es->qtab[h].slot = slot + 1;
    es->qtab[h].seq = es->q[slot].seq;
    es->qtused++;
}

static void q_rehash(EventStore *es)
{
    uint32_t cap = 1024;
    while (cap < es->qn * 4 + 4) cap *= 2;
    if (cap != es->qtcap) {
        free(es->qtab);
        es->qtab = calloc(cap, sizeof *es->qtab);
        if (!es->qtab) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        es->qtcap = cap;
    } else
        memset(es->qtab, 0, cap * sizeof *es->qtab);
    es->qtused = 0;
    for (uint32_t i = 0; i < es->qn; i++) q_insert(es, (es->qhead + i) % es->qcap);
}

static int q_push(RunCtx *rc, EventStore *es, char *err, size_t errlen)
{
    if (es->qn == es->qcap) {
        uint32_t cap = es->qcap ? es->qcap * 2 : 64;
        Run *nq = calloc(cap, sizeof *nq);
        if (!nq) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        for (uint32_t i = 0; i < es->qn; i++) nq[i] = *q_at(es, i);
        free(es->q);
        es->q = nq;
        es->qcap = cap;
        es->qhead = 0;
        q_rehash(es);
    }
    Run r;
    int k = read_run(rc, es, &r, err, errlen);
    if (k <= 0) return k;
    r.seq = ++es->nextseq;
    uint32_t slot = (es->qhead + es->qn) % es->qcap;
    es->q[slot] = r;
    es->qn++;
    es->qbytes += r.len;
    if (es->qtused * 2 + 2 > es->qtcap) q_rehash(es);
    else q_insert(es, slot);
    return 1;
}

/* Position (from the head) of the first queued run with this key, or -1. */
static int64_t q_find(EventStore *es, const char *key, uint32_t keylen, uint64_t h)
{
    if (!es->qn || !es->qtcap) return -1;
    int64_t best = -1;
    uint32_t i = (uint32_t)h & (es->qtcap - 1);
    for (; es->qtab[i].slot; i = (i + 1) & (es->qtcap - 1)) {
        uint32_t slot = es->qtab[i].slot - 1;
        Run *r = &es->q[slot];
        if (!r->key || r->seq != es->qtab[i].seq) continue;        /* stale */
        if (r->hash == h && r->keylen == keylen && memcmp(r->key, key, keylen) == 0) {
            int64_t pos = ((int64_t)slot - es->qhead + es->qcap) % es->qcap;
            if (pos < es->qn && (best < 0 || pos < best)) best = pos;
        }
    }
    return best;
}

/* Take the head run off the queue (the caller owns it). */
static Run q_pop(EventStore *es)
{
    Run r = es->q[es->qhead];
    memset(&es->q[es->qhead], 0, sizeof r);
    es->qhead = (es->qhead + 1) % es->qcap;
    es->qn--;
    es->qbytes -= r.len;
    return r;
}

/* A run skipped as an orphan: counted, and checked against the records
 * already passed (its key belonging to one means the file is out of order). */
static bool drop_run(RunCtx *rc, EventStore *es, Run *r, char *err, size_t errlen)
{
    if (shared_state.have_passed_next) {
        bloom_add(&shared_state.passed, shared_state.passed_next);
        shared_state.have_passed_next = false;
    }
    if (bloom_has(&shared_state.passed, r->hash)) {
        rc->disorder = (int32_t)es->stream + 1;
        snprintf(err, errlen, "%s:%lld: error: the events of key '%.*s' come after that key's record: the file is not in "
                 "the record file's order (each key's events together, keys in the records' order), and read from a pipe "
                 "it cannot be sorted here; give the events and the records as files (leadvm then sorts them), or sort it",
                 es->path, (long long)r->line, (int)(r->keylen > 60 ? 60 : r->keylen), r->key);
        return false;
    }
    bloom_add(&shared_state.dropped, r->hash);
    shared_state.any_dropped = true;
    shared_state.orphan_events += r->nrows;
    return true;
}

/* Make sure es->pending holds the first row of the next run: 1, 0 at the
 * end of the file, -1 on error. */
static int fill_pending(RunCtx *rc, EventStore *es, char *err, size_t errlen)
{
    if (es->have_pending) return 1;
    EvRow r;
    for (;;) {
        int k = next_row(rc, es, &r, NULL, err, errlen);
        if (k <= 0) return k;
        if (r.keylen == 0) { shared_state.orphan_events++; continue; }   /* joins nothing */
        Run *n = &es->pending;
        n->key = realloc(n->key, r.keylen + 1);
        if (!n->key) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        memcpy(n->key, r.key, r.keylen);
        n->keylen = r.keylen;
        n->line = r.line;
        n->nrows = 1;
        n->len = 0;
        run_append(n, r.raw, r.rawlen);
        es->have_pending = true;
        return 1;
    }
}

/* Append bytes to out, ending with a line end. */
static void append_row(Buf *out, const char *p, size_t n)
{
    ubuf_add(out, p, n);
    if (n && p[n - 1] != '\n' && p[n - 1] != '\r') ubuf_addc(out, '\n');
}

/* The common case: the next run in the file is this record's.  Its rows go
 * straight into the block's buffer. */
static bool stream_direct(RunCtx *rc, EventStore *es, const char *key, uint32_t keylen, Buf *out,
                          int64_t *line, uint32_t *nrows, char *err, size_t errlen)
{
    Run *pd = &es->pending;
    *line = pd->line;
    *nrows = 1;
    ubuf_add(out, pd->data, pd->len);
    es->have_pending = false;
    EvRow r;
    for (;;) {
        int k = next_row(rc, es, &r, NULL, err, errlen);
        if (k < 0) return false;
        if (k == 0) break;
        if (r.keylen == 0) { shared_state.orphan_events++; continue; }
        if (r.keylen == keylen && memcmp(r.key, key, keylen) == 0) {
            append_row(out, r.raw, r.rawlen);
            (*nrows)++;
            continue;
        }
        pd->key = realloc(pd->key, r.keylen + 1);
        if (!pd->key) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        memcpy(pd->key, r.key, r.keylen);
        pd->keylen = r.keylen;
        pd->line = r.line;
        pd->nrows = 1;
        pd->len = 0;
        run_append(pd, r.raw, r.rawlen);
        es->have_pending = true;
        break;
    }
    return true;
}

typedef struct KeyRef { const char *p; uint32_t n; } KeyRef;

/* Is this key among the next records' keys?  If the next run of events
 * belongs to a record that follows, the current record has none, and
 * there is no need to read ahead to find out. */
static bool upcoming(const KeyRef *next, uint32_t nnext, const char *key, uint32_t keylen)
{
    for (uint32_t i = 0; i < nnext; i++)
        if (next[i].n == keylen && memcmp(next[i].p, key, keylen) == 0) return true;
    return false;
}

/* The events of the record with this key, as bytes appended to out; next
 * holds the keys of the records after it (as far as they are known). */
static bool stream_lookup(RunCtx *rc, EventStore *es, const char *key, uint32_t keylen, Buf *out,
                          int64_t *line, uint32_t *nrows, const KeyRef *next, uint32_t nnext,
                          char *err, size_t errlen)
{
    *nrows = 0;
    *line = 0;
    if (keylen == 0) return true;
    /* the same key as the previous record: the same events */
    if (es->last_key && es->last_keylen == keylen && memcmp(es->last_key, key, keylen) == 0) {
        if (es->last_nrows) {
            if (es->last_in_block) {
                ubuf_reserve(out, es->last_len);        /* the source is out itself */
                memcpy(out->p + out->len, out->p + es->last_off, es->last_len);
                out->len += es->last_len;
            } else
                ubuf_add(out, es->last_data, es->last_len);
            *line = es->last_line;
            *nrows = es->last_nrows;
        }
        return true;
    }
    uint64_t h = key_hash(key, keylen);
    if (shared_state.any_dropped && bloom_has(&shared_state.dropped, h)) {
        rc->disorder = (int32_t)es->stream + 1;
        snprintf(err, errlen, "%s: error: the events of key '%.*s' came before the records they follow, so they were "
                 "taken for events without a record: the file is not in the record file's order, and read from a pipe "
                 "it cannot be sorted here; give the events and the records as files (leadvm then sorts them), or sort it",
                 es->path, (int)(keylen > 60 ? 60 : keylen), key);
        return false;
    }
    if (shared_state.have_passed_next) bloom_add(&shared_state.passed, shared_state.passed_next);
#if defined(__GNUC__)
    __builtin_prefetch(bloom_block(&shared_state.passed, h), 1);
#endif
    shared_state.passed_next = h;
    shared_state.have_passed_next = true;
    es->last_key = realloc(es->last_key, keylen + 1);
    if (!es->last_key) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    memcpy(es->last_key, key, keylen);
    es->last_keylen = keylen;
    es->last_nrows = 0;
    es->last_in_block = false;
    size_t off = out->len;
    if (es->qn == 0) {
        int k = fill_pending(rc, es, err, errlen);
        if (k < 0) return false;
        if (k == 0) return true;                   /* the file is done: no events */
        if (es->pending.keylen == keylen && memcmp(es->pending.key, key, keylen) == 0) {
            if (!stream_direct(rc, es, key, keylen, out, line, nrows, err, errlen)) return false;
            goto found;
        }
        if (upcoming(next, nnext, es->pending.key, es->pending.keylen)) return true;
    }
    /* look for the key: first in the queue, then reading ahead */
    int64_t pos = q_find(es, key, keylen, h);
    if (pos < 0 && es->qn && upcoming(next, nnext, q_at(es, 0)->key, q_at(es, 0)->keylen)) return true;
    while (pos < 0 && es->qn < EV_LOOKAHEAD && es->qbytes < EV_LOOKAHEAD_MB) {
        int k = q_push(rc, es, err, errlen);
        if (k < 0) return false;
        if (k == 0) break;
        Run *last = q_at(es, es->qn - 1);
        if (last->hash == h && last->keylen == keylen && memcmp(last->key, key, keylen) == 0) pos = es->qn - 1;
    }
    if (pos < 0) return true;                      /* no events for this record */
    for (int64_t i = 0; i < pos; i++) {            /* the runs before it have no record */
        Run r = q_pop(es);
        bool ok = drop_run(rc, es, &r, err, errlen);
        run_free(&r);
        if (!ok) return false;
    }
    Run r = q_pop(es);
    ubuf_add(out, r.data, r.len);
    *line = r.line;
    *nrows = r.nrows;
    run_free(&r);
found:
    es->last_in_block = true;
    es->last_off = off;
    es->last_len = out->len - off;
    es->last_line = *line;
    es->last_nrows = *nrows;
    return true;
}

/* At the end of a block: keep a copy of the last run, which the next
 * block's first record may share. */
static void stream_block_done(EventStore *es, const Buf *out)
{
    if (!es->last_in_block) return;
    es->last_data = realloc(es->last_data, es->last_len + 1);
    if (!es->last_data) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    memcpy(es->last_data, out->p + es->last_off, es->last_len);
    es->last_in_block = false;
}

/* ---- attaching events to a block of records (stream mode) ---------------------------------------- */

typedef struct RecRange { uint32_t off, len, nrows; int64_t line; } RecRange;
typedef struct BlockStream { Buf data; RecRange *rec; uint32_t nrec, cap; } BlockStream;
typedef struct BlockEvents { BlockStream *s; } BlockEvents;

static bool any_streaming(RunCtx *rc)
{
    for (uint32_t s = 0; s < rc->p->nstreams; s++)
        if (rc->stores[s].present && rc->stores[s].streaming) return true;
    return false;
}

bool run_events_prepare_block(RunCtx *rc, Block *bk, char *err, size_t errlen)
{
    const Prog *p = rc->p;
    if (!rc->stores || !any_streaming(rc)) return true;
    BlockEvents *be = calloc(1, sizeof *be);
    if (!be) { snprintf(err, errlen, "out of memory"); return false; }
    be->s = calloc(p->nstreams, sizeof *be->s);
    if (!be->s) { snprintf(err, errlen, "out of memory"); return false; }
    bk->events = be;
    /* the records' keys, in the order the worker will meet them */
    CsvRowBuf rb = { 0 };
    bool ok = true;
    CsvCursor cur;
    LineCursor lcur;
    JsonRow jr;
    bool jsonl = rc->lines != NULL;
    KeyRef *keys = NULL;
    uint32_t nkeys = 0, capkeys = 0;
    Buf kbuf = { 0 };              /* keys that do not point into the block */
    if (jsonl) { lines_cursor_init(&lcur, &bk->csv); jsonl_row_init(&jr, &rc->js); }
    else csv_cursor_init(&cur, &bk->csv, rc->delim);
    for (;;) {
        const char *kp = "";
        uint32_t kl = 0;
        bool copy = false;
        if (jsonl) {
            const char *s;
            size_t n;
            int64_t line;
            if (!lines_next(&lcur, &s, &n, &line)) break;
            char why[300];
            if (jsonl_parse(&jr, &rc->js, s, n, why, sizeof why)) {
                const VmCell *c = &jr.cells[p->key];
                if (c->p && !c->invalid) { kp = c->p; kl = c->len; copy = true; }
            }
        } else {
            CsvRow row;
            if (csv_row(&cur, &rb, &row) != 1) break;
            if (row.nfields == rc->ncols) {
                const CsvField *f = &row.fields[rc->col_of_field[p->key]];
                kp = f->p;
                kl = f->len;
                copy = kp < bk->csv.data || kp >= bk->csv.data + bk->csv.len;   /* unescaped */
            }
        }
        trim_key(&kp, &kl);
        if (nkeys == capkeys) {
            capkeys = capkeys ? capkeys * 2 : 1024;
            keys = realloc(keys, capkeys * sizeof *keys);
            if (!keys) { fputs("leadvm: out of memory\n", stderr); exit(2); }
        }
        if (copy) {
            /* an offset now; a pointer once kbuf stops growing */
            keys[nkeys].p = (const char *)(uintptr_t)(kbuf.len + 1);
            ubuf_add(&kbuf, kp, kl);
            keys[nkeys].n = kl | 0x80000000u;
        } else {
            keys[nkeys].p = kp;
            keys[nkeys].n = kl;
        }
        nkeys++;
    }
    for (uint32_t i = 0; i < nkeys; i++)
        if (keys[i].n & 0x80000000u) {
            keys[i].n &= 0x7FFFFFFFu;
            keys[i].p = kbuf.p ? kbuf.p + ((uintptr_t)keys[i].p - 1) : "";     /* only empty keys: no buffer */
        }
    for (uint32_t i = 0; i < nkeys && ok; i++) {
        uint32_t nnext = nkeys - i - 1 < 64 ? nkeys - i - 1 : 64;
        for (uint32_t s = 0; s < p->nstreams && ok; s++) {
            EventStore *es = &rc->stores[s];
            BlockStream *bs = &be->s[s];
            if (bs->nrec == bs->cap) {
                bs->cap = bs->cap ? bs->cap * 2 : 1024;
                bs->rec = realloc(bs->rec, bs->cap * sizeof *bs->rec);
                if (!bs->rec) { fputs("leadvm: out of memory\n", stderr); exit(2); }
            }
            RecRange *rr = &bs->rec[bs->nrec++];
            memset(rr, 0, sizeof *rr);
            if (!es->present || !es->streaming) continue;
            rr->off = (uint32_t)bs->data.len;
            ok = stream_lookup(rc, es, keys[i].p, keys[i].n, &bs->data, &rr->line, &rr->nrows,
                               keys + i + 1, nnext, err, errlen);
            rr->len = (uint32_t)(bs->data.len - rr->off);
        }
    }
    free(keys);
    ubuf_free(&kbuf);
    csv_rowbuf_free(&rb);
    if (jsonl) jsonl_row_free(&jr);
    for (uint32_t s = 0; s < p->nstreams; s++)
        if (rc->stores[s].present && rc->stores[s].streaming) stream_block_done(&rc->stores[s], &be->s[s].data);
    return ok;
}

void run_events_release_block(RunCtx *rc, Block *bk)
{
    BlockEvents *be = bk->events;
    if (!be) return;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        ubuf_free(&be->s[s].data);
        free(be->s[s].rec);
    }
    free(be->s);
    free(be);
    bk->events = NULL;
}

/* ---- per record ------------------------------------------------------------------------------------ */

/* A worker's event buffers for one stream (stream mode). */
typedef struct WorkerStream {
    VmEvent *ev; uint32_t cap;
    VmValue *vals; size_t capvals;
    Buf text;                 /* unescaped values, copied */
    CsvRowBuf rb;
    JsonRow jr;
    bool jr_init;
} WorkerStream;

static WorkerStream *worker_streams(RunCtx *rc, Worker *wk)
{
    if (!wk->evstate) {
        wk->evstate = calloc(rc->p->nstreams + 1, sizeof(WorkerStream));
        if (!wk->evstate) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    return wk->evstate;
}

void run_events_worker_free(RunCtx *rc, Worker *wk)
{
    WorkerStream *ws = wk->evstate;
    if (!ws) return;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        free(ws[s].ev);
        free(ws[s].vals);
        ubuf_free(&ws[s].text);
        csv_rowbuf_free(&ws[s].rb);
        if (ws[s].jr_init) jsonl_row_free(&ws[s].jr);
    }
    free(ws);
    wk->evstate = NULL;
}

/* Parse a record's run of event rows into events. */
static bool parse_run(RunCtx *rc, Worker *wk, uint32_t s, const char *data, const RecRange *rr, VmEvents *out,
                      const VmEvent *pre, uint32_t npre)
{
    const Prog *p = rc->p;
    EventStore *es = &rc->stores[s];
    const PStream *st = &p->streams[s];
    WorkerStream *ws = &worker_streams(rc, wk)[s];
    if (ws->cap < rr->nrows + npre) {
        ws->cap = rr->nrows + npre + 16;
        free(ws->ev);
        ws->ev = malloc(ws->cap * sizeof *ws->ev);
        if (!ws->ev) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    /* the events read into memory first (a hybrid file), then the run's */
    if (npre) memcpy(ws->ev, pre, npre * sizeof *ws->ev);
    VmEvent *evbase = ws->ev + npre;
    size_t need = (size_t)rr->nrows * st->nfields;
    if (ws->capvals < need) {
        ws->capvals = need + 64;
        free(ws->vals);
        ws->vals = malloc(ws->capvals * sizeof *ws->vals);
        if (!ws->vals) { fputs("leadvm: out of memory\n", stderr); exit(2); }
    }
    VmCell cells[256];
    VmCell *cp = st->nfields <= 256 ? cells : malloc(st->nfields * sizeof *cp);
    uint32_t n = 0;
    CsvBlock b = { data + rr->off, rr->len, rr->line, 0, NULL };
    /* Unescaped or decoded texts are copied to ws->text.  They are never
     * longer than the run's raw bytes, so reserving that much up front
     * keeps every pointer into it stable while the record is evaluated. */
    ubuf_clear(&ws->text);
    ubuf_reserve(&ws->text, rr->len + 16);
    if (es->jsonl) {
        if (!ws->jr_init) { jsonl_row_init(&ws->jr, &es->js); ws->jr_init = true; }
        LineCursor lc;
        lines_cursor_init(&lc, &b);
        const char *line;
        size_t len;
        int64_t ln;
        char why[300];
        while (n < rr->nrows && lines_next(&lc, &line, &len, &ln)) {
            if (!jsonl_parse(&ws->jr, &es->js, line, len, why, sizeof why)) continue;
            VmEvent *e = &evbase[n];
            e->vals = ws->vals + (size_t)n * st->nfields;
            for (uint32_t f = 0; f < st->nfields; f++) {
                cp[f] = ws->jr.cells[f];
                if (cp[f].p && st->fields[f].type.kind == PT_TEXT) {
                    /* copy: the parsed object goes with the next line */
                    char *t = ws->text.p + ws->text.len;
                    ubuf_add(&ws->text, cp[f].p, cp[f].len);
                    cp[f].p = t;
                }
            }
            vm_parse_event_used(p, s, cp, e, es->used);
            n++;
        }
    } else {
        CsvCursor cur;
        CsvRow row;
        csv_cursor_init(&cur, &b, es->delim);
        const char *fs[64];
        const uint32_t nstf = st->nfields;
        const int32_t *col = es->col;
        while (n < rr->nrows) {
            VmEvent *e = &evbase[n];
            e->vals = ws->vals + (size_t)n * st->nfields;
            uint32_t nf;
            const char *rowend;
            if (cur.p < cur.end && *cur.p != '\n' && *cur.p != '\r' && es->ncols <= 64 &&
                split_simple(cur.p, cur.end, es->delim, fs, 64, &nf, &rowend) && nf == es->ncols) {
                /* fields point into the run: nothing to copy */
                for (uint32_t f = 0; f < nstf; f++) cp[f] = simple_cell(fs, nf, (uint32_t)col[f], cur.p, rowend);
                vm_parse_event_used(p, s, cp, e, es->used);
                n++;
                cur.p = rowend < cur.end ? rowend + 1 : rowend;
                cur.line++;
                continue;
            }
            if (csv_row(&cur, &ws->rb, &row) != 1) break;
            for (uint32_t f = 0; f < st->nfields; f++) {
                const CsvField *cf = &row.fields[es->col[f]];
                cp[f] = (VmCell){ cf->p, cf->len, 0 };
                bool inrun = cf->p >= data + rr->off && cf->p <= data + rr->off + rr->len;
                if (!inrun && st->fields[f].type.kind == PT_TEXT) {
                    char *t = ws->text.p + ws->text.len;
                    ubuf_add(&ws->text, cf->p, cf->len);
                    cp[f].p = t;
                }
            }
            vm_parse_event_used(p, s, cp, e, es->used);
            n++;
        }
    }
    if (cp != cells) free(cp);
    out->ev = ws->ev;
    out->n = npre + n;
    return true;
}

const VmEvents *run_events_for(RunCtx *rc, Worker *wk, uint64_t index, const char *key, uint32_t keylen)
{
    const Prog *p = rc->p;
    if (p->nstreams == 0) return NULL;
    trim_key(&key, &keylen);
    BlockEvents *be = wk->cur ? wk->cur->events : NULL;
    for (uint32_t s = 0; s < p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        wk->evs[s].ev = NULL;
        wk->evs[s].n = 0;
        if (!es->present) continue;
        if (es->streaming) {
            const Group *g = NULL;
            if (es->has_hash && keylen) {
                g = find_group(es, key, keylen);
                if (g) ((Group *)g)->matched = 1;
            }
            const RecRange *rr = be && index < be->s[s].nrec ? &be->s[s].rec[index] : NULL;
            if (rr && rr->nrows)
                parse_run(rc, wk, s, be->s[s].data.p, rr, &wk->evs[s], g ? es->ev + g->start : NULL, g ? g->n : 0);
            else if (g) {
                wk->evs[s].ev = es->ev + g->start;
                wk->evs[s].n = g->n;
            }
            continue;
        }
        if (keylen == 0) continue;
        const Group *g = find_group(es, key, keylen);
        if (!g) continue;
        ((Group *)g)->matched = 1;
        wk->evs[s].ev = es->ev + g->start;
        wk->evs[s].n = g->n;
    }
    return wk->evs;
}

/* ---- opening, the end, closing -------------------------------------------------------------------- */

bool run_events_open(RunCtx *rc, char *err, size_t errlen)
{
    const Prog *p = rc->p;
    const RunOpts *o = rc->o;
    rc->stores = calloc(p->nstreams + 1, sizeof *rc->stores);
    if (!rc->stores) { snprintf(err, errlen, "out of memory"); return false; }
    memset(&shared_state, 0, sizeof shared_state);
    for (uint32_t s = 0; s < p->nstreams; s++) rc->stores[s].stream = s;
    for (uint32_t i = 0; i < o->nevents; i++) {
        int32_t s = -1;
        for (uint32_t k = 0; k < p->nstreams; k++)
            if (strcmp(p->streams[k].name.p, o->events[i].name) == 0) s = (int32_t)k;
        if (s < 0) {
            char list[512] = "";
            size_t n = 0;
            for (uint32_t k = 0; k < p->nstreams && n < 400; k++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", p->streams[k].name.p);
            if (p->nstreams)
                snprintf(err, errlen, "--events %s=...: the program has no stream '%s' (its streams: %s)", o->events[i].name, o->events[i].name, list);
            else
                snprintf(err, errlen, "--events %s=...: the program declares no event streams", o->events[i].name);
            return false;
        }
        if (rc->stores[s].present) {
            snprintf(err, errlen, "--events %s is given twice", o->events[i].name);
            return false;
        }
        rc->stores[s].present = true;
        rc->stores[s].path = o->events[i].path;
        rc->stores[s].presorted = o->events[i].sorted;
        rc->stores[s].dropped = o->events[i].dropped;
    }
    bool need_bloom = false;
    for (uint32_t s = 0; s < p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        if (!es->present) {
            if (o->attempt == 0)
                fprintf(stderr, "%s: warning: no --events file for stream '%s': every record sees no '%s' events\n",
                    o->prog_name, p->streams[s].name.p, p->streams[s].name.p);
            continue;
        }
        if (!open_file(rc, es, err, errlen)) return false;
        if (!es->streaming) {
            bool complete;
            if (!load_hash(rc, es, es->hybrid ? EV_HASH_PART : 0, &complete, err, errlen)) return false;
            if (!complete) {
                /* a big pipe or compressed file: the part read so far stays in
                 * memory (any order), the rest is streamed and must be sorted */
                es->streaming = es->has_hash = true;
                need_bloom = true;
            }
        } else
            need_bloom = true;
    }
    if (need_bloom) {
        shared_state.passed.nbits = BLOOM_BITS;
        shared_state.passed.bits = calloc(BLOOM_BITS / 64, sizeof(uint64_t));
        shared_state.dropped.nbits = 1u << 23;
        shared_state.dropped.bits = calloc((1u << 23) / 64, sizeof(uint64_t));
        if (!shared_state.passed.bits || !shared_state.dropped.bits) { snprintf(err, errlen, "out of memory"); return false; }
    }
    return true;
}

/* After the last record: what is left of a streamed file has no record;
 * check it and count it. */
bool run_events_finish(RunCtx *rc, char *err, size_t errlen)
{
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        if (!es->present || !es->streaming) continue;
        for (;;) {
            while (es->qn) {
                Run r = q_pop(es);
                bool ok = drop_run(rc, es, &r, err, errlen);
                run_free(&r);
                if (!ok) return false;
            }
            int k = q_push(rc, es, err, errlen);
            if (k < 0) return false;
            if (k == 0) break;
        }
    }
    return true;
}

uint64_t run_events_orphans(RunCtx *rc)
{
    uint64_t n = shared_state.orphan_events;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        n += es->dropped;
        if (es->streaming && !es->has_hash) continue;
        for (uint32_t g = 0; g < es->ngroups; g++)
            if (!es->groups[g].matched) n += es->groups[g].n;
    }
    return n;
}

static bool rereadable(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool run_events_resortable(RunCtx *rc, uint32_t s)
{
    const EventStore *es = &rc->stores[s];
    return es->present && es->streaming && !es->presorted && rereadable(es->path) && rereadable(rc->o->input);
}

bool run_events_any_resortable(RunCtx *rc)
{
    for (uint32_t s = 0; rc->stores && s < rc->p->nstreams; s++)
        if (run_events_resortable(rc, s)) return true;
    return false;
}

void run_events_close(RunCtx *rc)
{
    if (!rc->stores) return;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        free(es->ev); free(es->gid); free(es->groups); free(es->htab); free(es->col); free(es->fs); free(es->used);
        arena_free(&es->arena);
        if (es->have_blk) {
            if (es->jsonl) lines_release_block(es->lc, &es->blk);
            else csv_release_block(es->ch, &es->blk);
        }
        if (es->ch) csv_close(es->ch);
        if (es->lc) lines_close(es->lc);
        csv_rowbuf_free(&es->rb);
        if (es->jsonl) jsonl_row_free(&es->jr);
        for (uint32_t i = 0; i < es->qn; i++) run_free(q_at(es, i));
        free(es->q);
        free(es->qtab);
        run_free(&es->pending);
        free(es->last_key);
        free(es->last_data);
    }
    free(rc->stores);
    rc->stores = NULL;
    free(shared_state.passed.bits);
    free(shared_state.dropped.bits);
    memset(&shared_state, 0, sizeof shared_state);
}
