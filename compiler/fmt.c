/* fmt: the canonical layout of a .lead file.
 *
 * Three steps:
 *   1. parse the file (the AST gives the structure: declarations, fields,
 *      score and classify lines, test items, chains, unary minus) and scan
 *      it again with comments (the token stream with positions);
 *   2. plan, for each token, whether it starts a line and where: a
 *      declaration starts at column 0, a block's item at 2, the columns of
 *      fields, score lines and classify lines align, a long or already
 *      broken `and`/`or` chain gets one operand per line with the operator
 *      leading, and every other line break inside an expression is kept
 *      where the author put it, moved with the text it continues;
 *   3. write the tokens with one space between them where the language
 *      reads better with one (none inside parentheses, before a comma,
 *      around a dot, after a unary minus or a score line's sign), each
 *      comment where it was (a trailing comment after its token, at its
 *      old column when there is room; an own-line comment on its own line
 *      before the token it preceded) and at most one blank line wherever
 *      the author had blank lines.
 * The result is scanned again and compared with the input, token for token
 * and comment for comment (fmt.h). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "lexctx.h"
#include "parser.h"
#include "utext.h"

#define MAX_WIDTH 100             /* a chain longer than this is broken */

enum { P_KEEP, P_JOIN, P_PAD, P_BREAK, P_KEEPCOL };

typedef struct Tok {
    int kind;
    uint32_t off, end;            /* bytes */
    uint32_t line, col;           /* 0-based; col in code points */
    uint32_t w;                   /* width in code points */
    bool unary;                   /* a unary minus */
} Tok;

typedef struct Com { uint32_t off, end, line, col; } Com;   /* end: without trailing white space */

typedef struct Plan { uint8_t kind; int32_t col, mincol; } Plan;

typedef struct F {
    const char *src;
    size_t len, start;            /* start: after a leading BOM */
    Diags *d;
    uint32_t file;
    Tok *t; uint32_t n, cap;
    Com *c; uint32_t nc, ccap;
    uint32_t *lead0, *lead1;      /* own-line comments before token i: [lead0, lead1) */
    int32_t *trail;               /* the comment after token i on its line, or -1 */
    uint32_t fin0;                /* comments after the last token: [fin0, nc) */
    Plan *p;
    int32_t *newcol;              /* where each token was written */
    uint32_t *first;              /* the first token on each token's source line */
    /* position bookkeeping while scanning */
    uint32_t pos_off, pos_line, pos_col;
    /* output */
    Buf out;
    uint32_t col;
    bool after_opener;            /* the last thing written is ( [ { */
    bool oom;
} F;

/* ---- scanning --------------------------------------------------------- */

/* Line and column of off, moving forward from the last position asked. */
static void advance(F *f, uint32_t off, uint32_t *line, uint32_t *col)
{
    const char *s = f->src;
    uint32_t ln = f->pos_line, from = f->pos_off, seg = f->pos_off, c = f->pos_col;
    for (uint32_t i = from; i < off; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= f->len || s[i + 1] != '\n'))) {
            ln++;
            seg = i + 1;
            c = 0;
        }
    c += (uint32_t)ut_length(s + seg, off - seg);
    f->pos_off = off;
    f->pos_line = ln;
    f->pos_col = c;
    *line = ln;
    *col = c;
}

static void *grow(F *f, void *arr, uint32_t *cap, uint32_t n, size_t size)
{
    if (n < *cap) return arr;
    uint32_t nc = *cap ? *cap * 2 : 256;
    void *p = realloc(arr, (size_t)nc * size);
    if (!p) { f->oom = true; return arr; }
    *cap = nc;
    return p;
}

static void on_token(void *u, int tok, Loc loc, const union LEAD_YYSTYPE *v)
{
    (void)v;
    F *f = u;
    if (f->oom) return;
    f->t = grow(f, f->t, &f->cap, f->n, sizeof *f->t);
    if (f->oom) return;
    Tok *t = &f->t[f->n++];
    memset(t, 0, sizeof *t);
    t->kind = tok;
    t->off = loc.off;
    t->end = loc.end;
    advance(f, loc.off, &t->line, &t->col);
    t->w = (uint32_t)ut_length(f->src + loc.off, loc.end - loc.off);
}

static void on_comment(void *u, Loc loc)
{
    F *f = u;
    if (f->oom) return;
    f->c = grow(f, f->c, &f->ccap, f->nc, sizeof *f->c);
    if (f->oom) return;
    Com *c = &f->c[f->nc++];
    c->off = loc.off;
    c->end = loc.end;
    while (c->end > c->off && (f->src[c->end - 1] == ' ' || f->src[c->end - 1] == '\t' ||
                               f->src[c->end - 1] == '\f' || f->src[c->end - 1] == '\v'))
        c->end--;
    advance(f, loc.off, &c->line, &c->col);
}

/* Scan text (the tokens the parser would get, and the comments) into f. */
static int scan(F *f, Diags *d, uint32_t file, const char *text, size_t len)
{
    Arena a = { 0 };
    Ast ast = { 0 };
    LexCtx lx = { .arena = &a, .diags = d, .ast = &ast, .file = file, .src = text, .len = len,
                  .on_comment = on_comment, .comment_u = f };
    f->src = text;
    f->len = len;
    f->pos_off = f->pos_line = f->pos_col = 0;
    f->start = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    f->pos_off = (uint32_t)f->start;
    int errs = lead_scan_all(&lx, on_token, f);
    arena_free(&a);
    return errs;
}

/* Index of the token that starts at byte off (or the first one after). */
static uint32_t tok_at(const F *f, uint32_t off)
{
    uint32_t lo = 0, hi = f->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (f->t[mid].off < off) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Attach each comment to a token: the one before it on its line (a
 * trailing comment), else the next token (an own-line comment). */
static void attach_comments(F *f)
{
    uint32_t n = f->n;
    f->lead0 = calloc(n + 1, sizeof *f->lead0);
    f->lead1 = calloc(n + 1, sizeof *f->lead1);
    f->trail = malloc((n + 1) * sizeof *f->trail);
    if (!f->lead0 || !f->lead1 || !f->trail) { f->oom = true; return; }
    for (uint32_t i = 0; i <= n; i++) f->trail[i] = -1;
    uint32_t k = 0;
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t limit = i < n ? f->t[i].off : (uint32_t)f->len + 1;
        if (i > 0 && k < f->nc && f->c[k].off < limit && f->c[k].line == f->t[i - 1].line)
            f->trail[i - 1] = (int32_t)k++;
        f->lead0[i] = k;
        while (k < f->nc && f->c[k].off < limit) k++;
        f->lead1[i] = k;
    }
    f->fin0 = f->lead0[n];
}

/* ---- the AST: what each token is -------------------------------------- */

static void mark_unary(F *f, const Expr *e)
{
    if (!e) return;
    if (e->kind == E_NEG) {
        uint32_t i = tok_at(f, e->oploc.off);
        if (i < f->n && f->t[i].kind == '-') f->t[i].unary = true;
    }
    if (e->kind == E_NUM && e->loc.off < f->len && f->src[e->loc.off] == '-') {
        uint32_t i = tok_at(f, e->loc.off);       /* a negative literal in a test */
        if (i < f->n && f->t[i].kind == '-') f->t[i].unary = true;
    }
    for (uint32_t i = 0; i < e->nkids; i++) mark_unary(f, e->kids[i]);
    if (e->kind == E_CALL) mark_unary(f, e->where);
}

/* Every '-' in [a, b) is a sign (a limit line, an expected score). */
static void mark_signs(F *f, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b && i < f->n; i++)
        if (f->t[i].kind == '-') f->t[i].unary = true;
}

static void mark_decl(F *f, const Decl *d, uint32_t a, uint32_t b)
{
    switch (d->kind) {
    case D_SET:
        for (uint32_t i = 0; i < d->nitems; i++) mark_unary(f, d->items[i]);
        break;
    case D_DEFINE: case D_LEAD:
        mark_unary(f, d->body);
        break;
    case D_SCORE:
        for (uint32_t i = 0; i < d->nlines; i++) {
            const ScoreLine *l = &d->lines[i];
            mark_unary(f, l->e);
            mark_unary(f, l->where);
            if (l->kind == SL_LIMIT) {
                uint32_t s = tok_at(f, l->loc.off);
                mark_signs(f, s, tok_at(f, l->loc.end));
            }
        }
        break;
    case D_CLASSIFY:
        for (uint32_t i = 0; i < d->nclines; i++) mark_unary(f, d->clines[i].cond);
        break;
    case D_TEST:
        for (uint32_t i = 0; i < d->nlits; i++)
            for (uint32_t k = 0; k < d->lits[i].nfields; k++) mark_unary(f, d->lits[i].fields[k].value);
        for (uint32_t i = 0; i < d->nexpects; i++)
            if (d->expects[i].kind == X_SCORE)
                mark_signs(f, tok_at(f, d->expects[i].loc.off), tok_at(f, d->expects[i].loc.end));
        break;
    default:
        break;
    }
    (void)a; (void)b;
}

/* ---- spacing ---------------------------------------------------------- */

/* Keywords that are syntax: a '(' after one of them opens a group, not an
 * argument list. */
static bool is_syntax_kw(int k)
{
    switch (k) {
    case T_AND: case T_OR: case T_NOT: case T_IN: case T_IS: case T_CONTAINS: case T_STARTS:
    case T_ENDS: case T_WITH: case T_MATCHES: case T_BETWEEN: case T_WITHIN: case T_IF:
    case T_THEN: case T_ELSE: case T_WHEN: case T_PER: case T_WHERE: case T_DURING:
    case T_DISTINCT: case T_LEAD: case T_SCORE: case T_TRUE: case T_FALSE: case T_MISSING:
    case T_PRESENT: case T_FROM: case T_TO: case T_MOST: case T_LAST:
        return true;
    }
    return false;
}

static bool is_punct(int k)
{
    switch (k) {
    case '(': case ')': case '[': case ']': case '{': case '}': case ',': case ':': case '.':
    case '=': case '<': case '>': case '*': case '/': case '+': case '-':
    case T_NE: case T_LE: case T_GE: case T_ARROW: case T_SPLUS: case T_SMINUS:
    case T_STRING: case T_NUMBER: case T_DATE: case T_TIME:
        return true;
    }
    return false;
}

static bool is_opener(int k) { return k == '(' || k == '[' || k == '{'; }
static bool is_closer(int k) { return k == ')' || k == ']' || k == '}'; }

/* Spaces between token i-1 and token i on one line: 0 or 1. */
static uint32_t space_before(const F *f, uint32_t i)
{
    if (i == 0) return 0;
    int a = f->t[i - 1].kind, b = f->t[i].kind;
    if (a == '(' || a == '[' || a == '.') return 0;
    if (b == ')' || b == ']' || b == ',' || b == '.' || b == ':') return 0;
    if (a == T_SPLUS || a == T_SMINUS || f->t[i - 1].unary) return 0;
    if (b == '(' && !is_punct(a) && !is_syntax_kw(a)) return 0;      /* a call: f(x), level(...) */
    return 1;
}

/* Width of tokens [a, b) on one line. */
static uint32_t flat_width(const F *f, uint32_t a, uint32_t b)
{
    uint32_t w = 0;
    for (uint32_t i = a; i < b && i < f->n; i++) w += f->t[i].w + (i > a ? space_before(f, i) : 0);
    return w;
}

/* Was there a blank line (or more) before token i, its own-line comments
 * included? */
static bool blank_before(const F *f, uint32_t i)
{
    if (i == 0 || i >= f->n) return false;
    uint32_t prev = f->t[i - 1].line;
    for (uint32_t k = f->lead0[i]; k < f->lead1[i]; k++) {
        if (f->c[k].line >= prev + 2) return true;
        prev = f->c[k].line;
    }
    return f->t[i].line >= prev + 2;
}

/* Is there a comment among tokens [a, b) (after a, before b - 1)? */
static bool has_comments(const F *f, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i + 1 < b && i + 1 < f->n; i++)
        if (f->trail[i] >= 0 || f->lead1[i + 1] > f->lead0[i + 1]) return true;
    return false;
}

/* Do tokens [a, b) span more than one source line? */
static bool multiline(const F *f, uint32_t a, uint32_t b)
{
    return b > a && f->t[b - 1].line != f->t[a].line;
}

static void plan(F *f, uint32_t i, int kind, int32_t col)
{
    if (i < f->n) { f->p[i].kind = (uint8_t)kind; f->p[i].col = col; }
}

static void keep(F *f, uint32_t a, uint32_t b, int32_t mincol)
{
    for (uint32_t i = a; i < b && i < f->n; i++) { f->p[i].kind = P_KEEP; f->p[i].mincol = mincol; }
}

/* ---- chains ----------------------------------------------------------- */

static bool is_chain(const Expr *e)
{
    return e && (e->kind == E_AND || e->kind == E_OR) && !e->paren && e->nkids >= 2;
}

/* Break the chain e one operand per line?  When it was written broken, or
 * when its line would be longer than MAX_WIDTH from column at. */
static bool chain_breaks(const F *f, const Expr *e, uint32_t at, uint32_t end)
{
    if (!is_chain(e)) return false;
    for (uint32_t k = 1; k < e->nkids; k++) {
        uint32_t o = tok_at(f, e->kids[k]->loc.off) - 1;
        if (f->t[o].line != f->t[o - 1].line || f->t[o + 1].line != f->t[o].line) return true;
    }
    uint32_t a = tok_at(f, e->loc.off);
    return at + flat_width(f, a, end) > MAX_WIDTH;
}

/* One operand per line: operators at opcol, operands at opcol + len + 1.
 * The first operand is placed by the caller (at that column). */
static void plan_chain(F *f, const Expr *e, int32_t opcol, uint32_t end)
{
    uint32_t oplen = e->kind == E_AND ? 3 : 2;
    int32_t at = opcol + (int32_t)oplen + 1;
    uint32_t first = tok_at(f, e->loc.off);
    keep(f, first, end, at);
    for (uint32_t k = 1; k < e->nkids; k++) {
        uint32_t s = tok_at(f, e->kids[k]->loc.off);
        plan(f, s - 1, P_BREAK, opcol);
        plan(f, s, P_JOIN, 0);
        f->p[s].mincol = at;
    }
}

/* A condition that follows a keyword on its line (lead when, a score or
 * classify line): a broken chain keeps its first operand there and aligns
 * the others under it. */
static void plan_cond(F *f, const Expr *e, uint32_t a, uint32_t b, int32_t at)
{
    keep(f, a, b, at);
    if (a < b) { f->p[a].kind = P_JOIN; }
    if (chain_breaks(f, e, (uint32_t)at, b)) {
        int32_t oplen = e->kind == E_AND ? 3 : 2;
        plan_chain(f, e, at - oplen - 1, b);
        f->p[a].kind = P_JOIN;
    }
}

/* ---- declarations ----------------------------------------------------- */

static uint32_t label_width(const F *f, uint32_t i) { return i < f->n ? f->t[i].w : 0; }

static void plan_fields(F *f, const Decl *d, uint32_t a, uint32_t b)
{
    uint32_t w = 0;
    for (uint32_t k = 0; k < d->nfields; k++) {
        uint32_t s = tok_at(f, d->fields[k].loc.off);
        if (f->t[s].w > w) w = f->t[s].w;
    }
    for (uint32_t k = 0; k < d->nfields; k++) {
        uint32_t s = tok_at(f, d->fields[k].loc.off);
        uint32_t e = k + 1 < d->nfields ? tok_at(f, d->fields[k + 1].loc.off) : b - 1;
        keep(f, s, e, 4);
        plan(f, s, P_BREAK, 2);
        plan(f, s + 1, P_JOIN, 0);
        plan(f, s + 2, P_PAD, (int32_t)(2 + w + 2));
    }
    (void)a;
}

static void plan_score(F *f, const Decl *d, uint32_t a, uint32_t b)
{
    uint32_t w = 0;
    for (uint32_t k = 0; k < d->nlines; k++) {
        if (d->lines[k].kind == SL_LIMIT) continue;
        uint32_t s = tok_at(f, d->lines[k].loc.off);
        if (1 + f->t[s + 1].w > w) w = 1 + f->t[s + 1].w;
    }
    for (uint32_t k = 0; k < d->nlines; k++) {
        const ScoreLine *l = &d->lines[k];
        uint32_t s = tok_at(f, l->loc.off);
        uint32_t e = k + 1 < d->nlines ? tok_at(f, d->lines[k + 1].loc.off) : b - 1;
        keep(f, s, e, 4);
        if (l->kind == SL_LIMIT) {
            plan(f, s, P_BREAK, 2);
            continue;
        }
        uint32_t pw = 1 + f->t[s + 1].w;
        plan(f, s, P_BREAK, 2);        /* sign and points at the indent, as LANGUAGE.md writes them */
        (void)pw;
        plan(f, s + 1, P_JOIN, 0);
        plan(f, s + 2, P_PAD, (int32_t)(2 + w + 1));
        if (l->kind == SL_WHEN) {
            int32_t at = (int32_t)(2 + w + 1 + 5);
            plan_cond(f, l->e, s + 3, e, at);
        }
    }
    (void)a;
}

static void plan_classify(F *f, const Decl *d, uint32_t a, uint32_t b)
{
    uint32_t w = 0;
    for (uint32_t k = 0; k < d->nclines; k++)
        if (d->clines[k].cond) {
            uint32_t lw = label_width(f, tok_at(f, d->clines[k].label.loc.off));
            if (lw > w) w = lw;
        }
    for (uint32_t k = 0; k < d->nclines; k++) {
        const ClassLine *cl = &d->clines[k];
        uint32_t s = tok_at(f, cl->loc.off);
        uint32_t e = k + 1 < d->nclines ? tok_at(f, d->clines[k + 1].loc.off) : b - 1;
        keep(f, s, e, 4);
        plan(f, s, P_BREAK, 2);
        if (!cl->cond) {
            plan(f, s + 1, P_JOIN, 0);
            continue;
        }
        plan(f, s + 1, P_PAD, (int32_t)(2 + w + 1));
        plan_cond(f, cl->cond, s + 2, e, (int32_t)(2 + w + 1 + 5));
    }
    (void)a;
}

typedef struct Item { uint32_t off; int kind; const TestLit *lit; } Item;

static int item_cmp(const void *x, const void *y)
{
    const Item *a = x, *b = y;
    return a->off < b->off ? -1 : a->off > b->off;
}

static void plan_test(F *f, const Ast *ast, const Decl *d, uint32_t a, uint32_t b)
{
    uint32_t n = d->nlits + d->nexpects + (d->has_asof ? 1 : 0);
    Item *it = calloc(n + 1, sizeof *it);
    if (!it) { f->oom = true; return; }
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->nlits; i++) it[k++] = (Item){ d->lits[i].loc.off, 1, &d->lits[i] };
    for (uint32_t i = 0; i < d->nexpects; i++) it[k++] = (Item){ d->expects[i].loc.off, 2, NULL };
    if (d->has_asof) it[k++] = (Item){ d->asofloc.off, 3, NULL };
    qsort(it, n, sizeof *it, item_cmp);
    const Decl *rec = NULL;
    for (uint32_t i = 0; i < ast->ndecls; i++)
        if (ast->decls[i]->kind == D_RECORD) { rec = ast->decls[i]; break; }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = tok_at(f, it[i].off);
        uint32_t e = i + 1 < n ? tok_at(f, it[i + 1].off) : b - 1;
        keep(f, s, e, 4);
        plan(f, s, P_BREAK, 2);
    }
    /* consecutive one-line event literals align their '{' */
    for (uint32_t i = 0; i < n; ) {
        uint32_t j = i, w = 0;
        while (j < n) {
            const TestLit *t = it[j].lit;
            uint32_t s = tok_at(f, it[j].off);
            uint32_t e = j + 1 < n ? tok_at(f, it[j + 1].off) : b - 1;
            bool ok = t && !(rec && rec->len == t->len && memcmp(rec->name, t->name, t->len) == 0) &&
                      !multiline(f, s, e) && (j == i || !blank_before(f, s)) &&
                      f->lead1[s] == f->lead0[s] && f->t[s + 1].kind == '{';
            if (!ok) break;
            if (f->t[s].w > w) w = f->t[s].w;
            j++;
        }
        if (j - i >= 2)
            for (uint32_t m = i; m < j; m++) plan(f, tok_at(f, it[m].off) + 1, P_PAD, (int32_t)(2 + w + 1));
        i = j > i ? j : i + 1;
    }
    free(it);
    (void)a;
}

static bool is_header(DeclKind k)
{
    return k == D_DEFINITION || k == D_VERSION || k == D_OWNER || k == D_APPROVED;
}

/* The '=' of a define or a set with a list. */
static uint32_t eq_token(const F *f, const Decl *d, uint32_t a, uint32_t b)
{
    if (d->kind == D_DEFINE) return tok_at(f, d->body->loc.off) - 1;
    if (d->kind == D_SET && !d->path)
        for (uint32_t i = a; i < b; i++) if (f->t[i].kind == '=') return i;
    return b;
}

static void plan_decl(F *f, const Ast *ast, uint32_t di, uint32_t a, uint32_t b, int32_t eqcol)
{
    const Decl *d = ast->decls[di];
    keep(f, a, b, 2);
    for (uint32_t i = a + 1; i < b; i++) f->p[i].kind = P_JOIN;
    plan(f, a, P_BREAK, 0);
    if (is_header(d->kind) && di > 0 && is_header(ast->decls[di - 1]->kind) &&
        f->t[a].line == f->t[a - 1].line)
        plan(f, a, P_JOIN, 0);            /* definition "X" version 3 */
    switch (d->kind) {
    case D_RECORD: case D_EVENTS:
        plan_fields(f, d, a, b);
        plan(f, b - 1, P_BREAK, 0);
        break;
    case D_SET:
        if (d->path) break;
        {
            uint32_t eq = eq_token(f, d, a, b);
            if (eqcol >= 0) plan(f, eq, P_PAD, eqcol);
            uint32_t ob = eq + 1, cb = b - 1;
            if (multiline(f, ob, b) && ob + 1 < cb && f->t[ob + 1].line != f->t[ob].line) {
                /* a list that opens a block: its lines at 2, its ']' at 0 */
                for (uint32_t i = ob + 1; i < cb; i++) { f->p[i].kind = P_KEEPCOL; f->p[i].col = 2; }
                plan(f, cb, P_KEEPCOL, 0);
            } else
                keep(f, ob + 1, b, 2);
        }
        break;
    case D_DEFINE: {
        uint32_t eq = eq_token(f, d, a, b);
        plan(f, eq, eqcol >= 0 ? P_PAD : P_JOIN, eqcol);
        keep(f, eq + 1, b, 2);
        uint32_t at = (uint32_t)(eqcol >= 0 ? eqcol : (int32_t)flat_width(f, a, eq) + 1) + 2;
        if (chain_breaks(f, d->body, at, b)) {
            uint32_t oplen = d->body->kind == E_AND ? 3 : 2;
            plan_chain(f, d->body, 2, b);
            plan(f, eq + 1, P_BREAK, (int32_t)(2 + oplen + 1));
        }
        break;
    }
    case D_EXTERN:
        keep(f, a + 1, b, 2);
        for (uint32_t i = a + 1; i < b; i++) if (!multiline(f, a, b)) f->p[i].kind = P_JOIN;
        break;
    case D_LEAD:
        plan_cond(f, d->body, a + 2, b, 10);
        break;
    case D_SCORE:
        plan_score(f, d, a, b);
        plan(f, b - 1, P_BREAK, 0);
        break;
    case D_CLASSIFY:
        plan_classify(f, d, a, b);
        plan(f, b - 1, P_BREAK, 0);
        break;
    case D_TEST:
        plan_test(f, ast, d, a, b);
        plan(f, b - 1, P_BREAK, 0);
        break;
    default:
        break;
    }
}

/* The runs of consecutive defines (and of sets with lists) align their
 * '=': *eqcol for each declaration, or -1. */
static void align_runs(F *f, const Ast *ast, const uint32_t *start, int32_t *eqcol)
{
    uint32_t nd = ast->ndecls;
    for (uint32_t i = 0; i < nd; ) {
        const Decl *d = ast->decls[i];
        bool alignable = (d->kind == D_DEFINE || (d->kind == D_SET && !d->path));
        if (!alignable) { eqcol[i++] = -1; continue; }
        uint32_t j = i, w = 0;
        while (j < nd) {
            const Decl *e = ast->decls[j];
            if (e->kind != d->kind || (e->kind == D_SET && e->path)) break;
            if (j > i && blank_before(f, start[j])) break;
            uint32_t b = j + 1 < nd ? start[j + 1] : f->n;
            uint32_t eq = eq_token(f, e, start[j], b);
            if (has_comments(f, start[j], eq + 1)) break;
            uint32_t hw = flat_width(f, start[j], eq);
            if (hw > w) w = hw;
            j++;
        }
        if (j == i) { eqcol[i++] = -1; continue; }
        for (uint32_t k = i; k < j; k++) eqcol[k] = (int32_t)w + 1;
        i = j;
    }
}

/* ---- writing ---------------------------------------------------------- */

static void out_add(F *f, const char *s, size_t n)
{
    ubuf_add(&f->out, s, n);
    f->col += (uint32_t)ut_length(s, n);
}

static void out_spaces(F *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) ubuf_addc(&f->out, ' ');
    f->col += n;
}

static void out_newline(F *f, bool blank)
{
    if (f->out.len == 0 || (f->start && f->out.len == f->start)) return;    /* nothing written yet */
    while (f->out.len && f->out.p[f->out.len - 1] == ' ') f->out.len--;
    ubuf_addc(&f->out, '\n');
    if (blank) ubuf_addc(&f->out, '\n');
    f->col = 0;
}

/* Where a token that starts a line the formatter did not plan goes: with
 * the text of the line before it, as it was (aligned with the token it
 * was aligned with, or as far from that line's start as it was). */
static int32_t relcol(const F *f, uint32_t i)
{
    uint32_t p = i - 1, first = f->first[p];
    for (uint32_t k = first; k <= p && k < first + 1000; k++)      /* a huge line: its start will do */
        if (f->t[k].col == f->t[i].col) return f->newcol[k];
    return f->newcol[first] + ((int32_t)f->t[i].col - (int32_t)f->t[first].col);
}

static void write_all(F *f)
{
    uint32_t prev_line = 0;
    bool any = false;
    if (f->start) ubuf_add(&f->out, f->src, f->start);        /* a BOM stays */
    for (uint32_t i = 0; i < f->n; i++) {
        const Plan *p = &f->p[i];
        const Tok *t = &f->t[i];
        bool has_lead = f->lead1[i] > f->lead0[i];
        bool src_nl = i > 0 && t->line > f->t[i - 1].line;
        bool forced = has_lead || (i > 0 && f->trail[i - 1] >= 0);
        bool nl;
        int32_t col;
        if (i == 0) { nl = true; col = 0; }
        else switch (p->kind) {
        case P_BREAK: nl = true; col = p->col; break;
        case P_KEEPCOL: nl = src_nl || forced; col = p->col; break;
        case P_KEEP: nl = src_nl || forced; col = nl ? relcol(f, i) : 0; break;
        default: nl = forced; col = nl ? relcol(f, i) : 0; break;
        }
        if (p->kind != P_BREAK && p->kind != P_KEEPCOL && col < p->mincol) col = p->mincol;
        if (col < 0) col = 0;
        if (nl) {
            uint32_t ccol = is_closer(t->kind) ? (uint32_t)col + 2 : (uint32_t)col;
            for (uint32_t k = f->lead0[i]; k < f->lead1[i]; k++) {
                const Com *c = &f->c[k];
                out_newline(f, any && !f->after_opener && c->line >= prev_line + 2);
                out_spaces(f, ccol);
                out_add(f, f->src + c->off, c->end - c->off);
                f->after_opener = false;
                prev_line = c->line;
                any = true;
            }
            out_newline(f, any && !f->after_opener && !is_closer(t->kind) && t->line >= prev_line + 2);
            out_spaces(f, (uint32_t)col);
        } else {
            uint32_t sp = space_before(f, i);
            if (p->kind == P_PAD && f->col + sp < (uint32_t)p->col) sp = (uint32_t)p->col - f->col;
            out_spaces(f, sp);
        }
        f->newcol[i] = (int32_t)f->col;
        out_add(f, f->src + t->off, t->end - t->off);
        f->after_opener = is_opener(t->kind);
        prev_line = t->line;
        any = true;
        if (f->trail[i] >= 0) {
            const Com *c = &f->c[f->trail[i]];
            out_spaces(f, c->col > f->col + 1 ? c->col - f->col : 1);
            out_add(f, f->src + c->off, c->end - c->off);
            f->after_opener = false;
        }
    }
    for (uint32_t k = f->fin0; k < f->nc; k++) {
        const Com *c = &f->c[k];
        out_newline(f, any && c->line >= prev_line + 2);
        out_add(f, f->src + c->off, c->end - c->off);
        prev_line = c->line;
        any = true;
    }
    if (any) out_newline(f, false);
}

static void f_free(F *f)
{
    free(f->t); free(f->c); free(f->lead0); free(f->lead1); free(f->trail);
    free(f->p); free(f->newcol); free(f->first);
    memset(f, 0, sizeof *f);
}

/* Same tokens, same comments, in the same order? */
static bool same_stream(const F *a, const F *b)
{
    if (a->n != b->n || a->nc != b->nc) return false;
    for (uint32_t i = 0; i < a->n; i++) {
        const Tok *x = &a->t[i], *y = &b->t[i];
        if (x->kind != y->kind || x->end - x->off != y->end - y->off ||
            memcmp(a->src + x->off, b->src + y->off, x->end - x->off) != 0)
            return false;
    }
    for (uint32_t i = 0; i < a->nc; i++) {
        const Com *x = &a->c[i], *y = &b->c[i];
        if (x->end - x->off != y->end - y->off || memcmp(a->src + x->off, b->src + y->off, x->end - x->off) != 0)
            return false;
    }
    return true;
}

FmtStatus fmt_format(Diags *d, uint32_t file, char **out, size_t *outlen)
{
    const SrcFile *sf = &d->files[file];
    *out = NULL;
    *outlen = 0;

    /* 1. parse, then scan with comments */
    Arena arena = { 0 };
    Ast ast = { 0 };
    LexCtx lx = { .arena = &arena, .diags = d, .ast = &ast, .file = file, .src = sf->text, .len = sf->len };
    if (lead_parse(&lx) || d->nerrors) {
        diag_sort(d);
        arena_free(&arena);
        return FMT_SYNTAX;
    }
    F f = { 0 };
    f.d = d;
    f.file = file;
    scan(&f, d, file, sf->text, sf->len);
    FmtStatus st = FMT_INTERNAL;
    if (f.oom) goto done;
    attach_comments(&f);
    f.p = calloc(f.n + 1, sizeof *f.p);
    f.newcol = calloc(f.n + 1, sizeof *f.newcol);
    f.first = calloc(f.n + 1, sizeof *f.first);
    for (uint32_t i = 1; f.first && i < f.n; i++)
        f.first[i] = f.t[i].line == f.t[i - 1].line ? f.first[i - 1] : i;
    uint32_t *start = calloc(ast.ndecls + 1, sizeof *start);
    int32_t *eqcol = calloc(ast.ndecls + 1, sizeof *eqcol);
    if (f.oom || !f.p || !f.newcol || !f.first || !start || !eqcol) { free(start); free(eqcol); goto done; }

    /* 2. plan */
    for (uint32_t i = 0; i < ast.ndecls; i++) start[i] = tok_at(&f, ast.decls[i]->loc.off);
    for (uint32_t i = 0; i < ast.ndecls; i++)
        mark_decl(&f, ast.decls[i], start[i], i + 1 < ast.ndecls ? start[i + 1] : f.n);
    align_runs(&f, &ast, start, eqcol);
    for (uint32_t i = 0; i < ast.ndecls; i++)
        plan_decl(&f, &ast, i, start[i], i + 1 < ast.ndecls ? start[i + 1] : f.n, eqcol[i]);
    free(start);
    free(eqcol);

    /* 3. write, and scan what was written */
    write_all(&f);
    if (f.oom) goto done;
    {
        Diags check = { 0 };
        char *copy = malloc(f.out.len + 1);
        if (!copy) goto done;
        memcpy(copy, f.out.p ? f.out.p : "", f.out.len);
        copy[f.out.len] = 0;
        uint32_t id = diag_add_file(&check, sf->path, copy, f.out.len);
        F g = { 0 };
        int errs = scan(&g, &check, id, check.files[id].text, check.files[id].len);
        bool same = errs == 0 && !g.oom && same_stream(&f, &g);
        f_free(&g);
        diag_free(&check);
        if (!same) goto done;
    }
    *out = f.out.p ? f.out.p : calloc(1, 1);
    *outlen = f.out.len;
    f.out.p = NULL;
    st = FMT_OK;
done:
    ubuf_free(&f.out);
    f_free(&f);
    arena_free(&arena);
    return st;
}

/* ---- a unified diff (leadc fmt --check) ------------------------------- */

typedef struct Lines { const char **p; uint32_t *len; uint64_t *h; uint32_t n; bool last_nl; } Lines;

static bool split_lines(const char *s, size_t n, Lines *l)
{
    uint32_t cap = 1;
    for (size_t i = 0; i < n; i++) if (s[i] == '\n') cap++;
    l->p = malloc(cap * sizeof *l->p);
    l->len = malloc(cap * sizeof *l->len);
    l->h = malloc(cap * sizeof *l->h);
    l->n = 0;
    if (!l->p || !l->len || !l->h) return false;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '\n') j++;
        l->p[l->n] = s + i;
        l->len[l->n] = (uint32_t)(j - i);
        l->h[l->n] = ut_hash_bytes(s + i, j - i);
        l->n++;
        i = j + 1;
    }
    l->last_nl = n == 0 || s[n - 1] == '\n';
    return true;
}

static void free_lines(Lines *l) { free(l->p); free(l->len); free(l->h); }

/* Equal lines; a last line without its newline equals no line that has one. */
static bool line_eq(const Lines *a, uint32_t i, const Lines *b, uint32_t j)
{
    bool ca = i + 1 == a->n && !a->last_nl, cb = j + 1 == b->n && !b->last_nl;
    return a->h[i] == b->h[j] && a->len[i] == b->len[j] && ca == cb && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* Edit script ops: '=' keep, '-' delete a line of a, '+' insert a line of b. */
static char *edit_script(const Lines *a, const Lines *b, uint32_t *nops)
{
    uint32_t N = a->n, M = b->n, pre = 0, suf = 0;
    while (pre < N && pre < M && line_eq(a, pre, b, pre)) pre++;
    while (suf < N - pre && suf < M - pre && line_eq(a, N - 1 - suf, b, M - 1 - suf)) suf++;
    uint32_t n = N - pre - suf, m = M - pre - suf;
    char *ops = malloc((size_t)N + M + 1);
    if (!ops) return NULL;
    uint32_t k = 0;
    for (uint32_t i = 0; i < pre; i++) ops[k++] = '=';
    /* Myers' O(ND) over the middle; past a size bound, the middle is one
     * replacement (still a correct diff) */
    int64_t max = (int64_t)n + m, D = -1;
    const int64_t limit = 4000;
    int64_t off = max + 1;
    int64_t *V = calloc((size_t)(2 * max + 3), sizeof *V);
    int64_t **trace = calloc((size_t)(limit + 2), sizeof *trace);
    if (V && trace && max > 0) {
        for (int64_t d = 0; d <= max && d <= limit && D < 0; d++) {
            trace[d] = malloc((size_t)(2 * d + 3) * sizeof **trace);
            if (!trace[d]) break;
            for (int64_t q = -d - 1; q <= d + 1; q++)
                trace[d][q + d + 1] = (q + off >= 0 && q + off < 2 * max + 3) ? V[q + off] : 0;
            for (int64_t q = -d; q <= d; q += 2) {
                int64_t x = (q == -d || (q != d && V[q - 1 + off] < V[q + 1 + off])) ? V[q + 1 + off] : V[q - 1 + off] + 1;
                int64_t y = x - q;
                while (x < n && y < m && line_eq(a, pre + (uint32_t)x, b, pre + (uint32_t)y)) x++, y++;
                V[q + off] = x;
                if (x >= n && y >= m) { D = d; break; }
            }
        }
    } else if (max == 0)
        D = 0;
    if (D >= 0 && max > 0) {
        /* walk back through the trace */
        char *mid = malloc((size_t)max + 1);
        uint32_t nm = 0;
        int64_t x = n, y = m;
        for (int64_t d = D; d > 0; d--) {
            const int64_t *Vd = trace[d];            /* V as it was before step d */
#define TV(q) Vd[(q) + d + 1]
            int64_t q = x - y;
            int64_t pq = (q == -d || (q != d && TV(q - 1) < TV(q + 1))) ? q + 1 : q - 1;
            int64_t px = TV(pq), py = px - pq;
#undef TV
            while (x > px && y > py) { mid[nm++] = '='; x--; y--; }
            if (x == px) { mid[nm++] = '+'; y--; }
            else { mid[nm++] = '-'; x--; }
        }
        while (x > 0 && y > 0) { mid[nm++] = '='; x--; y--; }
        while (nm) ops[k++] = mid[--nm];
        free(mid);
    } else if (max > 0) {
        for (uint32_t i = 0; i < n; i++) ops[k++] = '-';
        for (uint32_t i = 0; i < m; i++) ops[k++] = '+';
    }
    for (uint32_t i = 0; i < suf; i++) ops[k++] = '=';
    if (trace) for (int64_t d = 0; d <= limit + 1; d++) free(trace[d]);
    free(trace);
    free(V);
    *nops = k;
    return ops;
}

static void diff_line(FILE *out, char tag, const Lines *l, uint32_t i)
{
    fputc(tag, out);
    fwrite(l->p[i], 1, l->len[i], out);
    fputc('\n', out);
    if (i + 1 == l->n && !l->last_nl) fputs("\\ No newline at end of file\n", out);
}

void fmt_diff(FILE *out, const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
    Lines la = { 0 }, lb = { 0 };
    uint32_t nops = 0;
    char *ops = NULL;
    if (!split_lines(a, alen, &la) || !split_lines(b, blen, &lb) || !(ops = edit_script(&la, &lb, &nops))) {
        fprintf(out, "--- %s\n+++ %s\n(out of memory: no diff)\n", path, path);
        goto done;
    }
    fprintf(out, "--- %s\n+++ %s\n", path, path);
    const uint32_t ctx = 3;
    uint32_t i = 0;
    /* positions in a and b before op i */
    uint32_t *ai = malloc(((size_t)nops + 1) * sizeof *ai), *bi = malloc(((size_t)nops + 1) * sizeof *bi);
    if (!ai || !bi) { free(ai); free(bi); goto done; }
    for (uint32_t k = 0, x = 0, y = 0; k <= nops; k++) {
        ai[k] = x; bi[k] = y;
        if (k < nops) { if (ops[k] != '+') x++; if (ops[k] != '-') y++; }
    }
    while (i < nops) {
        while (i < nops && ops[i] == '=') i++;
        if (i >= nops) break;
        uint32_t s = i >= ctx ? i - ctx : 0, e = i;
        /* extend while changes come within 2*ctx of each other */
        for (;;) {
            while (e < nops && ops[e] != '=') e++;
            uint32_t r = e;
            while (r < nops && ops[r] == '=' && r - e < 2 * ctx) r++;
            if (r < nops && ops[r] != '=' && r - e <= 2 * ctx) { e = r; continue; }
            break;
        }
        uint32_t end = e + ctx < nops ? e + ctx : nops;
        uint32_t a0 = ai[s], a1 = ai[end], b0 = bi[s], b1 = bi[end];
        fprintf(out, "@@ -%u,%u +%u,%u @@\n", a1 > a0 ? a0 + 1 : a0, a1 - a0, b1 > b0 ? b0 + 1 : b0, b1 - b0);
        for (uint32_t k = s; k < end; k++) {
            if (ops[k] == '=') diff_line(out, ' ', &la, ai[k]);
            else if (ops[k] == '-') diff_line(out, '-', &la, ai[k]);
            else diff_line(out, '+', &lb, bi[k]);
        }
        i = end;
    }
    free(ai);
    free(bi);
done:
    free(ops);
    free_lines(&la);
    free_lines(&lb);
}

/* ---- one line, canonically spaced (gen's --explain texts) -------------- */

/* Does a token end an operand (so a '-' after it subtracts)? */
static bool ends_operand(int k)
{
    if (k == ')' || k == ']' || k == T_NAME || k == T_BQNAME || k == T_STRING || k == T_NUMBER ||
        k == T_DATE || k == T_TIME || k == T_TRUE || k == T_FALSE || k == T_MISSING || k == T_PRESENT ||
        k == T_LEAD || k == T_SCORE)
        return true;
    return !is_punct(k) && !is_syntax_kw(k);    /* another keyword: a field's name */
}

size_t fmt_flat(const char *text, size_t len, uint32_t off, uint32_t end, char *buf, size_t cap)
{
    if (cap == 0) return 0;
    F f = { 0 };
    Diags d = { 0 };
    char *copy = malloc(end - off + 1);
    size_t o = 0;
    if (!copy || end > len || off > end) { free(copy); buf[0] = 0; return 0; }
    memcpy(copy, text + off, end - off);
    copy[end - off] = 0;
    uint32_t id = diag_add_file(&d, "", copy, end - off);
    scan(&f, &d, id, d.files[id].text, d.files[id].len);
    for (uint32_t i = 0; i < f.n && !f.oom; i++) {
        if (f.t[i].kind == '-' && (i == 0 || !ends_operand(f.t[i - 1].kind))) f.t[i].unary = true;
        uint32_t sp = i ? space_before(&f, i) : 0, w = f.t[i].end - f.t[i].off;
        if (o + sp + w >= cap) break;
        if (sp) buf[o++] = ' ';
        memcpy(buf + o, f.src + f.t[i].off, w);
        o += w;
    }
    buf[o] = 0;
    f_free(&f);
    diag_free(&d);
    return o;
}
