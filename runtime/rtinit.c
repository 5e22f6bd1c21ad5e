/* rtinit: compile patterns and load allowed native libraries. */
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "regex.h"
#include "rtinit.h"
#include "vm.h"

bool rt_compile_patterns(Prog *p, char *err, size_t errlen)
{
    if (p->rx) return true;
    p->rx = calloc(p->nregexes + 1, sizeof *p->rx);
    if (!p->rx) { snprintf(err, errlen, "out of memory"); return false; }
    for (uint32_t i = 0; i < p->nregexes; i++) {
        char msg[300];
        p->rx[i] = rx_compile(p->regexes[i].p, p->regexes[i].len, msg, sizeof msg);
        if (!p->rx[i]) {
            snprintf(err, errlen, "invalid regular expression \"%s\": %s", p->regexes[i].p, msg);
            return false;
        }
    }
    return true;
}

bool rt_natives_allowed(const Prog *p, const char **allow, uint32_t nallow, const char **missing, const char **ext)
{
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const char *lib = p->externs[i].lib.p;
        char *a = realpath(lib, NULL);
        bool ok = false;
        for (uint32_t k = 0; k < nallow && !ok; k++) {
            char *b = realpath(allow[k], NULL);
            if (strcmp(allow[k], lib) == 0 || (a && b && strcmp(a, b) == 0)) ok = true;
            free(b);
        }
        free(a);
        if (!ok) {
            *missing = lib;
            *ext = p->externs[i].name.p;
            return false;
        }
    }
    return true;
}

bool rt_init(Prog *p, const char **allow, uint32_t nallow, char *err, size_t errlen)
{
    if (!rt_compile_patterns(p, err, errlen)) return false;
    const char *lib, *ext;
    if (!rt_natives_allowed(p, allow, nallow, &lib, &ext)) {
        snprintf(err, errlen, "extern function '%s' needs the native library '%s'; to let it run "
                              "(with all the rights of this process), pass --allow-native %s", ext, lib, lib);
        return false;
    }
    return vm_ffi_load(p, err, errlen);
}
