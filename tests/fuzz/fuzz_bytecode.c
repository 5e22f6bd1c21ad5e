/* fuzz_bytecode: the loader and verifier on bytes.  The seeds are real
 * .leadc files; the fuzzer mutates them.  Before reading, the header's size
 * field is set to the input's length and the checksum is recomputed
 * (bc_seal), as the verifier's unit tests do, so mutations reach the
 * structural checks instead of dying at the checksum.  A file that reads,
 * verifies and prepares is run over a few synthetic records: whatever the
 * verifier accepts, the VM must run safely. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "bc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4u << 20)) return 0;
    uint8_t *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    if (size >= BC_HEADER) {
        for (int k = 0; k < 8; k++) buf[16 + k] = (uint8_t)((uint64_t)size >> (8 * k));
        bc_seal(buf, size);
    }
    char err[512];
    Prog *p = bc_read(buf, size, err, sizeof err);
    free(buf);
    if (!p) return 0;
    if (prog_verify(p, err, sizeof err) && prog_prepare(p)) fz_run_records(p);
    prog_free(p);
    return 0;
}
