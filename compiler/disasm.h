/* disasm: the listing `leadc disasm` prints (not byte-specified; pinned by
 * golden tests). */
#ifndef LEAD_DISASM_H
#define LEAD_DISASM_H

#include <stdio.h>
#include "prog.h"

void disasm_print(const Prog *p, FILE *out);

#endif
