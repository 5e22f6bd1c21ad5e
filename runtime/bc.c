/* bc: writing and reading the bytecode file. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bc.h"

static const uint8_t MAGIC[8] = { 0x89, 'L', 'E', 'A', 'D', 'C', '\r', '\n' };

enum { S_META = 1, S_CONST, S_TYPES, S_SCHEMA, S_SETS, S_REGEX, S_EXTERNS, S_AGGS, S_FUNCS, S_OUTPUTS, S_LINES, S__END };
static const char *sect_name[] = { "", "meta", "constants", "types", "schema", "sets", "patterns",
                                   "externs", "aggregates", "functions", "outputs", "lines" };

/* ---- writing ------------------------------------------------------------------ */

typedef struct W { uint8_t *p; size_t n, cap; } W;

static void w_raw(W *w, const void *p, size_t n)
{
    if (n == 0) return;             /* an empty text may have no pointer */
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n) cap *= 2;
        uint8_t *np = realloc(w->p, cap);
        if (!np) { fputs("out of memory\n", stderr); exit(2); }
        w->p = np;
        w->cap = cap;
    }
    memcpy(w->p + w->n, p, n);
    w->n += n;
}
static void w_u8(W *w, uint8_t x) { w_raw(w, &x, 1); }
static void w_u32(W *w, uint32_t x)
{
    uint8_t b[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24) };
    w_raw(w, b, 4);
}
static void w_u64(W *w, uint64_t x) { w_u32(w, (uint32_t)x); w_u32(w, (uint32_t)(x >> 32)); }
static void w_i32(W *w, int32_t x) { w_u32(w, (uint32_t)x); }
static void w_f64(W *w, double d) { uint64_t u; memcpy(&u, &d, 8); w_u64(w, u); }
static void w_text(W *w, PText t) { w_u32(w, t.len); w_raw(w, t.p, t.len); }
static void w_type(W *w, PType t) { w_u8(w, t.kind); w_u32(w, t.id); }
static void w_field(W *w, const PField *f) { w_text(w, f->name); w_text(w, f->column); w_type(w, f->type); }

static size_t sect_begin(W *w, uint32_t id) { w_u32(w, id); w_u32(w, 0); return w->n; }
static void sect_end(W *w, size_t start)
{
    uint32_t len = (uint32_t)(w->n - start);
    uint8_t *b = w->p + start - 4;
    b[0] = (uint8_t)len; b[1] = (uint8_t)(len >> 8); b[2] = (uint8_t)(len >> 16); b[3] = (uint8_t)(len >> 24);
}

static void put_u32_at(uint8_t *b, uint32_t x)
{
    b[0] = (uint8_t)x; b[1] = (uint8_t)(x >> 8); b[2] = (uint8_t)(x >> 16); b[3] = (uint8_t)(x >> 24);
}

void bc_seal(uint8_t *buf, size_t len)
{
    if (len < BC_HEADER) return;
    put_u32_at(buf + 24, 0);
    uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)len);
    put_u32_at(buf + 24, crc);
}

bool bc_is_bytecode(const uint8_t *buf, size_t len)
{
    return len >= 8 && memcmp(buf, MAGIC, 8) == 0;
}

uint8_t *bc_write(const Prog *p, bool strip, size_t *len)
{
    W w = { 0 };
    size_t s;
    w_raw(&w, MAGIC, 8);
    w_u32(&w, BC_VERSION);
    w_u32(&w, strip ? BC_FLAG_STRIP : 0);
    w_u64(&w, 0);
    w_u32(&w, 0);
    w_u32(&w, S__END - 1);

    s = sect_begin(&w, S_META);
    w_text(&w, p->def_name);
    w_u8(&w, p->has_version); w_f64(&w, p->version);
    w_u32(&w, p->nowners);
    for (uint32_t i = 0; i < p->nowners; i++) w_text(&w, p->owners[i]);
    w_u8(&w, p->has_approved); w_i32(&w, p->approved);
    w_text(&w, p->source);
    sect_end(&w, s);

    s = sect_begin(&w, S_CONST);
    w_u32(&w, p->nnums);
    for (uint32_t i = 0; i < p->nnums; i++) w_f64(&w, p->nums[i]);
    w_u32(&w, p->nints);
    for (uint32_t i = 0; i < p->nints; i++) w_u64(&w, (uint64_t)p->ints[i]);
    w_u32(&w, p->ntexts);
    for (uint32_t i = 0; i < p->ntexts; i++) w_text(&w, p->texts[i]);
    sect_end(&w, s);

    s = sect_begin(&w, S_TYPES);
    w_u32(&w, p->nlevels);
    for (uint32_t i = 0; i < p->nlevels; i++) {
        w_u32(&w, p->levels[i].n);
        for (uint32_t k = 0; k < p->levels[i].n; k++) w_text(&w, p->levels[i].labels[k]);
    }
    w_u32(&w, p->nclasses);
    for (uint32_t i = 0; i < p->nclasses; i++) {
        w_text(&w, p->classes[i].name);
        w_u32(&w, p->classes[i].n);
        for (uint32_t k = 0; k < p->classes[i].n; k++) w_text(&w, p->classes[i].labels[k]);
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_SCHEMA);
    w_text(&w, p->record_name);
    w_i32(&w, p->key);
    w_u32(&w, p->nfields);
    for (uint32_t i = 0; i < p->nfields; i++) w_field(&w, &p->fields[i]);
    w_u32(&w, p->nstreams);
    for (uint32_t k = 0; k < p->nstreams; k++) {
        const PStream *st = &p->streams[k];
        w_text(&w, st->name);
        w_i32(&w, st->key);
        w_i32(&w, st->time);
        w_u32(&w, st->nfields);
        for (uint32_t i = 0; i < st->nfields; i++) w_field(&w, &st->fields[i]);
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_SETS);
    w_u32(&w, p->nsets);
    for (uint32_t i = 0; i < p->nsets; i++) {
        const PSet *st = &p->sets[i];
        w_u8(&w, st->kind);
        w_u32(&w, st->n);
        for (uint32_t k = 0; k < st->n; k++) {
            if (st->kind == PS_TEXT) w_text(&w, st->texts[k]);
            else if (st->kind == PS_NUMBER) w_f64(&w, st->nums[k]);
            else w_u64(&w, (uint64_t)st->ints[k]);
        }
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_REGEX);
    w_u32(&w, p->nregexes);
    for (uint32_t i = 0; i < p->nregexes; i++) w_text(&w, p->regexes[i]);
    sect_end(&w, s);

    s = sect_begin(&w, S_EXTERNS);
    w_u32(&w, p->nexterns);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const PExtern *x = &p->externs[i];
        w_text(&w, x->name); w_text(&w, x->lib); w_text(&w, x->sym);
        w_u8(&w, x->nparams);
        for (uint32_t k = 0; k < x->nparams; k++) w_u8(&w, x->ptypes[k]);
        w_u8(&w, x->rtype);
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_AGGS);
    w_u32(&w, p->naggs);
    for (uint32_t i = 0; i < p->naggs; i++) {
        const PAgg *a = &p->aggs[i];
        w_u8(&w, a->kind); w_u8(&w, a->win);
        w_i32(&w, a->stream); w_i32(&w, a->field); w_i32(&w, a->where);
        w_u64(&w, (uint64_t)a->win_us); w_u64(&w, (uint64_t)a->half_us);
        w_f64(&w, a->n);
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_FUNCS);
    w_u32(&w, p->nfuncs);
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const PFunc *f = &p->funcs[i];
        w_text(&w, f->name);
        w_u8(&w, f->kind);
        w_u32(&w, f->nparams);
        w_u32(&w, f->nregs);
        for (uint32_t r = 0; r < f->nregs; r++) w_type(&w, f->rtypes[r]);
        w_type(&w, f->result);
        w_i32(&w, f->stream);
        w_i32(&w, f->memo);
        w_u32(&w, strip ? 0 : f->line);
        w_u32(&w, f->ncode);
        for (uint32_t k = 0; k < f->ncode; k++) w_u32(&w, f->code[k]);
    }
    sect_end(&w, s);

    s = sect_begin(&w, S_OUTPUTS);
    w_i32(&w, p->lead_fn);
    w_i32(&w, p->score_fn);
    for (uint32_t i = 0; i < p->nclasses; i++) w_i32(&w, p->class_fns[i]);
    w_u32(&w, p->nmemo);
    w_u32(&w, p->nslines);
    for (uint32_t i = 0; i < p->nslines; i++) {
        w_u8(&w, p->slines[i].kind); w_u32(&w, strip ? 0 : p->slines[i].line); w_f64(&w, p->slines[i].n);
    }
    w_u32(&w, p->nclines);
    for (uint32_t i = 0; i < p->nclines; i++) {
        w_u32(&w, p->clines[i].cls); w_u32(&w, strip ? 0 : p->clines[i].line); w_u32(&w, p->clines[i].label);
    }
    w_u32(&w, p->nexplain);
    for (uint32_t i = 0; i < p->nexplain; i++) { w_text(&w, p->explain[i].text); w_i32(&w, p->explain[i].fn); }
    sect_end(&w, s);

    s = sect_begin(&w, S_LINES);
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const PFunc *f = &p->funcs[i];
        uint32_t n = strip ? 0 : f->nlines;
        w_u32(&w, n);
        for (uint32_t k = 0; k < 2 * n; k++) w_u32(&w, f->lines[k]);
    }
    sect_end(&w, s);

    uint64_t size = w.n;
    for (int k = 0; k < 8; k++) w.p[16 + k] = (uint8_t)(size >> (8 * k));
    bc_seal(w.p, w.n);
    *len = w.n;
    return w.p;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct R {
    const uint8_t *p, *end;
    Prog *prog;
    char *err; size_t errlen;
    const char *sect;
    bool bad;
} R;

static bool r_fail(R *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool r_fail(R *r, const char *fmt, ...)
{
    if (r->bad) return false;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s section: %s", r->sect, msg);
    r->bad = true;
    return false;
}

static bool need(R *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) return r_fail(r, "truncated (needs %zu more bytes than it has)", n - (size_t)(r->end - r->p));
    return true;
}
static uint8_t r_u8(R *r) { if (!need(r, 1)) return 0; return *r->p++; }
static uint32_t r_u32(R *r)
{
    if (!need(r, 4)) return 0;
    uint32_t x = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return x;
}
static uint64_t r_u64(R *r) { uint64_t lo = r_u32(r); return lo | (uint64_t)r_u32(r) << 32; }
static int32_t r_i32(R *r) { return (int32_t)r_u32(r); }
/* A byte that says whether something is there: 0 or 1, so that what reads
 * is what writes back. */
static bool r_flag(R *r, const char *what)
{
    uint8_t b = r_u8(r);
    if (b > 1) r_fail(r, "the %s byte is %u (must be 0 or 1)", what, b);
    return b == 1;
}
static double r_f64(R *r) { uint64_t u = r_u64(r); double d; memcpy(&d, &u, 8); return d; }
static PText r_text(R *r)
{
    PText t = { "", 0, NULL, 0 };
    uint32_t n = r_u32(r);
    if (!need(r, n)) return t;
    t.p = arena_strndup(&r->prog->arena, (const char *)r->p, n);
    t.len = n;
    r->p += n;
    return t;
}
static PType r_type(R *r)
{
    PType t;
    t.kind = r_u8(r);
    uint32_t id = r_u32(r);
    t.id = (uint16_t)id;
    if (id > 0xFFFF) r_fail(r, "type id %u out of range", id);
    return t;
}

/* A count of elements that each take at least `min` bytes. */
static uint32_t r_count(R *r, size_t min, const char *what)
{
    uint32_t n = r_u32(r);
    if (r->bad) return 0;
    if (min && (size_t)n > (size_t)(r->end - r->p) / min) {
        r_fail(r, "%u %s cannot fit in the %zu bytes left", n, what, (size_t)(r->end - r->p));
        return 0;
    }
    return n;
}
static void *r_alloc(R *r, size_t n, size_t size) { return arena_alloc(&r->prog->arena, (n + 1) * size); }
static PField r_field(R *r) { PField f; f.name = r_text(r); f.column = r_text(r); f.type = r_type(r); return f; }

Prog *bc_read(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "empty file (not lead bytecode)");
        return NULL;
    }
    if (len < 8 && memcmp(buf, MAGIC, len) == 0) {
        snprintf(err, errlen, "truncated bytecode file (%zu bytes, the header alone is %d)", len, BC_HEADER);
        return NULL;
    }
    if (len < 8 || memcmp(buf, MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a lead bytecode file (bad magic number)");
        return NULL;
    }
    if (len < BC_HEADER) { snprintf(err, errlen, "truncated bytecode file (%zu bytes, the header alone is %d)", len, BC_HEADER); return NULL; }
    uint32_t version = (uint32_t)buf[8] | (uint32_t)buf[9] << 8 | (uint32_t)buf[10] << 16 | (uint32_t)buf[11] << 24;
    if (version != BC_VERSION) {
        snprintf(err, errlen, "bytecode format version %u, but this leadvm reads version %d (recompile it with this leadc)", version, BC_VERSION);
        return NULL;
    }
    uint64_t size = 0;
    for (int k = 0; k < 8; k++) size |= (uint64_t)buf[16 + k] << (8 * k);
    if (size != len) {
        snprintf(err, errlen, "%s bytecode file: the header says %llu bytes, the file has %zu",
                 size > len ? "truncated" : "damaged", (unsigned long long)size, len);
        return NULL;
    }
    uint32_t crc = (uint32_t)buf[24] | (uint32_t)buf[25] << 8 | (uint32_t)buf[26] << 16 | (uint32_t)buf[27] << 24;
    uint32_t c = (uint32_t)crc32(0L, buf, 24);
    static const uint8_t zero[4] = { 0 };
    c = (uint32_t)crc32(c, zero, 4);
    c = (uint32_t)crc32(c, buf + 28, (uInt)(len - 28));
    if (c != crc) {
        snprintf(err, errlen, "checksum mismatch: the bytecode file is damaged");
        return NULL;
    }
    uint32_t flags = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 | (uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;
    if (flags & ~(uint32_t)BC_FLAG_STRIP) {
        snprintf(err, errlen, "damaged bytecode file: unknown flags 0x%x in the header", flags);
        return NULL;
    }
    Prog *p = calloc(1, sizeof *p);
    if (!p) { snprintf(err, errlen, "out of memory"); return NULL; }
    R rr = { buf + 28, buf + len, p, err, errlen, "header", false }, *r = &rr;
    uint32_t nsect = r_u32(r);
    if (nsect != S__END - 1) { r_fail(r, "%u sections, expected %d", nsect, S__END - 1); goto bad; }

    for (uint32_t id = 1; id < S__END && !r->bad; id++) {
        r->sect = "header";
        uint32_t sid = r_u32(r), slen = r_u32(r);
        if (r->bad) break;
        if (sid != id) { r_fail(r, "section %u found where the %s section belongs", sid, sect_name[id]); break; }
        r->sect = sect_name[id];
        if (!need(r, slen)) break;
        const uint8_t *send = r->p + slen, *save_end = r->end;
        r->end = send;
        switch (id) {
        case S_META:
            p->def_name = r_text(r);
            p->has_version = r_flag(r, "has-version"); p->version = r_f64(r);
            p->nowners = r_count(r, 4, "owners");
            p->owners = r_alloc(r, p->nowners, sizeof *p->owners);
            for (uint32_t i = 0; i < p->nowners; i++) p->owners[i] = r_text(r);
            p->has_approved = r_flag(r, "has-approved"); p->approved = r_i32(r);
            p->source = r_text(r);
            break;
        case S_CONST:
            p->nnums = r_count(r, 8, "numbers");
            p->nums = r_alloc(r, p->nnums, sizeof *p->nums);
            for (uint32_t i = 0; i < p->nnums; i++) p->nums[i] = r_f64(r);
            p->nints = r_count(r, 8, "integers");
            p->ints = r_alloc(r, p->nints, sizeof *p->ints);
            for (uint32_t i = 0; i < p->nints; i++) p->ints[i] = (int64_t)r_u64(r);
            p->ntexts = r_count(r, 4, "texts");
            p->texts = r_alloc(r, p->ntexts, sizeof *p->texts);
            for (uint32_t i = 0; i < p->ntexts; i++) p->texts[i] = r_text(r);
            break;
        case S_TYPES:
            p->nlevels = r_count(r, 4, "level types");
            p->levels = r_alloc(r, p->nlevels, sizeof *p->levels);
            for (uint32_t i = 0; i < p->nlevels && !r->bad; i++) {
                p->levels[i].n = r_count(r, 4, "labels");
                p->levels[i].labels = r_alloc(r, p->levels[i].n, sizeof *p->levels[i].labels);
                for (uint32_t k = 0; k < p->levels[i].n; k++) p->levels[i].labels[k] = r_text(r);
            }
            p->nclasses = r_count(r, 8, "classifications");
            p->classes = r_alloc(r, p->nclasses, sizeof *p->classes);
            for (uint32_t i = 0; i < p->nclasses && !r->bad; i++) {
                p->classes[i].name = r_text(r);
                p->classes[i].n = r_count(r, 4, "labels");
                p->classes[i].labels = r_alloc(r, p->classes[i].n, sizeof *p->classes[i].labels);
                for (uint32_t k = 0; k < p->classes[i].n; k++) p->classes[i].labels[k] = r_text(r);
            }
            break;
        case S_SCHEMA:
            p->record_name = r_text(r);
            p->key = r_i32(r);
            p->nfields = r_count(r, 13, "fields");
            p->fields = r_alloc(r, p->nfields, sizeof *p->fields);
            for (uint32_t i = 0; i < p->nfields; i++) p->fields[i] = r_field(r);
            p->nstreams = r_count(r, 16, "streams");
            p->streams = r_alloc(r, p->nstreams, sizeof *p->streams);
            for (uint32_t k = 0; k < p->nstreams && !r->bad; k++) {
                PStream *st = &p->streams[k];
                st->name = r_text(r);
                st->key = r_i32(r);
                st->time = r_i32(r);
                st->nfields = r_count(r, 13, "fields");
                st->fields = r_alloc(r, st->nfields, sizeof *st->fields);
                for (uint32_t i = 0; i < st->nfields; i++) st->fields[i] = r_field(r);
            }
            break;
        case S_SETS:
            p->nsets = r_count(r, 5, "sets");
            p->sets = r_alloc(r, p->nsets, sizeof *p->sets);
            for (uint32_t i = 0; i < p->nsets && !r->bad; i++) {
                PSet *st = &p->sets[i];
                st->kind = r_u8(r);
                if (st->kind > PS_INT) { r_fail(r, "set %u has an invalid kind %u", i, st->kind); break; }
                st->n = r_count(r, st->kind == PS_TEXT ? 4 : 8, "set members");
                if (st->kind == PS_TEXT) {
                    st->texts = r_alloc(r, st->n, sizeof *st->texts);
                    for (uint32_t k = 0; k < st->n; k++) st->texts[k] = r_text(r);
                } else if (st->kind == PS_NUMBER) {
                    st->nums = r_alloc(r, st->n, sizeof *st->nums);
                    for (uint32_t k = 0; k < st->n; k++) st->nums[k] = r_f64(r);
                } else {
                    st->ints = r_alloc(r, st->n, sizeof *st->ints);
                    for (uint32_t k = 0; k < st->n; k++) st->ints[k] = (int64_t)r_u64(r);
                }
            }
            break;
        case S_REGEX:
            p->nregexes = r_count(r, 4, "patterns");
            p->regexes = r_alloc(r, p->nregexes, sizeof *p->regexes);
            for (uint32_t i = 0; i < p->nregexes; i++) p->regexes[i] = r_text(r);
            break;
        case S_EXTERNS:
            p->nexterns = r_count(r, 14, "externs");
            p->externs = r_alloc(r, p->nexterns, sizeof *p->externs);
            for (uint32_t i = 0; i < p->nexterns && !r->bad; i++) {
                PExtern *x = &p->externs[i];
                x->name = r_text(r); x->lib = r_text(r); x->sym = r_text(r);
                x->nparams = r_u8(r);
                if (x->nparams > 16) { r_fail(r, "extern %u has %u parameters (at most 16)", i, x->nparams); break; }
                for (uint32_t k = 0; k < x->nparams; k++) x->ptypes[k] = r_u8(r);
                x->rtype = r_u8(r);
            }
            break;
        case S_AGGS:
            p->naggs = r_count(r, 38, "aggregates");
            p->aggs = r_alloc(r, p->naggs, sizeof *p->aggs);
            for (uint32_t i = 0; i < p->naggs; i++) {
                PAgg *a = &p->aggs[i];
                a->kind = r_u8(r); a->win = r_u8(r);
                a->stream = r_i32(r); a->field = r_i32(r); a->where = r_i32(r);
                a->win_us = (int64_t)r_u64(r); a->half_us = (int64_t)r_u64(r);
                a->n = r_f64(r);
            }
            break;
        case S_FUNCS:
            p->nfuncs = r_count(r, 30, "functions");
            p->funcs = r_alloc(r, p->nfuncs, sizeof *p->funcs);
            for (uint32_t i = 0; i < p->nfuncs && !r->bad; i++) {
                PFunc *f = &p->funcs[i];
                f->name = r_text(r);
                f->kind = r_u8(r);
                f->nparams = r_u32(r);
                f->nregs = r_count(r, 5, "registers");
                f->rtypes = r_alloc(r, f->nregs, sizeof *f->rtypes);
                for (uint32_t k = 0; k < f->nregs; k++) f->rtypes[k] = r_type(r);
                f->result = r_type(r);
                f->stream = r_i32(r);
                f->memo = r_i32(r);
                f->line = r_u32(r);
                f->ncode = r_count(r, 4, "code words");
                f->code = r_alloc(r, f->ncode, sizeof *f->code);
                for (uint32_t k = 0; k < f->ncode; k++) f->code[k] = r_u32(r);
            }
            break;
        case S_OUTPUTS:
            p->lead_fn = r_i32(r);
            p->score_fn = r_i32(r);
            p->class_fns = r_alloc(r, p->nclasses, sizeof *p->class_fns);
            for (uint32_t i = 0; i < p->nclasses; i++) p->class_fns[i] = r_i32(r);
            p->nmemo = r_u32(r);
            if (p->nmemo > p->nfuncs) { r_fail(r, "%u memo slots for %u functions", p->nmemo, p->nfuncs); break; }
            p->nslines = r_count(r, 13, "score lines");
            p->slines = r_alloc(r, p->nslines, sizeof *p->slines);
            for (uint32_t i = 0; i < p->nslines; i++) {
                p->slines[i].kind = r_u8(r); p->slines[i].line = r_u32(r); p->slines[i].n = r_f64(r);
            }
            p->nclines = r_count(r, 12, "classify lines");
            p->clines = r_alloc(r, p->nclines, sizeof *p->clines);
            for (uint32_t i = 0; i < p->nclines; i++) {
                p->clines[i].cls = r_u32(r); p->clines[i].line = r_u32(r); p->clines[i].label = r_u32(r);
            }
            p->nexplain = r_count(r, 8, "explain entries");
            p->explain = r_alloc(r, p->nexplain, sizeof *p->explain);
            for (uint32_t i = 0; i < p->nexplain; i++) { p->explain[i].text = r_text(r); p->explain[i].fn = r_i32(r); }
            break;
        case S_LINES:
            for (uint32_t i = 0; i < p->nfuncs && !r->bad; i++) {
                PFunc *f = &p->funcs[i];
                f->nlines = r_count(r, 8, "line entries");
                f->lines = r_alloc(r, 2 * (size_t)f->nlines, sizeof *f->lines);
                for (uint32_t k = 0; k < 2 * f->nlines; k++) f->lines[k] = r_u32(r);
            }
            break;
        }
        if (!r->bad && r->p != send) r_fail(r, "%zu bytes left over at its end", (size_t)(send - r->p));
        r->end = save_end;
    }
    if (!r->bad && r->p != r->end) { r->sect = "file"; r_fail(r, "%zu bytes after the last section", (size_t)(r->end - r->p)); }
    if (r->bad) goto bad;
    return p;
bad:
    prog_free(p);
    return NULL;
}

Prog *bc_load(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    Prog *p = bc_read(buf, len, err, errlen);
    if (!p) return NULL;
    char verr[300];
    if (!prog_verify(p, verr, sizeof verr)) {
        snprintf(err, errlen, "invalid bytecode: %s", verr);
        prog_free(p);
        return NULL;
    }
    if (!prog_prepare(p)) { snprintf(err, errlen, "out of memory"); prog_free(p); return NULL; }
    return p;
}

Prog *bc_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s", strerror(errno)); return NULL; }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) { snprintf(err, errlen, "out of memory"); if (f != stdin) fclose(f); return NULL; }
        if (n == cap) {
            if (cap >= (1u << 30)) { free(buf); snprintf(err, errlen, "bytecode file too large"); if (f != stdin) fclose(f); return NULL; }
            cap *= 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) { free(buf); buf = NULL; continue; }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s", strerror(errno));
        free(buf);
        if (f != stdin) fclose(f);
        return NULL;
    }
    if (f != stdin) fclose(f);
    Prog *p = bc_load(buf, n, err, errlen);
    free(buf);
    return p;
}
