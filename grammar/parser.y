/* parser.y: the grammar of the lead language, version 1 (LANGUAGE.md).
 *
 * A pure bison parser with locations.  Actions only build AST nodes
 * (compiler/ast.h); names are resolved and types checked later (sema).
 * Notes on the harder corners (see also DESIGN.md "Grammar notes"):
 *   - `and`, `or`, `+ -` and `* /` chains are left-recursive and build n-ary
 *     nodes, so a 100,000-term chain keeps both this parser's stack and every
 *     later pass shallow;
 *   - `if ... then ... else` is a primary whose else branch extends as far
 *     right as it can: the unit rules of the expression ladder carry the
 *     lowest precedence, so every operator after an else branch is shifted
 *     into it;
 *   - keywords are contextual: `name` takes any keyword but `from`, `ename`
 *     (a name inside an expression) leaves out the keywords that are
 *     operators or expression syntax, `lname` (a classification label) also
 *     leaves out those that may follow an expression;
 *   - nesting (parentheses, argument lists, if, not, unary minus) is counted
 *     as it is parsed and refused past LEAD_MAX_NEST, before the parser's own
 *     stack could run out;
 *   - after a syntax error the lexer skips to the next declaration keyword at
 *     the start of a line, so every declaration's first error is reported
 *     once and nothing cascades; when an incomplete declaration swallowed
 *     that keyword as a name, the error is reported at the keyword and the
 *     lexer scans again from it (see yyreport_syntax_error). */

%code requires {
#include "ast.h"
#include "lexctx.h"
}

%code provides {
int lead_yylex(LEAD_YYSTYPE *v, LEAD_YYLTYPE *l, void *scanner);
int lead_sync_token(struct LexCtx *c, int tok, uint32_t off);
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

#define A (ctx->arena)
#define YYMAXDEPTH 200000
#define YYINITDEPTH 512
#define YYLOCATION_PRINT(File, Loc) 0
#define YYLLOC_DEFAULT(Cur, Rhs, N) do {                                  \
    if (N) {                                                              \
        (Cur).file = YYRHSLOC(Rhs, 1).file;                               \
        (Cur).off = YYRHSLOC(Rhs, 1).off;                                 \
        (Cur).end = YYRHSLOC(Rhs, N).end;                                 \
    } else {                                                              \
        (Cur).file = YYRHSLOC(Rhs, 0).file;                               \
        (Cur).off = (Cur).end = YYRHSLOC(Rhs, 0).end;                     \
    }                                                                     \
} while (0)

static void lead_yyerror(Loc *l, void *scanner, struct LexCtx *ctx, const char *msg)
{
    (void)scanner;
    diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, *l, "%s", msg);
    ctx->syntax_errors++;
}

/* Grow an arena array by one element and return it (zeroed).  Capacity is
 * implied: arrays double when their length reaches a power of two. */
static void *grow(Arena *a, void **arr, uint32_t *n, size_t size)
{
    uint32_t k = *n;
    if (k == 0 || (k >= 4 && (k & (k - 1)) == 0)) {
        uint32_t cap = k == 0 ? 4 : k * 2;
        void *nv = arena_alloc(a, (size_t)cap * size);
        if (k) memcpy(nv, *arr, (size_t)k * size);
        *arr = nv;
    }
    (*n)++;
    return (char *)*arr + (size_t)k * size;
}
#define PUSH(arr, n) grow(A, (void **)&(arr), &(n), sizeof *(arr))

/* The first token after `at` (white space and comments skipped): where a
 * nested expression begins. */
static Loc next_token_loc(struct LexCtx *ctx, Loc at)
{
    size_t k = at.end;
    while (k < ctx->len) {
        char ch = ctx->src[k];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') k++;
        else if (ch == '#') { while (k < ctx->len && ctx->src[k] != '\n' && ctx->src[k] != '\r') k++; }
        else break;
    }
    if (k >= ctx->len) return at;
    return (Loc){ at.file, (uint32_t)k, (uint32_t)k + 1 };
}

/* Entering one more level: the operand of `at` (a parenthesis, argument
 * list, if, not or unary minus).  The level that passes the limit is
 * reported at its first token (appendix A "Limits"). */
static int nest_in(struct LexCtx *ctx, Loc at)
{
    if (++ctx->depth >= LEAD_MAX_NEST) {
        diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, next_token_loc(ctx, at),
                    "expression nested too deeply (the limit is %d levels); "
                    "split it with defines", LEAD_MAX_NEST);
        ctx->syntax_errors++;
        ctx->too_deep = 1;
        return 1;
    }
    return 0;
}
#define NEST(at) do { if (nest_in(ctx, at)) YYABORT; } while (0)
#define UNNEST() (ctx->depth--)

static Expr *lit(struct LexCtx *ctx, ExprKind k, Loc l) { return ast_expr(A, k, l); }
static Expr *name_expr(struct LexCtx *ctx, LexStr s, Loc l)
{
    Expr *e = ast_expr(A, E_NAME, l);
    e->str = s.s; e->slen = s.len; e->strloc = l;
    return e;
}
static Expr *binary(struct LexCtx *ctx, ExprKind k, Expr *a, Expr *b, Loc op, int o)
{
    Expr *e = ast_expr(A, k, loc_span(a->loc, b->loc));
    e->oploc = op; e->op = (uint8_t)o;
    ast_add_kid(A, e, a); ast_add_kid(A, e, b);
    return e;
}
static Expr *unary(struct LexCtx *ctx, ExprKind k, Expr *a, Loc op)
{
    Expr *e = ast_expr(A, k, loc_span(op, a->loc));
    e->oploc = op;
    ast_add_kid(A, e, a);
    return e;
}
static Label mklabel(LexStr s, Loc l, bool quoted)
{
    Label lb = { s.s, s.len, l, quoted };
    return lb;
}
static Decl *named(struct LexCtx *ctx, DeclKind k, Loc kw, LexStr s, Loc nl)
{
    Decl *d = ast_decl(A, k, kw);
    d->name = s.s; d->len = s.len; d->nloc = nl; d->module = ctx->module;
    return d;
}
}

%define api.pure full
%define api.prefix {lead_yy}
%define api.token.prefix {T_}
%define api.location.type {Loc}
%define parse.error custom
%locations
%expect 0
%lex-param {void *scanner}
%parse-param {void *scanner} {struct LexCtx *ctx}

%union {
    LexStr str;
    double num;
    int32_t date;
    int64_t time;
    int64_t dur;
    int ival;
    Expr *expr;
    Decl *decl;
    TypeRef type;
    Label label;
    Window win;
    ScoreLine *sline;
}

%token <str> NAME "name" BQNAME "name in backticks" STRING "text literal"
%token <num> NUMBER "number"
%token <date> DATE "date"
%token <time> TIME "time"
%token SPLUS "'+' (a score line)" SMINUS "'-' (a score line)"
%token NE "'!='" LE "'<='" GE "'>='" ARROW "'->'"
%token <str> AND "'and'" ANY "'any'" APPROVED "'approved'" AS "'as'" AT "'at'"
  AVERAGE "'average'" BETWEEN "'between'" BOOL "'bool'" CLASSIFY "'classify'"
  CONTAINS "'contains'" COUNT "'count'" KDATE "'date'" DAY "'day'" DAYS "'days'"
  DEFINE "'define'" DEFINITION "'definition'" DISTINCT "'distinct'"
  DURING "'during'" EACH "'each'" EARLIEST "'earliest'" ELSE "'else'"
  ENDS "'ends'" EVENTS "'events'" EXPECT "'expect'" EXTERN "'extern'"
  FALSE "'false'" FOR "'for'" FROM "'from'" FUNCTION "'function'" HALF "'half'"
  HOUR "'hour'" HOURS "'hours'" IF "'if'" IN "'in'" IS "'is'" KEY "'key'"
  LAST "'last'" LATEST "'latest'" LEAD "'lead'" LEVEL "'level'" LIFE "'life'"
  LIMIT "'limit'" MATCH "'match'" MATCHES "'matches'" MAX "'max'" MIN "'min'"
  MISSING "'missing'" MOST "'most'" NONE "'none'" NOT "'not'"
  KNUMBER "'number'" OF "'of'" OR "'or'" OTHERWISE "'otherwise'"
  OWNER "'owner'" PER "'per'" PRESENT "'present'" RECORD "'record'"
  REPEAT "'repeat'" SCORE "'score'" SET "'set'" STARTS "'starts'" SUM "'sum'"
  SYMBOL "'symbol'" TEST "'test'" KTEXT "'text'" THEN "'then'" KTIME "'time'"
  TO "'to'" TRUE "'true'" USE "'use'" VERSION "'version'" WEEK "'week'"
  WEEKS "'weeks'" WHEN "'when'" WHERE "'where'" WITH "'with'" WITHIN "'within'"

%type <str> name ename lname tname kwname kwname1 kwexpr
%type <expr> expr or_expr and_expr not_expr pred add mul unary primary
%type <expr> in_list call_args arg_list literal set_items
%type <decl> decl fields params_opt params score_lines class_lines test_items lit_fields
%type <type> type labels
%type <label> label
%type <win> window opt_window
%type <dur> duration
%type <ival> unit sign
%type <num> snum opt_repeat
%type <expr> opt_where

/* Only for the `if ... else` primary: see the file comment. */
%precedence LOWEST
%precedence OR
%precedence AND
%precedence NOT
%precedence '=' NE '<' LE '>' GE IN IS CONTAINS STARTS ENDS MATCHES BETWEEN WITHIN
%precedence '+' '-'
%precedence '*' '/'

%%

program
    : decls
    ;

decls
    : %empty
    | decls decl            { $2->module = ctx->module; ast_add_decl(A, ctx->ast, $2); ctx->depth = 0; }
    | decls error           {
          /* Resynchronise at the next declaration keyword that starts a line
           * (see lead_yylex); keep the lookahead if it already is one.  When
           * the unexpected token came right after such a keyword that the
           * incomplete declaration took as a name, scan again from it. */
          ctx->depth = 0;
          if (ctx->rewind_to) {
              lead_rewind(ctx, ctx->rewind_to - 1);
              ctx->rewind_to = 0;
              yyclearin;
          } else if (yychar != T_YYEOF && !lead_sync_token(ctx, yychar, yylloc.off)) {
              ctx->recovering = 1;
              yyclearin;
          }
          yyerrok;
      }
    ;

decl
    : DEFINITION STRING     { $$ = named(ctx, D_DEFINITION, @1, $2, @2); }
    | VERSION NUMBER        { $$ = ast_decl(A, D_VERSION, @1); $$->num = $2; $$->nloc = @2; }
    | OWNER STRING          { $$ = named(ctx, D_OWNER, @1, $2, @2); }
    | APPROVED DATE         { $$ = ast_decl(A, D_APPROVED, @1); $$->date = $2; $$->nloc = @2; }
    | USE name              { $$ = named(ctx, D_USE, @1, $2, @2); }
    | RECORD name KEY name '{' fields '}'
                            { $$ = $6; $$->kind = D_RECORD; $$->loc = @1;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2;
                              $$->key = $4.s; $$->keylen = $4.len; $$->keyloc = @4; }
    | EVENTS name MATCH name '{' fields '}'
                            { $$ = $6; $$->kind = D_EVENTS; $$->loc = @1;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2;
                              $$->key = $4.s; $$->keylen = $4.len; $$->keyloc = @4; }
    | SET name '=' '[' set_items ']'
                            { $$ = named(ctx, D_SET, @1, $2, @2);
                              $$->items = $5->kids; $$->nitems = $5->nkids; }
    | SET name FROM STRING  { $$ = named(ctx, D_SET, @1, $2, @2);
                              $$->path = $4.s; $$->pathlen = $4.len; $$->pathloc = @4; }
    | DEFINE name '=' expr  { $$ = named(ctx, D_DEFINE, @1, $2, @2); $$->body = $4; }
    | DEFINE name ARROW type '=' expr
                            { $$ = named(ctx, D_DEFINE, @1, $2, @2); $$->body = $6;
                              $$->result = $4; $$->has_result = true; }
    | DEFINE name '(' params_opt ')' '=' expr
                            { $$ = $4; $$->kind = D_DEFINE; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2;
                              $$->has_params = true; $$->body = $7; }
    | DEFINE name '(' params_opt ')' ARROW type '=' expr
                            { $$ = $4; $$->kind = D_DEFINE; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2;
                              $$->has_params = true; $$->body = $9;
                              $$->result = $7; $$->has_result = true; }
    | EXTERN FUNCTION name '(' params_opt ')' ARROW type FROM STRING
                            { $$ = $5; $$->kind = D_EXTERN; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $3.s; $$->len = $3.len; $$->nloc = @3;
                              $$->has_params = true; $$->result = $8; $$->has_result = true;
                              $$->lib = $10.s; $$->liblen = $10.len; $$->libloc = @10; }
    | EXTERN FUNCTION name '(' params_opt ')' ARROW type FROM STRING SYMBOL STRING
                            { $$ = $5; $$->kind = D_EXTERN; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $3.s; $$->len = $3.len; $$->nloc = @3;
                              $$->has_params = true; $$->result = $8; $$->has_result = true;
                              $$->lib = $10.s; $$->liblen = $10.len; $$->libloc = @10;
                              $$->sym = $12.s; $$->symlen = $12.len; $$->symloc = @12; }
    | LEAD WHEN expr        { $$ = ast_decl(A, D_LEAD, @1); $$->body = $3; $$->module = ctx->module; }
    | SCORE '{' score_lines '}'
                            { $$ = $3; $$->kind = D_SCORE; $$->loc = @1; $$->module = ctx->module; }
    | CLASSIFY name '{' class_lines '}'
                            { $$ = $4; $$->kind = D_CLASSIFY; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2; }
    | TEST STRING '{' test_items '}'
                            { $$ = $4; $$->kind = D_TEST; $$->loc = @1; $$->module = ctx->module;
                              $$->name = $2.s; $$->len = $2.len; $$->nloc = @2; }
    ;

/* ---- records and events ------------------------------------------- */

fields
    : %empty                { $$ = ast_decl(A, D_RECORD, @$); }
    | fields name ':' type  { FieldDecl *f = PUSH($1->fields, $1->nfields);
                              f->name = $2.s; f->len = $2.len; f->loc = @2; f->type = $4;
                              $$ = $1; }
    | fields name ':' type FROM STRING
                            { FieldDecl *f = PUSH($1->fields, $1->nfields);
                              f->name = $2.s; f->len = $2.len; f->loc = @2; f->type = $4;
                              f->from = $6.s; f->fromlen = $6.len; f->fromloc = @6;
                              $$ = $1; }
    ;

type
    : KTEXT                 { $$ = (TypeRef){ .kind = TY_TEXT, .loc = @1 }; }
    | KNUMBER               { $$ = (TypeRef){ .kind = TY_NUMBER, .loc = @1 }; }
    | BOOL                  { $$ = (TypeRef){ .kind = TY_BOOL, .loc = @1 }; }
    | KDATE                 { $$ = (TypeRef){ .kind = TY_DATE, .loc = @1 }; }
    | KTIME                 { $$ = (TypeRef){ .kind = TY_TIME, .loc = @1 }; }
    | LEVEL '(' labels ')'  { $$ = $3; $$.loc = loc_span(@1, @4); }
    ;

labels
    : label                 { $$ = (TypeRef){ .kind = TY_LEVEL };
                              *(Label *)PUSH($$.labels, $$.nlabels) = $1; }
    | labels ',' label      { $$ = $1; *(Label *)PUSH($$.labels, $$.nlabels) = $3; }
    ;

label
    : lname                 { $$ = mklabel($1, @1, false); }
    | STRING                { $$ = mklabel($1, @1, true); }
    ;

params_opt
    : %empty                { $$ = ast_decl(A, D_DEFINE, @$); }
    | params                { $$ = $1; }
    ;

params
    : name ':' type         { $$ = ast_decl(A, D_DEFINE, @1);
                              Param *p = PUSH($$->params, $$->nparams);
                              p->name = $1.s; p->len = $1.len; p->loc = @1; p->type = $3; }
    | params ',' name ':' type
                            { $$ = $1; Param *p = PUSH($$->params, $$->nparams);
                              p->name = $3.s; p->len = $3.len; p->loc = @3; p->type = $5; }
    ;

set_items
    : %empty                { $$ = ast_expr(A, E_IN, @$); }
    | arg_list              { $$ = $1; }
    | arg_list ','          { $$ = $1; }
    ;

/* ---- score --------------------------------------------------------- */

score_lines
    : %empty                { $$ = ast_decl(A, D_SCORE, @$); }
    | score_lines sign NUMBER WHEN expr
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_WHEN; s->loc = loc_span(@2, @5); s->n = $2 * $3; s->e = $5;
                              $$ = $1; }
    | score_lines sign NUMBER PER expr
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_PER; s->loc = loc_span(@2, @5); s->n = $2 * $3; s->e = $5;
                              $$ = $1; }
    | score_lines sign NUMBER PER expr ',' AT MOST NUMBER
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_PER; s->loc = loc_span(@2, @9); s->n = $2 * $3; s->e = $5;
                              s->has_most = true; s->most = $9; s->most_loc = @9;
                              $$ = $1; }
    | score_lines sign NUMBER FOR EACH name opt_where opt_window
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_FOREACH; s->loc = @2; s->loc.end = @$.end; s->n = $2 * $3;
                              s->stream = $6.s; s->slen = $6.len; s->sloc = @6;
                              s->where = $7; s->win = $8;
                              $$ = $1; }
    | score_lines sign NUMBER FOR EACH name opt_where opt_window ',' HALF LIFE duration
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_FOREACH; s->loc = loc_span(@2, @12); s->n = $2 * $3;
                              s->stream = $6.s; s->slen = $6.len; s->sloc = @6;
                              s->where = $7; s->win = $8;
                              s->has_half = true; s->half_us = $12; s->half_loc = @12;
                              $$ = $1; }
    | score_lines sign NUMBER FOR EACH name opt_where opt_window ',' AT MOST NUMBER
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_FOREACH; s->loc = loc_span(@2, @12); s->n = $2 * $3;
                              s->stream = $6.s; s->slen = $6.len; s->sloc = @6;
                              s->where = $7; s->win = $8;
                              s->has_most = true; s->most = $12; s->most_loc = @12;
                              $$ = $1; }
    | score_lines sign NUMBER FOR EACH name opt_where opt_window ',' HALF LIFE duration ',' AT MOST NUMBER
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_FOREACH; s->loc = loc_span(@2, @16); s->n = $2 * $3;
                              s->stream = $6.s; s->slen = $6.len; s->sloc = @6;
                              s->where = $7; s->win = $8;
                              s->has_half = true; s->half_us = $12; s->half_loc = @12;
                              s->has_most = true; s->most = $16; s->most_loc = @16;
                              $$ = $1; }
    | score_lines LIMIT snum TO snum
                            { ScoreLine *s = PUSH($1->lines, $1->nlines);
                              s->kind = SL_LIMIT; s->loc = loc_span(@2, @5); s->n = $3; s->hi = $5;
                              $$ = $1; }
    ;

sign
    : SPLUS                 { $$ = 1; }
    | SMINUS                { $$ = -1; }
    ;

snum
    : NUMBER                { $$ = $1; }
    | '-' NUMBER            { $$ = -$2; }
    ;

opt_where
    : %empty                { $$ = NULL; }
    | WHERE expr            { $$ = $2; }
    ;

opt_window
    : %empty                { $$ = (Window){ .kind = WIN_NONE }; }
    | window                { $$ = $1; }
    ;

window
    : DURING LAST duration  { $$ = (Window){ .kind = WIN_LAST, .us = $3, .loc = @1, .dur_loc = @3 }; }
    | DURING ANY DAY        { $$ = (Window){ .kind = WIN_ANY_DAY, .us = 86400000000LL, .loc = @1, .dur_loc = @3 }; }
    | DURING ANY duration   { $$ = (Window){ .kind = WIN_ANY, .us = $3, .loc = @1, .dur_loc = @3 };
                              $$.one_day = ($3 == 86400000000LL &&
                                            ctx->src[@3.end - 1] == 'y' && ctx->src[@3.end - 2] == 'a'); }
    ;

duration
    : NUMBER unit           { if (!($1 > 0)) {
                                  diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, @1,
                                              "a duration must be positive");
                                  ctx->syntax_errors++;
                              }
                              double us = $1 * $2 * 3600e6;
                              if (!(us < 9.2e18)) {
                                  diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, @1,
                                              "duration too long");
                                  ctx->syntax_errors++;
                                  us = 1;
                              }
                              $$ = (int64_t)us; }
    ;

unit
    : DAY { $$ = 24; } | DAYS { $$ = 24; } | WEEK { $$ = 168; } | WEEKS { $$ = 168; }
    | HOUR { $$ = 1; } | HOURS { $$ = 1; }
    ;

/* ---- classify ------------------------------------------------------ */

class_lines
    : %empty                { $$ = ast_decl(A, D_CLASSIFY, @$); }
    | class_lines label WHEN expr
                            { ClassLine *c = PUSH($1->clines, $1->nclines);
                              c->label = $2; c->cond = $4; c->loc = loc_span(@2, @4); $$ = $1; }
    | class_lines OTHERWISE label
                            { ClassLine *c = PUSH($1->clines, $1->nclines);
                              c->label = $3; c->cond = NULL; c->loc = loc_span(@2, @3); $$ = $1; }
    ;

/* ---- tests --------------------------------------------------------- */

test_items
    : %empty                { $$ = ast_decl(A, D_TEST, @$); }
    | test_items AS OF DATE { if ($1->has_asof) {
                                  diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, @2,
                                              "a test has at most one 'as of' line");
                                  diag_note(ctx->diags, $1->asofloc, "the first 'as of' is here");
                                  ctx->syntax_errors++;
                              }
                              $1->has_asof = true; $1->asof = $4; $1->asofloc = @2; $$ = $1; }
    | test_items tname '{' lit_fields '}' opt_repeat
                            { TestLit *t = PUSH($1->lits, $1->nlits);
                              t->name = $2.s; t->len = $2.len; t->loc = @2;
                              t->fields = $4->lits ? $4->lits->fields : NULL;
                              t->nfields = $4->lits ? $4->lits->nfields : 0;
                              t->has_repeat = @6.end > @6.off; t->repeat = $6; t->repeat_loc = @6;
                              $$ = $1; }
    | test_items EXPECT LEAD
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_LEAD; x->loc = loc_span(@2, @3); $$ = $1; }
    | test_items EXPECT NOT LEAD
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_NOT_LEAD; x->loc = loc_span(@2, @4); $$ = $1; }
    | test_items EXPECT SCORE '=' snum
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_SCORE; x->loc = loc_span(@2, @5); x->num = $5; $$ = $1; }
    | test_items EXPECT ename '=' label
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_LABEL; x->loc = loc_span(@2, @5);
                              x->name = $3.s; x->len = $3.len; x->nloc = @3; x->label = $5; $$ = $1; }
    | test_items EXPECT ename
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_TRUE; x->loc = loc_span(@2, @3);
                              x->name = $3.s; x->len = $3.len; x->nloc = @3; $$ = $1; }
    | test_items EXPECT NOT ename
                            { Expect *x = PUSH($1->expects, $1->nexpects);
                              x->kind = X_NOT_TRUE; x->loc = loc_span(@2, @4);
                              x->name = $4.s; x->len = $4.len; x->nloc = @4; $$ = $1; }
    ;

opt_repeat
    : %empty                { $$ = 1; }
    | REPEAT NUMBER         { $$ = $2; }
    ;

/* A holder whose first TestLit collects the fields. */
lit_fields
    : %empty                { $$ = ast_decl(A, D_TEST, @$); PUSH($$->lits, $$->nlits); }
    | lit_fields name ':' literal
                            { TestField *f = PUSH($1->lits->fields, $1->lits->nfields);
                              f->name = $2.s; f->len = $2.len; f->loc = @2; f->value = $4; $$ = $1; }
    | lit_fields ','        { $$ = $1; }
    ;

literal
    : STRING                { $$ = lit(ctx, E_STR, @1); $$->str = $1.s; $$->slen = $1.len; $$->strloc = @1; }
    | NUMBER                { $$ = lit(ctx, E_NUM, @1); $$->v.num = $1; }
    | '-' NUMBER            { $$ = lit(ctx, E_NUM, @$); $$->v.num = -$2; }
    | DATE                  { $$ = lit(ctx, E_DATE, @1); $$->v.date = $1; }
    | TIME                  { $$ = lit(ctx, E_TIME, @1); $$->v.time = $1; }
    | TRUE                  { $$ = lit(ctx, E_BOOL, @1); $$->v.b = true; }
    | FALSE                 { $$ = lit(ctx, E_BOOL, @1); $$->v.b = false; }
    | ename                 { $$ = name_expr(ctx, $1, @1); }
    ;

/* ---- expressions --------------------------------------------------- */

expr
    : or_expr %prec LOWEST  { $$ = $1; }
    ;

or_expr
    : and_expr %prec LOWEST { $$ = $1; }
    | or_expr OR and_expr   { $$ = ast_chain(A, E_OR, $1, 0, $3, @2); }
    ;

and_expr
    : not_expr %prec LOWEST { $$ = $1; }
    | and_expr AND not_expr { $$ = ast_chain(A, E_AND, $1, 0, $3, @2); }
    ;

not_expr
    : pred %prec LOWEST     { $$ = $1; }
    | NOT { NEST(@1); } not_expr
                            { UNNEST(); $$ = unary(ctx, E_NOT, $3, @1); }
    ;

pred
    : add %prec LOWEST      { $$ = $1; }
    | add '=' add           { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_EQ); }
    | add NE add            { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_NE); }
    | add '<' add           { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_LT); }
    | add LE add            { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_LE); }
    | add '>' add           { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_GT); }
    | add GE add            { $$ = binary(ctx, E_CMP, $1, $3, @2, CMP_GE); }
    | add IN in_list        { $$ = $3; $$->loc = loc_span($1->loc, @3); $$->oploc = @2;
                              $$->kids[0] = $1; }
    | add NOT IN in_list    { $$ = $4; $$->loc = loc_span($1->loc, @4); $$->oploc = loc_span(@2, @3);
                              $$->kids[0] = $1; $$->op = 1; }
    | add CONTAINS add      { $$ = binary(ctx, E_TEXTOP, $1, $3, @2, TX_CONTAINS); }
    | add STARTS WITH add %prec STARTS { $$ = binary(ctx, E_TEXTOP, $1, $4, loc_span(@2, @3), TX_STARTS); }
    | add ENDS WITH add %prec ENDS { $$ = binary(ctx, E_TEXTOP, $1, $4, loc_span(@2, @3), TX_ENDS); }
    | add MATCHES STRING    { $$ = unary(ctx, E_MATCHES, $1, @2); $$->loc = loc_span($1->loc, @3);
                              $$->str = $3.s; $$->slen = $3.len; $$->strloc = @3; }
    | add BETWEEN add AND add %prec BETWEEN
                            { $$ = binary(ctx, E_BETWEEN, $1, $3, @2, 0); ast_add_kid(A, $$, $5);
                              $$->loc = loc_span($1->loc, $5->loc); }
    | add IS MISSING        { $$ = unary(ctx, E_IS, $1, loc_span(@2, @3)); $$->loc = loc_span($1->loc, @3); $$->op = 0; }
    | add IS PRESENT        { $$ = unary(ctx, E_IS, $1, loc_span(@2, @3)); $$->loc = loc_span($1->loc, @3); $$->op = 1; }
    | add WITHIN LAST duration
                            { $$ = unary(ctx, E_WITHIN, $1, @2); $$->loc = loc_span($1->loc, @4);
                              $$->dur_us = $4; $$->dur_loc = @4; }
    ;

/* The right side of `in`: a list, or a set's name.  kids[0] is reserved
 * for the left operand. */
in_list
    : '[' set_items ']'     { $$ = ast_expr(A, E_IN, loc_span(@1, @3));
                              ast_add_kid(A, $$, NULL);
                              for (uint32_t i = 0; i < $2->nkids; i++) ast_add_kid(A, $$, $2->kids[i]); }
    | ename                 { $$ = ast_expr(A, E_IN, @1); ast_add_kid(A, $$, NULL);
                              $$->str = $1.s; $$->slen = $1.len; $$->strloc = @1; }
    ;

add
    : mul %prec LOWEST      { $$ = $1; }
    | add '+' mul           { $$ = ast_chain(A, E_ARITH, $1, '+', $3, @2); }
    | add '-' mul           { $$ = ast_chain(A, E_ARITH, $1, '-', $3, @2); }
    ;

mul
    : unary %prec LOWEST    { $$ = $1; }
    | mul '*' unary         { $$ = ast_chain(A, E_TERM, $1, '*', $3, @2); }
    | mul '/' unary         { $$ = ast_chain(A, E_TERM, $1, '/', $3, @2); }
    ;

unary
    : primary               { $$ = $1; }
    | '-' { NEST(@1); } unary
                            { UNNEST(); $$ = unary(ctx, E_NEG, $3, @1); }
    ;

primary
    : NUMBER                { $$ = lit(ctx, E_NUM, @1); $$->v.num = $1; }
    | STRING                { $$ = lit(ctx, E_STR, @1); $$->str = $1.s; $$->slen = $1.len; $$->strloc = @1; }
    | DATE                  { $$ = lit(ctx, E_DATE, @1); $$->v.date = $1; }
    | TIME                  { $$ = lit(ctx, E_TIME, @1); $$->v.time = $1; }
    | TRUE                  { $$ = lit(ctx, E_BOOL, @1); $$->v.b = true; }
    | FALSE                 { $$ = lit(ctx, E_BOOL, @1); $$->v.b = false; }
    | LEAD                  { $$ = lit(ctx, E_LEAD, @1); }
    | SCORE                 { $$ = lit(ctx, E_SCORE, @1); }
    | ename                 { $$ = name_expr(ctx, $1, @1); }
    | ename '.' name        { $$ = name_expr(ctx, $1, @1); $$->kind = E_MEMBER;
                              $$->loc = loc_span(@1, @3);
                              $$->member = $3.s; $$->mlen = $3.len; $$->mloc = @3; }
    | ename '.' FROM        { $$ = name_expr(ctx, $1, @1); $$->kind = E_MEMBER;
                              $$->loc = loc_span(@1, @3);
                              $$->member = $3.s; $$->mlen = $3.len; $$->mloc = @3; }
    | ename '(' { NEST(@2); } call_args ')'
                            { UNNEST(); $$ = $4; $$->kind = E_CALL; $$->loc = loc_span(@1, @5);
                              $$->str = $1.s; $$->slen = $1.len; $$->strloc = @1; }
    | '(' { NEST(@1); } expr ')'
                            { UNNEST(); $$ = $3; $$->paren = true; $$->loc = loc_span(@1, @4); }
    | IF { NEST(@1); } expr THEN expr ELSE expr %prec LOWEST
                            { UNNEST(); $$ = ast_expr(A, E_IF, loc_span(@1, $7->loc));
                              ast_add_kid(A, $$, $3); ast_add_kid(A, $$, $5); ast_add_kid(A, $$, $7); }
    ;

call_args
    : arg_list opt_where opt_window
                            { $$ = $1; $$->where = $2; $$->win = $3; }
    | DISTINCT arg_list opt_where opt_window
                            { $$ = $2; $$->distinct = true; $$->where = $3; $$->win = $4; }
    | %empty                { $$ = ast_expr(A, E_CALL, @$); }
    ;

arg_list
    : expr                  { $$ = ast_expr(A, E_CALL, @1); ast_add_kid(A, $$, $1); }
    | arg_list ',' expr     { $$ = $1; ast_add_kid(A, $$, $3); }
    ;

/* ---- names --------------------------------------------------------- */

/* Any name: declarations, fields, members, test literals. */
name
    : ename                 { $$ = $1; }
    | kwexpr                { $$ = $1; }
    ;

/* A name inside an expression: every keyword but the expression syntax. */
ename
    : NAME                  { $$ = $1; }
    | BQNAME                { $$ = $1; }
    | kwname                { $$ = $1; }
    ;

/* A classification label: not a keyword that may follow an expression. */
lname
    : NAME                  { $$ = $1; }
    | BQNAME                { $$ = $1; }
    | kwname                { $$ = $1; }
    | LEAD | SCORE | TRUE | FALSE | IF | DISTINCT
    ;

/* A record or stream name in a test (not `repeat`, which may follow one). */
tname
    : NAME                  { $$ = $1; }
    | BQNAME                { $$ = $1; }
    | kwname1               { $$ = $1; }
    ;

/* Keywords that are plain names inside expressions. */
kwname
    : kwname1 | REPEAT
    ;

kwname1
    : DEFINITION | VERSION | OWNER | APPROVED | USE | RECORD | KEY | EVENTS
    | MATCH | SET | DEFINE | EXTERN | FUNCTION | SYMBOL | AT | MOST | FOR
    | EACH | HALF | LIFE | LIMIT | TO | CLASSIFY | OTHERWISE | TEST | AS | OF
    | EXPECT | MISSING | PRESENT | WITH | LAST | ANY | DAY | DAYS
    | WEEK | WEEKS | HOUR | HOURS | KTEXT | KNUMBER | BOOL | KDATE | KTIME
    | LEVEL | COUNT | SUM | MIN | MAX | AVERAGE | LATEST | EARLIEST | NONE
    ;

/* Keywords that are expression syntax: names only where nothing else fits. */
kwexpr
    : AND | OR | NOT | IN | IS | CONTAINS | STARTS | ENDS | MATCHES | BETWEEN
    | WITHIN | IF | THEN | ELSE | WHEN | PER | WHERE | DURING | DISTINCT
    | LEAD | SCORE | TRUE | FALSE
    ;

%%

/* Bison's symbol names are quoted aliases ("'when'"); strip the outer quotes. */
static const char *sym_name(yysymbol_kind_t k, char *buf, size_t n)
{
    const char *s = yysymbol_name(k);
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        snprintf(buf, n, "%.*s", (int)(len - 2), s + 1);
        return buf;
    }
    return s;
}

static bool is_cmp_token(yysymbol_kind_t k)
{
    static const char *const ops[] = { "'='", "'!='", "'<'", "'<='", "'>'", "'>='" };
    char b[64];
    const char *n = sym_name(k, b, sizeof b);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(n, ops[i]) == 0) return true;
    return false;
}

/* Can this token end an operand (so that an operator may follow it)? */
static bool ends_operand(int tok)
{
    switch (tok) {
    case T_NAME: case T_BQNAME: case T_STRING: case T_NUMBER: case T_DATE: case T_TIME:
    case T_TRUE: case T_FALSE: case T_LEAD: case T_SCORE: case T_MISSING: case T_PRESENT:
    case T_DAY: case T_DAYS: case T_WEEK: case T_WEEKS: case T_HOUR: case T_HOURS:
    case ')': case ']':
        return true;
    }
    return false;
}

static int yyreport_syntax_error(const yypcontext_t *pc, void *scanner, struct LexCtx *ctx)
{
    (void)scanner;
    yysymbol_kind_t la = yypcontext_token(pc);
    Loc l = *yypcontext_location(pc);
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(pc, exp, YYNTOKENS);
    char msg[512], b1[64];
    size_t o = 0;

    if (ctx->too_deep)
        return 0;
    if (la == YYSYMBOL_YYUNDEF)
        return 0;                /* a character the lexer has already reported */
    /* `define a = n >` and a new line `define b = 1`: keywords are names in
     * expressions, so the parser took `define` as a field and stumbles on
     * `b`.  The mistake is before `define`: say so there, and parse the
     * declaration it starts (unless the keyword did start a declaration:
     * then it is on top of the stack). */
    if (ctx->prev_tok && ctx->rewinds < 100 && lead_sync_token(ctx, ctx->prev_tok, ctx->prev_off) &&
        yystos[*pc->yyssp] != YYTRANSLATE(ctx->prev_tok)) {
        Loc pl = { ctx->file, ctx->prev_off, ctx->prev_end };
        diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, pl,
                    "unexpected '%.*s'; the declaration before it is incomplete",
                    (int)(pl.end - pl.off), ctx->src + pl.off);
        ctx->syntax_errors++;
        ctx->rewind_to = (size_t)ctx->prev_off + 1;
        return 0;
    }
    if (la == YYSYMBOL_YYEOF)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "unexpected end of file");
    else if (la == YYSYMBOL_YYerror || la == YYSYMBOL_YYUNDEF)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "syntax error");
    else {
        unsigned tl = l.end - l.off;
        const char *what = la == YYSYMBOL_NAME || la == YYSYMBOL_BQNAME ? "name " :
                           la == YYSYMBOL_STRING ? "text " : "";
        if (tl > 40) tl = 40;
        o += (size_t)snprintf(msg + o, sizeof msg - o, "unexpected %s'%.*s'", what, (int)tl, ctx->src + l.off);
    }
    /* "did you mean" for a misspelt keyword */
    const char *best = NULL;
    char b2best[64];
    unsigned bestd = 3;
    if (la == YYSYMBOL_NAME && n > 0) {
        for (int i = 0; i < n; i++) {
            const char *s = sym_name(exp[i], b1, sizeof b1);
            if (s[0] != '\'' || !((s[1] >= 'a' && s[1] <= 'z'))) continue;
            size_t sl = strlen(s) - 2;
            unsigned d = diag_distance(ctx->src + l.off, l.end - l.off, s + 1, sl);
            if (d < bestd && d < sl) { bestd = d; best = s; snprintf(b2best, sizeof b2best, "%s", s); best = b2best; }
        }
    }
    if (is_cmp_token(la) && ends_operand(ctx->prev_tok)) {
        o += (size_t)snprintf(msg + o, sizeof msg - o,
                              "; comparisons do not chain: join them with 'and', as in 'a < b and b < c'");
    } else if (best) {
        o += (size_t)snprintf(msg + o, sizeof msg - o, "; did you mean %s?", best);
    } else if (n > 5) {
        /* too many to list: say what kind of thing was expected */
        bool want_name = false, want_number = false;
        for (int i = 0; i < n; i++) {
            if (exp[i] == YYSYMBOL_NAME) want_name = true;
            if (exp[i] == YYSYMBOL_NUMBER) want_number = true;
        }
        if (want_name)
            o += (size_t)snprintf(msg + o, sizeof msg - o, "; expected %s", want_number ? "an expression" : "a name");
    } else if (n > 0) {
        o += (size_t)snprintf(msg + o, sizeof msg - o, "; expected ");
        for (int i = 0; i < n && o < sizeof msg; i++)
            o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s",
                                  i == 0 ? "" : i == n - 1 ? " or " : ", ",
                                  sym_name(exp[i], b1, sizeof b1));
    }
    diag_report(ctx->diags, SEV_ERROR, PH_SYNTAX, l, "%s", msg);
    ctx->syntax_errors++;
    return 0;
}
