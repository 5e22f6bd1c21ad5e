/* lint: warnings about definitions that are legal but almost surely not
 * what their authors meant: a classify line that can never match, a score
 * line that never adds points, a condition that is constant, a value
 * compared with itself or with an empty text, a define that only renames
 * another, a regular expression that is a plain word.
 *
 * sema_check calls lint_program after a program checked without errors; it
 * looks only at the main file's declarations, never a module's.  Each
 * warning carries a stable code (diag_warn's `code`, the SARIF ruleId);
 * docs/ci.md lists every code with an example and its fix.
 *
 * Ownership: nothing is kept; messages go to the Sema's Diags. */
#ifndef LEAD_LINT_H
#define LEAD_LINT_H

#include "sema.h"

void lint_program(Sema *s);

/* One line on what a warning code means (for SARIF's rule descriptions),
 * or NULL for a code that is not a lint. */
const char *lint_rule_summary(const char *code);

#endif
