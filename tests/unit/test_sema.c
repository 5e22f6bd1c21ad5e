/* Unit tests for the parser (grammar/parser.y), the resolver and the type
 * checker (compiler/sema.c), through comp_source (compiler/compile.h).
 *
 * Most cases are a program and the exact diagnostics it must give, each as
 * "LINE:COL: SEVERITY: MESSAGE" (notes indented under their diagnostic), so
 * every row of appendix B of LANGUAGE.md ("where a diagnostic points") and
 * every rule of sections 3 and 4 is pinned: the count, the wording and the
 * position.  The tested lines come first and a common record and streams
 * follow, so line numbers in the cases are those of the lines written.  The
 * other tests look at the checked tree: precedence, chains, the types sema
 * gives, what names resolve to. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "compile.h"

#ifndef LEAD_SRC_STDLIB
#define LEAD_SRC_STDLIB "stdlib"
#endif

/* ---- harness ---------------------------------------------------------- */

/* Follows every case (after its own lines). */
static const char REC[] =
    "\n"
    "record c key id {\n"
    "  id: text\n"
    "  industry: text\n"
    "  title: text\n"
    "  email: text\n"
    "  n: number\n"
    "  s: level(Staff, Manager, VP)\n"
    "  lv: level(Low, High)\n"
    "  d: date\n"
    "  t: time\n"
    "  b: bool\n"
    "  VP: text                # a field named like a label\n"
    "}\n"
    "events ev match cid {\n"
    "  cid: text\n"
    "  kind: text\n"
    "  v: number\n"
    "  at: time\n"
    "  day: text\n"
    "  title: number           # shadows the record's title inside aggregates\n"
    "}\n"
    "events nt match cid {     # no time field\n"
    "  cid: text\n"
    "  v: number\n"
    "}\n";

static char tmpdir[64];                 /* modules and set files */

static Compilation *compile_text(const char *src, size_t len)
{
    Compilation *c = calloc(1, sizeof *c);
    static const char *dirs[2];
    dirs[0] = tmpdir;
    dirs[1] = LEAD_SRC_STDLIB;
    CompOptions o = { dirs, 2 };
    comp_source(c, "t.lead", src, len, &o);
    return c;
}

static Compilation *compile_with_rec(const char *src)
{
    size_t n = strlen(src);
    char *all = malloc(n + sizeof REC);
    memcpy(all, src, n);
    memcpy(all + n, REC, sizeof REC);
    Compilation *c = compile_text(all, n + sizeof REC - 1);
    free(all);
    return c;
}

static void comp_done(Compilation *c)
{
    comp_free(c);
    free(c);
}

static const char *sev_name(Severity s)
{
    return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* Every diagnostic but the no-tests lint, in the order leadc prints them. */
static char *diag_text(Compilation *c)
{
    size_t cap = 1 << 16, o = 0;
    char *buf = malloc(cap);
    buf[0] = 0;
    for (uint32_t i = 0; i < c->diags.n; i++) {
        const Diag *g = &c->diags.v[i];
        if (g->code && strcmp(g->code, "no-tests") == 0) continue;
        for (uint32_t k = 0; k <= g->nnotes; k++) {
            const Diag *x = k == 0 ? g : &g->notes[k - 1];
            uint32_t line, col;
            diag_linecol(&c->diags, x->loc.file, x->loc.off, &line, &col);
            if (o + strlen(x->msg) + 64 > cap) break;
            o += (size_t)snprintf(buf + o, cap - o, "%s%s%u:%u: %s: %s\n", k ? "  " : "",
                                  x->loc.file ? "M:" : "", line, col, sev_name(x->sev), x->msg);
        }
    }
    return buf;
}

static void expect_diags(Compilation *c, const char *want, const char *what)
{
    char *got = diag_text(c);
    ck_assert_msg(strcmp(got, want) == 0, "%s:\n--- got:\n%s--- want:\n%s", what, got, want);
    free(got);
}

/* The define named name. */
static DefineInfo *define(Compilation *c, const char *name)
{
    for (uint32_t i = 0; i < c->sema.ndefines; i++)
        if (strcmp(c->sema.defines[i].decl->name, name) == 0) return &c->sema.defines[i];
    ck_abort_msg("no define '%s'", name);
    return NULL;
}

static Expr *body(Compilation *c, const char *name) { return define(c, name)->decl->body; }

static const char *type_of(Compilation *c, Type t)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    return sema_type_name(&c->sema, t, buf[k], sizeof buf[k]);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* ---- the cases: a program and its exact diagnostics --------------------- */

typedef struct Case { const char *name, *src, *want; } Case;

static const Case cases[] = {
    /* -- appendix B: unknown field, name, set, stream, function, module: at the name */
    {"unknown field", "lead when industy = \"x\"",
     "1:11: error: unknown field 'industy'; did you mean 'industry'?\n"},
    {"unknown field in parentheses", "lead when b and (industy = \"x\")",
     "1:18: error: unknown field 'industy'; did you mean 'industry'?\n"},
    {"unknown name", "lead when zzzz = \"x\"",
     "1:11: error: unknown name 'zzzz'\n"},
    {"unknown name: a define", "define engaged = b\nlead when engagd",
     "2:11: error: unknown name 'engagd'; did you mean 'engaged'?\n"},
    {"unknown set", "set north_america = [\"US\"]\nlead when industry in north_americ",
     "2:23: error: unknown set 'north_americ'; did you mean 'north_america'?\n"},
    {"unknown set, not a set", "define x = b\nlead when industry in x",
     "2:23: error: 'x' is not a set\n"},
    {"unknown stream", "lead when count(evv) > 1",
     "1:17: error: unknown stream 'evv'; did you mean 'ev'?\n"},
    {"unknown stream of a field", "lead when sum(evv.v) > 1",
     "1:15: error: unknown stream 'evv'; did you mean 'ev'?\n"},
    {"unknown stream field", "lead when sum(ev.vv) > 1",
     "1:18: error: unknown field 'vv' in stream 'ev'; did you mean 'v'?\n"},
    {"unknown stream in for each", "lead when b\nscore {\n  +1 for each evv\n}",
     "3:15: error: unknown stream 'evv'; did you mean 'ev'?\n"},
    {"unknown field in where", "lead when count(ev where kindd = \"x\") > 1",
     "1:26: error: unknown field 'kindd'; did you mean 'kind'?\n"},
    {"unknown function", "lead when lowr(title) = \"x\"",
     "1:11: error: unknown function 'lowr'; did you mean 'lower'?\n"},
    {"unknown function: an aggregate", "lead when cnt(ev) > 1",
     "1:11: error: unknown function 'cnt'; did you mean 'count'?\n"},
    {"unknown function: a define", "define score_of(x: number) = x\nlead when scor_of(1) > 1",
     "2:11: error: unknown function 'scor_of'; did you mean 'score_of'?\n"},
    {"unknown function, far", "lead when frobnicate(title)",
     "1:11: error: unknown function 'frobnicate'\n"},
    {"unknown module", "use freemale\nlead when b",
     "1:5: error: unknown module 'freemale'; did you mean 'freemail'?\n"},

    /* -- operands of the wrong type for a binary operator: at the operator */
    {"= text number", "lead when industry = 5",
     "1:20: error: cannot compare text with number\n"},
    {">= text number", "lead when industry >= 5",
     "1:20: error: cannot compare text with number\n"},
    {"< on text", "lead when industry < \"x\"",
     "1:20: error: text can only be compared with = and !=, not '<'\n"},
    {"> on bool", "lead when b > true",
     "1:13: error: bool can only be compared with = and !=, not '>'\n"},
    {"date with number", "lead when d <= 5",
     "1:13: error: cannot compare date with number\n"},
    {"two level types", "lead when s = lv",
     "1:13: error: cannot compare level(Staff, Manager, VP) with level(Low, High)\n"},
    {"+ right operand", "lead when n + industry > 1",
     "1:13: error: the operands of '+' must be numbers, but this one is text\n"},
    {"+ left operand", "lead when industry + n > 1",
     "1:20: error: the operands of '+' must be numbers, but the left one is text\n"},
    {"- in a chain", "lead when n - 1 - title = 3",
     "1:17: error: the operands of '-' must be numbers, but this one is text\n"},
    {"/ in a chain", "lead when n * 2 / industry > 1",
     "1:17: error: the operands of '/' must be numbers, but this one is text\n"},
    {"operator after a comment", "lead when n # a - b\n  - (title) > 1",
     "2:3: error: the operands of '-' must be numbers, but this one is text\n"},
    {"contains", "lead when n contains \"x\"",
     "1:13: error: 'contains' needs text on both sides, but they are number and text\n"},
    {"starts with", "lead when title starts with 5",
     "1:17: error: 'starts with' needs text on both sides, but they are text and number\n"},
    {"ends with", "lead when d ends with \"x\"",
     "1:13: error: 'ends with' needs text on both sides, but they are date and text\n"},
    {"matches", "lead when n matches \"x\"",
     "1:13: error: 'matches' needs text on its left, but this is number\n"},
    {"in a list", "lead when n in [\"a\", \"b\"]",
     "1:13: error: 'in' compares number with text\n"},
    {"not in a list", "lead when n not in [\"a\"]",
     "1:13: error: 'in' compares number with text\n"},
    {"in a set", "set names = [\"a\"]\nlead when n in names",
     "2:13: error: 'in' a set of texts needs text, but this is number\n"},
    {"in a number set", "set sizes = [1, -2, 3.5]\nlead when title in sizes",
     "2:17: error: 'in' a set of numbers needs number, but this is text\n"},
    {"between", "lead when industry between 1 and 5",
     "1:20: error: cannot compare text with number\n"},
    {"between, upper bound", "lead when n between 1 and \"x\"",
     "1:13: error: cannot compare number with text\n"},
    {"between on text", "lead when title between \"a\" and \"b\"",
     "1:17: error: text can only be compared with = and !=, not 'between'\n"},
    {"within", "lead when n within last 3 days",
     "1:13: error: 'within last' needs a date or a time, but this is number\n"},
    {"unary minus", "lead when -title = 1",
     "1:11: error: unary '-' needs a number, but this is text\n"},
    {"classification order", "classify g {\n  A when b\n  otherwise B\n}\nlead when g < A",
     "5:13: error: a classification can only be compared with = and !=, not '<'\n"},
    {"classification with number", "classify g {\n  A when b\n  otherwise B\n}\nlead when g = 5",
     "5:13: error: cannot compare classification 'g' with number\n"},

    /* -- the wrong type of a whole expression: at its start */
    {"lead when", "lead when n + 1",
     "1:11: error: the condition of 'lead when' must be bool, but this is number\n"},
    {"lead when (parenthesised)", "lead when (title)",
     "1:11: error: the condition of 'lead when' must be bool, but this is text\n"},
    {"per", "lead when b\nscore {\n  +1 per title\n}",
     "3:10: error: a 'per' line needs a number, but this is text\n"},
    {"score when", "lead when b\nscore {\n  +1 when n * 2\n}",
     "3:11: error: the condition of a score line must be bool, but this is number\n"},
    {"and operand", "lead when b and n + 1",
     "1:17: error: an operand of 'and' must be bool, but this is number\n"},
    {"or operand", "lead when b or (title) or b",
     "1:16: error: an operand of 'or' must be bool, but this is text\n"},
    {"not operand", "lead when not title",
     "1:15: error: the operand of 'not' must be bool, but this is text\n"},
    {"define argument", "define f(x: number) = x > 1\nlead when f(title)",
     "2:13: error: argument 1 of 'f' must be number, but this is text\n"},
    {"define argument 2", "define f(x: number, y: date) = x > 1 and y is present\nlead when f(1, -n)",
     "2:16: error: argument 2 of 'f' must be date, but this is number\n"},
    {"builtin argument", "lead when lower(n) = \"x\"",
     "1:17: error: no form of 'lower' takes (number); it takes lower(text)\n"},
    {"builtin argument 2", "lead when max(1, (title)) > 1",
     "1:18: error: no form of 'max' takes (number, text); it takes max(number, ...)\n"},
    {"builtin arity", "lead when abs() > 1 and abs(1, 2) > 1",
     "1:11: error: no form of 'abs' takes (); it takes abs(number)\n"
     "1:25: error: no form of 'abs' takes (number, number); it takes abs(number)\n"},
    {"builtin overloads", "lead when year(title) > 1",
     "1:16: error: no form of 'year' takes (text); it takes year(date) or year(time)\n"},
    {"classify condition", "classify g {\n  A when n\n  otherwise B\n}\nlead when b",
     "2:10: error: the condition of a classify line must be bool, but this is number\n"},
    {"where condition", "lead when count(ev where v) > 1",
     "1:26: error: a 'where' condition must be bool, but this is number\n"},
    {"if condition", "lead when if n then b else b",
     "1:14: error: the condition of 'if' must be bool, but this is number\n"},
    {"define result", "define x -> number = title\nlead when x > 1",
     "1:22: error: 'x' is declared to give number, but this is text\n"},
    {"if branches", "lead when (if b then 1 else \"x\") = 1",
     "1:29: error: the branches of 'if' must have one type, but they are number and text\n"},
    {"coalesce of two types", "lead when coalesce(n, title) = \"x\"",
     "1:20: error: coalesce(...) takes arguments of one type: argument 1 is number, argument 2 is text\n"},

    /* -- a label that is not in the level: at the label */
    {"label", "lead when s >= Boss",
     "1:16: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label, close", "lead when s >= VIP",
     "1:16: error: 'VIP' is not a label of level(Staff, Manager, VP); did you mean 'VP'?\n"},
    {"label text", "lead when s in [Staff, \"Boss\"]",
     "1:24: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label text on the left", "lead when \"Boss\" <= s",
     "1:11: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label on the left", "lead when Boss <= s",
     "1:11: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label in parentheses", "lead when s = (\"Boss\")",
     "1:16: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label in between", "lead when Staff between s and Boss",
     "1:31: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label as an argument", "define f(x: level(Staff, Manager, VP)) = x >= VP\nlead when f(Boss)",
     "2:13: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"},
    {"label in a test literal",
     "lead when b\ntest \"t\" {\n  c { id: \"1\", s: Boss, lv: \"Middle\" }\n  expect lead\n}",
     "3:19: error: 'Boss' is not a label of level(Staff, Manager, VP)\n"
     "3:29: error: 'Middle' is not a label of level(Low, High)\n"},
    {"label expected of a classification",
     "classify g {\n  A when b\n  otherwise B\n}\nlead when b\n"
     "test \"t\" {\n  c { id: \"1\" }\n  expect g = Z\n}",
     "8:14: error: classification 'g' never gives 'Z' (its labels: A, B)\n"},
    {"label of a define's result", "define lvl -> level(Low, High) = if b then High else \"Mid\"\nlead when lvl = High",
     "1:54: error: 'Mid' is not a label of level(Low, High)\n"},

    /* -- duplicates: at the second, with a note at the first */
    {"duplicate define", "define x = b\ndefine x = b\nlead when x",
     "2:8: error: 'x' is already declared (as a define)\n"
     "  1:8: note: 'x' was first declared here\n"},
    {"duplicate set and define", "set x = [\"a\"]\ndefine x = b\nlead when industry in x",
     "2:8: error: 'x' is already declared (as a set)\n"
     "  1:5: note: 'x' was first declared here\n"},
    {"duplicate classification", "classify g {\n  otherwise A\n}\nclassify g {\n  otherwise B\n}\nlead when b",
     "4:10: error: 'g' is already declared (as a classification)\n"
     "  1:10: note: 'g' was first declared here\n"},
    {"duplicate stream", "events e2 match x { x: text }\nevents e2 match y { y: text }\nlead when b",
     "2:8: error: 'e2' is already declared (as an event stream)\n"
     "  1:8: note: 'e2' was first declared here\n"},
    {"duplicate stream field", "events e2 match x { x: text\n  x: number }\nlead when b",
     "2:3: error: duplicate field 'x'\n"
     "  1:21: note: 'x' was first declared here\n"},
    {"duplicate level label", "events e2 match x { x: text\n  l: level(A, B, a) }\nlead when b",
     "2:18: error: duplicate label 'a' in this level\n"
     "  2:12: note: 'A' is already the label here\n"},
    {"duplicate parameter", "define f(a: number, a: text) = b\nlead when f(1, \"x\")",
     "1:21: error: duplicate parameter 'a'\n"
     "  1:10: note: 'a' was first declared here\n"},
    {"second lead", "lead when b\nlead when b",
     "2:1: error: a program has exactly one 'lead when'; this is a second one\n"
     "  1:1: note: the first is here\n"},
    {"second score", "lead when b\nscore {\n  +1 when b\n}\nscore {\n  +2 when b\n}",
     "5:1: error: a program has at most one score block; this is a second one\n"
     "  2:1: note: the first is here\n"},
    {"second otherwise", "classify g {\n  A when b\n  otherwise B\n  otherwise C\n}\nlead when b",
     "4:3: error: a classification has at most one 'otherwise'\n"
     "  3:3: note: the first 'otherwise' is here\n"},
    {"second limit", "lead when b\nscore {\n  limit 0 to 10\n  +1 when b\n  limit 0 to 5\n}",
     "5:3: error: a score block has at most one 'limit' line\n"
     "  3:3: note: the first 'limit' is here\n"},
    {"second definition", "definition \"a\"\nversion 1\napproved 2026-01-01\ndefinition \"b\"\nversion 2\n"
     "approved 2026-01-02\nowner \"x\"\nowner \"y\"\nlead when b",
     "4:1: error: a second 'definition' line\n"
     "  1:1: note: the first is here\n"
     "5:1: error: a second 'version' line\n"
     "  2:1: note: the first is here\n"
     "6:1: error: a second 'approved' line\n"
     "  3:1: note: the first is here\n"},
    {"field named like a define (the field second)", "define title = b\nlead when b",
     "6:3: error: field 'title' has the name of a define; rename one of them\n"
     "  1:8: note: the define is declared here\n"},
    {"second record literal",
     "lead when b\ntest \"t\" {\n  c { id: \"1\" }\n  c { id: \"2\" }\n  expect lead\n}",
     "4:3: error: a test has exactly one record literal; this is a second 'c'\n"
     "  3:3: note: the first record literal is here\n"},
    {"field given twice",
     "lead when b\ntest \"t\" {\n  c { id: \"1\", n: 1, id: \"2\" }\n  expect lead\n}",
     "3:22: error: field 'id' is given twice\n"
     "  3:7: note: 'id' is first given here\n"},
    {"second as of",
     "lead when b\ntest \"t\" {\n  as of 2026-01-01\n  as of 2026-01-02\n  c { id: \"1\" }\n  expect lead\n}",
     "4:3: error: a test has at most one 'as of' line\n"
     "  3:3: note: the first 'as of' is here\n"},

    /* -- cycles: at the member declared first (the keyword for lead and score) */
    {"cycle of defines", "define a = b2\ndefine b2 = a\nlead when a",
     "1:8: error: these definitions depend on each other in a cycle: a -> b2 -> a\n"},
    {"cycle, other order", "define b2 = a and b\ndefine a = b2\nlead when a",
     "1:8: error: these definitions depend on each other in a cycle: b2 -> a -> b2\n"},
    {"cycle of one", "define a = not a\nlead when a",
     "1:8: error: these definitions depend on each other in a cycle: a -> a\n"},
    {"cycle through lead", "lead when x\ndefine x = lead",
     "1:1: error: these definitions depend on each other in a cycle: lead -> x -> lead\n"},
    {"cycle through lead, define first", "define x = lead or b\nlead when x",
     "1:8: error: these definitions depend on each other in a cycle: x -> lead -> x\n"},
    {"cycle through score", "lead when b\nscore {\n  +1 when score > 1\n}",
     "2:1: error: these definitions depend on each other in a cycle: score -> score\n"},
    {"cycle of classifications",
     "classify g {\n  A when h = X\n  otherwise B\n}\nclassify h {\n  X when g = A\n  otherwise Y\n}\nlead when b",
     "1:10: error: these definitions depend on each other in a cycle: g -> h -> g\n"},
    {"cycle through a function", "define f(x: number) = x > 1 and g2\ndefine g2 = f(2)\nlead when g2",
     "1:8: error: these definitions depend on each other in a cycle: f -> g2 -> f\n"},
    {"cycle, dependents not reported", "define a = b2\ndefine b2 = a\ndefine c2 = a and b\nlead when c2 and a",
     "1:8: error: these definitions depend on each other in a cycle: a -> b2 -> a\n"},

    /* -- a misplaced `during any`, a window without time: at `during` */
    {"during any on latest", "lead when latest(ev.at during any day) > t",
     "1:24: error: 'during any' is allowed only on count, count(distinct ...), sum and 'for each' lines, not on latest\n"},
    {"during any on any", "lead when any(ev during any 2 days)",
     "1:18: error: 'during any' is allowed only on count, count(distinct ...), sum and 'for each' lines, not on any\n"},
    {"window without a time field", "lead when count(nt during last 3 days) > 1",
     "1:20: error: stream 'nt' has no time field, so it has no windows\n"},
    {"window without a time field, for each", "lead when b\nscore {\n  +1 for each nt during last 1 day\n}",
     "3:18: error: stream 'nt' has no time field, so it has no windows\n"},
    {"half life without a time field", "lead when b\nscore {\n  +1 for each nt, half life 30 days\n}",
     "3:29: error: a half life needs event times, but stream 'nt' has no time field\n"},

    /* -- an invalid regular expression: at the opening quote */
    {"regex", "lead when title matches \"(abc\"",
     "1:25: error: invalid regular expression: missing closing parenthesis (at offset 4 of the pattern)\n"},

    /* -- a test field literal of the wrong type: at the value */
    {"test literal types",
     "lead when b\ntest \"t\" {\n  c { id: 5, n: \"x\", d: 2026-01-01T10:00Z, t: 2026-01-01,\n"
     "      b: yes, email: -5 }\n  ev { v: \"x\", at: 2026-01-01T10:00Z } repeat 2\n  expect lead\n}",
     "3:11: error: field 'id' is text, but this is a number\n"
     "3:17: error: field 'n' is number, but this is a text\n"
     "3:25: error: field 'd' is date, but this is a time\n"
     "4:10: error: field 'b' is bool: write true or false, not 'yes'\n"
     "4:22: error: field 'email' is text, but this is a number\n"
     "5:11: error: field 'v' is number, but this is a text\n"},

    /* -- syntax errors: at the unexpected token */
    {"syntax: an operator twice", "lead when n > > 1",
     "1:15: error: unexpected '>'; expected an expression\n"},
    {"syntax: comparisons do not chain", "lead when 1 < n < 3",
     "1:17: error: unexpected '<'; comparisons do not chain: join them with 'and', as in 'a < b and b < c'\n"},
    {"syntax: = = do not chain", "lead when n = 1 != 2",
     "1:17: error: unexpected '!='; comparisons do not chain: join them with 'and', as in 'a < b and b < c'\n"},
    {"syntax: predicates do not chain", "lead when n is missing = true",
     "1:24: error: unexpected '='; comparisons do not chain: join them with 'and', as in 'a < b and b < c'\n"},
    {"syntax: a misspelt keyword", "lead wen b",
     "1:6: error: unexpected name 'wen'; did you mean 'when'?\n"},
    {"syntax: a misspelt type", "events e2 match x { x: txt }\nlead when b",
     "1:24: error: unexpected name 'txt'; did you mean 'text'?\n"},
    {"syntax: a name expected", "define = 3\nlead when b",
     "1:8: error: unexpected '='; expected a name\n"},
    {"syntax: a declaration after an incomplete one", "lead when b and",
     "2:1: error: unexpected 'record'; the declaration before it is incomplete\n"},
    {"syntax: lead after an incomplete one", "define x = b and\nlead when x",
     "2:1: error: unexpected 'lead'; the declaration before it is incomplete\n"},
    {"syntax: a keyword field at the start of a line is fine", "lead when b and\n  test = \"x\" and\n  set",
     "2:3: error: unknown name 'test'\n"
     "3:3: error: unknown name 'set'\n"},
    {"syntax: a short list", "events e2 match x { x text }\nlead when b",
     "1:23: error: unexpected 'text'; expected ':'\n"},
    {"syntax: score line", "lead when b\nscore {\n  +5 when b\n  -3 per n\n    - 2, at most 4\n}",
     "5:8: error: unexpected ','; expected 'for', 'per' or 'when'\n"},
    {"syntax: negative at most", "lead when b\nscore {\n  +5 per n, at most -3\n}",
     "3:21: error: unexpected '-'; expected number\n"},
    {"syntax: a duration must be positive", "lead when count(ev during last 0 days) > 1",
     "1:32: error: a duration must be positive\n"},
    {"syntax: stray character", "lead when title @ 3\ndefine x = b",
     "1:17: error: unexpected character '@'\n"},
    {"syntax: lexical errors first, then syntax errors, in file order",
     "lead when n = 1e400 and\ndefine x = \"abc\nlead when d = 2026-02-30",
     "1:15: error: number literal out of range (it does not fit in a double)\n"
     "2:1: error: unexpected 'define'; the declaration before it is incomplete\n"
     "2:12: error: unterminated text literal (it must end on the line it starts)\n"
     "3:15: error: invalid date '2026-02-30'\n"},

    /* -- recovery: every declaration's first error, nothing cascades */
    {"recovery",
     "define a = (n > 1\n"
     "define ok1 = n > 2\n"
     "lead when n > 1 )\n"
     "score {\n  +5 when\n}\n"
     "classify g {\n  A when n > 1 B\n}\n"
     "test \"x\" { c { id: } expect lead }\n"
     "define ok2 = n > 2\n"
     "set s2 = [1, 2\n"
     "define ok3 = (n > 2)\n",
     "2:1: error: unexpected 'define'; expected ')'\n"
     "3:17: error: unexpected ')'\n"
     "6:1: error: unexpected '}'; expected an expression\n"
     "9:1: error: unexpected '}'; expected 'when'\n"
     "10:20: error: unexpected '}'; expected an expression\n"
     "13:1: error: unexpected 'define'; expected ']'\n"},

    /* -- no `lead when`, no record: at 1:1 */
    {"no lead", "", "1:1: error: the program has no 'lead when' line (add 'lead when CONDITION')\n"},

    /* -- section 3: declarations */
    {"key field, second record", "lead when id is present\nrecord r2 key idd { id: text }",
     "2:15: error: the key field 'idd' is not declared in 'r2'; did you mean 'id'?\n"
     "3:1: error: a program declares exactly one record; this is a second one\n"
     "  2:1: note: the first record is declared here\n"},
    {"match field", "events e2 match idd { id: text }\nlead when b",
     "1:17: error: the match field 'idd' is not declared in 'e2'; did you mean 'id'?\n"},
    {"empty level label", "events e2 match x { x: text\n  l: level(A, \"\") }\nlead when b",
     "2:15: error: a level label may not be empty\n"},
    {"set of both kinds", "set m = [\"a\", 1]\nlead when industry in m",
     "1:15: error: a set holds texts or numbers, not both\n"},
    {"set of non-literals", "set m = [n]\nlead when industry in m",
     "1:10: error: a set holds text or number literals\n"},
    {"set file missing", "set m from \"no-such-file.txt\"\nlead when industry in m",
     "1:12: error: cannot read set file 'no-such-file.txt': No such file or directory\n"},
    {"list of non-literals", "lead when n in [1, n + 1]",
     "1:20: error: a list after 'in' holds literals (texts, numbers, dates or labels)\n"},
    {"list item that is a field", "lead when s in [Staff, title]",
     "1:24: error: a list after 'in' holds literals; 'title' is not a label of level(Staff, Manager, VP)\n"},
    {"define with parameters used bare", "define f(x: number) = x > 1\nlead when f",
     "2:11: error: 'f' takes parameters: call it as f(...)\n"},
    {"define without parameters called", "define g0 = b\nlead when g0()",
     "2:11: error: 'g0' takes no parameters: write it without parentheses\n"},
    {"define arity", "define f(x: number) = x > 1\nlead when f(1, 2)",
     "2:11: error: 'f' takes 1 argument, not 2\n"},
    {"extern types", "extern function ext(x: level(A, B), y: date) -> time from \"libx.so\"\nlead when b",
     "1:24: error: an extern function takes only text, number and bool parameters\n"
     "1:40: error: an extern function takes only text, number and bool parameters\n"
     "1:49: error: an extern function returns only text, number or bool\n"},
    {"a set as a value", "set m = [\"a\"]\nlead when m",
     "2:11: error: 'm' is a set: use it after 'in'\n"},
    {"a stream as a value", "lead when ev",
     "1:11: error: 'ev' is an event stream: use it in an aggregate such as count(ev)\n"},
    {"an extern as a value", "extern function ext(x: text) -> bool from \"libx.so\"\nlead when ext",
     "2:11: error: 'ext' is a function: call it as ext(...)\n"},
    {"a set called", "set m = [\"a\"]\nlead when m(1)",
     "2:11: error: 'm' is a set, not a function\n"},
    {"an event field outside", "lead when ev.v > 1",
     "1:11: error: 'ev.v' is an event's field: it can be used only inside an aggregate over 'ev'\n"},
    {"limit low above high", "lead when b\nscore {\n  limit 10 to 0\n}",
     "3:3: error: 'limit 10 to 0': the low end is above the high end\n"},
    {"a test without expect", "lead when b\ntest \"t\" {\n  c { id: \"1\" }\n}",
     "2:1: error: a test needs at least one 'expect' line\n"},
    {"a test without a record literal", "lead when b\ntest \"t\" {\n  ev { v: 1 }\n  expect lead\n}",
     "2:1: error: a test needs exactly one record literal ('c { ... }')\n"},
    {"a test literal of nothing", "lead when b\ntest \"t\" {\n  cc { id: \"1\" }\n  expect lead\n}",
     "3:3: error: 'cc' is neither the record nor an event stream; did you mean 'c'?\n"},
    {"test literal fields", "lead when b\ntest \"t\" {\n  c { idd: \"1\" }\n  ev { vv: 1 }\n  expect lead\n}",
     "3:7: error: unknown field 'idd' in record 'c'; did you mean 'id'?\n"
     "4:8: error: unknown field 'vv' in stream 'ev'; did you mean 'v'?\n"},
    {"repeat", "lead when b\ntest \"t\" {\n  c { id: \"1\" } repeat 2\n  ev { v: 1 } repeat 0\n  expect lead\n}",
     "3:17: error: 'repeat' applies to event literals, not to the record\n"
     "4:15: error: 'repeat' needs a whole number from 1 to 1000000\n"},
    {"expect names",
     "define big = n > 100\ndefine cnt = count(ev)\nclassify g {\n  otherwise A\n}\nlead when b\n"
     "test \"t\" {\n  c { id: \"1\" }\n  expect bigg\n  expect cnt\n  expect gg = A\n  expect big = A\n"
     "  expect n\n}",
     "9:10: error: 'expect bigg' needs a bool define; did you mean 'big'?\n"
     "10:10: error: 'expect cnt' needs a bool define, but 'cnt' is number\n"
     "11:10: error: 'expect gg = ...' needs a classification; did you mean 'g'?\n"
     "12:10: error: 'expect big = ...' needs a classification; 'big' is not one\n"
     "13:10: error: 'expect n' needs a bool define; 'n' is not a define\n"},

    /* -- section 4: aggregates */
    {"aggregate in a condition", "lead when count(ev where count(nt) > 1) > 1",
     "1:26: error: an aggregate cannot stand inside another aggregate's condition; "
     "compute it in a define and use the define\n"},
    {"distinct elsewhere", "lead when sum(distinct ev.v) > 1",
     "1:11: error: 'distinct' is allowed only in count(distinct STREAM.FIELD)\n"},
    {"sum of text", "lead when sum(ev.kind) > 1",
     "1:15: error: sum(...) needs a number field, but 'ev.kind' is text\n"},
    {"sum of a stream", "lead when sum(ev) > 1",
     "1:15: error: sum(...) needs a stream's field, written STREAM.FIELD\n"},
    {"count of a field", "lead when count(ev.v) > 1",
     "1:17: error: count(...) needs an event stream's name\n"},
    {"min of text", "lead when min(ev.kind) = \"x\"",
     "1:15: error: min(...) is defined for number, date, time and level fields, not text\n"},
    {"latest without time", "lead when latest(nt.v) > 1",
     "1:11: error: latest(...) orders events by time, but stream 'nt' has no time field\n"},
    {"where on a built-in", "lead when lower(title where b) = \"x\"",
     "1:29: error: 'lower' is not an aggregate: 'distinct', 'where' and 'during' belong to count, sum, ...\n"},
    {"min/max: NAME.NAME and more is the built-in", "lead when max(ev.v, 3) > 1 or min((ev.v)) > 1",
     "1:15: error: 'ev.v' is an event's field: it can be used only inside an aggregate over 'ev'\n"
     "1:36: error: 'ev.v' is an event's field: it can be used only inside an aggregate over 'ev'\n"},
    {"event field first in where", "lead when count(ev where title > 1 and industry = \"x\") > 1", ""},

    /* -- appendix A: levels and labels */
    {"labels win over fields", "lead when s >= VP and VP <= s and s in [VP] and s between Staff and VP and VP = \"x\"", ""},
    {"same labels, same type", "define x -> level(staff, MANAGER, vp) = s\nlead when x = s", ""},
    {"classification labels",
     "classify g {\n  A when n > 1\n  \"sales qualified\" when b\n  otherwise B\n}\n"
     "lead when g = A or A = g or g in [A, \"sales qualified\"] or lower(g) = \"b\" or g != B", ""},
    {"classification compared with a non-label",
     "classify g {\n  A when n > 1\n  otherwise B\n}\nlead when g = \"Z\"",
     "5:15: warning: 'Z' is not a label of classification 'g', so '=' is never true\n"},
    {"a level compared with its lowest label", "lead when s >= Staff",
     "1:13: warning: this comparison is always true when the value is present: 'Staff' is the lowest label of its level; "
     "to test for a value, write 'is present'\n"},
    {"no cascade after a define in error", "define lvl -> level(Low, High) = n + 1\n"
     "lead when lvl = High or High = lvl or lvl in [High, Low] or lvl between Low and High",
     "1:34: error: 'lvl' is declared to give level(Low, High), but this is number\n"},
    {"a text result becomes the level at run time", "define lvl -> level(Low, High) = title\n"
     "lead when lvl = High", ""},

    /* -- lints */
    {"unused define and set", "define unused = b\nset uset = [\"a\", \"A \"]\nlead when b",
     "1:8: warning: define 'unused' is never used; remove it, or use it in 'lead', 'score' or 'classify'\n"
     "2:5: warning: set 'uset' is never used; remove it, or test it with 'in uset'\n"
     "2:18: warning: set 'uset' lists 'a' twice (case and spaces do not count); remove one\n"},
    {"classify without otherwise", "classify g {\n  A when b\n}\nlead when g = A",
     "1:10: warning: classification 'g' has no 'otherwise' line, so records that match no line get no label; "
     "add 'otherwise LABEL'\n"},
    {"sliding day", "lead when count(ev during any 1 day) > 1",
     "1:20: warning: 'during any 1 day' is a sliding 24 hours; did you mean the calendar day, 'during any day'?\n"},
};

START_TEST(test_case)
{
    const Case *k = &cases[_i];
    Compilation *c = compile_with_rec(k->src);
    expect_diags(c, k->want, k->name);
    comp_done(c);
}
END_TEST

/* ---- programs that need no common record ---------------------------------- */

START_TEST(test_no_record_no_lead)
{
    Compilation *c = compile_text("", 0);
    expect_diags(c, "1:1: error: the program declares no record (add 'record NAME key FIELD { ... }')\n"
                    "1:1: error: the program has no 'lead when' line (add 'lead when CONDITION')\n", "empty");
    comp_done(c);

    /* without a record every field is unknown: that is not reported again */
    const char *src = "\n\ndefine x = industry = \"x\"\nlead when x and zz\n";
    c = compile_text(src, strlen(src));
    expect_diags(c, "1:1: error: the program declares no record (add 'record NAME key FIELD { ... }')\n", "no record");
    comp_done(c);

    /* 1:1 even after a byte-order mark */
    src = "\xEF\xBB\xBFrecord r key id { id: text }\n";
    c = compile_text(src, strlen(src));
    expect_diags(c, "1:1: error: the program has no 'lead when' line (add 'lead when CONDITION')\n", "BOM");
    comp_done(c);
}
END_TEST

START_TEST(test_record_rules)
{
    const char *src =
        "record r key id {\n  id: text\n  x: number\n  x: text\n  title: text\n}\n"
        "define title = true\nlead when x > 1\n";
    Compilation *c = compile_text(src, strlen(src));
    expect_diags(c,
        "4:3: error: duplicate field 'x'\n"
        "  3:3: note: 'x' was first declared here\n"
        "7:8: error: define 'title' has the name of a record field; rename one of them\n"
        "  5:3: note: the field is declared here\n", "record");
    comp_done(c);

    /* the define first: the field is the second declaration */
    src = "define title = true\nrecord r key id {\n  id: text\n  title: text\n}\nlead when id is present\n";
    c = compile_text(src, strlen(src));
    expect_diags(c,
        "4:3: error: field 'title' has the name of a define; rename one of them\n"
        "  1:8: note: the define is declared here\n", "define first");
    comp_done(c);
}
END_TEST

START_TEST(test_keyword_field_names)
{
    /* /work/shared/conformance/36-keyword-field-names/program.lead */
    const char *src =
        "record contact key number {\n"
        "  number:        text\n"
        "  owner:         text\n"
        "  count:         number\n"
        "  `from`:        text\n"
        "  `Lead Source`: text\n"
        "}\n"
        "events touch match number {\n"
        "  number: text\n"
        "  day:    text\n"
        "  at:     time\n"
        "}\n"
        "lead when `Lead Source` = \"Webinar\" and count >= 2\n"
        "score {\n"
        "  +10 when owner is present\n"
        "  +1  per count(touch where day = \"mon\")\n"
        "  +5  when `from` = \"partner\"\n"
        "  -1  per days_since(latest(touch.at)), at most 5\n"
        "}\n"
        "classify id_form {\n"
        "  numeric when number(number) is present\n"
        "  otherwise plain\n"
        "}\n";
    Compilation *c = compile_text(src, strlen(src));
    expect_diags(c, "", "keyword field names");
    Expr *lead = c->sema.lead->body;
    ck_assert_int_eq(lead->kind, E_AND);
    Expr *cmp = lead->kids[1];
    ck_assert_int_eq(cmp->kids[0]->res, R_FIELD);            /* count as a field */
    ck_assert_int_eq(lead->kids[0]->kids[0]->res, R_FIELD);  /* `Lead Source` */
    ScoreLine *l = &c->sema.score->lines[1];
    ck_assert_int_eq(l->e->res, R_AGG);                      /* count( is the aggregate */
    ck_assert_int_eq(l->e->where->kids[0]->res, R_EVFIELD);  /* day: the event's field */
    ck_assert_int_eq(c->sema.score->lines[3].has_most, 1);
    Expr *num = c->sema.classes[0].decl->clines[0].cond->kids[0];
    ck_assert_int_eq(num->kind, E_CALL);                     /* number( is the built-in */
    ck_assert_int_eq(num->res, R_BUILTIN);
    ck_assert_int_eq(num->kids[0]->res, R_FIELD);
    comp_done(c);

    /* more keywords as names: declarations, key, match, members, test fields */
    src = "record match key match {\n  match: text\n  level: number\n  lead: bool\n  score: number\n}\n"
          "events sum match key {\n  key: text\n  min: number\n  at: time\n}\n"
          "lead when `lead` and level > 1 and sum(sum.min) > `score` and max(sum.min) >= min(1, 2)\n"
          "classify text {\n  lead when `lead`\n  otherwise none\n}\n"
          "test \"keywords\" {\n  match { match: \"1\", lead: true, level: 2, score: 0 }\n"
          "  sum { min: 3, at: 2026-01-01 }\n  expect lead\n  expect text = lead\n}\n";
    c = compile_text(src, strlen(src));
    expect_diags(c, "", "more keyword names");
    comp_done(c);
}
END_TEST

START_TEST(test_modules)
{
    write_file("badmod.lead", "record r key id { id: text }\nset mset = [\"a\"]\ndefine mdef = true\n");
    write_file("goodmod.lead", "# a module\nset gset = [\"a\", \"b\"]\ndefine gdef(x: text) = x in gset\n"
                                "define unused_in_module = true\n");
    const char *src = "use badmod\nuse goodmod\nuse goodmod\nlead when mdef and gdef(industry)";
    Compilation *c = compile_with_rec(src);
    expect_diags(c, "M:1:1: error: a module may declare only sets, defines and extern functions\n", "modules");
    comp_done(c);

    /* module names are visible; a module's unused names are not reported */
    src = "use goodmod\nlead when gdef(industry)\n";
    c = compile_with_rec(src);
    expect_diags(c, "", "module names");
    comp_done(c);

    /* unknown, with no close name: the search path is named */
    src = "use zzzzzzzz\nlead when b\n";
    c = compile_with_rec(src);
    char *got = diag_text(c);
    ck_assert_msg(strncmp(got, "1:5: error: unknown module 'zzzzzzzz' (searched ", 47) == 0, "%s", got);
    ck_assert_ptr_nonnull(strstr(got, "directories; add one with -I DIR or LEAD_PATH)\n"));
    free(got);
    comp_done(c);

    /* a syntax error in a module is reported in the module */
    write_file("synmod.lead", "define x = (\n");
    src = "use synmod\nlead when b\n";
    c = compile_with_rec(src);
    expect_diags(c, "M:2:1: error: unexpected end of file; expected an expression\n", "module syntax");
    comp_done(c);
}
END_TEST

START_TEST(test_set_from_file)
{
    write_file("domains.txt", "# free mail\ngmail.com\n  Yahoo.com   # trailing\n\n#x\nGMAIL.COM\n");
    char src[512];
    snprintf(src, sizeof src, "set fm from \"%s/domains.txt\"\nlead when domain(email) in fm", tmpdir);
    Compilation *c = compile_with_rec(src);
    expect_diags(c, "1:13: warning: set 'fm' lists 'gmail.com' twice (case and spaces do not count); remove one\n",
                 "set file");
    ck_assert_int_eq(c->sema.sets[0].n, 3);
    ck_assert_str_eq(c->sema.sets[0].texts[1], "yahoo.com");
    comp_done(c);
}
END_TEST

/* ---- the tree: precedence, chains, types ------------------------------------- */

START_TEST(test_precedence)
{
    Compilation *c = compile_with_rec(
        "define p1 = b or b and b\n"
        "define p2 = not n > 1\n"
        "define p3 = -n * 2\n"
        "define p4 = n + 2 * 3\n"
        "define p5 = not b and b\n"
        "define p6 = n > 1 and title contains \"x\" or d is missing\n"
        "define p7 = - - n\n"
        "lead when p1 and p2 and p3 > 0 and p4 > 0 and p5 and p6 and p7 > 0\n");
    expect_diags(c, "", "precedence");
    Expr *e = body(c, "p1");
    ck_assert_int_eq(e->kind, E_OR);
    ck_assert_int_eq(e->nkids, 2);
    ck_assert_int_eq(e->kids[1]->kind, E_AND);
    e = body(c, "p2");
    ck_assert_int_eq(e->kind, E_NOT);
    ck_assert_int_eq(e->kids[0]->kind, E_CMP);
    e = body(c, "p3");
    ck_assert_int_eq(e->kind, E_TERM);
    ck_assert_int_eq(e->kids[0]->kind, E_NEG);
    e = body(c, "p4");
    ck_assert_int_eq(e->kind, E_ARITH);
    ck_assert_int_eq(e->kids[1]->kind, E_TERM);
    e = body(c, "p5");
    ck_assert_int_eq(e->kind, E_AND);
    ck_assert_int_eq(e->kids[0]->kind, E_NOT);
    e = body(c, "p6");
    ck_assert_int_eq(e->kind, E_OR);
    ck_assert_int_eq(e->kids[0]->kind, E_AND);
    ck_assert_int_eq(e->kids[0]->kids[1]->kind, E_TEXTOP);
    ck_assert_int_eq(e->kids[1]->kind, E_IS);
    e = body(c, "p7");
    ck_assert_int_eq(e->kind, E_NEG);
    ck_assert_int_eq(e->kids[0]->kind, E_NEG);
    comp_done(c);
}
END_TEST

START_TEST(test_chains_are_flat)
{
    Compilation *c = compile_with_rec(
        "define c1 = n + 1 + 2 - 3\n"
        "define c2 = b and b and not b and b\n"
        "define c3 = (b and b) and b\n"
        "define c4 = n * 2 / 3 * 4\n"
        "define c5 = b or b or b\n"
        "lead when c1 > 0 and c2 and c3 and c4 > 0 and c5\n");
    expect_diags(c, "", "chains");
    Expr *e = body(c, "c1");
    ck_assert_int_eq(e->kind, E_ARITH);
    ck_assert_int_eq(e->nkids, 4);
    ck_assert_int_eq(e->ops[1], '+');
    ck_assert_int_eq(e->ops[2], '+');
    ck_assert_int_eq(e->ops[3], '-');
    ck_assert_int_eq(body(c, "c2")->nkids, 4);
    e = body(c, "c3");                        /* parentheses stop the chain */
    ck_assert_int_eq(e->nkids, 2);
    ck_assert(e->kids[0]->paren);
    e = body(c, "c4");
    ck_assert_int_eq(e->kind, E_TERM);
    ck_assert_int_eq(e->nkids, 4);
    ck_assert_int_eq(e->ops[2], '/');
    ck_assert_int_eq(body(c, "c5")->nkids, 3);
    comp_done(c);
}
END_TEST

START_TEST(test_if_extends_right)
{
    Compilation *c = compile_with_rec(
        "define i1 = if b then 1 else 2 + 3\n"
        "define i2 = if b then b else n > 1 and b\n"
        "define i3 = (if b then 1 else 2) + 3\n"
        "define i4 = if b then if b then 1 else 2 else 3\n"
        "lead when i1 > 0 and i2 and i3 > 0 and i4 > 0\n");
    expect_diags(c, "", "if");
    Expr *e = body(c, "i1");
    ck_assert_int_eq(e->kind, E_IF);
    ck_assert_int_eq(e->kids[2]->kind, E_ARITH);
    ck_assert_str_eq(type_of(c, e->type), "number");
    e = body(c, "i2");
    ck_assert_int_eq(e->kind, E_IF);
    ck_assert_int_eq(e->kids[2]->kind, E_AND);
    e = body(c, "i3");
    ck_assert_int_eq(e->kind, E_ARITH);
    ck_assert_int_eq(e->kids[0]->kind, E_IF);
    e = body(c, "i4");
    ck_assert_int_eq(e->kids[1]->kind, E_IF);
    comp_done(c);

    /* the else branch takes the comparison: a number and a bool */
    c = compile_with_rec("lead when if b then n else n + 1 > 2\n");
    expect_diags(c, "1:28: error: the branches of 'if' must have one type, but they are number and bool\n", "if right");
    comp_done(c);
}
END_TEST

static void type_is(Compilation *c, const char *name, const char *want)
{
    DefineInfo *di = define(c, name);
    ck_assert_msg(strcmp(type_of(c, di->type), want) == 0, "define %s is %s, want %s", name,
                  type_of(c, di->type), want);
    ck_assert_msg(di->decl->body->type.kind == di->type.kind, "define %s: body type", name);
}

START_TEST(test_types)
{
    Compilation *c = compile_with_rec(
        "define t_num = count(ev) + sum(ev.v) + n\n"
        "define t_bool = any(ev) and none(ev where kind = \"x\")\n"
        "define t_lat = latest(ev.at)\n"
        "define t_lat2 = earliest(ev.kind during last 2 weeks)\n"
        "define t_min = min(ev.at)\n"
        "define t_max = max(ev.v where v > 0)\n"
        "define t_lvl = if b then s else Staff\n"
        "define t_co = coalesce(d, t)\n"
        "define t_co2 = coalesce(s, VP)\n"
        "define t_text = text(s)\n"
        "define t_class = g\n"
        "define t_len = length(title) + year(t) + year(d) + days_since(t)\n"
        "define t_dom = domain(email)\n"
        "define t_today = today()\n"
        "define t_dist = count(distinct ev.kind during last 30 days)\n"
        "define t_avg = average(ev.v where v > 0 during last 2 hours)\n"
        "define t_cmp = d < t\n"
        "define t_in = s in [Staff, VP]\n"
        "define t_num2 = number(title)\n"
        "define t_bmax = max(1, n, 3)\n"
        "define f(x: number) = x * 2\n"
        "define t_call = f(n)\n"
        "define t_res -> level(Low, High) = if n > 1 then High else \"low\"\n"
        "define t_res2 -> level(Low, High) = coalesce(if b then High else Low, \"High\")\n"
        "define t_within = d within last 30 days and t within last 1 week\n"
        "define t_evfirst = count(ev where title > 1)\n"
        "define t_cls_text = lower(g)\n"
        "classify g {\n  A when n > 1\n  otherwise B\n}\n"
        "lead when t_bool and t_cmp and t_in and t_within and t_num + t_len + t_num2 + t_bmax + t_call + t_dist + "
        "t_avg + t_max + t_evfirst > 0 and t_lat > t_min and t_lat2 = \"x\" and t_lvl = t_co2 and "
        "t_co is present and t_text = \"x\" and t_class = A and t_dom = \"x\" and t_today is present and "
        "t_res = t_res2 and t_cls_text = \"a\"\n");
    expect_diags(c, "", "types");
    type_is(c, "t_num", "number");
    type_is(c, "t_bool", "bool");
    type_is(c, "t_lat", "time");
    type_is(c, "t_lat2", "text");
    type_is(c, "t_min", "time");
    type_is(c, "t_max", "number");
    type_is(c, "t_lvl", "level(Staff, Manager, VP)");
    type_is(c, "t_co", "time");
    type_is(c, "t_co2", "level(Staff, Manager, VP)");
    type_is(c, "t_text", "text");
    type_is(c, "t_class", "classification 'g'");
    type_is(c, "t_len", "number");
    type_is(c, "t_dom", "text");
    type_is(c, "t_today", "date");
    type_is(c, "t_dist", "number");
    type_is(c, "t_avg", "number");
    type_is(c, "t_cmp", "bool");
    type_is(c, "t_in", "bool");
    type_is(c, "t_num2", "number");
    type_is(c, "t_bmax", "number");
    type_is(c, "f", "number");
    type_is(c, "t_call", "number");
    type_is(c, "t_res", "level(Low, High)");
    type_is(c, "t_res2", "level(Low, High)");
    type_is(c, "t_within", "bool");
    type_is(c, "t_cls_text", "text");

    /* what the names resolved to */
    Expr *e = body(c, "t_cmp");
    ck_assert_int_eq(e->kids[0]->kind, E_CONV);           /* the date becomes an instant */
    ck_assert_int_eq(e->kids[0]->kids[0]->res, R_FIELD);
    e = body(c, "t_in");
    ck_assert_int_eq(e->kids[1]->res, R_LABEL);
    ck_assert_int_eq(e->kids[2]->res, R_LABEL);
    ck_assert_int_eq(e->kids[2]->ref, 2);                 /* VP is the third label */
    e = body(c, "t_co2");
    ck_assert_int_eq(e->kids[1]->res, R_LABEL);           /* VP: the label, not the field */
    e = body(c, "t_max");
    ck_assert_int_eq(e->res, R_AGG);
    ck_assert_int_eq(e->agg, AGG_MAX);
    e = body(c, "t_bmax");
    ck_assert_int_eq(e->res, R_BUILTIN);
    e = body(c, "t_dist");
    ck_assert_int_eq(e->agg, AGG_COUNT_DISTINCT);
    ck_assert_int_eq(e->win.kind, WIN_LAST);
    e = body(c, "t_evfirst");                            /* the event's title (a number) */
    ck_assert_int_eq(e->where->kids[0]->res, R_EVFIELD);
    e = body(c, "t_res");
    ck_assert_int_eq(e->kids[1]->res, R_LABEL);
    ck_assert_int_eq(e->kids[2]->res, R_LABEL);
    ck_assert_int_eq(e->kids[2]->ref, 0);                 /* "low" is Low */
    e = body(c, "t_call");
    ck_assert_int_eq(e->res, R_DEFINE);
    comp_done(c);
}
END_TEST

START_TEST(test_scopes)
{
    /* an aggregate's bare names: the event's fields, then the define's
     * parameters, then the record's fields */
    Compilation *c = compile_with_rec(
        "define p(kind: number, title: text, lim: number) = count(ev where kind = \"x\" and title > 1 and v > lim) > 1 "
        "and title = \"a\" and kind > 0\n"
        "lead when p(1, \"x\", 2)\n");
    expect_diags(c, "", "scopes");
    Expr *e = body(c, "p");
    Expr *w = e->kids[0]->kids[0]->where;
    ck_assert_int_eq(w->kids[0]->kids[0]->res, R_EVFIELD);   /* kind: the event's (text) */
    ck_assert_int_eq(w->kids[1]->kids[0]->res, R_EVFIELD);   /* title: the event's (number) */
    ck_assert_int_eq(w->kids[2]->kids[0]->res, R_EVFIELD);   /* v */
    ck_assert_int_eq(w->kids[2]->kids[1]->res, R_PARAM);     /* lim: the parameter */
    ck_assert_int_eq(e->kids[1]->kids[0]->res, R_PARAM);     /* title outside: the parameter */
    ck_assert_int_eq(e->kids[2]->kids[0]->res, R_PARAM);
    comp_done(c);
}
END_TEST

START_TEST(test_labels_win)
{
    /* VP is a text field and a label of s: in a level context the label wins */
    Compilation *c = compile_with_rec(
        "define w1 = s >= VP\ndefine w2 = VP <= s\ndefine w3 = s in [VP]\n"
        "define w4 = s between Staff and VP\ndefine w5 = VP = \"x\"\n"
        "define f(x: level(Staff, Manager, VP)) = x = VP\ndefine w6 = f(VP)\n"
        "lead when w1 and w2 and w3 and w4 and w5 and w6\n");
    expect_diags(c, "", "labels win");
    ck_assert_int_eq(body(c, "w1")->kids[1]->res, R_LABEL);
    ck_assert_int_eq(body(c, "w2")->kids[0]->res, R_LABEL);
    ck_assert_int_eq(body(c, "w3")->kids[1]->res, R_LABEL);
    ck_assert_int_eq(body(c, "w4")->kids[2]->res, R_LABEL);
    ck_assert_int_eq(body(c, "w5")->kids[0]->res, R_FIELD);   /* no level here: the field */
    ck_assert_int_eq(body(c, "w6")->kids[0]->res, R_LABEL);
    ck_assert_int_eq(body(c, "f")->kids[1]->res, R_LABEL);
    comp_done(c);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------- */

static char *nested(const char *open, const char *inner, const char *close, int depth)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    const char *head = "lead when ";
    char *s = malloc(strlen(head) + depth * (lo + lc) + li + 1);
    size_t o = 0;
    memcpy(s, head, strlen(head)); o += strlen(head);
    for (int i = 0; i < depth; i++) { memcpy(s + o, open, lo); o += lo; }
    memcpy(s + o, inner, li); o += li;
    for (int i = 0; i < depth; i++) { memcpy(s + o, close, lc); o += lc; }
    s[o] = 0;
    return s;
}

static void nest_case(const char *open, const char *inner, const char *close, int depth, const char *want)
{
    char *src = nested(open, inner, close, depth);
    Compilation *c = compile_with_rec(src);
    char what[64];
    snprintf(what, sizeof what, "%d x '%s'", depth, open);
    expect_diags(c, want, what);
    comp_done(c);
    free(src);
}

START_TEST(test_nesting_limit)
{
    const char *m = "error: expression nested too deeply (the limit is 1000 levels); split it with defines\n";
    char want[256];
    /* 999 parentheses: the innermost expression is level 1000, fine */
    nest_case("(", "b", ")", 999, "");
    /* 1000: level 1001, at its first token (the b after the last parenthesis) */
    snprintf(want, sizeof want, "1:1011: %s", m);
    nest_case("(", "b", ")", 1000, want);
    nest_case("not ", "b", "", 999, "");
    snprintf(want, sizeof want, "1:4011: %s", m);
    nest_case("not ", "b", "", 1000, want);
    snprintf(want, sizeof want, "1:2011: %s", m);
    nest_case("- ", "n > 1", "", 1000, want);
    snprintf(want, sizeof want, "1:4011: %s", m);
    nest_case("abs(", "n", ")", 1000, want);
    snprintf(want, sizeof want, "1:10004: %s", m);
    nest_case("if b then ", "b", " else b", 1000, want);
    /* nesting is counted per expression: two deep ones are fine */
    char *a = nested("(", "b", ")", 999), *b = nested("(", "b", ")", 999);
    size_t la = strlen(a), lb = strlen(b);
    char *both = malloc(la + lb + 32);
    snprintf(both, la + lb + 32, "%s\ndefine x = %s", a, b + strlen("lead when "));
    Compilation *c = compile_with_rec(both);
    expect_diags(c, "2:8: warning: define 'x' is never used; remove it, or use it in 'lead', 'score' or 'classify'\n"
                    , "two deep");
    comp_done(c);
    free(a); free(b); free(both);
}
END_TEST

START_TEST(test_very_deep_program)
{
    /* 100,000 parentheses: refused with a message, no crash */
    char *src = nested("(", "b", ")", 100000);
    Compilation *c = compile_with_rec(src);
    expect_diags(c, "1:1011: error: expression nested too deeply (the limit is 1000 levels); split it with defines\n",
                 "100,000 deep");
    comp_done(c);
    free(src);
    src = nested("not (", "b", ")", 100000);
    c = compile_with_rec(src);
    ck_assert_int_eq(c->diags.nerrors, 1);
    comp_done(c);
    free(src);
}
END_TEST

START_TEST(test_long_chains)
{
    /* a 100,000-term `or` compiles; so does a 100,000-term sum */
    size_t n = 100000, cap = n * 24 + 64, o = 0;
    char *src = malloc(cap);
    o += (size_t)snprintf(src + o, cap - o, "lead when ");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(src + o, cap - o, "%sn = %zu", i ? " or " : "", i);
    o += (size_t)snprintf(src + o, cap - o, "\ndefine total = ");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(src + o, cap - o, "%sn", i ? " + " : "");
    o += (size_t)snprintf(src + o, cap - o, "\nscore {\n  +1 per total\n}\n");
    Compilation *c = compile_with_rec(src);
    expect_diags(c, "", "long chains");
    ck_assert_int_eq(c->sema.lead->body->kind, E_OR);
    ck_assert_int_eq(c->sema.lead->body->nkids, n);
    ck_assert_int_eq(body(c, "total")->nkids, n);
    comp_done(c);

    /* an error deep in it is still found at its operator */
    o = 0;
    o += (size_t)snprintf(src + o, cap - o, "lead when b");
    for (size_t i = 1; i < n; i++) o += (size_t)snprintf(src + o, cap - o, " or b");
    o += (size_t)snprintf(src + o, cap - o, " or n\n");
    c = compile_with_rec(src);
    char want[128];
    snprintf(want, sizeof want, "1:%zu: error: an operand of 'or' must be bool, but this is number\n", 11 + 5 * n);
    expect_diags(c, want, "long chain error");
    comp_done(c);
    free(src);
}
END_TEST

START_TEST(test_text_literal_limit)
{
    size_t n = 65536;
    char *src = malloc(n + 64);
    size_t o = (size_t)snprintf(src, 64, "lead when title = \"");
    memset(src + o, 'x', n);
    o += n;
    memcpy(src + o, "\"\n", 3);
    Compilation *c = compile_with_rec(src);
    expect_diags(c, "1:19: error: text literal too long (65536 bytes; the limit is 65535)\n", "long text");
    comp_done(c);
    src[o - 2] = '"';                         /* 65535 bytes: fine */
    src[o - 1] = '\n';
    src[o] = 0;
    c = compile_with_rec(src);
    expect_diags(c, "", "longest text");
    comp_done(c);
    free(src);
}
END_TEST

START_TEST(test_source_too_large)
{
    Compilation c = { 0 };
    ck_assert_uint_eq(comp_source(&c, "big.lead", "", LEAD_MAX_SOURCE + 1, NULL), 1);
    expect_diags(&c, "1:1: error: source file too large (16777217 bytes; the limit is 16777216)\n", "too large");
    comp_free(&c);
}
END_TEST

/* ---------------------------------------------------------------- main */

static void setup_dir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/lead-test-sema-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_dir(void)
{
    static const char *const files[] = { "badmod.lead", "goodmod.lead", "synmod.lead", "domains.txt" };
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

static Suite *sema_suite(void)
{
    Suite *s = suite_create("sema");

    TCase *tc = tcase_create("diagnostics");
    tcase_add_checked_fixture(tc, setup_dir, remove_dir);
    tcase_add_loop_test(tc, test_case, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_no_record_no_lead);
    tcase_add_test(tc, test_record_rules);
    tcase_add_test(tc, test_keyword_field_names);
    tcase_add_test(tc, test_modules);
    tcase_add_test(tc, test_set_from_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("tree");
    tcase_add_checked_fixture(tc, setup_dir, remove_dir);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_chains_are_flat);
    tcase_add_test(tc, test_if_extends_right);
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_scopes);
    tcase_add_test(tc, test_labels_win);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup_dir, remove_dir);
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_very_deep_program);
    tcase_add_test(tc, test_long_chains);
    tcase_add_test(tc, test_text_literal_limit);
    tcase_add_test(tc, test_source_too_large);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    unsetenv("LEAD_PATH");
    SRunner *sr = srunner_create(sema_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
