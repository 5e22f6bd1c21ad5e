/* rtinit: getting a verified program ready to run: compile its patterns
 * (PCRE2 JIT) and load the native libraries its externs need, but only
 * those the user allowed (--allow-native, compared as absolute paths). */
#ifndef LEAD_RTINIT_H
#define LEAD_RTINIT_H

#include <stdbool.h>
#include <stddef.h>
#include "prog.h"

/* Compile the regular expressions; false and a message on error. */
bool rt_compile_patterns(Prog *p, char *err, size_t errlen);

/* Is every extern's library among allow[]?  If not, *missing names the
 * first library that is not (a pointer into p). */
bool rt_natives_allowed(const Prog *p, const char **allow, uint32_t nallow, const char **missing, const char **ext);

/* Patterns, then natives when allowed (all of them, or refuse). */
bool rt_init(Prog *p, const char **allow, uint32_t nallow, char *err, size_t errlen);

#endif
