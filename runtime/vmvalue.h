/* vmvalue: the value of a VM register (shared by the VM and the built-in
 * functions of stdlib/).
 *
 * Sixteen bytes; the type is static (known from the bytecode), so a value
 * carries only its payload and whether it is missing:
 *   number       u.n
 *   bool         u.i = 0 or 1   (missing = unknown)
 *   date         u.i = days since 1970-01-01
 *   time         u.i = microseconds since 1970-01-01T00:00:00Z
 *   level        u.i = rank;  classification: u.i = label index
 *   text         u.s, len (not NUL-terminated; owned by the input block,
 *                the program's constants, or the record's scratch space)
 * A missing value has miss = 1 and an unspecified payload. */
#ifndef LEAD_VMVALUE_H
#define LEAD_VMVALUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct VmValue {
    union { double n; int64_t i; const char *s; } u;
    uint32_t len;
    uint8_t miss;
    uint8_t pad[3];
} VmValue;

struct VmCtx;

/* Space for a text made while evaluating the current record; valid until
 * the next record.  Never fails (aborts on out of memory). */
char *vm_scratch(struct VmCtx *vm, size_t n);
/* The run's as-of date (days since the epoch). */
int32_t vm_asof(const struct VmCtx *vm);

static inline VmValue vm_missing(void) { VmValue v = { .miss = 1 }; return v; }
static inline VmValue vm_num(double n) { VmValue v = { .u.n = n }; return v; }
static inline VmValue vm_int(int64_t i) { VmValue v = { .u.i = i }; return v; }
static inline VmValue vm_text(const char *s, uint32_t len) { VmValue v = { .u.s = s, .len = len }; return v; }

#endif
