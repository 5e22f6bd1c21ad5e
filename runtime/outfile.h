/* outfile: an output file written so that a failed run leaves nothing
 * behind (TOOLS.md: "output is written to a temporary file beside the
 * target and renamed on success").
 *
 *   "-"             standard output (written as it goes)
 *   a regular path  a temporary file beside it, renamed over it at the end;
 *                   a symbolic link is followed, so the file it names is
 *                   replaced and the link stays
 *   a device, FIFO  written directly (there is nothing to rename)
 *   NAME.gz, .zst   compressed with gzip or zstd
 * The temporary files are removed on SIGINT, SIGTERM and SIGHUP, after
 * which the process dies of the signal (exit 128+N).
 *
 * Ownership: an OutFile is freed by of_commit or of_discard. */
#ifndef LEAD_OUTFILE_H
#define LEAD_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct OutFile OutFile;

/* Install the signal handlers (once per process is enough; harmless again).
 * SIGPIPE is ignored: a closed pipe shows up as EPIPE on a write. */
void of_install_signals(void);

OutFile *of_open(const char *target, char *err, size_t errlen);
/* false and errno set on failure (EPIPE: the reader of a pipe went away). */
bool of_write(OutFile *o, const void *p, size_t n);
bool of_is_stdout(const OutFile *o);
/* Standard output held back: what is written goes to an unnamed temporary
 * file and reaches standard output only at of_commit, so a run that must
 * start again (run.c, events out of order) can drop it.  false (errno) when
 * no temporary file can be made; the OutFile then writes as before. */
bool of_spool(OutFile *o);
/* Finish: flush, close, rename into place. false and a message on failure
 * (then nothing is left behind). */
bool of_commit(OutFile *o, char *err, size_t errlen);
/* Give up: remove the temporary file. */
void of_discard(OutFile *o);

/* Another temporary file to remove on those signals (the sorted copy of an
 * events file): a slot, or -1 when all are taken; release it when the file
 * is gone. */
int of_tmp_register(const char *path);
void of_tmp_release(int slot);

#endif
