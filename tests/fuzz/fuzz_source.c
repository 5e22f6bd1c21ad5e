/* fuzz_source: the front end on source text.  Parse, resolve and check
 * (comp_source); a program that checks clean is also generated, verified
 * (the code generator must only ever produce code the verifier accepts,
 * unless the program is beyond the VM's work limits, docs/limits.md),
 * its `test` blocks are run as `leadc test --coverage` runs them, and it is
 * run over a few synthetic records. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "compile.h"
#include "fuzz.h"
#include "gen.h"
#include "testrun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;        /* big inputs only slow the fuzzer down */
    Compilation c = { 0 };
    comp_source(&c, "fuzz.lead", (const char *)data, size, NULL);
    if (diag_errors(&c.diags)) { comp_free(&c); return 0; }
    char err[512];
    Prog *p = gen_program(&c, false, err, sizeof err);
    if (!p) { comp_free(&c); return 0; }    /* a limit was exceeded */
    if (!prog_verify(p, err, sizeof err)) {
        if (fz_beyond_limits(err)) { prog_free(p); comp_free(&c); return 0; }
        fprintf(stderr, "fuzz_source: the compiled program fails verification: %s\n", err);
        abort();
    }
    TestOpts to = { 0 };
    to.coverage = true;
    TestTotals tot = { 0, 0 };
    fz_quiet();
    test_run(&c, p, &to, stdout, &tot);
    fz_loud();
    comp_free(&c);
    fz_run_records(p);
    prog_free(p);
    return 0;
}
