/* leadc_cmds: the commands of leadc, one function each (leadc_cmds.c). */
#ifndef LEAD_LEADC_CMDS_H
#define LEAD_LEADC_CMDS_H

#include <stdbool.h>
#include <stdint.h>
#include "diag.h"

typedef struct LeadcOpts {
    const char **files; uint32_t nfiles;
    const char **incdirs; uint32_t nincdirs;
    const char **allow; uint32_t nallow;
    const char *out;
    DiagFormat format; const char *format_given;
    int color;
    bool werror, coverage, write, strip, check;
    bool has_as_of; int32_t as_of;
} LeadcOpts;

bool leadc_parse_date(const char *s, int32_t *days);
bool leadc_write_file(const char *path, const void *data, size_t len);
int leadc_check(const LeadcOpts *o);
int leadc_compile(const LeadcOpts *o);
int leadc_test(const LeadcOpts *o);
int leadc_disasm(const LeadcOpts *o);
int leadc_fmt(const LeadcOpts *o);

#endif
