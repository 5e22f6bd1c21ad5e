/* prog: a compiled lead program in memory, as code generation (compiler/
 * gen.c) builds it, the bytecode file (bc.c) stores it, the verifier checks
 * it and the VM runs it.
 *
 * A program is a set of tables (constants, sets, types, the schema of the
 * record and streams, aggregates, externs) and a set of functions.  Every
 * define, the lead condition, the score and each classification is a
 * function; the ones without parameters are evaluated at most once per
 * record (memo slots).  Each aggregate's `where` is a function run per
 * event.  Functions call each other along an acyclic graph only, and jumps
 * only go forward, so every evaluation ends.
 *
 * Ownership: everything hangs off the program's arena. */
#ifndef LEAD_PROG_H
#define LEAD_PROG_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"

/* Type kinds (the same numbers as the compiler's TyKind). */
enum { PT_NONE = 0, PT_TEXT = 1, PT_NUMBER, PT_BOOL, PT_DATE, PT_TIME, PT_LEVEL, PT_CLASS };

typedef struct PType { uint8_t kind; uint16_t id; } PType;

/* A text; key is its trimmed, case-folded form (computed at load). */
typedef struct PText { const char *p; uint32_t len; const char *key; uint32_t keylen; } PText;

/* The labels of a level type (name empty) or a classification. */
typedef struct PLabels { PText name; uint32_t n; PText *labels; } PLabels;

enum { PS_TEXT = 0, PS_NUMBER = 1, PS_INT = 2 };
typedef struct PSet {
    uint8_t kind;
    uint32_t n;
    PText *texts; double *nums; int64_t *ints;
    /* built at load: open addressing over member indexes + 1 */
    uint32_t hcap; uint32_t *htab;
} PSet;

typedef struct PField { PText name, column; PType type; } PField;

typedef struct PStream {
    PText name;
    PField *fields; uint32_t nfields;
    int32_t key;            /* the match field */
    int32_t time;           /* the first time field, or -1 */
} PStream;

enum { FK_DEFINE = 0, FK_FUNCTION, FK_WHERE, FK_LEAD, FK_SCORE, FK_CLASSIFY, FK_EXPLAIN };

typedef struct PFunc {
    PText name;
    uint8_t kind;
    uint32_t nparams, nregs;
    PType *rtypes;          /* nregs; the parameters come first */
    PType result;
    uint32_t *code; uint32_t ncode;
    uint32_t *lines; uint32_t nlines;   /* pairs (pc, source line), pc ascending */
    int32_t stream;         /* FK_WHERE: the stream of its events, else -1 */
    int32_t memo;           /* memo slot (no parameters), else -1 */
    uint32_t line;          /* where it is declared */
} PFunc;

/* Aggregates (AGG instruction) and `for each` score lines. */
enum { PA_COUNT = 0, PA_COUNT_DISTINCT, PA_ANY, PA_NONE, PA_SUM, PA_AVERAGE,
       PA_MIN, PA_MAX, PA_LATEST, PA_EARLIEST, PA_FOREACH };
enum { PW_NONE = 0, PW_LAST, PW_ANY_DAY, PW_ANY };
typedef struct PAgg {
    uint8_t kind, win;
    int32_t stream;
    int32_t field;          /* the value's field, or -1 */
    int32_t where;          /* function, or -1 */
    int64_t win_us;
    int64_t half_us;        /* PA_FOREACH with a half life, else 0 */
    double n;               /* PA_FOREACH: points per event */
} PAgg;

typedef struct PExtern {
    PText name, lib, sym;
    uint8_t nparams;
    uint8_t ptypes[16];
    uint8_t rtype;
} PExtern;

enum { SL_KIND_WHEN = 0, SL_KIND_PER, SL_KIND_FOREACH };
typedef struct PScoreLine { uint8_t kind; uint32_t line; double n; } PScoreLine;
typedef struct PClassLine { uint32_t cls; uint32_t line; uint32_t label; } PClassLine;
/* A top-level condition of `lead when`, for --explain. */
typedef struct PExplain { PText text; int32_t fn; } PExplain;

typedef struct Prog {
    Arena arena;
    /* header */
    PText def_name; double version; bool has_version;
    PText *owners; uint32_t nowners;
    int32_t approved; bool has_approved;
    PText source;
    /* tables */
    double *nums; uint32_t nnums;
    int64_t *ints; uint32_t nints;
    PText *texts; uint32_t ntexts;
    PSet *sets; uint32_t nsets;
    PLabels *levels; uint32_t nlevels;
    PLabels *classes; uint32_t nclasses;
    PText record_name;
    PField *fields; uint32_t nfields;
    int32_t key;
    PStream *streams; uint32_t nstreams;
    PText *regexes; uint32_t nregexes;
    PExtern *externs; uint32_t nexterns;
    PAgg *aggs; uint32_t naggs;
    PFunc *funcs; uint32_t nfuncs;
    /* outputs */
    int32_t lead_fn, score_fn;      /* score_fn -1 without a score block */
    int32_t *class_fns;             /* one per classification */
    PScoreLine *slines; uint32_t nslines;
    PClassLine *clines; uint32_t nclines;
    PExplain *explain; uint32_t nexplain;
    uint32_t nmemo;
    /* filled by the verifier */
    uint32_t max_regs;              /* register stack for the deepest call chain */
    uint32_t max_depth;
    bool verified;
    /* runtime state built at load */
    struct LeadRegex **rx;
    void **ext_fn;                  /* dlsym results */
    void *ext_cif;                  /* ffi_cif per extern */
} Prog;

/* Limits the verifier enforces (and the compiler respects). */
#define PROG_MAX_CALL_DEPTH 1000
#define PROG_MAX_REGS 65535
#define PROG_MAX_ARGS 255
/* Code words one record's evaluation may run, over the outputs and every
 * define once (events aside): calls that repeat calls, nested, would
 * otherwise let a small file ask for 2^1000 steps. */
#define PROG_MAX_WORK (1u << 26)
/* Where bodies that run aggregates with where bodies, through functions
 * with parameters: each level runs the next once per event, so a record
 * with E events costs up to E^depth. */
#define PROG_MAX_WHERE_NEST 3

/* Fill in keys of texts and labels, hash tables of sets (after building or
 * loading).  Returns false on out of memory. */
bool prog_prepare(Prog *p);

/* Check everything the VM relies on (TOOLS.md "The bytecode file").  On
 * failure returns false with a message naming what is wrong. */
bool prog_verify(Prog *p, char *err, size_t errlen);

/* The source line of pc in f (0 when unknown). */
uint32_t prog_line(const PFunc *f, uint32_t pc);

/* Set membership of a folded key / a number / an integer. */
bool pset_has_key(const PSet *s, const char *key, uint32_t len);
bool pset_has_num(const PSet *s, double x);
bool pset_has_int(const PSet *s, int64_t x);

void prog_free(Prog *p);

#endif
