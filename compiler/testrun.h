/* testrun: running a program's `test` blocks (LANGUAGE.md section 3 "test",
 * appendix A "Tests"; TOOLS.md "Test output").
 *
 * Each test builds its record (and events) from the literals, evaluates the
 * compiled program as leadvm would, and compares every `expect`.  Output:
 * one line per test on `out` ("ok   NAME" or "FAIL NAME (FILE:LINE):
 * expected X, got Y"); the caller prints the totals. */
#ifndef LEAD_TESTRUN_H
#define LEAD_TESTRUN_H

#include <stdio.h>
#include "compile.h"
#include "prog.h"

typedef struct TestOpts {
    bool has_as_of; int32_t as_of;      /* --as-of */
    const char **allow; uint32_t nallow; /* --allow-native */
    bool coverage;
} TestOpts;

typedef struct TestTotals { uint32_t passed, failed; } TestTotals;

/* Run the tests of a checked compilation (no errors) with its program p.
 * Returns false if the program could not be prepared (a message on stderr). */
bool test_run(Compilation *c, Prog *p, const TestOpts *o, FILE *out, TestTotals *t);

#endif
