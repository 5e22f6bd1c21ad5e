/* builtins: the built-in functions of LANGUAGE.md section 4, in one table
 * that the type checker (sema.c) and the VM (vm.c) both read.
 *
 * A function may have several entries with the same name, one per argument
 * type (days_since of a date or of a time); sema picks the entry whose
 * signature fits and the bytecode stores that entry's index.  Every
 * built-in is "missing in, missing out" unless its entry says otherwise.
 *
 * Signatures are strings of type letters: t text, n number, b bool, d date,
 * T time, * any (with `same` the result has the argument's type).  A
 * trailing '+' on the parameters means "one or more of the last". */
#ifndef LEAD_BUILTINS_H
#define LEAD_BUILTINS_H

#include <stdbool.h>
#include <stdint.h>

struct VmValue;
struct VmCtx;

typedef void (*BuiltinFn)(struct VmCtx *vm, struct VmValue *dst,
                          const struct VmValue *args, uint32_t nargs);

typedef struct Builtin {
    const char *name;
    const char *params;     /* e.g. "t", "n+", "T", "" */
    char result;            /* type letter, or '=' for the argument's type */
    bool any_missing_ok;    /* called even when an argument is missing (coalesce) */
    BuiltinFn fn;
} Builtin;

extern const Builtin lead_builtins[];
extern const uint32_t lead_nbuiltins;

/* Index of the first entry named name, or -1. */
int builtin_find(const char *name, uint32_t len);

#endif
