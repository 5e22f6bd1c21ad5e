/* gen: code generation, from a checked Compilation to a Prog (runtime/
 * prog.h) ready to be verified, written as bytecode or run. */
#ifndef LEAD_GEN_H
#define LEAD_GEN_H

#include "compile.h"
#include "prog.h"

/* Build the program; NULL (with a message) only if a limit is exceeded.
 * The program owns copies of everything it needs: the Compilation may be
 * freed afterwards.  strip: leave out the line table. */
Prog *gen_program(Compilation *c, bool strip, char *err, size_t errlen);

#endif
