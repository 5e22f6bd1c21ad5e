/* vm_internal: the VM context, shared by vm.c (the interpreter), vm_agg.c
 * (aggregates over events) and ffi.c (native calls). */
#ifndef LEAD_VM_INTERNAL_H
#define LEAD_VM_INTERNAL_H

#include "regex.h"
#include "utext.h"
#include "vm.h"

typedef struct ScratchChunk { struct ScratchChunk *next; size_t cap, used; char data[]; } ScratchChunk;

struct VmCtx {
    const Prog *p;
    int32_t asof;               /* D */
    int64_t asof_us;            /* A: the start of the day after D */
    /* the current record */
    const VmCell *cells;
    const VmEvents *events;
    VmValue *fvals;
    uint32_t *fgen;
    uint32_t gen;
    bool eager;
    VmFieldStats *fstats;
    /* memoised functions */
    VmValue *memo;
    uint32_t *mgen;
    /* registers */
    VmValue *regs;
    VmValue *regs_end;
    /* the event a where body looks at */
    const VmEvent *cur_ev;
    /* per-record details */
    double *spoints;
    uint8_t *sfired;
    uint8_t *chit;
    /* texts made during the record */
    ScratchChunk *scratch;
    RxMatch *rx;
    Buf k1, k2;
    uint8_t *cov;               /* leadc test --coverage, or NULL */
    int32_t refused_ext;
};

/* Run function f with its frame at R (parameters already in place). */
VmValue vm_run(VmCtx *vm, const PFunc *f, VmValue *R);

/* The AGG instruction: aggregate a over the record's events; args are the
 * where body's parameters, frame is free register space above the caller. */
VmValue vm_aggregate(VmCtx *vm, const PAgg *a, const VmValue *args, uint32_t nargs, VmValue *frame);

/* The EXTERN instruction (ffi.c). */
VmValue vm_ffi_call(VmCtx *vm, uint32_t ext, const VmValue *args, uint32_t nargs);

#endif
