/* sema: name resolution and static types for a parsed program (LANGUAGE.md
 * sections 3 and 4, appendix A "Levels", appendix B for where each error
 * points).
 *
 * Input: the declarations of the main file and of every module it uses
 * (already parsed).  Output: the tables below, and every Expr annotated with
 * its type and what its names resolve to.  Type errors are reported to the
 * Diags; a program with errors must not reach code generation.
 *
 * Ownership: everything lives in the compilation's arena. */
#ifndef LEAD_SEMA_H
#define LEAD_SEMA_H

#include "ast.h"
#include "diag.h"

typedef struct LevelInfo {
    Label *labels;          /* as declared (first declaration's spelling) */
    char **keys;            /* trimmed, case-folded labels */
    uint32_t *keylens;
    uint32_t n;
} LevelInfo;

typedef struct FieldInfo {
    const char *name; uint32_t len; Loc loc;
    Type type;
    const char *column; uint32_t collen;   /* the header it reads */
    bool used;
} FieldInfo;

typedef struct StreamInfo {
    Decl *decl;
    const char *name; uint32_t len;
    FieldInfo *fields; uint32_t nfields;
    int32_t key;            /* the match field */
    int32_t time;           /* first time field, or -1 */
    bool used;
} StreamInfo;

typedef struct SetInfo {
    Decl *decl;
    bool numeric;
    uint32_t n;
    char **texts; uint32_t *lens;          /* folded keys (text sets) */
    double *nums;                          /* numeric sets */
    bool used;
} SetInfo;

typedef struct DefineInfo {
    Decl *decl;
    Type type;
    Type *ptypes;
    bool used;
    int32_t node;           /* dependency-graph node */
} DefineInfo;

typedef struct ClassInfo {
    Decl *decl;
    Label *labels;          /* distinct labels (folded), first spelling */
    uint32_t nlabels;
    int32_t otherwise;      /* clines index of `otherwise`, or -1 */
    int32_t node;
} ClassInfo;

typedef struct ExternInfo {
    Decl *decl;
    Type *ptypes;
    Type rtype;
    char *lib;              /* as the loader will see it (absolute, or a bare name) */
    char *sym;
    bool used;
} ExternInfo;

typedef enum { SYM_SET, SYM_DEFINE, SYM_CLASS, SYM_EXTERN, SYM_STREAM } SymKind;

typedef struct Sym {
    const char *name; uint32_t len;
    SymKind kind;
    int32_t idx;
} Sym;

typedef struct Sema {
    Arena *arena;
    Diags *diags;
    Ast *ast;
    const char **file_dirs;         /* directory of each source file, by file id */

    /* header */
    const char *def_name; double version; bool has_version;
    const char **owners; uint32_t nowners;
    int32_t approved; bool has_approved;

    Decl *record;
    FieldInfo *fields; uint32_t nfields;
    int32_t key;

    StreamInfo *streams; uint32_t nstreams;
    LevelInfo *levels; uint32_t nlevels;
    SetInfo *sets; uint32_t nsets;
    DefineInfo *defines; uint32_t ndefines;
    ClassInfo *classes; uint32_t nclasses;
    ExternInfo *externs; uint32_t nexterns;
    Decl **tests; uint32_t ntests;

    Decl *lead;
    Decl *score;
    int32_t limit_line;             /* index into score->lines, or -1 */

    Sym *syms; uint32_t symcap, nsyms;      /* open-addressing table */

    /* evaluation order of defines, lead, score, classifications (each a
     * node; dependencies first) */
    int32_t *order; uint32_t norder;
    uint32_t nnodes;
    int32_t lead_node, score_node;
} Sema;

/* Node numbering in the dependency graph: defines, then classifications,
 * then lead, then score. */

/* Check the declarations in ast (main file first, then modules, each Decl's
 * module set).  Returns the number of errors. */
uint32_t sema_check(Sema *s);

/* Human-readable name of a type ("number", "level(Staff, ...)"). */
const char *sema_type_name(const Sema *s, Type t, char *buf, size_t n);

bool type_eq(Type a, Type b);

#endif
