/* run_events: joining event streams to records (LANGUAGE.md appendix A
 * "Events"; TOOLS.md --events).
 *
 * Each stream's file is read once before the records: every event is
 * parsed into its typed values, grouped by its match key (the cell
 * trimmed, case kept; an empty key joins nothing), and the groups are laid
 * out contiguously, so a record's events are one slice found by one hash
 * probe.  This works whatever the order of the events file; its memory is
 * the parsed events (documented in docs/limits.md). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run_internal.h"

typedef struct Group {
    const char *key; uint32_t keylen;
    uint32_t start, n;
    uint8_t matched;
} Group;

struct EventStore {
    uint32_t stream;
    bool present;             /* an --events file was given */
    Arena arena;
    VmEvent *ev; uint32_t nev, capev;
    uint32_t *gid;            /* group of each event while loading */
    Group *groups; uint32_t ngroups, capgroups;
    uint32_t *htab; uint32_t hcap;     /* group index + 1 */
    uint64_t orphan_events;
};

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

static bool load_stream(RunCtx *rc, EventStore *es, const char *path, char *err, size_t errlen)
{
    const Prog *p = rc->p;
    const PStream *st = &p->streams[es->stream];
    char msg[1024];
    InSrc *src = in_open(path, msg, sizeof msg);
    if (!src) { snprintf(err, errlen, "%s: %s", path, msg); return false; }
    CsvRow header;
    CsvChunker *ch = csv_open(src, rc->o->delim, 0, &header, msg, sizeof msg);
    if (!ch) { snprintf(err, errlen, "%s: %s", path, msg); return false; }
    int delim = csv_delimiter(ch);
    uint32_t ncols = header.nfields;
    int32_t *col = calloc(st->nfields + 1, sizeof *col);
    VmCell *cells = calloc(st->nfields + 1, sizeof *cells);
    if (!col || !cells) { snprintf(err, errlen, "out of memory"); return false; }
    char what[300];
    snprintf(what, sizeof what, "'%s' event", st->name.p);
    if (!run_bind(&header, st->fields, st->nfields, col, path, what, err, errlen)) {
        csv_close(ch); free(col); free(cells);
        return false;
    }
    CsvBlock b;
    CsvRowBuf rb = { 0 };
    CsvRow row;
    int64_t el = 0;
    int r;
    bool ok = true;
    while (ok && (r = csv_next_block(ch, &b, &el, msg, sizeof msg)) == 1) {
        CsvCursor cur;
        csv_cursor_init(&cur, &b, delim);
        while (csv_row(&cur, &rb, &row) == 1) {
            if (row.nfields != ncols) {
                snprintf(err, errlen, "%s:%lld: error: the row has %u field%s, the header has %u", path,
                         (long long)row.line, row.nfields, row.nfields == 1 ? "" : "s", ncols);
                ok = false;
                break;
            }
            const CsvField *kf = &row.fields[col[st->key]];
            const char *kp = kf->p;
            uint32_t kl = kf->len;
            trim_key(&kp, &kl);
            if (kl == 0) continue;                 /* an empty key joins nothing */
            for (uint32_t f = 0; f < st->nfields; f++) {
                const CsvField *cf = &row.fields[col[f]];
                cells[f].p = cf->p;
                cells[f].len = cf->len;
                cells[f].invalid = 0;
                if (st->fields[f].type.kind == PT_TEXT)
                    cells[f].p = arena_strndup(&es->arena, cf->p, cf->len);
            }
            if (es->nev == es->capev) {
                es->capev = es->capev ? es->capev * 2 : 4096;
                es->ev = realloc(es->ev, es->capev * sizeof *es->ev);
                es->gid = realloc(es->gid, es->capev * sizeof *es->gid);
                if (!es->ev || !es->gid) { fputs("leadvm: out of memory\n", stderr); exit(2); }
            }
            VmEvent *e = &es->ev[es->nev];
            e->vals = arena_alloc(&es->arena, st->nfields * sizeof *e->vals);
            vm_parse_event(p, es->stream, cells, e);
            es->gid[es->nev] = group_of(es, kp, kl);
            es->groups[es->gid[es->nev]].n++;
            es->nev++;
        }
        csv_release_block(ch, &b);
    }
    if (ok && r < 0) {
        if (el > 0) snprintf(err, errlen, "%s:%lld: error: %s", path, (long long)el, msg);
        else snprintf(err, errlen, "%s: %s", path, msg);
        ok = false;
    }
    csv_rowbuf_free(&rb);
    csv_close(ch);
    free(col);
    free(cells);
    if (!ok) return false;
    /* lay each group's events out together, in file order */
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
    return true;
}

bool run_events_open(RunCtx *rc, char *err, size_t errlen)
{
    const Prog *p = rc->p;
    const RunOpts *o = rc->o;
    rc->stores = calloc(p->nstreams + 1, sizeof *rc->stores);
    if (!rc->stores) { snprintf(err, errlen, "out of memory"); return false; }
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
        if (!load_stream(rc, &rc->stores[s], o->events[i].path, err, errlen)) return false;
    }
    for (uint32_t s = 0; s < p->nstreams; s++)
        if (!rc->stores[s].present)
            fprintf(stderr, "%s: warning: no --events file for stream '%s': every record sees no '%s' events\n",
                    o->prog_name, p->streams[s].name.p, p->streams[s].name.p);
    return true;
}

bool run_events_prepare_block(RunCtx *rc, Block *bk, char *err, size_t errlen)
{
    (void)rc; (void)bk; (void)err; (void)errlen;
    return true;
}

void run_events_release_block(RunCtx *rc, Block *bk)
{
    (void)rc; (void)bk;
}

const VmEvents *run_events_for(RunCtx *rc, Worker *wk, const char *key, uint32_t keylen)
{
    const Prog *p = rc->p;
    if (p->nstreams == 0) return NULL;
    trim_key(&key, &keylen);
    for (uint32_t s = 0; s < p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        wk->evs[s].ev = NULL;
        wk->evs[s].n = 0;
        if (keylen == 0 || !es->present) continue;
        const Group *g = find_group(es, key, keylen);
        if (!g) continue;
        ((Group *)g)->matched = 1;
        wk->evs[s].ev = es->ev + g->start;
        wk->evs[s].n = g->n;
    }
    return wk->evs;
}

uint64_t run_events_orphans(RunCtx *rc)
{
    uint64_t n = 0;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        for (uint32_t g = 0; g < es->ngroups; g++)
            if (!es->groups[g].matched) n += es->groups[g].n;
    }
    return n;
}

void run_events_close(RunCtx *rc)
{
    if (!rc->stores) return;
    for (uint32_t s = 0; s < rc->p->nstreams; s++) {
        EventStore *es = &rc->stores[s];
        free(es->ev); free(es->gid); free(es->groups); free(es->htab);
        arena_free(&es->arena);
    }
    free(rc->stores);
    rc->stores = NULL;
}
