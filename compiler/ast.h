/* ast: the syntax tree of a .lead file, built by grammar/parser.y and
 * annotated in place by sema (types, resolved names).
 *
 * Every node carries a byte span (Loc) into its source file; line and column
 * are computed only when a diagnostic is printed.  Chains of `and`, `or`,
 * `+`/`-` and `*`/`/` are n-ary nodes, so no pass recurses along a long
 * chain: recursion depth is bounded by the nesting limit (LEAD_MAX_NEST).
 *
 * Ownership: every node, array and string lives in the Arena of the
 * compilation that parsed it and dies with it; nothing is freed one by one. */
#ifndef LEAD_AST_H
#define LEAD_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEAD_MAX_NEST 1000          /* expression nesting levels (appendix A) */

#include "arena.h"

/* A growable array of pointers, grown in the arena. */
typedef struct PtrVec { void **v; uint32_t n, cap; } PtrVec;
void vec_push(Arena *a, PtrVec *pv, void *p);

/* ---- locations ------------------------------------------------------ */
typedef struct Loc { uint32_t file, off, end; } Loc;   /* bytes [off, end) */

/* ---- syntax of types ------------------------------------------------ */
typedef enum {
    TY_ERR = 0, TY_TEXT, TY_NUMBER, TY_BOOL, TY_DATE, TY_TIME,
    TY_LEVEL,        /* id = index into the level-type table */
    TY_CLASS,        /* a classification's value; id = classify index */
    TY_EVENTS,       /* a stream name (only as an aggregate's operand) */
} TyKind;

typedef struct Type { uint8_t kind; uint16_t id; } Type;

typedef struct Label { const char *name; uint32_t len; Loc loc; bool quoted; } Label;

typedef struct TypeRef {          /* a type as written */
    TyKind kind;                  /* TY_LEVEL carries its labels */
    Label *labels; uint32_t nlabels;
    Loc loc;
} TypeRef;

/* ---- expressions ---------------------------------------------------- */
typedef enum {
    E_NUM, E_STR, E_DATE, E_TIME, E_BOOL,
    E_NAME,          /* a bare name: field, parameter, define, label, ... */
    E_MEMBER,        /* EV.field */
    E_LEAD, E_SCORE,
    E_NOT, E_NEG,
    E_AND, E_OR,     /* n-ary: kids */
    E_ARITH,         /* n-ary: kids with ops[i] in "+-" (ops[0] unused) */
    E_TERM,          /* n-ary: kids with ops[i] in "*\/" */
    E_CMP,           /* kids[0] op kids[1] */
    E_IN,            /* kids[0] in list (kids[1..]) or in set (name) */
    E_TEXTOP,        /* contains / starts with / ends with */
    E_MATCHES,       /* kids[0] matches str */
    E_BETWEEN,       /* kids[0] between kids[1] and kids[2] */
    E_IS,            /* kids[0] is missing / is present */
    E_WITHIN,        /* kids[0] within last dur */
    E_IF,            /* if kids[0] then kids[1] else kids[2] */
    E_CALL,          /* name(args) [distinct, where, window]: built-in, define, extern or aggregate */
    E_CONV,          /* inserted by sema: kids[0] converted to this node's type */
} ExprKind;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;
typedef enum { TX_CONTAINS, TX_STARTS, TX_ENDS } TextOp;

typedef enum { WIN_NONE, WIN_LAST, WIN_ANY_DAY, WIN_ANY } WinKind;
typedef struct Window {
    WinKind kind;
    int64_t us;                   /* length in microseconds (WIN_LAST, WIN_ANY) */
    Loc loc;                      /* the `during` keyword */
    Loc dur_loc;                  /* the duration */
    bool one_day;                 /* written `during any 1 day` (lint) */
} Window;

/* How sema resolved an E_NAME / E_CALL / E_MEMBER. */
typedef enum {
    R_NONE, R_FIELD, R_EVFIELD, R_PARAM, R_DEFINE, R_CLASS, R_LABEL,
    R_SET, R_STREAM, R_BUILTIN, R_EXTERN, R_AGG,
} ResKind;

typedef enum {
    AGG_COUNT, AGG_COUNT_DISTINCT, AGG_ANY, AGG_NONE, AGG_SUM, AGG_AVERAGE,
    AGG_MIN, AGG_MAX, AGG_LATEST, AGG_EARLIEST,
} AggKind;

typedef struct Expr Expr;
struct Expr {
    ExprKind kind;
    Loc loc;                      /* the whole expression */
    Loc oploc;                    /* the operator (binary forms), or = loc */
    Type type;                    /* set by sema */
    bool paren;                   /* written in parentheses (chains stop flattening) */
    uint8_t op;                   /* CmpOp, TextOp, negation of E_IN/E_IS, ... */
    union {
        double num;
        int32_t date;
        int64_t time;
        bool b;
    } v;
    const char *str; uint32_t slen;   /* E_STR text, E_NAME/E_CALL name, E_MATCHES pattern, E_IN set name */
    Loc strloc;                       /* where str was written */
    const char *member; uint32_t mlen; Loc mloc;   /* E_MEMBER field */
    Expr **kids; uint32_t nkids, kcap;
    char *ops;                        /* E_ARITH/E_TERM operators */
    /* E_CALL extras */
    bool distinct;
    Expr *where;
    Window win;
    /* E_WITHIN */
    int64_t dur_us; Loc dur_loc;
    /* sema results */
    ResKind res;
    int32_t ref;                  /* index of the field/define/label/... */
    int32_t ref2;                 /* stream index for R_EVFIELD/R_AGG, etc. */
    AggKind agg;
    void *aux;                    /* e.g. compiled regex handle */
};

/* ---- declarations --------------------------------------------------- */
typedef enum {
    D_DEFINITION, D_VERSION, D_OWNER, D_APPROVED,
    D_USE, D_RECORD, D_EVENTS, D_SET, D_DEFINE, D_EXTERN,
    D_LEAD, D_SCORE, D_CLASSIFY, D_TEST,
} DeclKind;

typedef struct FieldDecl {
    const char *name; uint32_t len; Loc loc;
    TypeRef type;
    const char *from; uint32_t fromlen; Loc fromloc;   /* NULL: column = name */
} FieldDecl;

typedef struct Param { const char *name; uint32_t len; Loc loc; TypeRef type; } Param;

typedef enum { SL_WHEN, SL_PER, SL_FOREACH, SL_LIMIT } ScoreLineKind;
typedef struct ScoreLine {
    ScoreLineKind kind;
    Loc loc;                      /* the whole line, starting at its sign */
    double n;                     /* signed points (or LIMIT low) */
    double hi;                    /* LIMIT high */
    Expr *e;                      /* WHEN condition, PER value */
    /* FOREACH */
    const char *stream; uint32_t slen; Loc sloc;
    Expr *where; Window win;
    bool has_half; int64_t half_us; Loc half_loc;
    bool has_most; double most; Loc most_loc;
    int32_t stream_idx;           /* sema */
} ScoreLine;

typedef struct ClassLine {
    Label label;
    Expr *cond;                   /* NULL for otherwise */
    Loc loc;
    int32_t label_idx;            /* sema: index into the classify's labels */
} ClassLine;

typedef struct TestField { const char *name; uint32_t len; Loc loc; Expr *value; int32_t field_idx; } TestField;
typedef struct TestLit {
    const char *name; uint32_t len; Loc loc;
    TestField *fields; uint32_t nfields;
    double repeat; Loc repeat_loc; bool has_repeat;
    int32_t repeat_idx_stream;    /* sema: the stream, or -1 for the record */
} TestLit;

typedef enum { X_LEAD, X_NOT_LEAD, X_SCORE, X_LABEL, X_TRUE, X_NOT_TRUE } ExpectKind;
typedef struct Expect {
    ExpectKind kind; Loc loc;
    const char *name; uint32_t len; Loc nloc;   /* X_LABEL, X_TRUE, X_NOT_TRUE */
    double num;                                  /* X_SCORE */
    Label label;                                 /* X_LABEL */
    int32_t ref, label_idx;                      /* sema: classify/define, label */
} Expect;

typedef struct Decl Decl;
struct Decl {
    DeclKind kind;
    Loc loc;                      /* the keyword */
    const char *name; uint32_t len; Loc nloc;    /* declared name, or the text of definition/owner/use */
    /* D_VERSION */
    double num;
    /* D_APPROVED */
    int32_t date;
    /* D_RECORD / D_EVENTS */
    const char *key; uint32_t keylen; Loc keyloc;
    FieldDecl *fields; uint32_t nfields;
    /* D_SET */
    Expr **items; uint32_t nitems;
    const char *path; uint32_t pathlen; Loc pathloc;  /* set ... from */
    /* D_DEFINE / D_EXTERN */
    Param *params; uint32_t nparams; bool has_params;
    TypeRef result; bool has_result;
    Expr *body;                   /* D_DEFINE, D_LEAD */
    const char *lib; uint32_t liblen; Loc libloc;
    const char *sym; uint32_t symlen; Loc symloc;
    /* D_SCORE */
    ScoreLine *lines; uint32_t nlines;
    /* D_CLASSIFY */
    ClassLine *clines; uint32_t nclines;
    /* D_TEST */
    bool has_asof; int32_t asof; Loc asofloc;
    TestLit *lits; uint32_t nlits;
    Expect *expects; uint32_t nexpects;
    /* module bookkeeping */
    uint32_t module;              /* 0 = the main file */
};

typedef struct Ast {
    Decl **decls; uint32_t ndecls, cap;
} Ast;

/* Constructors used by the grammar. */
Expr *ast_expr(Arena *a, ExprKind k, Loc loc);
void  ast_add_kid(Arena *a, Expr *e, Expr *kid);
Expr *ast_chain(Arena *a, ExprKind k, Expr *left, char op, Expr *right, Loc oploc);
Decl *ast_decl(Arena *a, DeclKind k, Loc loc);
void  ast_add_decl(Arena *a, Ast *ast, Decl *d);
Loc   loc_span(Loc a, Loc b);

#endif
