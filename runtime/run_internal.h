/* run_internal: the state of one `leadvm run`, shared by run.c (the
 * pipeline and output) and run_events.c (joining events to records). */
#ifndef LEAD_RUN_INTERNAL_H
#define LEAD_RUN_INTERNAL_H

#include <pthread.h>
#include "csv.h"
#include "jsonl.h"
#include "run.h"
#include "utext.h"
#include "vm.h"

typedef struct BlockStats {
    uint64_t records, leads;
    uint64_t *sfired;      /* per score line */
    uint64_t *chit;        /* per classify line */
    uint64_t *labels;      /* per label of every classification (label_base) */
    uint64_t *nolabel;     /* per classification */
    double *scores; size_t nscores, capscores;
} BlockStats;

typedef struct RejPos { size_t out_len, rej_len; int64_t line; } RejPos;

/* A block of rows in flight: input, and the results a worker made of it. */
typedef struct Block {
    CsvBlock csv;
    int64_t seq;
    struct Block *next;        /* the work queue */
    struct Block *order_next;  /* blocks in input order */
    bool done;
    Buf out, rej;
    uint64_t rows_seen, rows_out, nrej;
    RejPos *rejpos; uint32_t nrejpos, rejposcap;
    bool has_err;
    int64_t err_line;
    uint64_t err_row_index;
    char err_msg[256];
    BlockStats stats;
    void *events;              /* events attached by the reader (sorted join) */
} Block;

typedef struct RunCtx RunCtx;

typedef struct Worker {
    RunCtx *rc;
    VmCtx *vm;
    VmCell *cells;
    VmValue *clsvals;
    VmEvents *evs;             /* per stream, for the current record */
    CsvRowBuf rb;
    Buf tmp;
    Block *cur;
    uint64_t row_index;        /* rows of the current block met so far */
    void *evstate;             /* run_events.c's per-worker buffers */
    JsonRow jr;
    VmCtx *only_vm;
    VmCell *only_cells;
} Worker;

typedef struct EventStore EventStore;

struct RunCtx {
    Prog *p;
    const RunOpts *o;
    CsvChunker *chunker;
    LineChunker *lines;        /* JSON-lines input instead of CSV */
    JsonSchema js;
    int delim;
    uint32_t ncols;
    int32_t *col_of_field;
    int32_t *keep_cols;
    uint32_t *label_base;
    uint32_t nlabels_total;
    /* workers */
    Worker *workers;
    int nworkers;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    Block *queue, *queue_tail;
    bool stop;
    /* outcome */
    bool pipe_closed, read_failed, malformed, max_rejects_hit;
    int write_errno;
    uint64_t rows_done;
    bool progress;
    double t0, last_progress;
    /* events */
    EventStore *stores;        /* one per stream */
    int32_t disorder;          /* 1 + the stream whose file was found out of order, or 0 */
};

void run_block(RunCtx *rc, Worker *wk, Block *bk);
void run_format_value(const Prog *p, PType t, VmValue v, Buf *b);
bool run_bind(const CsvRow *h, const PField *fields, uint32_t nfields, int32_t *col_of, const char *file,
              const char *what, char *err, size_t errlen);

void run_stats_init(RunCtx *rc, BlockStats *st);
void run_stats_free(BlockStats *st);
void run_stats_merge(RunCtx *rc, BlockStats *to, const BlockStats *from);
void run_push_score(BlockStats *st, double x);

/* run_events.c */
bool run_events_open(RunCtx *rc, char *err, size_t errlen);
bool run_events_prepare_block(RunCtx *rc, Block *bk, char *err, size_t errlen);
void run_events_release_block(RunCtx *rc, Block *bk);
/* The events of the current block's row `index` (0-based, counting every
 * row, malformed ones too), whose key cell is key. */
const VmEvents *run_events_for(RunCtx *rc, Worker *wk, uint64_t index, const char *key, uint32_t keylen);
/* After the last record: drain and check what is left of streamed files. */
bool run_events_finish(RunCtx *rc, char *err, size_t errlen);
void run_events_worker_free(RunCtx *rc, Worker *wk);
uint64_t run_events_orphans(RunCtx *rc);
/* Could the streamed file of stream s be sorted and the run started again
 * (it and the record file can be read anew)? */
bool run_events_resortable(RunCtx *rc, uint32_t s);
bool run_events_any_resortable(RunCtx *rc);
bool run_is_jsonl_name(const char *path);
void run_events_close(RunCtx *rc);

#endif
