/* sema: declarations into tables, names into references, expressions into
 * types (LANGUAGE.md sections 3 and 4, appendices A and B).
 *
 * The passes, in order:
 *   1. collect   every declaration into its table; duplicates are reported at
 *                the second one with a note at the first;
 *   2. signatures record and stream fields, level types (interned, so equal
 *                label lists are one type), sets, define and extern
 *                signatures, classification labels;
 *   3. graph     a dependency graph over defines, classifications, lead and
 *                score, built from the names their bodies use; cycles are
 *                reported once each and their members skipped;
 *   4. check     every body in dependency order, so a reference to a define
 *                always finds its type ready and no pass recurses from one
 *                define into another (a chain of 100,000 defines is fine);
 *   5. tests     test blocks against the record, streams and outputs;
 *   6. lints     the warnings of TOOLS.md that need no evaluation.
 * Within one expression the checker recurses, bounded by the parser's
 * nesting limit; chains are n-ary and walked with loops. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema.h"
#include "builtins.h"
#include "lint.h"
#include "utext.h"
#include "value.h"

#define A (s->arena)
static const Type T_ERR = { TY_ERR, 0 }, T_TEXT = { TY_TEXT, 0 }, T_NUM = { TY_NUMBER, 0 },
                  T_BOOL = { TY_BOOL, 0 }, T_DATE = { TY_DATE, 0 }, T_TIME = { TY_TIME, 0 };

bool type_eq(Type a, Type b)
{
    return a.kind == b.kind && (a.kind != TY_LEVEL && a.kind != TY_CLASS ? true : a.id == b.id);
}

static void *grow_arr(Arena *a, void *arr, uint32_t n, size_t size)
{
    /* capacity doubles at powers of two, as in the parser */
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        uint32_t cap = n == 0 ? 4 : n * 2;
        void *nv = arena_alloc(a, (size_t)cap * size);
        if (n) memcpy(nv, arr, (size_t)n * size);
        return nv;
    }
    return arr;
}
#define APPEND(arr, n) ((arr) = grow_arr(A, (arr), (n), sizeof *(arr)), &(arr)[(n)++])

static void err(Sema *s, Loc l, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(Sema *s, Loc l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(s->diags, SEV_ERROR, PH_SEMA, l, NULL, fmt, ap);
    va_end(ap);
}
#define note(s, l, ...) diag_note((s)->diags, l, __VA_ARGS__)

static bool name_eq(const char *a, uint32_t al, const char *b, uint32_t bl)
{
    return al == bl && memcmp(a, b, al) == 0;
}

/* Folded key of a text (labels, set members). */
static char *fold_key(Sema *s, const char *p, uint32_t n, uint32_t *outlen)
{
    Buf b = {0};
    ut_key(p, n, &b);
    char *k = arena_strndup(A, b.p ? b.p : "", b.len);
    *outlen = (uint32_t)b.len;
    ubuf_free(&b);
    return k;
}

const char *sema_type_name(const Sema *s, Type t, char *buf, size_t n)
{
    switch (t.kind) {
    case TY_TEXT: return "text";
    case TY_NUMBER: return "number";
    case TY_BOOL: return "bool";
    case TY_DATE: return "date";
    case TY_TIME: return "time";
    case TY_EVENTS: return "an event stream";
    case TY_CLASS:
        snprintf(buf, n, "classification '%s'", s->classes[t.id].decl->name);
        return buf;
    case TY_LEVEL: {
        const LevelInfo *lv = &s->levels[t.id];
        size_t o = (size_t)snprintf(buf, n, "level(");
        for (uint32_t i = 0; i < lv->n && o + 8 < n; i++) {
            if (o > 40) { o += (size_t)snprintf(buf + o, n - o, ", ..."); break; }
            o += (size_t)snprintf(buf + o, n - o, "%s%.*s", i ? ", " : "", (int)lv->labels[i].len, lv->labels[i].name);
        }
        if (o < n) snprintf(buf + o, n - o, ")");
        return buf;
    }
    default: return "an invalid type";
    }
}

/* ---- the shared namespace ------------------------------------------ */

static uint64_t hash_name(const char *p, uint32_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ULL; }
    return h;
}

static Sym *sym_find(Sema *s, const char *name, uint32_t len)
{
    if (!s->symcap) return NULL;
    uint32_t i = (uint32_t)hash_name(name, len) & (s->symcap - 1);
    while (s->syms[i].name) {
        if (name_eq(s->syms[i].name, s->syms[i].len, name, len)) return &s->syms[i];
        i = (i + 1) & (s->symcap - 1);
    }
    return NULL;
}

static void sym_rehash(Sema *s)
{
    uint32_t ncap = s->symcap ? s->symcap * 2 : 64;
    Sym *old = s->syms;
    uint32_t ocap = s->symcap;
    s->syms = arena_alloc(A, ncap * sizeof *s->syms);
    s->symcap = ncap;
    for (uint32_t k = 0; k < ocap; k++) {
        if (!old[k].name) continue;
        uint32_t i = (uint32_t)hash_name(old[k].name, old[k].len) & (ncap - 1);
        while (s->syms[i].name) i = (i + 1) & (ncap - 1);
        s->syms[i] = old[k];
    }
}

static Loc sym_loc(Sema *s, const Sym *y)
{
    switch (y->kind) {
    case SYM_SET: return s->sets[y->idx].decl->nloc;
    case SYM_DEFINE: return s->defines[y->idx].decl->nloc;
    case SYM_CLASS: return s->classes[y->idx].decl->nloc;
    case SYM_EXTERN: return s->externs[y->idx].decl->nloc;
    case SYM_STREAM: return s->streams[y->idx].decl->nloc;
    }
    return (Loc){0};
}

static const char *a_or_an(SymKind k)
{
    return k == SYM_EXTERN || k == SYM_STREAM ? "an" : "a";
}

static const char *sym_kind_name(SymKind k)
{
    switch (k) {
    case SYM_SET: return "set";
    case SYM_DEFINE: return "define";
    case SYM_CLASS: return "classification";
    case SYM_EXTERN: return "extern function";
    case SYM_STREAM: return "event stream";
    }
    return "name";
}

/* Declare a name; false (and an error at the second) when it exists. */
static bool sym_add(Sema *s, const char *name, uint32_t len, Loc at, SymKind kind, int32_t idx)
{
    Sym *y = sym_find(s, name, len);
    if (y) {
        err(s, at, "'%.*s' is already declared (as %s %s)", (int)len, name, a_or_an(y->kind), sym_kind_name(y->kind));
        note(s, sym_loc(s, y), "'%.*s' was first declared here", (int)len, name);
        return false;
    }
    if ((s->nsyms + 1) * 2 > s->symcap) sym_rehash(s);
    uint32_t i = (uint32_t)hash_name(name, len) & (s->symcap - 1);
    while (s->syms[i].name) i = (i + 1) & (s->symcap - 1);
    s->syms[i] = (Sym){ name, len, kind, idx };
    s->nsyms++;
    return true;
}

/* ---- types as written ---------------------------------------------- */

/* Intern a level type: equal label lists (folded, same order) are one type. */
static Type intern_level(Sema *s, const TypeRef *tr)
{
    uint32_t n = tr->nlabels;
    char **keys = arena_alloc(A, (n ? n : 1) * sizeof *keys);
    uint32_t *lens = arena_alloc(A, (n ? n : 1) * sizeof *lens);
    bool bad = false;
    for (uint32_t i = 0; i < n; i++) {
        keys[i] = fold_key(s, tr->labels[i].name, tr->labels[i].len, &lens[i]);
        if (lens[i] == 0) {
            err(s, tr->labels[i].loc, "a level label may not be empty");
            bad = true;
        }
        for (uint32_t j = 0; j < i; j++)
            if (lens[j] == lens[i] && memcmp(keys[j], keys[i], lens[i]) == 0) {
                err(s, tr->labels[i].loc, "duplicate label '%.*s' in this level",
                    (int)tr->labels[i].len, tr->labels[i].name);
                note(s, tr->labels[j].loc, "'%.*s' is already the label here",
                     (int)tr->labels[j].len, tr->labels[j].name);
                bad = true;
            }
    }
    if (bad) return T_ERR;
    for (uint32_t t = 0; t < s->nlevels; t++) {
        LevelInfo *lv = &s->levels[t];
        if (lv->n != n) continue;
        uint32_t i;
        for (i = 0; i < n; i++)
            if (lv->keylens[i] != lens[i] || memcmp(lv->keys[i], keys[i], lens[i])) break;
        if (i == n) return (Type){ TY_LEVEL, (uint16_t)t };
    }
    if (s->nlevels >= 60000) {
        err(s, tr->loc, "too many distinct level types");
        return T_ERR;
    }
    LevelInfo *lv = APPEND(s->levels, s->nlevels);
    lv->labels = tr->labels;
    lv->keys = keys;
    lv->keylens = lens;
    lv->n = n;
    return (Type){ TY_LEVEL, (uint16_t)(s->nlevels - 1) };
}

static Type resolve_typeref(Sema *s, const TypeRef *tr)
{
    switch (tr->kind) {
    case TY_TEXT: return T_TEXT;
    case TY_NUMBER: return T_NUM;
    case TY_BOOL: return T_BOOL;
    case TY_DATE: return T_DATE;
    case TY_TIME: return T_TIME;
    case TY_LEVEL: return intern_level(s, tr);
    default: return T_ERR;
    }
}

/* Index of a label in a level (folded comparison), or -1. */
static int level_label(const Sema *s, uint16_t lvl, const char *p, uint32_t n)
{
    const LevelInfo *lv = &s->levels[lvl];
    Buf b = {0};
    ut_key(p, n, &b);
    int hit = -1;
    for (uint32_t i = 0; i < lv->n; i++)
        if (lv->keylens[i] == b.len && memcmp(lv->keys[i], b.p ? b.p : "", b.len) == 0) { hit = (int)i; break; }
    ubuf_free(&b);
    return hit;
}

static int class_label(const Sema *s, uint16_t c, const char *p, uint32_t n)
{
    const ClassInfo *ci = &s->classes[c];
    Buf a = {0}, b = {0};
    ut_key(p, n, &b);
    int hit = -1;
    for (uint32_t i = 0; i < ci->nlabels && hit < 0; i++) {
        ubuf_clear(&a);
        ut_key(ci->labels[i].name, ci->labels[i].len, &a);
        if (a.len == b.len && memcmp(a.p ? a.p : "", b.p ? b.p : "", b.len) == 0) hit = (int)i;
    }
    ubuf_free(&a);
    ubuf_free(&b);
    return hit;
}

/* ---- pass 1 and 2: declarations ------------------------------------ */

static void fields_of(Sema *s, Decl *d, FieldInfo **out, uint32_t *nout, int32_t *key, const char *what)
{
    FieldInfo *f = arena_alloc(A, (d->nfields ? d->nfields : 1) * sizeof *f);
    for (uint32_t i = 0; i < d->nfields; i++) {
        FieldDecl *fd = &d->fields[i];
        f[i].name = fd->name; f[i].len = fd->len; f[i].loc = fd->loc;
        f[i].type = resolve_typeref(s, &fd->type);
        f[i].column = fd->from ? fd->from : fd->name;
        f[i].collen = fd->from ? fd->fromlen : fd->len;
        for (uint32_t j = 0; j < i; j++)
            if (name_eq(f[j].name, f[j].len, fd->name, fd->len)) {
                err(s, fd->loc, "duplicate field '%.*s'", (int)fd->len, fd->name);
                note(s, f[j].loc, "'%.*s' was first declared here", (int)fd->len, fd->name);
                break;
            }
    }
    *out = f;
    *nout = d->nfields;
    *key = -1;
    for (uint32_t i = 0; i < d->nfields; i++)
        if (name_eq(f[i].name, f[i].len, d->key, d->keylen)) { *key = (int32_t)i; break; }
    if (*key < 0) {
        const char *best = NULL; unsigned bd = 3;
        for (uint32_t i = 0; i < d->nfields; i++) {
            unsigned dd = diag_distance(d->key, d->keylen, f[i].name, f[i].len);
            if (dd < bd && dd < d->keylen) { bd = dd; best = f[i].name; }
        }
        if (best)
            err(s, d->keyloc, "the %s field '%.*s' is not declared in '%s'; did you mean '%s'?",
                what, (int)d->keylen, d->key, d->name, best);
        else
            err(s, d->keyloc, "the %s field '%.*s' is not declared in '%s'", what, (int)d->keylen, d->key, d->name);
    }
}

static const char *dir_of(Sema *s, uint32_t file)
{
    return s->file_dirs ? s->file_dirs[file] : ".";
}

/* set NAME from "file": one value a line, trimmed; blank and # lines
 * skipped; " #" starts a trailing comment (appendix A "Sets"). */
static void set_from_file(Sema *s, SetInfo *si, Decl *d)
{
    char path[4096];
    if (d->path[0] == '/')
        snprintf(path, sizeof path, "%s", d->path);
    else
        snprintf(path, sizeof path, "%s/%s", dir_of(s, d->pathloc.file), d->path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        err(s, d->pathloc, "cannot read set file '%s': %s", d->path, strerror(errno));
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint32_t lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        /* a trailing comment starts at " #" (or a tab before #) */
        for (size_t i = 1; i < len; i++)
            if (line[i] == '#' && (line[i - 1] == ' ' || line[i - 1] == '\t')) { len = i; break; }
        const char *p = line;
        size_t m = len;
        ut_trim(&p, &m);
        if (m == 0 || p[0] == '#') continue;
        size_t bad;
        if (!ut_valid(p, m, &bad)) {
            err(s, d->pathloc, "set file '%s' line %u: invalid UTF-8", d->path, lineno);
            break;
        }
        if (si->n >= 10000000) {
            err(s, d->pathloc, "set file '%s' has too many values", d->path);
            break;
        }
        uint32_t k = si->n;
        si->texts = grow_arr(A, si->texts, k, sizeof *si->texts);
        si->lens = grow_arr(A, si->lens, k, sizeof *si->lens);
        si->texts[k] = fold_key(s, p, (uint32_t)m, &si->lens[k]);
        si->n++;
    }
    free(line);
    fclose(f);
}

static void collect(Sema *s)
{
    Decl *first_def = NULL, *first_ver = NULL, *first_appr = NULL;
    /* modules first: a name the user's file declares again is then the
     * second declaration, reported in the user's file (which the user can
     * change), with a note at the module's */
    for (uint32_t pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < s->ast->ndecls; i++) {
        Decl *d = s->ast->decls[i];
        bool in_module = d->module != 0;
        if (in_module != (pass == 0)) continue;
        if (in_module) {
            switch (d->kind) {
            case D_SET: case D_DEFINE: case D_EXTERN: case D_USE: break;
            default:
                err(s, d->loc, "a module may declare only sets, defines and extern functions");
                continue;
            }
        }
        switch (d->kind) {
        case D_DEFINITION:
            if (first_def) { err(s, d->loc, "a second 'definition' line"); note(s, first_def->loc, "the first is here"); }
            else { first_def = d; s->def_name = d->name; }
            break;
        case D_VERSION:
            if (first_ver) { err(s, d->loc, "a second 'version' line"); note(s, first_ver->loc, "the first is here"); }
            else { first_ver = d; s->version = d->num; s->has_version = true; }
            break;
        case D_OWNER:
            *APPEND(s->owners, s->nowners) = d->name;
            break;
        case D_APPROVED:
            if (first_appr) { err(s, d->loc, "a second 'approved' line"); note(s, first_appr->loc, "the first is here"); }
            else { first_appr = d; s->approved = d->date; s->has_approved = true; }
            break;
        case D_USE:
            break;
        case D_RECORD:
            if (s->record) {
                err(s, d->loc, "a program declares exactly one record; this is a second one");
                note(s, s->record->loc, "the first record is declared here");
            } else
                s->record = d;
            break;
        case D_EVENTS: {
            StreamInfo *st = APPEND(s->streams, s->nstreams);
            st->decl = d; st->name = d->name; st->len = d->len;
            sym_add(s, d->name, d->len, d->nloc, SYM_STREAM, (int32_t)s->nstreams - 1);
            break;
        }
        case D_SET: {
            SetInfo *si = APPEND(s->sets, s->nsets);
            si->decl = d;
            sym_add(s, d->name, d->len, d->nloc, SYM_SET, (int32_t)s->nsets - 1);
            break;
        }
        case D_DEFINE: {
            DefineInfo *di = APPEND(s->defines, s->ndefines);
            di->decl = d;
            sym_add(s, d->name, d->len, d->nloc, SYM_DEFINE, (int32_t)s->ndefines - 1);
            break;
        }
        case D_EXTERN: {
            ExternInfo *ei = APPEND(s->externs, s->nexterns);
            ei->decl = d;
            sym_add(s, d->name, d->len, d->nloc, SYM_EXTERN, (int32_t)s->nexterns - 1);
            break;
        }
        case D_CLASSIFY: {
            ClassInfo *ci = APPEND(s->classes, s->nclasses);
            ci->decl = d;
            ci->otherwise = -1;
            sym_add(s, d->name, d->len, d->nloc, SYM_CLASS, (int32_t)s->nclasses - 1);
            break;
        }
        case D_LEAD:
            if (s->lead) { err(s, d->loc, "a program has exactly one 'lead when'; this is a second one");
                           note(s, s->lead->loc, "the first is here"); }
            else s->lead = d;
            break;
        case D_SCORE:
            if (s->score) { err(s, d->loc, "a program has at most one score block; this is a second one");
                            note(s, s->score->loc, "the first is here"); }
            else s->score = d;
            break;
        case D_TEST:
            *APPEND(s->tests, s->ntests) = d;
            break;
        }
    }
    Loc top = { 0, 0, 0 };
    if (!s->record) err(s, top, "the program declares no record (add 'record NAME key FIELD { ... }')");
    if (!s->lead) err(s, top, "the program has no 'lead when' line (add 'lead when CONDITION')");
}

static void signatures(Sema *s)
{
    if (s->record) {
        fields_of(s, s->record, &s->fields, &s->nfields, &s->key, "key");
        for (uint32_t i = 0; i < s->nfields; i++) {
            Sym *y = sym_find(s, s->fields[i].name, s->fields[i].len);
            if (!y) continue;
            Loc fl = s->fields[i].loc, yl = sym_loc(s, y);
            bool field_first = fl.file < yl.file || (fl.file == yl.file && fl.off < yl.off);
            if (field_first) {
                err(s, yl, "%s '%.*s' has the name of a record field; rename one of them",
                    sym_kind_name(y->kind), (int)s->fields[i].len, s->fields[i].name);
                note(s, fl, "the field is declared here");
            } else {
                err(s, fl, "field '%.*s' has the name of %s %s; rename one of them",
                    (int)s->fields[i].len, s->fields[i].name, a_or_an(y->kind), sym_kind_name(y->kind));
                note(s, yl, "the %s is declared here", sym_kind_name(y->kind));
            }
        }
    }
    for (uint32_t k = 0; k < s->nstreams; k++) {
        StreamInfo *st = &s->streams[k];
        fields_of(s, st->decl, &st->fields, &st->nfields, &st->key, "match");
        st->time = -1;
        for (uint32_t i = 0; i < st->nfields; i++)
            if (st->fields[i].type.kind == TY_TIME) { st->time = (int32_t)i; break; }
    }
    for (uint32_t k = 0; k < s->nsets; k++) {
        SetInfo *si = &s->sets[k];
        Decl *d = si->decl;
        if (d->path) { set_from_file(s, si, d); continue; }
        int kind = -1;     /* 0 text, 1 number */
        for (uint32_t i = 0; i < d->nitems; i++) {
            Expr *e = d->items[i];
            int ek = e->kind == E_STR ? 0 : e->kind == E_NUM ? 1 :
                     (e->kind == E_NEG && e->kids[0]->kind == E_NUM) ? 1 : -1;
            if (ek < 0) { err(s, e->loc, "a set holds text or number literals"); kind = -2; break; }
            if (kind >= 0 && ek != kind) { err(s, e->loc, "a set holds texts or numbers, not both"); kind = -2; break; }
            kind = ek;
        }
        if (kind == -2) continue;
        si->numeric = kind == 1;
        si->n = d->nitems;
        if (si->numeric) {
            si->nums = arena_alloc(A, (si->n + 1) * sizeof *si->nums);
            for (uint32_t i = 0; i < si->n; i++) {
                Expr *e = d->items[i];
                si->nums[i] = e->kind == E_NUM ? e->v.num : -e->kids[0]->v.num;
            }
        } else {
            si->texts = arena_alloc(A, (si->n + 1) * sizeof *si->texts);
            si->lens = arena_alloc(A, (si->n + 1) * sizeof *si->lens);
            for (uint32_t i = 0; i < si->n; i++)
                si->texts[i] = fold_key(s, d->items[i]->str, d->items[i]->slen, &si->lens[i]);
        }
    }
    for (uint32_t k = 0; k < s->ndefines; k++) {
        DefineInfo *di = &s->defines[k];
        Decl *d = di->decl;
        di->ptypes = arena_alloc(A, (d->nparams + 1) * sizeof *di->ptypes);
        for (uint32_t i = 0; i < d->nparams; i++) {
            di->ptypes[i] = resolve_typeref(s, &d->params[i].type);
            for (uint32_t j = 0; j < i; j++)
                if (name_eq(d->params[j].name, d->params[j].len, d->params[i].name, d->params[i].len)) {
                    err(s, d->params[i].loc, "duplicate parameter '%.*s'", (int)d->params[i].len, d->params[i].name);
                    note(s, d->params[j].loc, "'%.*s' was first declared here", (int)d->params[j].len, d->params[j].name);
                    break;
                }
        }
        di->type = d->has_result ? resolve_typeref(s, &d->result) : T_ERR;
    }
    for (uint32_t k = 0; k < s->nexterns; k++) {
        ExternInfo *ei = &s->externs[k];
        Decl *d = ei->decl;
        ei->ptypes = arena_alloc(A, (d->nparams + 1) * sizeof *ei->ptypes);
        for (uint32_t i = 0; i < d->nparams; i++) {
            ei->ptypes[i] = resolve_typeref(s, &d->params[i].type);
            TyKind tk = ei->ptypes[i].kind;
            if (tk != TY_TEXT && tk != TY_NUMBER && tk != TY_BOOL && tk != TY_ERR)
                err(s, d->params[i].type.loc, "an extern function takes only text, number and bool parameters");
        }
        ei->rtype = resolve_typeref(s, &d->result);
        TyKind rk = ei->rtype.kind;
        if (rk != TY_TEXT && rk != TY_NUMBER && rk != TY_BOOL && rk != TY_ERR)
            err(s, d->result.loc, "an extern function returns only text, number or bool");
        if (d->nparams > 16)
            err(s, d->nloc, "an extern function takes at most 16 parameters");
        if (memchr(d->lib, '/', d->liblen) && d->lib[0] != '/') {
            /* relative to the declaring file's directory, made absolute
             * (the library need not exist yet: then the directory is) */
            char buf[4096];
            char *dir = realpath(dir_of(s, d->libloc.file), NULL);
            const char *lib = d->lib;
            while (lib[0] == '.' && lib[1] == '/') lib += 2;
            snprintf(buf, sizeof buf, "%s/%s", dir ? dir : dir_of(s, d->libloc.file), lib);
            free(dir);
            char *abs = realpath(buf, NULL);
            ei->lib = arena_strndup(A, abs ? abs : buf, strlen(abs ? abs : buf));
            free(abs);
        } else
            ei->lib = arena_strndup(A, d->lib, d->liblen);
        ei->sym = d->sym ? arena_strndup(A, d->sym, d->symlen) : arena_strndup(A, d->name, d->len);
    }
    for (uint32_t k = 0; k < s->nclasses; k++) {
        ClassInfo *ci = &s->classes[k];
        Decl *d = ci->decl;
        ci->labels = arena_alloc(A, (d->nclines + 1) * sizeof *ci->labels);
        for (uint32_t i = 0; i < d->nclines; i++) {
            ClassLine *cl = &d->clines[i];
            if (!cl->cond) {
                if (ci->otherwise >= 0) {
                    err(s, loc_span(cl->loc, cl->loc), "a classification has at most one 'otherwise'");
                    note(s, d->clines[ci->otherwise].loc, "the first 'otherwise' is here");
                } else
                    ci->otherwise = (int32_t)i;
            }
            if (cl->label.len == 0 || ut_blank(cl->label.name, cl->label.len)) {
                err(s, cl->label.loc, "a label may not be empty");
                cl->label_idx = -1;
                continue;
            }
            int hit = class_label(s, (uint16_t)k, cl->label.name, cl->label.len);
            if (hit < 0) {
                ci->labels[ci->nlabels] = cl->label;
                hit = (int)ci->nlabels++;
            }
            cl->label_idx = hit;
        }
    }
    if (s->score) {
        s->limit_line = -1;
        for (uint32_t i = 0; i < s->score->nlines; i++) {
            ScoreLine *l = &s->score->lines[i];
            if (l->kind != SL_LIMIT) continue;
            if (s->limit_line >= 0) {
                err(s, l->loc, "a score block has at most one 'limit' line");
                note(s, s->score->lines[s->limit_line].loc, "the first 'limit' is here");
                continue;
            }
            s->limit_line = (int32_t)i;
            if (!(l->n <= l->hi))
                err(s, l->loc, "'limit %g to %g': the low end is above the high end", l->n, l->hi);
        }
    } else
        s->limit_line = -1;
}

/* ---- scopes and name lookup ------------------------------------------ */

typedef struct Scope {
    StreamInfo *stream;          /* inside an aggregate over this stream */
    int32_t stream_idx;
    Decl *def;                   /* inside a define with parameters */
    DefineInfo *di;
    int in_agg;                  /* nesting of aggregate bodies */
} Scope;

typedef enum { L_NONE, L_EVFIELD, L_PARAM, L_FIELD, L_SYM } LookKind;
typedef struct Look { LookKind kind; int32_t idx; Sym *sym; } Look;

/* Bare names: the event's fields, then the define's parameters, then the
 * record's fields, then defines and classifications (appendix A "Events"). */
static Look lookup(Sema *s, const Scope *sc, const char *name, uint32_t len)
{
    Look r = { L_NONE, -1, NULL };
    if (sc->stream)
        for (uint32_t i = 0; i < sc->stream->nfields; i++)
            if (name_eq(sc->stream->fields[i].name, sc->stream->fields[i].len, name, len))
                return (Look){ L_EVFIELD, (int32_t)i, NULL };
    if (sc->def)
        for (uint32_t i = 0; i < sc->def->nparams; i++)
            if (name_eq(sc->def->params[i].name, sc->def->params[i].len, name, len))
                return (Look){ L_PARAM, (int32_t)i, NULL };
    for (uint32_t i = 0; i < s->nfields; i++)
        if (name_eq(s->fields[i].name, s->fields[i].len, name, len))
            return (Look){ L_FIELD, (int32_t)i, NULL };
    Sym *y = sym_find(s, name, len);
    if (y) { r.kind = L_SYM; r.sym = y; r.idx = y->idx; }
    return r;
}

/* "did you mean": the closest field, parameter, define or classification. */
static const char *suggest(Sema *s, const Scope *sc, const char *name, uint32_t len, const char **what)
{
    const char *best = NULL;
    unsigned bd = len <= 3 ? 2 : 3;
    #define TRY(nm, nl, kind) do { unsigned dd_ = diag_distance(name, len, nm, nl); \
        if (dd_ < bd && dd_ < len) { bd = dd_; best = nm; *what = kind; } } while (0)
    if (sc->stream)
        for (uint32_t i = 0; i < sc->stream->nfields; i++)
            TRY(sc->stream->fields[i].name, sc->stream->fields[i].len, "field");
    if (sc->def)
        for (uint32_t i = 0; i < sc->def->nparams; i++)
            TRY(sc->def->params[i].name, sc->def->params[i].len, "parameter");
    for (uint32_t i = 0; i < s->nfields; i++)
        TRY(s->fields[i].name, s->fields[i].len, "field");
    for (uint32_t i = 0; i < s->symcap; i++)
        if (s->syms[i].name && (s->syms[i].kind == SYM_DEFINE || s->syms[i].kind == SYM_CLASS))
            TRY(s->syms[i].name, s->syms[i].len, "name");
    #undef TRY
    return best;
}

static void unknown_name(Sema *s, const Scope *sc, Loc at, const char *name, uint32_t len)
{
    const char *what = "name";
    const char *best = suggest(s, sc, name, len, &what);
    bool fieldish = best && strcmp(what, "field") == 0;
    if (best)
        err(s, at, "unknown %s '%.*s'; did you mean '%s'?", fieldish ? "field" : "name", (int)len, name, best);
    else
        err(s, at, "unknown name '%.*s'", (int)len, name);
}

/* ---- pass 3: the dependency graph ------------------------------------ */

typedef struct Graph {
    uint32_t n;
    int32_t **adj; uint32_t *nadj;
    Loc *loc;             /* where each node is declared (cycle reports) */
    const char **name;
    uint8_t *bad;         /* member of a cycle, or depends on one */
} Graph;

static void edge(Sema *s, Graph *g, int32_t from, int32_t to)
{
    for (uint32_t i = 0; i < g->nadj[from]; i++)
        if (g->adj[from][i] == to) return;
    g->adj[from] = grow_arr(A, g->adj[from], g->nadj[from], sizeof **g->adj);
    g->adj[from][g->nadj[from]++] = to;
}

static int32_t class_node(Sema *s, int32_t c) { return (int32_t)s->ndefines + c; }

static void deps_expr(Sema *s, Graph *g, int32_t from, Scope *sc, Expr *e);

static void deps_agg_body(Sema *s, Graph *g, int32_t from, Scope *sc, Expr *e, const char *stream, uint32_t slen)
{
    Sym *y = sym_find(s, stream, slen);
    Scope in = *sc;
    if (y && y->kind == SYM_STREAM) { in.stream = &s->streams[y->idx]; in.in_agg++; }
    if (e) deps_expr(s, g, from, &in, e);
}

static void deps_expr(Sema *s, Graph *g, int32_t from, Scope *sc, Expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case E_LEAD: edge(s, g, from, s->lead_node); return;
    case E_SCORE: if (s->score_node >= 0) edge(s, g, from, s->score_node); return;
    case E_NAME: {
        Look lk = lookup(s, sc, e->str, e->slen);
        if (lk.kind == L_SYM) {
            if (lk.sym->kind == SYM_DEFINE) edge(s, g, from, lk.idx);
            else if (lk.sym->kind == SYM_CLASS) edge(s, g, from, class_node(s, lk.idx));
        }
        return;
    }
    case E_CALL: {
        Sym *y = sym_find(s, e->str, e->slen);
        if (y && y->kind == SYM_DEFINE) edge(s, g, from, y->idx);
        /* an aggregate's operand names its stream; its body sees the events */
        const char *stream = NULL; uint32_t slen = 0;
        if (e->nkids >= 1 && (e->kids[0]->kind == E_NAME || e->kids[0]->kind == E_MEMBER)) {
            stream = e->kids[0]->str; slen = e->kids[0]->slen;
        }
        if (stream && (e->where || e->kids[0]->kind == E_MEMBER)) {
            deps_agg_body(s, g, from, sc, e->where, stream, slen);
            for (uint32_t i = 1; i < e->nkids; i++) deps_expr(s, g, from, sc, e->kids[i]);
            return;
        }
        for (uint32_t i = 0; i < e->nkids; i++) deps_expr(s, g, from, sc, e->kids[i]);
        return;
    }
    default:
        for (uint32_t i = 0; i < e->nkids; i++) deps_expr(s, g, from, sc, e->kids[i]);
        if (e->where) deps_expr(s, g, from, sc, e->where);
        return;
    }
}

/* Report every cycle once, at the member declared first; mark members bad.
 * Iterative DFS (no recursion along define chains). */
static void find_cycles_and_order(Sema *s, Graph *g)
{
    uint8_t *color = arena_alloc(A, g->n + 1);      /* 0 new, 1 on stack, 2 done */
    int32_t *stack = arena_alloc(A, (g->n + 1) * sizeof *stack);
    uint32_t *it = arena_alloc(A, (g->n + 1) * sizeof *it);
    s->order = arena_alloc(A, (g->n + 1) * sizeof *s->order);
    s->norder = 0;
    for (uint32_t root = 0; root < g->n; root++) {
        if (color[root]) continue;
        uint32_t sp = 0;
        stack[sp++] = (int32_t)root;
        color[root] = 1;
        it[root] = 0;
        while (sp) {
            int32_t v = stack[sp - 1];
            if (it[v] < g->nadj[v]) {
                int32_t w = g->adj[v][it[v]++];
                if (color[w] == 0) {
                    color[w] = 1;
                    it[w] = 0;
                    stack[sp++] = w;
                } else if (color[w] == 1) {
                    /* a cycle: stack from w to the top */
                    uint32_t k = sp - 1;
                    while (stack[k] != w) k--;
                    bool fresh = true;
                    for (uint32_t j = k; j < sp; j++) if (g->bad[stack[j]]) fresh = false;
                    if (fresh) {
                        uint32_t first = k;
                        for (uint32_t j = k; j < sp; j++) {
                            Loc a = g->loc[stack[j]], b = g->loc[stack[first]];
                            if (a.file < b.file || (a.file == b.file && a.off < b.off)) first = j;
                        }
                        char msg[1024];
                        size_t o = 0;
                        uint32_t len = sp - k;
                        for (uint32_t j = 0; j <= len && o < 900; j++) {
                            int32_t m = stack[k + (first - k + j) % len];
                            o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s", j ? " -> " : "", g->name[m]);
                        }
                        err(s, g->loc[stack[first]], "these definitions depend on each other in a cycle: %s", msg);
                    }
                    for (uint32_t j = k; j < sp; j++) g->bad[stack[j]] = 1;
                } else if (g->bad[w])
                    g->bad[v] = 1;
            } else {
                color[v] = 2;
                s->order[s->norder++] = v;
                sp--;
                if (sp && g->bad[v]) g->bad[stack[sp - 1]] |= 0;   /* dependents of a cycle stay checkable */
            }
        }
    }
}

/* ---- pass 4: expressions --------------------------------------------- */

enum { CV_CLASS_TEXT = 1, CV_LEVEL_TEXT, CV_TEXT_LEVEL, CV_DATE_TIME };

static Type check(Sema *s, Scope *sc, Expr *e, Type hint);

static bool is_candidate(const Expr *e)
{
    return (e->kind == E_STR || e->kind == E_NAME) && !e->paren;
}

static Expr *conv(Sema *s, Expr *e, int how, Type to)
{
    Expr *c = ast_expr(A, E_CONV, e->loc);
    c->op = (uint8_t)how;
    c->type = to;
    ast_add_kid(A, c, e);
    return c;
}

/* Make *pe of type want if an implicit conversion exists: a classification
 * is text wherever text is expected; a date is an instant (midnight UTC)
 * where a time is. */
static bool coerce(Sema *s, Expr **pe, Type want)
{
    Expr *e = *pe;
    if (e->type.kind == TY_ERR || want.kind == TY_ERR) return true;
    if (type_eq(e->type, want)) return true;
    if (e->type.kind == TY_CLASS && want.kind == TY_TEXT) { *pe = conv(s, e, CV_CLASS_TEXT, T_TEXT); return true; }
    if (e->type.kind == TY_DATE && want.kind == TY_TIME) { *pe = conv(s, e, CV_DATE_TIME, T_TIME); return true; }
    /* a text that is not a literal, where a level is expected (a function
     * argument, coalesce, a define's result): looked up at run time,
     * missing when it names no label (appendix A "Levels") */
    if (e->type.kind == TY_TEXT && want.kind == TY_LEVEL) { *pe = conv(s, e, CV_TEXT_LEVEL, want); return true; }
    return false;
}

static const char *tn(const Sema *s, Type t, char *buf) { return sema_type_name(s, t, buf, 160); }

static bool need(Sema *s, Scope *sc, Expr **pe, Type want, const char *what)
{
    char b1[160], b2[160];
    Type t = check(s, sc, *pe, want);
    if (t.kind == TY_ERR) return false;
    if (coerce(s, pe, want)) return true;
    err(s, (*pe)->loc, "%s must be %s, but this is %s", what, tn(s, want, b1), tn(s, t, b2));
    return false;
}

static bool need_bool(Sema *s, Scope *sc, Expr **pe, const char *what)
{
    return need(s, sc, pe, T_BOOL, what);
}

/* Where the i-th operator of an n-ary chain stands (i >= 1): the first of
 * its characters between the two operands, outside comments. */
static Loc chain_op_loc(Sema *s, Expr *e, uint32_t i, char op)
{
    if (i == 0) i = 1;
    if (i >= e->nkids) return e->oploc;
    const SrcFile *f = &s->diags->files[e->loc.file];
    uint32_t a = e->kids[i - 1]->loc.end, b = e->kids[i]->loc.off;
    for (uint32_t k = a; k < b && k < f->len; k++) {
        if (f->text[k] == '#') { while (k < b && f->text[k] != '\n') k++; continue; }
        if (f->text[k] == op) return (Loc){ e->loc.file, k, k + 1 };
    }
    return e->oploc;
}

static const char *cmp_name(int op)
{
    static const char *n[] = { "=", "!=", "<", "<=", ">", ">=" };
    return n[op];
}

/* Lint: an order comparison of a level with its lowest or highest label. */
static void lint_level_bound(Sema *s, Expr *e, Expr *x, Expr *lab, int op, bool label_right)
{
    if (lab->res != R_LABEL || x->type.kind != TY_LEVEL || e->loc.file != 0) return;
    const LevelInfo *lv = &s->levels[x->type.id];
    int32_t r = lab->ref;
    if (!label_right) {        /* Staff <= x  is  x >= Staff */
        static const int flip[] = { CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE };
        op = flip[op];
    }
    const char *verdict = NULL, *why = NULL;
    if (r == 0 && op == CMP_GE) { verdict = "always true"; why = "lowest"; }
    else if (r == 0 && op == CMP_LT) { verdict = "never true"; why = "lowest"; }
    else if (r == (int32_t)lv->n - 1 && op == CMP_LE) { verdict = "always true"; why = "highest"; }
    else if (r == (int32_t)lv->n - 1 && op == CMP_GT) { verdict = "never true"; why = "highest"; }
    if (verdict)
        diag_warn(s->diags, "constant-comparison", e->oploc,
                  "this comparison is %s when the value is present: '%.*s' is the %s label of its level; "
                  "to test for a value, write 'is present'",
                  verdict, (int)lv->labels[r].len, lv->labels[r].name, why);
}

/* A text literal compared with a level must be one of its labels (appendix
 * A "Levels"), also when it was not read as one (`s = ("VP")`); any other
 * text is looked up at run time. */
static bool literal_is_label(Sema *s, const Expr *e, Type lvl)
{
    char b1[160];
    if (e->kind != E_STR || level_label(s, lvl.id, e->str, e->slen) >= 0) return true;
    err(s, e->strloc, "'%.*s' is not a label of %s", (int)e->slen, e->str, tn(s, lvl, b1));
    return false;
}

/* Check `a op b` for a comparison (or one half of between); converts the
 * operands as needed.  ord: an order comparison (< <= > >=). */
static bool cmp_types(Sema *s, Expr *e, Expr **pa, Expr **pb, bool ord, Loc oploc, const char *opname)
{
    char b1[160], b2[160];
    Type ta = (*pa)->type, tb = (*pb)->type;
    if (ta.kind == TY_ERR || tb.kind == TY_ERR) return false;
    if (ta.kind == TY_DATE && tb.kind == TY_TIME) { coerce(s, pa, T_TIME); return true; }
    if (ta.kind == TY_TIME && tb.kind == TY_DATE) { coerce(s, pb, T_TIME); return true; }
    if (ta.kind == TY_LEVEL && tb.kind == TY_TEXT) {
        if (!literal_is_label(s, *pb, ta)) return false;
        *pb = conv(s, *pb, CV_TEXT_LEVEL, ta);
        return true;
    }
    if (tb.kind == TY_LEVEL && ta.kind == TY_TEXT) {
        if (!literal_is_label(s, *pa, tb)) return false;
        *pa = conv(s, *pa, CV_TEXT_LEVEL, tb);
        return true;
    }
    if (ta.kind == TY_CLASS || tb.kind == TY_CLASS) {
        if (ord) {
            err(s, oploc, "a classification can only be compared with = and !=, not '%s'", opname);
            return false;
        }
        if (type_eq(ta, tb)) return true;
        Type other = ta.kind == TY_CLASS ? tb : ta;
        if (other.kind != TY_TEXT && other.kind != TY_CLASS) {
            err(s, oploc, "cannot compare %s with %s", tn(s, ta, b1), tn(s, tb, b2));
            return false;
        }
        Expr *lit = ta.kind == TY_CLASS ? *pb : *pa;
        Type ct = ta.kind == TY_CLASS ? ta : tb;
        if (lit->kind == E_STR && e && (*pa)->loc.file == 0)
            diag_warn(s->diags, "never-label", lit->loc,
                      "'%.*s' is not a label of classification '%s', so '%s' is %s",
                      (int)lit->slen, lit->str, s->classes[ct.id].decl->name, opname,
                      strcmp(opname, "=") == 0 ? "never true" : "always true when it has a label");
        coerce(s, pa, T_TEXT);
        coerce(s, pb, T_TEXT);
        return true;
    }
    if (!type_eq(ta, tb)) {
        err(s, oploc, "cannot compare %s with %s", tn(s, ta, b1), tn(s, tb, b2));
        return false;
    }
    if (ord && (ta.kind == TY_TEXT || ta.kind == TY_BOOL)) {
        err(s, oploc, "%s can only be compared with = and !=, not '%s'", ta.kind == TY_TEXT ? "text" : "bool", opname);
        return false;
    }
    return true;
}

/* The type a bare name has, without reporting anything (T_ERR when it is
 * no field, parameter, define or classification, or has no type yet). */
static Type peek_name(Sema *s, const Scope *sc, const Expr *e)
{
    if (e->kind != E_NAME || e->paren) return T_ERR;
    Look lk = lookup(s, sc, e->str, e->slen);
    switch (lk.kind) {
    case L_EVFIELD: return sc->stream->fields[lk.idx].type;
    case L_PARAM: return sc->di ? sc->di->ptypes[lk.idx] : T_ERR;
    case L_FIELD: return s->fields[lk.idx].type;
    case L_SYM:
        if (lk.sym->kind == SYM_DEFINE && !s->defines[lk.idx].decl->has_params) return s->defines[lk.idx].type;
        if (lk.sym->kind == SYM_CLASS) return (Type){ TY_CLASS, (uint16_t)lk.idx };
        return T_ERR;
    case L_NONE: break;
    }
    return T_ERR;
}

/* Is the candidate lab (a bare name or text literal) to be read against the
 * bare name x, so that x must be checked first?  Yes when lab names nothing
 * (it may be one of x's labels), or when x is a level or classification and
 * lab is one of its labels (a label wins over a field of the same name,
 * whichever side it is on: appendix A "Levels") or a text literal (which
 * must be one). */
static bool labels_by(Sema *s, const Scope *sc, const Expr *lab, const Expr *x)
{
    if (!is_candidate(lab) || x->kind != E_NAME || x->paren) return false;
    if (lookup(s, sc, x->str, x->slen).kind == L_NONE) return false;
    if (lab->kind == E_NAME && lookup(s, sc, lab->str, lab->slen).kind == L_NONE) return true;
    Type t = peek_name(s, sc, x);
    if (t.kind != TY_LEVEL && t.kind != TY_CLASS) return false;
    if (lab->kind == E_STR) return true;
    int k = t.kind == TY_LEVEL ? level_label(s, t.id, lab->str, lab->slen)
                               : class_label(s, t.id, lab->str, lab->slen);
    return k >= 0;
}

/* Check e against the type of the operand it is compared with.  When that
 * operand is already in error, a bare name that names nothing is most likely
 * one of its labels: it is not reported again (no cascade). */
static Type check_against(Sema *s, Scope *sc, Expr *e, Type other)
{
    if (other.kind == TY_ERR && e->kind == E_NAME && !e->paren &&
        lookup(s, sc, e->str, e->slen).kind == L_NONE)
        return e->type = T_ERR;
    return check(s, sc, e, other);
}

/* Check both operands of a binary form, the bare name or text literal last
 * so that it can be taken as a label of the other side's level. */
static void check_pair(Sema *s, Scope *sc, Expr *a, Expr *b, Type hint)
{
    if (is_candidate(a) && (!is_candidate(b) || labels_by(s, sc, a, b))) {
        Type tb = check(s, sc, b, hint);
        check_against(s, sc, a, tb);
    } else {
        Type ta = check(s, sc, a, hint);
        check_against(s, sc, b, ta);
    }
}

static Type check_name(Sema *s, Scope *sc, Expr *e, Type hint)
{
    char b1[160];
    if (hint.kind == TY_LEVEL) {
        int k = level_label(s, hint.id, e->str, e->slen);
        if (k >= 0) { e->res = R_LABEL; e->ref = k; return e->type = hint; }
    } else if (hint.kind == TY_CLASS) {
        int k = class_label(s, hint.id, e->str, e->slen);
        if (k >= 0) { e->res = R_LABEL; e->ref = k; return e->type = hint; }
    }
    Look lk = lookup(s, sc, e->str, e->slen);
    switch (lk.kind) {
    case L_EVFIELD:
        e->res = R_EVFIELD; e->ref = lk.idx; e->ref2 = sc->stream_idx;
        sc->stream->fields[lk.idx].used = true;
        return e->type = sc->stream->fields[lk.idx].type;
    case L_PARAM:
        e->res = R_PARAM; e->ref = lk.idx;
        return e->type = sc->di->ptypes[lk.idx];
    case L_FIELD:
        e->res = R_FIELD; e->ref = lk.idx;
        s->fields[lk.idx].used = true;
        return e->type = s->fields[lk.idx].type;
    case L_SYM:
        switch (lk.sym->kind) {
        case SYM_DEFINE: {
            DefineInfo *di = &s->defines[lk.idx];
            di->used = true;
            if (di->decl->has_params) {
                err(s, e->strloc, "'%.*s' takes parameters: call it as %.*s(...)", (int)e->slen, e->str, (int)e->slen, e->str);
                return e->type = T_ERR;
            }
            e->res = R_DEFINE; e->ref = lk.idx;
            return e->type = di->type;
        }
        case SYM_CLASS:
            e->res = R_CLASS; e->ref = lk.idx;
            return e->type = (Type){ TY_CLASS, (uint16_t)lk.idx };
        case SYM_SET:
            err(s, e->strloc, "'%.*s' is a set: use it after 'in'", (int)e->slen, e->str);
            return e->type = T_ERR;
        case SYM_STREAM:
            err(s, e->strloc, "'%.*s' is an event stream: use it in an aggregate such as count(%.*s)",
                (int)e->slen, e->str, (int)e->slen, e->str);
            return e->type = T_ERR;
        case SYM_EXTERN:
            err(s, e->strloc, "'%.*s' is a function: call it as %.*s(...)", (int)e->slen, e->str, (int)e->slen, e->str);
            return e->type = T_ERR;
        }
        break;
    case L_NONE:
        break;
    }
    if (hint.kind == TY_LEVEL) {
        /* neither a label nor a name: say so in terms of the level */
        const LevelInfo *lv = &s->levels[hint.id];
        const char *best = NULL; unsigned bd = 3;
        for (uint32_t i = 0; i < lv->n; i++) {
            unsigned dd = diag_distance(e->str, e->slen, lv->labels[i].name, lv->labels[i].len);
            if (dd < bd && dd < e->slen) { bd = dd; best = lv->labels[i].name; }
        }
        if (best)
            err(s, e->strloc, "'%.*s' is not a label of %s; did you mean '%s'?", (int)e->slen, e->str, tn(s, hint, b1), best);
        else
            err(s, e->strloc, "'%.*s' is not a label of %s", (int)e->slen, e->str, tn(s, hint, b1));
        return e->type = T_ERR;
    }
    if (!s->record)
        return e->type = T_ERR;      /* no record: names are unknown, and that is reported once */
    unknown_name(s, sc, e->strloc, e->str, e->slen);
    return e->type = T_ERR;
}

static StreamInfo *find_stream(Sema *s, const char *name, uint32_t len, Loc at, int32_t *idx)
{
    Sym *y = sym_find(s, name, len);
    if (y && y->kind == SYM_STREAM) {
        *idx = y->idx;
        s->streams[y->idx].used = true;
        return &s->streams[y->idx];
    }
    const char *best = NULL; unsigned bd = 3;
    for (uint32_t i = 0; i < s->nstreams; i++) {
        unsigned dd = diag_distance(name, len, s->streams[i].name, s->streams[i].len);
        if (dd < bd && dd < len) { bd = dd; best = s->streams[i].name; }
    }
    if (best) err(s, at, "unknown stream '%.*s'; did you mean '%s'?", (int)len, name, best);
    else if (s->nstreams == 0) err(s, at, "unknown stream '%.*s' (the program declares no 'events')", (int)len, name);
    else err(s, at, "unknown stream '%.*s'", (int)len, name);
    return NULL;
}

static int32_t stream_field(Sema *s, StreamInfo *st, const char *name, uint32_t len, Loc at)
{
    for (uint32_t i = 0; i < st->nfields; i++)
        if (name_eq(st->fields[i].name, st->fields[i].len, name, len)) {
            st->fields[i].used = true;
            return (int32_t)i;
        }
    const char *best = NULL; unsigned bd = 3;
    for (uint32_t i = 0; i < st->nfields; i++) {
        unsigned dd = diag_distance(name, len, st->fields[i].name, st->fields[i].len);
        if (dd < bd && dd < len) { bd = dd; best = st->fields[i].name; }
    }
    if (best) err(s, at, "unknown field '%.*s' in stream '%s'; did you mean '%s'?", (int)len, name, st->name, best);
    else err(s, at, "unknown field '%.*s' in stream '%s'", (int)len, name, st->name);
    return -1;
}

static bool check_window(Sema *s, Window *w, StreamInfo *st, bool any_ok, const char *what)
{
    if (w->kind == WIN_NONE) return true;
    if (st && st->time < 0) {
        err(s, w->loc, "stream '%s' has no time field, so it has no windows", st->name);
        return false;
    }
    if ((w->kind == WIN_ANY || w->kind == WIN_ANY_DAY) && !any_ok) {
        err(s, w->loc, "'during any' is allowed only on count, count(distinct ...), sum and 'for each' lines, not on %s", what);
        return false;
    }
    if (w->kind == WIN_ANY && w->one_day && w->loc.file == 0)
        diag_warn(s->diags, "sliding-day", w->loc,
                  "'during any 1 day' is a sliding 24 hours; did you mean the calendar day, 'during any day'?");
    return true;
}

static Type check_body_where(Sema *s, Scope *sc, StreamInfo *st, int32_t sidx, Expr **where)
{
    if (!*where) return T_BOOL;
    Scope in = *sc;
    in.stream = st;
    in.stream_idx = sidx;
    in.in_agg++;
    return need_bool(s, &in, where, "a 'where' condition") ? T_BOOL : T_ERR;
}

static const struct { const char *name; AggKind kind; } agg_names[] = {
    {"count", AGG_COUNT}, {"any", AGG_ANY}, {"none", AGG_NONE}, {"sum", AGG_SUM},
    {"average", AGG_AVERAGE}, {"min", AGG_MIN}, {"max", AGG_MAX},
    {"latest", AGG_LATEST}, {"earliest", AGG_EARLIEST},
};

static Type check_agg(Sema *s, Scope *sc, Expr *e, AggKind k)
{
    char b1[160];
    const char *fname = agg_names[k == AGG_COUNT_DISTINCT ? 0 : 0].name;
    for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++)
        if (agg_names[i].kind == k) fname = agg_names[i].name;
    if (sc->in_agg) {
        err(s, e->loc, "an aggregate cannot stand inside another aggregate's condition; "
                       "compute it in a define and use the define");
        return e->type = T_ERR;
    }
    if (e->nkids != 1) {
        err(s, e->strloc, "%s(...) takes one operand: %s", fname,
            k == AGG_COUNT || k == AGG_ANY || k == AGG_NONE ? "a stream name" : "a stream's field, as STREAM.FIELD");
        return e->type = T_ERR;
    }
    if (e->distinct && k != AGG_COUNT) {
        err(s, e->strloc, "'distinct' is allowed only in count(distinct STREAM.FIELD)");
        return e->type = T_ERR;
    }
    if (e->distinct) k = AGG_COUNT_DISTINCT;
    e->res = R_AGG;
    e->agg = k;
    Expr *op = e->kids[0];
    int32_t sidx = -1;
    StreamInfo *st;
    bool wants_field = !(k == AGG_COUNT || k == AGG_ANY || k == AGG_NONE);
    if (wants_field) {
        if (op->kind != E_MEMBER) {
            err(s, op->loc, "%s(...) needs a stream's field, written STREAM.FIELD", k == AGG_COUNT_DISTINCT ? "count(distinct ...)" : fname);
            return e->type = T_ERR;
        }
        st = find_stream(s, op->str, op->slen, op->strloc, &sidx);
        if (!st) return e->type = T_ERR;
        int32_t f = stream_field(s, st, op->member, op->mlen, op->mloc);
        if (f < 0) return e->type = T_ERR;
        op->res = R_EVFIELD; op->ref = f; op->ref2 = sidx;
        op->type = st->fields[f].type;
        e->ref = f;
    } else {
        if (op->kind != E_NAME) {
            err(s, op->loc, "%s(...) needs an event stream's name", fname);
            return e->type = T_ERR;
        }
        st = find_stream(s, op->str, op->slen, op->loc, &sidx);
        if (!st) return e->type = T_ERR;
        op->res = R_STREAM; op->ref = sidx; op->type = (Type){ TY_EVENTS, (uint16_t)sidx };
        e->ref = -1;
    }
    e->ref2 = sidx;
    Type ft = wants_field ? op->type : T_ERR;
    Type rt;
    switch (k) {
    case AGG_COUNT: case AGG_COUNT_DISTINCT: rt = T_NUM; break;
    case AGG_ANY: case AGG_NONE: rt = T_BOOL; break;
    case AGG_SUM: case AGG_AVERAGE:
        if (ft.kind != TY_NUMBER) {
            err(s, op->loc, "%s(...) needs a number field, but '%.*s.%.*s' is %s", fname,
                (int)op->slen, op->str, (int)op->mlen, op->member, tn(s, ft, b1));
            return e->type = T_ERR;
        }
        rt = T_NUM;
        break;
    case AGG_MIN: case AGG_MAX:
        if (ft.kind == TY_TEXT || ft.kind == TY_BOOL) {
            err(s, op->loc, "%s(...) is defined for number, date, time and level fields, not %s", fname, tn(s, ft, b1));
            return e->type = T_ERR;
        }
        rt = ft;
        break;
    case AGG_LATEST: case AGG_EARLIEST:
        if (st->time < 0) {
            err(s, e->strloc, "%s(...) orders events by time, but stream '%s' has no time field", fname, st->name);
            return e->type = T_ERR;
        }
        rt = ft;
        break;
    default: rt = T_ERR;
    }
    bool any_ok = k == AGG_COUNT || k == AGG_COUNT_DISTINCT || k == AGG_SUM;
    bool ok = check_window(s, &e->win, st, any_ok, fname);
    if (check_body_where(s, sc, st, sidx, &e->where).kind == TY_ERR) ok = false;
    return e->type = ok ? rt : T_ERR;
}

static int sig_letter(Type t)
{
    switch (t.kind) {
    case TY_TEXT: return 't';
    case TY_NUMBER: return 'n';
    case TY_BOOL: return 'b';
    case TY_DATE: return 'd';
    case TY_TIME: return 'T';
    default: return '?';
    }
}

static Type letter_type(char c)
{
    switch (c) {
    case 't': return T_TEXT;
    case 'n': return T_NUM;
    case 'b': return T_BOOL;
    case 'd': return T_DATE;
    case 'T': return T_TIME;
    default: return T_ERR;
    }
}

static bool sig_fits(const char *params, Expr *e)
{
    size_t np = strlen(params);
    bool var = np && params[np - 1] == '+';
    size_t fixed = var ? np - 1 : np;
    if (var ? e->nkids < fixed : e->nkids != fixed) return false;
    for (uint32_t i = 0; i < e->nkids; i++) {
        char want = i < fixed ? params[i] : params[fixed - 1];
        if (want == '*') continue;
        Type t = e->kids[i]->type;
        if (t.kind == TY_CLASS && want == 't') continue;       /* converted below */
        if (t.kind == TY_DATE && want == 'T') continue;
        if (sig_letter(t) != want) return false;
    }
    return true;
}

static Type check_call(Sema *s, Scope *sc, Expr *e, Type hint)
{
    char b1[160], b2[160];
    const char *name = e->str;
    uint32_t len = e->slen;

    for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++) {
        if (!name_eq(name, len, agg_names[i].name, (uint32_t)strlen(agg_names[i].name))) continue;
        AggKind k = agg_names[i].kind;
        /* min/max: the aggregate exactly when the operand is NAME.NAME */
        if ((k == AGG_MIN || k == AGG_MAX) &&
            !(e->nkids == 1 && e->kids[0]->kind == E_MEMBER && !e->kids[0]->paren))
            break;
        return check_agg(s, sc, e, k);
    }
    if (e->distinct || e->where || e->win.kind != WIN_NONE) {
        Loc at = e->where ? e->where->loc : e->win.kind != WIN_NONE ? e->win.loc : e->strloc;
        err(s, at, "'%.*s' is not an aggregate: 'distinct', 'where' and 'during' belong to count, sum, ...",
            (int)len, name);
        return e->type = T_ERR;
    }
    Sym *y = sym_find(s, name, len);
    if (y && (y->kind == SYM_DEFINE || y->kind == SYM_EXTERN)) {
        Decl *d;
        Type *ptypes, rt;
        if (y->kind == SYM_DEFINE) {
            DefineInfo *di = &s->defines[y->idx];
            di->used = true;
            d = di->decl; ptypes = di->ptypes; rt = di->type;
            if (!d->has_params) {
                err(s, e->strloc, "'%.*s' takes no parameters: write it without parentheses", (int)len, name);
                return e->type = T_ERR;
            }
            e->res = R_DEFINE;
        } else {
            ExternInfo *ei = &s->externs[y->idx];
            ei->used = true;
            d = ei->decl; ptypes = ei->ptypes; rt = ei->rtype;
            e->res = R_EXTERN;
        }
        e->ref = y->idx;
        if (e->nkids != d->nparams) {
            err(s, e->strloc, "'%.*s' takes %u argument%s, not %u", (int)len, name, d->nparams,
                d->nparams == 1 ? "" : "s", e->nkids);
            return e->type = T_ERR;
        }
        bool ok = true;
        for (uint32_t i = 0; i < e->nkids; i++) {
            Type t = check(s, sc, e->kids[i], ptypes[i]);
            if (t.kind == TY_ERR || ptypes[i].kind == TY_ERR) { ok = false; continue; }
            if (!coerce(s, &e->kids[i], ptypes[i])) {
                err(s, e->kids[i]->loc, "argument %u of '%.*s' must be %s, but this is %s", i + 1,
                    (int)len, name, tn(s, ptypes[i], b1), tn(s, t, b2));
                ok = false;
            }
        }
        return e->type = ok ? rt : T_ERR;
    }
    if (y) {
        err(s, e->strloc, "'%.*s' is %s %s, not a function", (int)len, name, a_or_an(y->kind), sym_kind_name(y->kind));
        return e->type = T_ERR;
    }
    int first = builtin_find(name, len);
    if (first < 0) {
        const char *best = NULL; unsigned bd = 3;
        for (uint32_t i = 0; i < lead_nbuiltins; i++) {
            unsigned dd = diag_distance(name, len, lead_builtins[i].name, (uint32_t)strlen(lead_builtins[i].name));
            if (dd < bd && dd < len) { bd = dd; best = lead_builtins[i].name; }
        }
        for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++) {
            unsigned dd = diag_distance(name, len, agg_names[i].name, (uint32_t)strlen(agg_names[i].name));
            if (dd < bd && dd < len) { bd = dd; best = agg_names[i].name; }
        }
        for (uint32_t i = 0; i < s->symcap; i++)
            if (s->syms[i].name && (s->syms[i].kind == SYM_DEFINE || s->syms[i].kind == SYM_EXTERN)) {
                unsigned dd = diag_distance(name, len, s->syms[i].name, s->syms[i].len);
                if (dd < bd && dd < len) { bd = dd; best = s->syms[i].name; }
            }
        if (best) err(s, e->strloc, "unknown function '%.*s'; did you mean '%s'?", (int)len, name, best);
        else err(s, e->strloc, "unknown function '%.*s'", (int)len, name);
        return e->type = T_ERR;
    }
    /* Arguments first: coalesce takes its type from its non-literal
     * arguments (or the hint), so labels in it can be resolved. */
    bool is_coalesce = strcmp(lead_builtins[first].name, "coalesce") == 0;
    bool ok = true;
    if (is_coalesce) {
        Type common = hint;
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!is_candidate(e->kids[i])) {
                Type t = check(s, sc, e->kids[i], common);
                if (t.kind == TY_ERR) ok = false;
                else if (common.kind == TY_ERR) common = t;
            }
        for (uint32_t i = 0; i < e->nkids; i++)
            if (is_candidate(e->kids[i])) {
                Type t = check(s, sc, e->kids[i], common);
                if (t.kind == TY_ERR) ok = false;
                else if (common.kind == TY_ERR) common = t;
            }
        if (!ok) return e->type = T_ERR;
        if (e->nkids == 0) {
            err(s, e->strloc, "coalesce(...) takes one or more arguments");
            return e->type = T_ERR;
        }
        /* one type for all: classifications become text if mixed with text,
         * texts become the level if mixed with a level */
        Type t0 = e->kids[0]->type, lvl = T_ERR;
        bool any_text = false, any_time = false;
        for (uint32_t i = 0; i < e->nkids; i++) {
            any_text |= e->kids[i]->type.kind == TY_TEXT;
            any_time |= e->kids[i]->type.kind == TY_TIME;
            if (e->kids[i]->type.kind == TY_LEVEL && lvl.kind == TY_ERR) lvl = e->kids[i]->type;
        }
        if (any_text) t0 = T_TEXT;
        if (any_time) t0 = T_TIME;
        if (lvl.kind == TY_LEVEL) t0 = lvl;
        uint32_t j0 = 0;            /* the first argument of the common type */
        while (j0 + 1 < e->nkids && !type_eq(e->kids[j0]->type, t0)) j0++;
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!coerce(s, &e->kids[i], t0)) {
                err(s, e->kids[i]->loc, "coalesce(...) takes arguments of one type: argument %u is %s, argument %u is %s",
                    i + 1, tn(s, e->kids[i]->type, b1), j0 + 1, tn(s, t0, b2));
                return e->type = T_ERR;
            }
        e->res = R_BUILTIN;
        e->ref = first;
        return e->type = t0;
    }
    for (uint32_t i = 0; i < e->nkids; i++)
        if (check(s, sc, e->kids[i], T_ERR).kind == TY_ERR) ok = false;
    if (!ok) return e->type = T_ERR;
    /* text(level) and text(classification) give the label as declared */
    if (strcmp(lead_builtins[first].name, "text") == 0 && e->nkids == 1 &&
        (e->kids[0]->type.kind == TY_LEVEL || e->kids[0]->type.kind == TY_CLASS)) {
        e->kind = E_CONV;
        e->op = e->kids[0]->type.kind == TY_LEVEL ? CV_LEVEL_TEXT : CV_CLASS_TEXT;
        return e->type = T_TEXT;
    }
    for (uint32_t i = (uint32_t)first; i < lead_nbuiltins; i++) {
        const Builtin *b = &lead_builtins[i];
        if (strcmp(b->name, lead_builtins[first].name) != 0) break;
        if (!sig_fits(b->params, e)) continue;
        size_t np = strlen(b->params);
        bool var = np && b->params[np - 1] == '+';
        size_t fixed = var ? np - 1 : np;
        for (uint32_t k = 0; k < e->nkids; k++) {
            char want = k < fixed ? b->params[k] : b->params[fixed - 1];
            if (want != '*') coerce(s, &e->kids[k], letter_type(want));
        }
        e->res = R_BUILTIN;
        e->ref = (int32_t)i;
        return e->type = b->result == '=' ? e->kids[0]->type : letter_type(b->result);
    }
    /* say what fits */
    char want[256] = "";
    size_t o = 0;
    for (uint32_t i = (uint32_t)first; i < lead_nbuiltins && o < 200; i++) {
        const Builtin *b = &lead_builtins[i];
        if (strcmp(b->name, lead_builtins[first].name) != 0) break;
        o += (size_t)snprintf(want + o, sizeof want - o, "%s%s(", i == (uint32_t)first ? "" : " or ", b->name);
        for (const char *p = b->params; *p && o < 200; p++) {
            if (*p == '+') { o += (size_t)snprintf(want + o, sizeof want - o, ", ..."); continue; }
            o += (size_t)snprintf(want + o, sizeof want - o, "%s%s", p == b->params ? "" : ", ",
                                  *p == '*' ? "any" : tn(s, letter_type(*p), b1));
        }
        o += (size_t)snprintf(want + o, sizeof want - o, ")");
    }
    char got[256] = "";
    o = 0;
    for (uint32_t k = 0; k < e->nkids && o < 200; k++)
        o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", k ? ", " : "", tn(s, e->kids[k]->type, b1));
    /* Point at the first argument no form of the right arity takes there
     * (appendix B: a function argument of the wrong type), else at the name. */
    Loc at = e->strloc;
    for (uint32_t k = 0; k < e->nkids; k++) {
        bool fits = false, arity = false;
        for (uint32_t i = (uint32_t)first; i < lead_nbuiltins && !fits; i++) {
            const Builtin *b = &lead_builtins[i];
            if (strcmp(b->name, lead_builtins[first].name) != 0) break;
            size_t np = strlen(b->params);
            bool var = np && b->params[np - 1] == '+';
            size_t fixed = var ? np - 1 : np;
            if (var ? e->nkids < fixed : e->nkids != fixed) continue;
            arity = true;
            char want1 = k < fixed ? b->params[k] : b->params[fixed - 1];
            Type t = e->kids[k]->type;
            fits = want1 == '*' || sig_letter(t) == want1 || (t.kind == TY_CLASS && want1 == 't') ||
                   (t.kind == TY_DATE && want1 == 'T');
        }
        if (arity && !fits) { at = e->kids[k]->loc; break; }
    }
    err(s, at, "no form of '%.*s' takes (%s); it takes %s", (int)len, name, got, want);
    return e->type = T_ERR;
}

static bool is_literal_item(const Expr *e)
{
    switch (e->kind) {
    case E_STR: case E_NUM: case E_DATE: case E_TIME: case E_BOOL: case E_NAME: return true;
    case E_NEG: return e->kids[0]->kind == E_NUM;
    default: return false;
    }
}

static Type check_in(Sema *s, Scope *sc, Expr *e)
{
    char b1[160], b2[160];
    Expr **px = &e->kids[0];
    Type tx = check(s, sc, *px, T_ERR);
    if (e->str) {                       /* in SETNAME */
        Sym *y = sym_find(s, e->str, e->slen);
        if (!y || y->kind != SYM_SET) {
            if (y) err(s, e->strloc, "'%.*s' is not a set", (int)e->slen, e->str);
            else {
                const char *best = NULL; unsigned bd = 3;
                for (uint32_t i = 0; i < s->nsets; i++) {
                    Decl *d = s->sets[i].decl;
                    unsigned dd = diag_distance(e->str, e->slen, d->name, d->len);
                    if (dd < bd && dd < e->slen) { bd = dd; best = d->name; }
                }
                if (best) err(s, e->strloc, "unknown set '%.*s'; did you mean '%s'?", (int)e->slen, e->str, best);
                else err(s, e->strloc, "unknown set '%.*s'", (int)e->slen, e->str);
            }
            return e->type = T_ERR;
        }
        SetInfo *si = &s->sets[y->idx];
        si->used = true;
        e->res = R_SET;
        e->ref = y->idx;
        if (tx.kind == TY_ERR) return e->type = T_ERR;
        Type want = si->numeric ? T_NUM : T_TEXT;
        if (!si->numeric && tx.kind == TY_LEVEL) { *px = conv(s, *px, CV_LEVEL_TEXT, T_TEXT); return e->type = T_BOOL; }
        if (!coerce(s, px, want)) {
            err(s, e->oploc, "'in' a set of %s needs %s, but this is %s", si->numeric ? "numbers" : "texts",
                tn(s, want, b1), tn(s, tx, b2));
            return e->type = T_ERR;
        }
        return e->type = T_BOOL;
    }
    bool ok = tx.kind != TY_ERR;
    bool to_text = false, mismatch = false;
    for (uint32_t i = 1; i < e->nkids; i++) {
        Expr *it = e->kids[i];
        if (!is_literal_item(it)) {
            err(s, it->loc, "a list after 'in' holds literals (texts, numbers, dates or labels)");
            ok = false;
            continue;
        }
        Type ti = check_against(s, sc, it, tx);
        if (ti.kind == TY_ERR || tx.kind == TY_ERR) { ok = false; continue; }
        if (it->kind == E_NAME && it->res != R_LABEL && it->res != R_NONE) {
            err(s, it->loc, "a list after 'in' holds literals; '%.*s' is not a label of %s",
                (int)it->slen, it->str, tn(s, tx, b1));
            ok = false;
            continue;
        }
        if (type_eq(ti, tx)) continue;
        if (tx.kind == TY_CLASS && ti.kind == TY_TEXT) { to_text = true; continue; }
        if (tx.kind == TY_TIME && ti.kind == TY_DATE) { coerce(s, &e->kids[i], T_TIME); continue; }
        if (tx.kind == TY_DATE && ti.kind == TY_TIME) continue;       /* handled below */
        if (!mismatch)                  /* once, not once per item */
            err(s, e->oploc, "'in' compares %s with %s", tn(s, tx, b1), tn(s, ti, b2));
        mismatch = true;
        ok = false;
    }
    if (!ok) return e->type = T_ERR;
    if (tx.kind == TY_DATE)
        for (uint32_t i = 1; i < e->nkids; i++)
            if (e->kids[i]->type.kind == TY_TIME) { coerce(s, px, T_TIME); break; }
    if (tx.kind == TY_DATE && (*px)->type.kind == TY_TIME)
        for (uint32_t i = 1; i < e->nkids; i++) coerce(s, &e->kids[i], T_TIME);
    if (to_text) {
        coerce(s, px, T_TEXT);
        for (uint32_t i = 1; i < e->nkids; i++) coerce(s, &e->kids[i], T_TEXT);
    }
    return e->type = T_BOOL;
}

static Type check(Sema *s, Scope *sc, Expr *e, Type hint)
{
    char b1[160], b2[160];
    switch (e->kind) {
    case E_NUM: return e->type = T_NUM;
    case E_DATE: return e->type = T_DATE;
    case E_TIME: return e->type = T_TIME;
    case E_BOOL: return e->type = T_BOOL;
    case E_STR:
        if (hint.kind == TY_LEVEL) {
            int k = level_label(s, hint.id, e->str, e->slen);
            if (k < 0) {
                err(s, e->strloc, "'%.*s' is not a label of %s", (int)e->slen, e->str, tn(s, hint, b1));
                return e->type = T_ERR;
            }
            e->res = R_LABEL; e->ref = k;
            return e->type = hint;
        }
        if (hint.kind == TY_CLASS) {
            int k = class_label(s, hint.id, e->str, e->slen);
            if (k >= 0) { e->res = R_LABEL; e->ref = k; return e->type = hint; }
        }
        return e->type = T_TEXT;
    case E_LEAD:
        return e->type = s->lead ? T_BOOL : T_ERR;
    case E_SCORE:
        return e->type = T_NUM;
    case E_NAME:
        return check_name(s, sc, e, hint);
    case E_MEMBER: {
        int32_t sidx;
        if (!sc->stream || !name_eq(sc->stream->name, sc->stream->len, e->str, e->slen)) {
            Sym *y = sym_find(s, e->str, e->slen);
            if (y && y->kind == SYM_STREAM)
                err(s, loc_span(e->strloc, e->mloc), "'%.*s.%.*s' is an event's field: it can be used only inside an aggregate over '%.*s'",
                    (int)e->slen, e->str, (int)e->mlen, e->member, (int)e->slen, e->str);
            else
                find_stream(s, e->str, e->slen, e->strloc, &sidx);
            return e->type = T_ERR;
        }
        int32_t f = stream_field(s, sc->stream, e->member, e->mlen, e->mloc);
        if (f < 0) return e->type = T_ERR;
        e->res = R_EVFIELD; e->ref = f; e->ref2 = sc->stream_idx;
        return e->type = sc->stream->fields[f].type;
    }
    case E_NOT:
        return e->type = need_bool(s, sc, &e->kids[0], "the operand of 'not'") ? T_BOOL : T_ERR;
    case E_NEG: {
        Type t = check(s, sc, e->kids[0], T_ERR);
        if (t.kind == TY_ERR) return e->type = T_ERR;
        if (t.kind != TY_NUMBER) {
            err(s, e->oploc, "unary '-' needs a number, but this is %s", tn(s, t, b1));
            return e->type = T_ERR;
        }
        return e->type = T_NUM;
    }
    case E_AND: case E_OR: {
        bool ok = true;
        const char *what = e->kind == E_AND ? "an operand of 'and'" : "an operand of 'or'";
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!need_bool(s, sc, &e->kids[i], what)) ok = false;
        return e->type = ok ? T_BOOL : T_ERR;
    }
    case E_ARITH: case E_TERM: {
        bool ok = true;
        for (uint32_t i = 0; i < e->nkids; i++) {
            Type t = check(s, sc, e->kids[i], T_ERR);
            if (t.kind == TY_ERR) { ok = false; continue; }
            if (t.kind != TY_NUMBER) {
                uint32_t k = i == 0 ? 1 : i;
                char op = e->ops[k];
                err(s, chain_op_loc(s, e, k, op), "the operands of '%c' must be numbers, but %s",
                    op, i == 0 ? "the left one is " : "this one is ");
                /* finish the message with the type */
                Diag *g = &s->diags->v[s->diags->n - 1];
                char *m;
                if (asprintf(&m, "%s%s", g->msg, tn(s, t, b1)) >= 0) { free(g->msg); g->msg = m; }
                ok = false;
            }
        }
        return e->type = ok ? T_NUM : T_ERR;
    }
    case E_CMP: {
        check_pair(s, sc, e->kids[0], e->kids[1], T_ERR);
        bool ord = e->op >= CMP_LT;
        if (!cmp_types(s, e, &e->kids[0], &e->kids[1], ord, e->oploc, cmp_name(e->op)))
            return e->type = T_ERR;
        if (ord && e->kids[0]->type.kind == TY_LEVEL) {
            if (e->kids[1]->res == R_LABEL) lint_level_bound(s, e, e->kids[0], e->kids[1], e->op, true);
            else if (e->kids[0]->res == R_LABEL) lint_level_bound(s, e, e->kids[1], e->kids[0], e->op, false);
        }
        return e->type = T_BOOL;
    }
    case E_IN:
        return check_in(s, sc, e);
    case E_TEXTOP: {
        const char *opn = e->op == TX_CONTAINS ? "contains" : e->op == TX_STARTS ? "starts with" : "ends with";
        Type ta = check(s, sc, e->kids[0], T_ERR), tb = check(s, sc, e->kids[1], T_ERR);
        if (ta.kind == TY_ERR || tb.kind == TY_ERR) return e->type = T_ERR;
        if (!coerce(s, &e->kids[0], T_TEXT) || !coerce(s, &e->kids[1], T_TEXT)) {
            err(s, e->oploc, "'%s' needs text on both sides, but they are %s and %s", opn, tn(s, ta, b1), tn(s, tb, b2));
            return e->type = T_ERR;
        }
        return e->type = T_BOOL;
    }
    case E_MATCHES: {
        Type t = check(s, sc, e->kids[0], T_ERR);
        if (t.kind == TY_ERR) return e->type = T_ERR;
        if (!coerce(s, &e->kids[0], T_TEXT)) {
            err(s, e->oploc, "'matches' needs text on its left, but this is %s", tn(s, t, b1));
            return e->type = T_ERR;
        }
        extern bool lead_regex_check(const char *pat, size_t len, char *msg, size_t msglen);
        char msg[256];
        if (!lead_regex_check(e->str, e->slen, msg, sizeof msg)) {
            err(s, e->strloc, "invalid regular expression: %s", msg);
            return e->type = T_ERR;
        }
        return e->type = T_BOOL;
    }
    case E_BETWEEN: {
        Expr *x = e->kids[0];
        /* the first operand that is not a candidate label decides the type;
         * among candidates, a name of a level or classification */
        uint32_t first = 0;
        if (is_candidate(x)) {
            uint32_t k;
            for (k = 1; k < 3 && is_candidate(e->kids[k]); k++) {}
            if (k == 3)
                for (k = 0; k < 3; k++) {
                    TyKind tk = peek_name(s, sc, e->kids[k]).kind;
                    if (tk == TY_LEVEL || tk == TY_CLASS) break;
                }
            first = k < 3 ? k : 0;
        }
        Type t0 = check(s, sc, e->kids[first], T_ERR);
        for (uint32_t k = 0; k < 3; k++)
            if (k != first) check_against(s, sc, e->kids[k], t0);
        /* x is shared by both halves: convert it once, for the wider side */
        if (x->type.kind == TY_DATE &&
            (e->kids[1]->type.kind == TY_TIME || e->kids[2]->type.kind == TY_TIME))
            coerce(s, &e->kids[0], T_TIME);
        if (!cmp_types(s, NULL, &e->kids[0], &e->kids[1], true, e->oploc, "between") ||
            !cmp_types(s, NULL, &e->kids[0], &e->kids[2], true, e->oploc, "between"))
            return e->type = T_ERR;
        return e->type = T_BOOL;
    }
    case E_IS: {
        Type t = check(s, sc, e->kids[0], T_ERR);
        return e->type = t.kind == TY_ERR ? T_ERR : T_BOOL;
    }
    case E_WITHIN: {
        Type t = check(s, sc, e->kids[0], T_ERR);
        if (t.kind == TY_ERR) return e->type = T_ERR;
        if (t.kind != TY_DATE && t.kind != TY_TIME) {
            err(s, e->oploc, "'within last' needs a date or a time, but this is %s", tn(s, t, b1));
            return e->type = T_ERR;
        }
        return e->type = T_BOOL;
    }
    case E_IF: {
        bool ok = need_bool(s, sc, &e->kids[0], "the condition of 'if'");
        Expr *a = e->kids[1], *b = e->kids[2];
        if (hint.kind != TY_ERR) {
            check(s, sc, a, hint);
            check(s, sc, b, hint);
        } else
            check_pair(s, sc, a, b, T_ERR);
        if (a->type.kind == TY_ERR || b->type.kind == TY_ERR || !ok) return e->type = T_ERR;
        Type t = a->type;
        if (b->type.kind == TY_TIME || (t.kind == TY_CLASS && b->type.kind == TY_TEXT)) t = b->type;
        if (t.kind == TY_TEXT && b->type.kind == TY_LEVEL) t = b->type;     /* texts become the level */
        if (!coerce(s, &e->kids[1], t) || !coerce(s, &e->kids[2], t)) {
            err(s, b->loc, "the branches of 'if' must have one type, but they are %s and %s",
                tn(s, a->type, b1), tn(s, b->type, b2));
            return e->type = T_ERR;
        }
        return e->type = t;
    }
    case E_CALL:
        return check_call(s, sc, e, hint);
    case E_CONV:
        return e->type;
    }
    return e->type = T_ERR;
}

/* ---- bodies in dependency order ------------------------------------- */

static void check_define(Sema *s, DefineInfo *di)
{
    char b1[160], b2[160];
    Decl *d = di->decl;
    Scope sc = { 0 };
    sc.stream_idx = -1;
    if (d->has_params) { sc.def = d; sc.di = di; }
    if (d->has_result) {
        /* the declared type stands for the callers even when the body has
         * an error: one error, not one more at every use */
        if (di->type.kind == TY_ERR) return;
        Type t = check(s, &sc, d->body, di->type);
        if (t.kind == TY_ERR) return;
        if (!coerce(s, &d->body, di->type))
            err(s, d->body->loc, "'%s' is declared to give %s, but this is %s", d->name,
                tn(s, di->type, b1), tn(s, t, b2));
        return;
    }
    di->type = check(s, &sc, d->body, T_ERR);
}

static void check_score(Sema *s)
{
    char b1[160];
    Decl *d = s->score;
    Scope sc = { 0 };
    sc.stream_idx = -1;
    for (uint32_t i = 0; i < d->nlines; i++) {
        ScoreLine *l = &d->lines[i];
        switch (l->kind) {
        case SL_WHEN:
            need_bool(s, &sc, &l->e, "the condition of a score line");
            break;
        case SL_PER: {
            Type t = check(s, &sc, l->e, T_ERR);
            if (t.kind != TY_ERR && t.kind != TY_NUMBER)
                err(s, l->e->loc, "a 'per' line needs a number, but this is %s", tn(s, t, b1));
            break;
        }
        case SL_FOREACH: {
            int32_t sidx = -1;
            StreamInfo *st = find_stream(s, l->stream, l->slen, l->sloc, &sidx);
            l->stream_idx = sidx;
            if (!st) break;
            check_window(s, &l->win, st, true, "for each");
            if (l->has_half && st->time < 0)
                err(s, l->half_loc, "a half life needs event times, but stream '%s' has no time field", st->name);
            check_body_where(s, &sc, st, sidx, &l->where);
            break;
        }
        case SL_LIMIT:
            break;
        }
        if (l->has_most && !(l->most >= 0))
            err(s, l->most_loc, "'at most' needs a number that is not negative");
        if (!isfinite(l->n))
            err(s, l->loc, "score points out of range");
    }
}

static void check_classify(Sema *s, ClassInfo *ci)
{
    Scope sc = { 0 };
    sc.stream_idx = -1;
    for (uint32_t i = 0; i < ci->decl->nclines; i++)
        if (ci->decl->clines[i].cond)
            need_bool(s, &sc, &ci->decl->clines[i].cond, "the condition of a classify line");
}

/* ---- pass 5: tests ---------------------------------------------------- */

static void check_literal_value(Sema *s, FieldInfo *f, TestField *tf)
{
    char b1[160];
    Expr *v = tf->value;
    Type ft = f->type;
    const char *got = v->kind == E_STR ? "a text" : v->kind == E_NUM || v->kind == E_NEG ? "a number" :
                      v->kind == E_DATE ? "a date" : v->kind == E_TIME ? "a time" :
                      v->kind == E_BOOL ? "a bool" : "a name";
    switch (ft.kind) {
    case TY_ERR: return;
    case TY_TEXT: if (v->kind == E_STR) { v->type = T_TEXT; return; } break;
    case TY_NUMBER: if (v->kind == E_NUM) { v->type = T_NUM; return; } break;
    case TY_BOOL: if (v->kind == E_BOOL) { v->type = T_BOOL; return; } break;
    case TY_DATE: if (v->kind == E_DATE) { v->type = T_DATE; return; } break;
    case TY_TIME:
        if (v->kind == E_TIME) { v->type = T_TIME; return; }
        if (v->kind == E_DATE) { v->kind = E_TIME; v->v.time = (int64_t)v->v.date * US_PER_DAY; v->type = T_TIME; return; }
        break;
    case TY_LEVEL:
        if (v->kind == E_STR || v->kind == E_NAME) {
            int k = level_label(s, ft.id, v->str, v->slen);
            if (k < 0) {
                err(s, v->loc, "'%.*s' is not a label of %s", (int)v->slen, v->str, tn(s, ft, b1));
                return;
            }
            v->res = R_LABEL; v->ref = k; v->type = ft;
            return;
        }
        break;
    default: break;
    }
    if (ft.kind == TY_BOOL && v->kind == E_NAME)
        err(s, v->loc, "field '%.*s' is bool: write true or false, not '%.*s'", (int)f->len, f->name,
            (int)v->slen, v->str);
    else
        err(s, v->loc, "field '%.*s' is %s, but this is %s", (int)f->len, f->name, tn(s, ft, b1), got);
}

/* The declared name of this kind closest to a misspelt one, or NULL. */
static const char *suggest_sym(Sema *s, const char *name, uint32_t len, SymKind kind)
{
    const char *best = NULL;
    unsigned bd = len <= 3 ? 2 : 3;
    for (uint32_t i = 0; i < s->symcap; i++)
        if (s->syms[i].name && s->syms[i].kind == kind) {
            unsigned dd = diag_distance(name, len, s->syms[i].name, s->syms[i].len);
            if (dd < bd && dd < len) { bd = dd; best = s->syms[i].name; }
        }
    return best;
}

static void check_test(Sema *s, Decl *t)
{
    char b1[160];
    int records = 0;
    double events = 0;          /* all event literals, repeats counted */
    bool unknown_lit = false;
    TestLit *first_rec = NULL;
    if (t->nexpects == 0)
        err(s, t->loc, "a test needs at least one 'expect' line");
    for (uint32_t i = 0; i < t->nlits; i++) {
        TestLit *tl = &t->lits[i];
        FieldInfo *fields;
        uint32_t nfields;
        const char *owner;
        if (s->record && name_eq(tl->name, tl->len, s->record->name, s->record->len)) {
            if (++records == 1)
                first_rec = tl;
            else if (records == 2) {
                err(s, tl->loc, "a test has exactly one record literal; this is a second '%.*s'", (int)tl->len, tl->name);
                note(s, first_rec->loc, "the first record literal is here");
            }
            fields = s->fields; nfields = s->nfields; owner = "record";
            tl->repeat_idx_stream = -1;
            if (tl->has_repeat)
                err(s, tl->repeat_loc, "'repeat' applies to event literals, not to the record");
        } else {
            Sym *y = sym_find(s, tl->name, tl->len);
            if (!y || y->kind != SYM_STREAM) {
                const char *best = NULL; unsigned bd = 3;
                if (s->record) {
                    unsigned dd = diag_distance(tl->name, tl->len, s->record->name, s->record->len);
                    if (dd < bd && dd < tl->len) { bd = dd; best = s->record->name; }
                }
                for (uint32_t j = 0; j < s->nstreams; j++) {
                    unsigned dd = diag_distance(tl->name, tl->len, s->streams[j].name, s->streams[j].len);
                    if (dd < bd && dd < tl->len) { bd = dd; best = s->streams[j].name; }
                }
                if (best)
                    err(s, tl->loc, "'%.*s' is neither the record nor an event stream; did you mean '%s'?",
                        (int)tl->len, tl->name, best);
                else
                    err(s, tl->loc, "'%.*s' is neither the record ('%s') nor an event stream", (int)tl->len, tl->name,
                        s->record ? s->record->name : "none");
                unknown_lit = true;
                continue;
            }
            tl->repeat_idx_stream = y->idx;
            fields = s->streams[y->idx].fields; nfields = s->streams[y->idx].nfields; owner = "stream";
            if (tl->has_repeat && !(tl->repeat >= 1 && tl->repeat <= 1000000 && tl->repeat == floor(tl->repeat)))
                err(s, tl->repeat_loc, "'repeat' needs a whole number from 1 to 1000000");
            else if (events <= 1000000 && (events += tl->has_repeat ? tl->repeat : 1) > 1000000)
                err(s, tl->loc, "a test holds at most 1000000 events in all; this literal brings it past that");
        }
        for (uint32_t k = 0; k < tl->nfields; k++) {
            TestField *tf = &tl->fields[k];
            int32_t fi = -1;
            for (uint32_t j = 0; j < nfields; j++)
                if (name_eq(fields[j].name, fields[j].len, tf->name, tf->len)) { fi = (int32_t)j; break; }
            if (fi < 0) {
                const char *best = NULL; unsigned bd = 3;
                for (uint32_t j = 0; j < nfields; j++) {
                    unsigned dd = diag_distance(tf->name, tf->len, fields[j].name, fields[j].len);
                    if (dd < bd && dd < tf->len) { bd = dd; best = fields[j].name; }
                }
                if (best) err(s, tf->loc, "unknown field '%.*s' in %s '%.*s'; did you mean '%s'?",
                              (int)tf->len, tf->name, owner, (int)tl->len, tl->name, best);
                else err(s, tf->loc, "unknown field '%.*s' in %s '%.*s'", (int)tf->len, tf->name, owner,
                         (int)tl->len, tl->name);
                continue;
            }
            for (uint32_t j = 0; j < k; j++)
                if (name_eq(tl->fields[j].name, tl->fields[j].len, tf->name, tf->len)) {
                    err(s, tf->loc, "field '%.*s' is given twice", (int)tf->len, tf->name);
                    note(s, tl->fields[j].loc, "'%.*s' is first given here", (int)tf->len, tf->name);
                    break;
                }
            tf->field_idx = fi;
            check_literal_value(s, &fields[fi], tf);
        }
    }
    if (records == 0 && s->record && !unknown_lit)
        err(s, t->loc, "a test needs exactly one record literal ('%s { ... }')", s->record->name);
    for (uint32_t i = 0; i < t->nexpects; i++) {
        Expect *x = &t->expects[i];
        if (x->kind == X_LEAD || x->kind == X_NOT_LEAD || x->kind == X_SCORE) continue;
        Sym *y = sym_find(s, x->name, x->len);
        if (x->kind == X_LABEL) {
            if (!y || y->kind != SYM_CLASS) {
                const char *best = y ? NULL : suggest_sym(s, x->name, x->len, SYM_CLASS);
                if (best)
                    err(s, x->nloc, "'expect %.*s = ...' needs a classification; did you mean '%s'?",
                        (int)x->len, x->name, best);
                else
                    err(s, x->nloc, "'expect %.*s = ...' needs a classification; '%.*s' is not one",
                        (int)x->len, x->name, (int)x->len, x->name);
                continue;
            }
            int k = class_label(s, (uint16_t)y->idx, x->label.name, x->label.len);
            if (k < 0) {
                ClassInfo *ci = &s->classes[y->idx];
                char labs[256]; size_t o = 0;
                for (uint32_t j = 0; j < ci->nlabels && o < 200; j++)
                    o += (size_t)snprintf(labs + o, sizeof labs - o, "%s%.*s", j ? ", " : "",
                                          (int)ci->labels[j].len, ci->labels[j].name);
                err(s, x->label.loc, "classification '%.*s' never gives '%.*s' (its labels: %s)",
                    (int)x->len, x->name, (int)x->label.len, x->label.name, labs);
                continue;
            }
            x->ref = y->idx;
            x->label_idx = k;
            continue;
        }
        if (!y || y->kind != SYM_DEFINE) {
            const char *best = y ? NULL : suggest_sym(s, x->name, x->len, SYM_DEFINE);
            if (best) {
                err(s, x->nloc, "'expect %.*s' needs a bool define; did you mean '%s'?", (int)x->len, x->name, best);
                continue;
            }
            err(s, x->nloc, "'expect %.*s' needs a bool define; '%.*s' is not a define", (int)x->len, x->name,
                (int)x->len, x->name);
            continue;
        }
        DefineInfo *di = &s->defines[y->idx];
        di->used = true;
        if (di->decl->has_params) {
            err(s, x->nloc, "'%.*s' takes parameters, so a test cannot expect it", (int)x->len, x->name);
            continue;
        }
        if (di->type.kind != TY_BOOL && di->type.kind != TY_ERR) {
            err(s, x->nloc, "'expect %.*s' needs a bool define, but '%.*s' is %s", (int)x->len, x->name,
                (int)x->len, x->name, tn(s, di->type, b1));
            continue;
        }
        x->ref = y->idx;
    }
}

/* ---- pass 6: lints ---------------------------------------------------- */

static void lints(Sema *s)
{
    for (uint32_t i = 0; i < s->ndefines; i++) {
        DefineInfo *di = &s->defines[i];
        if (!di->used && di->decl->module == 0)
            diag_warn(s->diags, "unused-define", di->decl->nloc,
                      "define '%s' is never used; remove it, or use it in 'lead', 'score' or 'classify'",
                      di->decl->name);
    }
    for (uint32_t i = 0; i < s->nsets; i++) {
        SetInfo *si = &s->sets[i];
        Decl *d = si->decl;
        if (d->module != 0) continue;
        if (!si->used)
            diag_warn(s->diags, "unused-set", d->nloc, "set '%s' is never used; remove it, or test it with 'in %s'",
                      d->name, d->name);
        /* duplicate members, after case folding */
        for (uint32_t a = 0; a < si->n && a < 5000; a++)
            for (uint32_t b = 0; b < a; b++) {
                bool same = si->numeric ? si->nums[a] == si->nums[b]
                                        : si->lens[a] == si->lens[b] && memcmp(si->texts[a], si->texts[b], si->lens[a]) == 0;
                if (!same) continue;
                Loc at = d->path ? d->pathloc : d->items[a]->loc;
                if (si->numeric)
                    diag_warn(s->diags, "duplicate-member", at, "set '%s' lists %g twice; remove one", d->name, si->nums[a]);
                else
                    diag_warn(s->diags, "duplicate-member", at, "set '%s' lists '%s' twice (case and spaces do not count); remove one",
                              d->name, si->texts[a]);
                break;
            }
    }
    for (uint32_t i = 0; i < s->nclasses; i++) {
        ClassInfo *ci = &s->classes[i];
        if (ci->otherwise < 0 && ci->decl->module == 0)
            diag_warn(s->diags, "no-otherwise", ci->decl->nloc,
                      "classification '%s' has no 'otherwise' line, so records that match no line get no label; "
                      "add 'otherwise LABEL'", ci->decl->name);
    }
    if (s->ntests == 0 && s->record && s->lead)
        diag_warn(s->diags, "no-tests", s->lead->loc,
                  "no test blocks: sales has not signed off on any example; add a 'test \"...\" { ... }' block");
    lint_program(s);
}

uint32_t sema_check(Sema *s)
{
    s->lead_node = -1;
    s->score_node = -1;
    collect(s);
    signatures(s);

    /* the dependency graph */
    Graph g = { 0 };
    g.n = s->ndefines + s->nclasses + 2;
    g.adj = arena_alloc(A, g.n * sizeof *g.adj);
    g.nadj = arena_alloc(A, g.n * sizeof *g.nadj);
    g.loc = arena_alloc(A, g.n * sizeof *g.loc);
    g.name = arena_alloc(A, g.n * sizeof *g.name);
    g.bad = arena_alloc(A, g.n);
    s->lead_node = (int32_t)(s->ndefines + s->nclasses);
    s->score_node = s->score ? s->lead_node + 1 : -1;
    s->nnodes = g.n;
    for (uint32_t i = 0; i < s->ndefines; i++) {
        s->defines[i].node = (int32_t)i;
        g.loc[i] = s->defines[i].decl->nloc;
        g.name[i] = s->defines[i].decl->name;
        Scope sc = { 0 };
        if (s->defines[i].decl->has_params) sc.def = s->defines[i].decl;
        deps_expr(s, &g, (int32_t)i, &sc, s->defines[i].decl->body);
    }
    for (uint32_t i = 0; i < s->nclasses; i++) {
        int32_t n = class_node(s, (int32_t)i);
        s->classes[i].node = n;
        g.loc[n] = s->classes[i].decl->nloc;
        g.name[n] = s->classes[i].decl->name;
        Scope sc = { 0 };
        for (uint32_t k = 0; k < s->classes[i].decl->nclines; k++)
            deps_expr(s, &g, n, &sc, s->classes[i].decl->clines[k].cond);
    }
    g.loc[s->lead_node] = s->lead ? s->lead->loc : (Loc){0};
    g.name[s->lead_node] = "lead";
    if (s->lead) { Scope sc = { 0 }; deps_expr(s, &g, s->lead_node, &sc, s->lead->body); }
    g.loc[s->lead_node + 1] = s->score ? s->score->loc : (Loc){0};
    g.name[s->lead_node + 1] = "score";
    if (s->score) {
        Scope sc = { 0 };
        for (uint32_t k = 0; k < s->score->nlines; k++) {
            ScoreLine *l = &s->score->lines[k];
            deps_expr(s, &g, s->score_node, &sc, l->e);
            if (l->kind == SL_FOREACH) deps_agg_body(s, &g, s->score_node, &sc, l->where, l->stream, l->slen);
        }
    }
    find_cycles_and_order(s, &g);

    for (uint32_t k = 0; k < s->norder; k++) {
        int32_t n = s->order[k];
        if (g.bad[n]) {
            if (n < (int32_t)s->ndefines) s->defines[n].type = T_ERR;
            continue;
        }
        if (n < (int32_t)s->ndefines) check_define(s, &s->defines[n]);
        else if (n < s->lead_node) check_classify(s, &s->classes[n - s->ndefines]);
        else if (n == s->lead_node) {
            if (s->lead) { Scope sc = { 0 }; sc.stream_idx = -1; need_bool(s, &sc, &s->lead->body, "the condition of 'lead when'"); }
        } else if (s->score)
            check_score(s);
    }
    for (uint32_t i = 0; i < s->ntests; i++) check_test(s, s->tests[i]);
    if (s->diags->nerrors == 0) lints(s);
    return s->diags->nerrors;
}
