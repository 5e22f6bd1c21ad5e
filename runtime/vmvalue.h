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
    /* len and miss also form one 64-bit word, so the VM writes and copies a
     * value as two 8-byte words: a load that matches the store before it
     * forwards, where a 16-byte copy of two 8-byte stores would stall */
    union {
        struct { uint32_t len; uint8_t miss; uint8_t pad[3]; };
        uint64_t meta;
    };
} VmValue;

#define VM_META(len, miss) ((uint64_t)(uint32_t)(len) | (uint64_t)(miss) << 32)

static inline void vm_copy(VmValue *d, const VmValue *s)
{
    d->u.i = s->u.i;
    d->meta = s->meta;
}

struct VmCtx;

/* Space for a text made while evaluating the current record; valid until
 * the next record.  Never fails (aborts on out of memory). */
char *vm_scratch(struct VmCtx *vm, size_t n);
/* The run's as-of date (days since the epoch). */
int32_t vm_asof(const struct VmCtx *vm);

static inline VmValue vm_missing(void) { VmValue v; v.u.i = 0; v.meta = VM_META(0, 1); return v; }
static inline VmValue vm_num(double n) { VmValue v; v.u.n = n; v.meta = 0; return v; }
static inline VmValue vm_int(int64_t i) { VmValue v; v.u.i = i; v.meta = 0; return v; }
static inline VmValue vm_text(const char *s, uint32_t len) { VmValue v; v.u.s = s; v.meta = VM_META(len, 0); return v; }

#endif
