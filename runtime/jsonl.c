/* jsonl: JSON lines: a line chunker and Jansson-parsed objects as cells. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "utext.h"
#include "value.h"

/* ---- blocks of whole lines ----------------------------------------------------- */

typedef struct LBuf { char *p; size_t cap; struct LBuf *next; } LBuf;

struct LineChunker {
    InSrc *src;
    size_t block;
    char *carry; size_t ncarry, capcarry;   /* a partial last line */
    int64_t line;                          /* line number of the carry's start */
    bool eof, bom_checked;
    bool failed;
    char errmsg[256];
};

LineChunker *lines_open(InSrc *src, size_t block_size, char *err, size_t errlen)
{
    LineChunker *c = calloc(1, sizeof *c);
    if (!c) { in_close(src); snprintf(err, errlen, "out of memory"); return NULL; }
    c->src = src;
    c->block = block_size ? block_size : (1u << 20);
    c->line = 1;
    return c;
}

int64_t lines_consumed(const LineChunker *c) { return in_consumed(c->src); }
int64_t lines_total(const LineChunker *c) { return in_total(c->src); }

void lines_close(LineChunker *c)
{
    if (!c) return;
    in_close(c->src);
    free(c->carry);
    free(c);
}

int lines_next_block(LineChunker *c, CsvBlock *b, int64_t *errline, char *err, size_t errlen)
{
    *errline = 0;
    if (c->failed) { snprintf(err, errlen, "%s", c->errmsg); return -1; }
    for (;;) {
        /* the carry holds whole lines up to its last newline: hand them out */
        char *nl = c->ncarry ? memrchr(c->carry, '\n', c->ncarry) : NULL;
        if ((nl && (c->ncarry >= c->block || c->eof)) || (c->eof && c->ncarry)) {
            size_t take = nl ? (size_t)(nl - c->carry) + 1 : c->ncarry;
            char *data = malloc(take + 1);
            if (!data) { snprintf(err, errlen, "out of memory"); return -1; }
            memcpy(data, c->carry, take);
            data[take] = 0;
            b->data = data;
            b->len = take;
            b->line = c->line;
            b->owner = data;
            for (size_t i = 0; i < take; i++) c->line += data[i] == '\n';
            memmove(c->carry, c->carry + take, c->ncarry - take);
            c->ncarry -= take;
            return 1;
        }
        if (c->eof) return 0;
        if (c->ncarry > JSONL_MAX_LINE) {
            *errline = c->line;
            snprintf(c->errmsg, sizeof c->errmsg, "a line longer than %u bytes", JSONL_MAX_LINE);
            snprintf(err, errlen, "%s", c->errmsg);
            c->failed = true;
            return -1;
        }
        if (c->capcarry - c->ncarry < c->block) {
            size_t cap = c->capcarry ? c->capcarry * 2 : c->block * 2;
            while (cap - c->ncarry < c->block) cap *= 2;
            char *np = realloc(c->carry, cap);
            if (!np) { snprintf(err, errlen, "out of memory"); return -1; }
            c->carry = np;
            c->capcarry = cap;
        }
        ssize_t k = in_read(c->src, c->carry + c->ncarry, c->block, c->errmsg, sizeof c->errmsg);
        if (k < 0) { c->failed = true; snprintf(err, errlen, "%s", c->errmsg); return -1; }
        if (k == 0) { c->eof = true; continue; }
        size_t off = c->ncarry;
        c->ncarry += (size_t)k;
        if (!c->bom_checked && c->ncarry >= 3) {
            c->bom_checked = true;
            if (off == 0 && memcmp(c->carry, "\xEF\xBB\xBF", 3) == 0) {
                memmove(c->carry, c->carry + 3, c->ncarry - 3);
                c->ncarry -= 3;
            }
        }
    }
}

void lines_release_block(LineChunker *c, CsvBlock *b)
{
    (void)c;
    free(b->owner);
    b->owner = NULL;
}

void lines_cursor_init(LineCursor *cur, const CsvBlock *b)
{
    cur->p = b->data;
    cur->end = b->data + b->len;
    cur->line = b->line;
}

bool lines_next(LineCursor *cur, const char **s, size_t *n, int64_t *line)
{
    while (cur->p < cur->end) {
        const char *e = memchr(cur->p, '\n', (size_t)(cur->end - cur->p));
        const char *stop = e ? e : cur->end;
        const char *start = cur->p;
        int64_t ln = cur->line;
        cur->p = e ? e + 1 : cur->end;
        cur->line++;
        size_t len = (size_t)(stop - start);
        if (len && start[len - 1] == '\r') len--;
        bool blank = true;
        for (size_t i = 0; i < len && blank; i++)
            if (start[i] != ' ' && start[i] != '\t') blank = false;
        if (blank) continue;
        *s = start; *n = len; *line = ln;
        return true;
    }
    return false;
}

/* ---- objects as cells ------------------------------------------------------------- */

void jsonl_row_init(JsonRow *r, const JsonSchema *s)
{
    memset(r, 0, sizeof *r);
    r->ncells = s->nfields + s->nextra;
    r->cells = calloc(r->ncells + 1, sizeof *r->cells);
    r->seen = calloc(r->ncells + 1, 1);
    if (!r->cells || !r->seen) { fputs("out of memory\n", stderr); exit(2); }
}

void jsonl_row_free(JsonRow *r)
{
    if (r->obj) json_decref(r->obj);
    ubuf_free(&r->text);
    ubuf_free(&r->numtext);
    free(r->cells);
    free(r->seen);
    memset(r, 0, sizeof *r);
}

/* Which cells does an object key go to?  A field by its column, and a
 * --keep name; -1 for none. */
static int32_t cell_of_field(const JsonSchema *s, const char *key, size_t klen)
{
    for (uint32_t f = 0; f < s->nfields; f++)
        if (ut_key_eq(key, klen, s->fields[f].column.key, s->fields[f].column.keylen)) return (int32_t)f;
    return -1;
}

static int32_t cell_of_keep(const JsonSchema *s, const char *key, size_t klen)
{
    for (uint32_t k = 0; k < s->nextra; k++) {
        Buf b = {0};
        ut_key(s->extra[k], strlen(s->extra[k]), &b);
        bool eq = ut_key_eq(key, klen, b.p ? b.p : "", (uint32_t)b.len);
        ubuf_free(&b);
        if (eq) return (int32_t)(s->nfields + k);
    }
    return -1;
}

/* Numbers stay as they are written: every valid JSON number outside a
 * string is quoted before Jansson sees it, so 12345678901234567890 keeps
 * all its digits and 1e400 reaches the number rule (invalid) instead of
 * failing the line.  Returns false when the line has no number. */
static bool quote_numbers(const char *s, size_t n, Buf *out)
{
    bool any = false, in_str = false;
    size_t i = 0, from = 0;
    while (i < n) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') { i += 2; continue; }
            if (c == '"') in_str = false;
            i++;
            continue;
        }
        if (c == '"') { in_str = true; i++; continue; }
        if (c != '-' && (c < '0' || c > '9')) { i++; continue; }
        size_t j = i;
        if (s[j] == '-') j++;
        if (j < n && s[j] == '0') j++;
        else while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        bool ok = j > i + (s[i] == '-');
        if (ok && j < n && s[j] == '.') {
            size_t k = j + 1;
            while (k < n && s[k] >= '0' && s[k] <= '9') k++;
            ok = k > j + 1;
            j = k;
        }
        if (ok && j < n && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < n && (s[k] == '+' || s[k] == '-')) k++;
            size_t d = k;
            while (k < n && s[k] >= '0' && s[k] <= '9') k++;
            ok = k > d;
            j = k;
        }
        if (!ok) { i = j > i ? j : i + 1; continue; }      /* not a number: Jansson will say so */
        if (!any) { ubuf_clear(out); any = true; }
        ubuf_add(out, s + from, i - from);
        ubuf_addc(out, '"');
        ubuf_add(out, s + i, j - i);
        ubuf_addc(out, '"');
        from = i = j;
    }
    if (any) ubuf_add(out, s + from, n - from);
    return any;
}

bool jsonl_parse(JsonRow *r, const JsonSchema *s, const char *line, size_t n, char *why, size_t whylen)
{
    if (r->obj) { json_decref(r->obj); r->obj = NULL; }
    json_error_t je;
    const char *orig = line;
    size_t orign = n;
    bool quoted = quote_numbers(line, n, &r->numtext);
    if (quoted) { line = r->numtext.p; n = r->numtext.len; }
    json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!o) {
        /* report against the line as written (columns move when numbers are quoted) */
        json_t *again = quoted ? json_loadb(orig, orign, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je) : NULL;
        if (again) json_decref(again);
        snprintf(why, whylen, "not valid JSON: %s (at column %d)", je.text, je.column);
        return false;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        snprintf(why, whylen, "the line is JSON but not an object");
        return false;
    }
    r->obj = o;
    ubuf_clear(&r->text);
    for (uint32_t i = 0; i < r->ncells; i++) { r->cells[i].p = NULL; r->cells[i].len = 0; r->cells[i].invalid = 0; }
    /* offsets into r->text first; pointers once it stops growing */
    size_t *off = calloc(r->ncells + 1, sizeof *off);
    uint8_t *from_text = calloc(r->ncells + 1, 1), *taken = calloc(r->ncells + 1, 1);
    if (!off || !from_text || !taken) { fputs("out of memory\n", stderr); exit(2); }
    const char *key;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach(o, key, klen, v) {
        /* a key may feed a field and a --keep column both */
        int32_t targets[2] = { cell_of_field(s, key, klen), cell_of_keep(s, key, klen) };
        for (int ti = 0; ti < 2; ti++) {
        int32_t c = targets[ti];
        if (c < 0 || taken[c]) continue;
        taken[c] = 1;
        r->seen[c] = 1;
        VmCell *cell = &r->cells[c];
        char tmp[VAL_FMT_MAX];
        switch (json_typeof(v)) {
        case JSON_STRING: cell->p = json_string_value(v); cell->len = (uint32_t)json_string_length(v); break;
        case JSON_INTEGER: {
            int k = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            off[c] = r->text.len; ubuf_add(&r->text, tmp, (size_t)k); cell->len = (uint32_t)k; from_text[c] = 1;
            break;
        }
        case JSON_REAL: {
            size_t k = val_format_number(json_real_value(v), tmp);
            off[c] = r->text.len; ubuf_add(&r->text, tmp, k); cell->len = (uint32_t)k; from_text[c] = 1;
            break;
        }
        case JSON_TRUE: cell->p = "true"; cell->len = 4; break;
        case JSON_FALSE: cell->p = "false"; cell->len = 5; break;
        case JSON_NULL: break;
        default: cell->invalid = 1; cell->p = ""; break;
        }
        }
    }
    for (uint32_t i = 0; i < r->ncells; i++)
        if (from_text[i]) r->cells[i].p = r->text.p + off[i];
    free(off); free(from_text); free(taken);
    return true;
}
