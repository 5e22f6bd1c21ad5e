/* vm: the register VM that evaluates a verified program on one record at a
 * time (LANGUAGE.md sections 4-6).
 *
 * One VmCtx per thread; the Prog is shared and read-only.  For each record
 * the driver gives the raw cells of the record's fields and the record's
 * events, then asks for the outputs (lead, score, each classification);
 * fields are parsed on first use, defines at most once per record.  Nothing
 * is allocated per record once the buffers have grown: texts made during a
 * record go to a scratch area that is reset for the next one.
 *
 * Ownership: the context owns its buffers; cells and events belong to the
 * caller and must stay valid while the record is evaluated. */
#ifndef LEAD_VM_H
#define LEAD_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "prog.h"
#include "vmvalue.h"

/* A raw input cell: p == NULL means absent (missing); invalid marks a value
 * that can never parse (a nested JSON value). */
typedef struct VmCell { const char *p; uint32_t len; uint8_t invalid; } VmCell;

/* One event: its time (the stream's time field) and its parsed fields. */
typedef struct VmEvent {
    int64_t t;
    uint8_t has_t;
    VmValue *vals;
} VmEvent;

typedef struct VmEvents { const VmEvent *ev; uint32_t n; } VmEvents;

/* Counters for --summary, per field: missing and invalid values. */
typedef struct VmFieldStats { uint64_t missing, invalid; } VmFieldStats;

typedef struct VmCtx VmCtx;

/* as_of: the run's as-of date D (days since the epoch). */
VmCtx *vm_new(const Prog *p, int32_t as_of);
void vm_free(VmCtx *vm);

/* Parse every field of each record up front (for --summary counts). */
void vm_set_eager(VmCtx *vm, bool eager);

/* Start a record: cells[i] for record field i; events[s] for stream s (NULL
 * when the program has no streams). */
void vm_record(VmCtx *vm, const VmCell *cells, const VmEvents *events);

/* Evaluate function fi (no parameters; memoised) for the current record. */
VmValue vm_eval(VmCtx *vm, int32_t fi);

/* Per-record details, valid until the next record: the points each score
 * line added (0 when it did not fire) and the classify line that chose each
 * label (-1: none). */
const double *vm_score_points(const VmCtx *vm);
const uint8_t *vm_score_fired(const VmCtx *vm);
const uint8_t *vm_class_hit(const VmCtx *vm);

/* Field statistics collected so far (record fields), nfields entries. */
const VmFieldStats *vm_field_stats(const VmCtx *vm);

/* Events: parse one event's cells into an event (vals must hold the
 * stream's nfields values; texts keep pointing into the cells).  With
 * `used` (from vm_stream_used), fields the program never reads are left
 * missing without being parsed. */
void vm_parse_event(const Prog *p, uint32_t stream, const VmCell *cells, VmEvent *out);
void vm_parse_event_used(const Prog *p, uint32_t stream, const VmCell *cells, VmEvent *out, const uint8_t *used);

/* Which fields of a stream the program reads (its where bodies, aggregate
 * values and the time field); used must hold nfields bytes. */
void vm_stream_used(const Prog *p, uint32_t stream, uint8_t *used);

/* Parse a cell as a value of type t (blank: missing; bad: missing and
 * *invalid set). */
VmValue vm_parse_cell(const Prog *p, PType t, const char *s, uint32_t n, bool *invalid);

/* leadc test: mark cov[f] = 1 for every function that runs. */
void vm_set_coverage(VmCtx *vm, uint8_t *cov);

/* The extern a record called while natives were not loaded (-1: none);
 * such a call gives missing.  Reset by vm_record. */
int32_t vm_refused_extern(const VmCtx *vm);

/* Native calls (ffi.c): resolve every extern of p; false with a message. */
bool vm_ffi_load(Prog *p, char *err, size_t errlen);

#endif
