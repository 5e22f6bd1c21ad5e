/* fuzz: what the libFuzzer harnesses share (tests/fuzz/README.md).
 *
 * Each harness defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize).  `make fuzz` links it with clang's libFuzzer and
 * sanitizers; `make check` links it with replay.c instead, which feeds it the
 * seed corpus and every saved crasher, so a fixed crash stays fixed in the
 * normal and the sanitizer builds.
 *
 * The readers take a path (input.h), so a harness writes its bytes to a
 * memfd and opens it as /proc/self/fd/N; names that matter (".jsonl") use
 * files in a private temporary directory instead. */
#ifndef LEAD_FUZZ_H
#define LEAD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "prog.h"
#include "vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memfd (once per process) holding exactly these bytes; its path for
 * in_open.  Aborts when the system refuses. */
const char *fz_memfd_path(int *fd, const void *data, size_t n);

/* A private directory for files with names (removed at exit), and a file
 * in it holding these bytes; returns the file's path (static storage per
 * name slot 0..3). */
const char *fz_file(int slot, const char *name, const void *data, size_t n);

/* Send what the project prints to stdout and stderr to /dev/null until
 * fz_loud.  Only the FILE streams are swapped (glibc documents stdout and
 * stderr as assignable), so sanitizer reports, which write to fd 2, still
 * show. */
void fz_quiet(void);
void fz_loud(void);

/* Run a verified, prepared program over a few synthetic records: all
 * missing, typical values of each field's type, and the program's own
 * text and number constants; each stream gets events keyed to the record.
 * Patterns are compiled here; natives are never loaded (their calls give
 * missing).  Values are read back so a bad one shows. */
void fz_run_records(Prog *p);

/* Compile, verify and prepare a program the harness itself supplies (it
 * must compile: aborts otherwise).  With errors_ok, a program with errors,
 * or beyond the VM's limits, gives NULL instead. */
Prog *fz_compile(const char *name, const char *text, size_t len, bool errors_ok);

/* Is this verifier message one of the work-per-record limits
 * (docs/limits.md), which compiled code may exceed and leadc reports as an
 * error of the file?  Any other refusal of compiled code is a compiler bug. */
bool fz_beyond_limits(const char *err);

/* Evaluate the outputs (lead, score, each classification, every define
 * without parameters) for the record in vm, and look at each value. */
void fz_eval_outputs(const Prog *p, VmCtx *vm);

#endif
