/* evsort: an events file put into the record file's order on disk, for
 * the streaming join of run_events.c, when the file as given is not in
 * that order and too big to join in memory (TOOLS.md --events: "anything
 * else is joined another way, never dropped").
 *
 * The records are read once for their keys: each key's rank is the place
 * of its first record.  The events are read in slices of at most
 * EVSORT_SLICE bytes; each slice is sorted by rank (stable, so a key's
 * events keep the file's order) and written to an unnamed temporary file;
 * the slices are then merged into one file in $TMPDIR (or /tmp), in the
 * format of the original (the same header for CSV), which the run reads
 * instead.  Events whose key has no record, or an empty key, are left out
 * and counted.  Memory: about 32 bytes per distinct record key plus the
 * keys, and one slice; disk: about twice the events file.
 *
 * Errors in the events file (a row with the wrong number of fields, a line
 * that is not JSON) are reported here with the file's own line numbers. */
#ifndef LEAD_EVSORT_H
#define LEAD_EVSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "prog.h"
#include "run.h"

#define EVSORT_SLICE (64u << 20)

/* Sort the events file `events` of stream `stream` into the order of the
 * records of o->input.  On success: true, the sorted file's path in out
 * (remove it when done; *slot is its outfile signal-cleanup slot, to
 * release then) and the number of events left out in *dropped. */
bool evsort(const Prog *p, uint32_t stream, const RunOpts *o, const char *events,
            char *out, size_t outlen, int *slot, uint64_t *dropped, char *err, size_t errlen);

#endif
