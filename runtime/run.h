/* run: `leadvm run`, the whole batch job: read records (CSV or JSON lines,
 * compressed or not), join each record's events, evaluate the program on
 * worker threads, write the results in input order (TOOLS.md "leadvm").
 *
 * Exit statuses as TOOLS.md says: 0 done; 1 the run rejected rows (or
 * stopped at a malformed one); 2 it could not run (unreadable input, a
 * missing column, a write error); 128+N on signal N.  With -o, output goes
 * to a temporary file beside the target, renamed only on success.
 *
 * An events file too big to join in memory is read alongside the records,
 * which needs it in the records' order.  When it turns out not to be (the
 * join detects it), the run's output so far is dropped, the file is sorted
 * into that order on disk (evsort.h) and the run starts again on the
 * sorted copy; standard output is held back until the end for that.  Only
 * a file read from a pipe cannot be sorted so: that run stops (exit 2). */
#ifndef LEAD_RUN_H
#define LEAD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "prog.h"

typedef struct RunEvents {
    const char *name, *path;
    bool sorted;                   /* known to be in the records' order (evsort's copy) */
    uint64_t dropped;              /* events evsort left out, for the summary */
} RunEvents;

typedef struct RunOpts {
    const char *input;
    const char *out;               /* NULL: standard output */
    int out_format;                /* 0 csv, 1 jsonl */
    int in_format;                 /* 0 by name, 1 csv, 2 jsonl */
    int delim;                     /* 0: detect */
    int32_t as_of;
    int threads;
    const char **keep; uint32_t nkeep;
    struct Prog *only;             /* --only, compiled against the outputs */
    int32_t only_fn;
    bool explain;
    int summary;                   /* 0 none, 1 text, 2 json */
    const char *reject;
    uint64_t max_rejects;          /* 0: no limit */
    RunEvents *events; uint32_t nevents;
    int progress;                  /* -1 auto, 0 off, 1 on */
    const char *prog_name;         /* for messages */
    int attempt;                   /* run.c: 0, or which start this is after a sort */
} RunOpts;

int run_program(Prog *p, const RunOpts *o);

#endif
