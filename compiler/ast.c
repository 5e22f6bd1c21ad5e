/* ast: arena allocation and the node constructors the grammar calls. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"

void vec_push(Arena *a, PtrVec *pv, void *p)
{
    if (pv->n == pv->cap) {
        uint32_t cap = pv->cap ? pv->cap * 2 : 8;
        void **nv = arena_alloc(a, cap * sizeof *nv);
        if (pv->n) memcpy(nv, pv->v, pv->n * sizeof *nv);
        pv->v = nv;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
}

Loc loc_span(Loc a, Loc b)
{
    Loc l = a;
    if (b.end > l.end) l.end = b.end;
    if (b.off < l.off) l.off = b.off;
    return l;
}

Expr *ast_expr(Arena *a, ExprKind k, Loc loc)
{
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = k;
    e->loc = loc;
    e->oploc = loc;
    e->ref = -1;
    e->ref2 = -1;
    return e;
}

void ast_add_kid(Arena *a, Expr *e, Expr *kid)
{
    if (e->nkids == e->kcap) {
        uint32_t cap = e->kcap ? e->kcap * 2 : 2;
        Expr **nv = arena_alloc(a, cap * sizeof *nv);
        char *no = NULL;
        if (e->nkids) memcpy(nv, e->kids, e->nkids * sizeof *nv);
        if (e->ops) {
            no = arena_alloc(a, cap);
            memcpy(no, e->ops, e->nkids);
            e->ops = no;
        }
        e->kids = nv;
        e->kcap = cap;
    }
    e->kids[e->nkids++] = kid;
}

/* left OP right, appended to left when left is the same unparenthesised
 * chain: `a or b or c` is one node with three kids. */
Expr *ast_chain(Arena *a, ExprKind k, Expr *left, char op, Expr *right, Loc oploc)
{
    Expr *e = left;
    if (left->kind != k || left->paren) {
        e = ast_expr(a, k, left->loc);
        e->oploc = oploc;
        if (k == E_ARITH || k == E_TERM)
            e->ops = arena_alloc(a, 2);
        ast_add_kid(a, e, left);
    }
    ast_add_kid(a, e, right);
    if (e->ops) e->ops[e->nkids - 1] = op;
    e->loc = loc_span(e->loc, right->loc);
    return e;
}

Decl *ast_decl(Arena *a, DeclKind k, Loc loc)
{
    Decl *d = arena_alloc(a, sizeof *d);
    d->kind = k;
    d->loc = loc;
    return d;
}

void ast_add_decl(Arena *a, Ast *ast, Decl *d)
{
    if (ast->ndecls == ast->cap) {
        uint32_t cap = ast->cap ? ast->cap * 2 : 32;
        Decl **nv = arena_alloc(a, cap * sizeof *nv);
        if (ast->ndecls) memcpy(nv, ast->decls, ast->ndecls * sizeof *nv);
        ast->decls = nv;
        ast->cap = cap;
    }
    ast->decls[ast->ndecls++] = d;
}
