/* run: `leadvm run`, the whole batch job: read records (CSV or JSON lines,
 * compressed or not), join each record's events, evaluate the program on
 * worker threads, write the results in input order (TOOLS.md "leadvm").
 *
 * Exit statuses as TOOLS.md says: 0 done; 1 the run rejected rows (or
 * stopped at a malformed one); 2 it could not run (unreadable input, a
 * missing column, a write error); 128+N on signal N.  With -o, output goes
 * to a temporary file beside the target, renamed only on success. */
#ifndef LEAD_RUN_H
#define LEAD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "prog.h"

typedef struct RunEvents { const char *name, *path; } RunEvents;

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
} RunOpts;

int run_program(Prog *p, const RunOpts *o);

#endif
