/* compile: the front end as one call: read a .lead file and the modules it
 * uses, parse, resolve and type-check them.  Code generation (gen.h) and
 * test running build on the checked Compilation.
 *
 * Ownership: a Compilation owns its arena, diagnostics and tables; free it
 * with comp_free. */
#ifndef LEAD_COMPILE_H
#define LEAD_COMPILE_H

#include <stdbool.h>
#include "ast.h"
#include "diag.h"
#include "sema.h"

#define LEAD_MAX_SOURCE (16u << 20)     /* bytes in one source file */

typedef struct CompOptions {
    const char **incdirs;           /* -I, in order */
    uint32_t nincdirs;
} CompOptions;

typedef struct Compilation {
    Arena arena;
    Diags diags;
    Ast ast;
    Sema sema;
    CompOptions opt;
    char **loaded;                  /* real paths of the files parsed, by file id */
    const char **dirs;              /* their directories */
    uint32_t nloaded;
    uint32_t syntax_errors;
    bool io_error;                  /* the main file could not be read */
} Compilation;

/* Parse path (and its modules), then check it unless there were syntax
 * errors.  Returns the number of errors; io_error says a file could not be
 * read at all (exit status 2).  The text form of path is used in messages. */
uint32_t comp_file(Compilation *c, const char *path, const CompOptions *opt);

/* The same for source text already in memory (tests, fuzzing). */
uint32_t comp_source(Compilation *c, const char *name, const char *text, size_t len,
                     const CompOptions *opt);

void comp_free(Compilation *c);

/* The directories modules are searched in, in order (for messages). */
uint32_t comp_search_path(const CompOptions *opt, const char **out, uint32_t max);

#endif
