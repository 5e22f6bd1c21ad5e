/* ffi: extern functions (LANGUAGE.md section 3 "extern function"), loaded
 * with dlopen/dlsym and called through libffi.
 *
 * Types map as the spec says: text is `const char *` (NUL-terminated
 * UTF-8; the VM passes a copy), number is `double`, bool is `int`.  A
 * returned text is copied before the call returns to the VM; NULL, and a
 * number that is not finite, are missing.  An allowed library runs with
 * the full rights of the process: leadvm only loads libraries the user
 * named with --allow-native. */
#include "config.h"
#include <dlfcn.h>
#include <ffi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vm_internal.h"

typedef struct ExtCall {
    ffi_cif cif;
    ffi_type *args[16];
} ExtCall;

static ffi_type *ffi_of(uint8_t kind)
{
    return kind == PT_TEXT ? &ffi_type_pointer : kind == PT_NUMBER ? &ffi_type_double : &ffi_type_sint;
}

bool vm_ffi_load(Prog *p, char *err, size_t errlen)
{
    if (p->nexterns == 0) return true;
    p->ext_fn = calloc(p->nexterns, sizeof *p->ext_fn);
    ExtCall *calls = calloc(p->nexterns, sizeof *calls);
    p->ext_cif = calls;
    if (!p->ext_fn || !calls) { snprintf(err, errlen, "out of memory"); return false; }
    for (uint32_t i = 0; i < p->nexterns; i++) {
        PExtern *x = &p->externs[i];
        void *h = dlopen(x->lib.p, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            snprintf(err, errlen, "cannot load native library '%s' for extern '%s': %s", x->lib.p, x->name.p, dlerror());
            return false;
        }
        dlerror();
        void *fn = dlsym(h, x->sym.p);
        if (!fn) {
            snprintf(err, errlen, "native library '%s' has no symbol '%s' (for extern '%s')", x->lib.p, x->sym.p, x->name.p);
            return false;
        }
        p->ext_fn[i] = fn;
        for (uint32_t k = 0; k < x->nparams; k++) calls[i].args[k] = ffi_of(x->ptypes[k]);
        if (ffi_prep_cif(&calls[i].cif, FFI_DEFAULT_ABI, x->nparams, ffi_of(x->rtype), calls[i].args) != FFI_OK) {
            snprintf(err, errlen, "cannot prepare a native call to '%s'", x->sym.p);
            return false;
        }
    }
    return true;
}

VmValue vm_ffi_call(VmCtx *vm, uint32_t ext, const VmValue *args, uint32_t nargs)
{
    const Prog *p = vm->p;
    const PExtern *x = &p->externs[ext];
    if (!p->ext_fn) {                  /* not allowed to load (leadc test) */
        if (vm->refused_ext < 0) vm->refused_ext = (int32_t)ext;      /* the first one */
        return vm_missing();
    }
    ExtCall *call = &((ExtCall *)p->ext_cif)[ext];
    void *vals[16];
    const char *texts[16];
    double nums[16];
    int bools[16];
    for (uint32_t i = 0; i < nargs; i++) {
        if (args[i].miss) return vm_missing();    /* missing arguments mean no call */
        switch (x->ptypes[i]) {
        case PT_TEXT: {
            char *s = vm_scratch(vm, args[i].len + 1);
            memcpy(s, args[i].u.s, args[i].len);
            s[args[i].len] = 0;
            texts[i] = s;
            vals[i] = &texts[i];
            break;
        }
        case PT_NUMBER: nums[i] = args[i].u.n; vals[i] = &nums[i]; break;
        default: bools[i] = (int)args[i].u.i; vals[i] = &bools[i]; break;
        }
    }
    union { ffi_arg i; double d; void *p; } ret;
    memset(&ret, 0, sizeof ret);
    ffi_call(&call->cif, FFI_FN(p->ext_fn[ext]), &ret, vals);
    switch (x->rtype) {
    case PT_TEXT: {
        const char *s = ret.p;
        if (!s) return vm_missing();
        size_t n = strlen(s);
        char *c = vm_scratch(vm, n + 1);
        memcpy(c, s, n);
        return vm_text(c, (uint32_t)n);
    }
    case PT_NUMBER: return isfinite(ret.d) ? vm_num(ret.d) : vm_missing();
    default: return vm_int((int)ret.i != 0);
    }
}
