/* rtinit: compile patterns and load allowed native libraries. */
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* An absolute form of a path: realpath when it exists, else the path made
 * absolute and cleaned lexically (no "." segments, no doubled slashes, ".."
 * folded), so a library that does not exist still compares equal to the
 * same path written another way. */
static char *abs_path(const char *path)
{
    char *r = realpath(path, NULL);
    if (r) return r;
    char buf[PATH_MAX * 2];
    if (path[0] == '/') snprintf(buf, sizeof buf, "%s", path);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return strdup(path);
        snprintf(buf, sizeof buf, "%s/%s", cwd, path);
    }
    char *out = malloc(strlen(buf) + 2);
    if (!out) return NULL;
    size_t o = 0;
    for (const char *s = buf; *s; ) {
        while (*s == '/') s++;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0) break;
        if (n == 1 && s[0] == '.') { s += n; continue; }
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
            s += n;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    if (o == 0) out[o++] = '/';
    out[o] = 0;
    return out;
}

bool rt_natives_allowed(const Prog *p, const char **allow, uint32_t nallow, const char **missing, const char **ext)
{
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const char *lib = p->externs[i].lib.p;
        /* a bare name is found by the dynamic loader: compare it as written */
        bool bare = strchr(lib, '/') == NULL;
        char *a = bare ? NULL : abs_path(lib);
        bool ok = false;
        for (uint32_t k = 0; k < nallow && !ok; k++) {
            if (strcmp(allow[k], lib) == 0) { ok = true; break; }
            if (bare) continue;
            char *b = abs_path(allow[k]);
            if (a && b && strcmp(a, b) == 0) ok = true;
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
        char *shown = strchr(lib, '/') ? abs_path(lib) : strdup(lib);
        snprintf(err, errlen, "extern function '%s' needs the native library '%s'; to let it run "
                              "(with all the rights of this process), pass --allow-native %s", ext,
                 shown ? shown : lib, shown ? shown : lib);
        free(shown);
        return false;
    }
    return vm_ffi_load(p, err, errlen);
}
