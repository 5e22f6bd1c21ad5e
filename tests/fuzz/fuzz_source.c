/* fuzz_source: the front end on source text.  Parse, resolve and check
 * (comp_source); a program that checks clean is also generated, verified
 * (the code generator must only ever produce code the verifier accepts:
 * fz_compile aborts otherwise) and run over a few synthetic records. */
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;        /* big inputs only slow the fuzzer down */
    Prog *p = fz_compile("fuzz.lead", (const char *)data, size, true);
    if (!p) return 0;
    fz_run_records(p);
    prog_free(p);
    return 0;
}
