/* leadc: check, compile and test lead definitions (TOOLS.md "leadc").
 *
 * A thin driver: option parsing, then the library (compile.h for the front
 * end, gen.h for bytecode, the test runner) does the work.  Exit status:
 * 0 success, 1 the work found a problem, 2 the work could not be done. */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compile.h"
#include "leadc_cmds.h"
#include "diff.h"

static void usage(FILE *out)
{
    fputs(
"Usage: leadc COMMAND [OPTION]... FILE...\n"
"Check, compile and test lead definitions (.lead files).\n"
"\n"
"Commands:\n"
"  check FILE...           parse, resolve, type-check and lint, then run the\n"
"                          file's test blocks; print diagnostics and a summary\n"
"  compile FILE [-o OUT]   check, then write bytecode (default: FILE with .leadc)\n"
"  test FILE...            run the test blocks: one line per test, then\n"
"                          'N passed, N failed'\n"
"  diff OLD NEW --data CSV the impact of a rule change on real data: per output,\n"
"                          old-by-new transition counts with example keys\n"
"  disasm FILE.leadc       list a bytecode file: header, constants, code\n"
"  fmt FILE... [-w|--check] print FILE in the canonical layout; -w rewrites it\n"
"                          in place; --check prints a diff and exits 1 when a\n"
"                          file is not laid out canonically\n"
"\n"
"Options:\n"
"  -I DIR                  add DIR to the module search path (before LEAD_PATH)\n"
"  -o FILE                 output file (compile)\n"
"      --as-of DATE        the as-of date for tests without 'as of'\n"
"      --allow-native LIB  allow tests to call extern functions from LIB\n"
"      --format FMT        diagnostics as text (default), json, github or sarif;\n"
"                          for diff, the report as text, markdown or json\n"
"      --data FILE         (diff) the records to run both definitions over\n"
"      --events NAME=FILE  (diff) an event stream's file (repeatable)\n"
"      --color WHEN        colour diagnostics: auto (default), always, never\n"
"      --coverage          (test) list the score lines, classify lines and\n"
"                          defines that no test exercised\n"
"      --strip             (compile) leave out the line table\n"
"  -w                      (fmt) rewrite the files in place\n"
"      --check             (fmt) change nothing: show what would change\n"
"  -W error, -Werror       treat warnings as errors\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 success; 1 problems found (errors, failed tests); 2 the work\n"
"could not be done (bad usage, unreadable file).\n"
"Modules (`use NAME`) are found in -I directories, then LEAD_PATH (a\n"
"colon-separated list), then " LEAD_STDLIB_DIR ".\n", out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "as-of", required_argument, NULL, 1 },
        { "allow-native", required_argument, NULL, 2 },
        { "format", required_argument, NULL, 3 },
        { "color", required_argument, NULL, 4 },
        { "colour", required_argument, NULL, 4 },
        { "coverage", no_argument, NULL, 5 },
        { "Werror", no_argument, NULL, 6 },
        { "strip", no_argument, NULL, 7 },
        { "data", required_argument, NULL, 8 },
        { "events", required_argument, NULL, 9 },
        { "check", no_argument, NULL, 10 },
        { NULL, 0, NULL, 0 },
    };
    LeadcOpts o = { 0 };
    const char *data = NULL;
    DiffEvents *events = calloc((size_t)argc + 1, sizeof *events);
    uint32_t nevents = 0;
    o.format = DF_TEXT;
    o.color = -1;
    o.incdirs = calloc((size_t)argc + 1, sizeof *o.incdirs);
    o.allow = calloc((size_t)argc + 1, sizeof *o.allow);
    /* every exit before the command frees what main allocated (LSan) */
#define DONE(st) do { free(events); free(o.incdirs); free(o.allow); return (st); } while (0)
    int c;
    /* -Werror is spelt with one dash: turn it into the long option */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-Werror") == 0) argv[i] = (char *)"--Werror";
    while ((c = getopt_long(argc, argv, "hVI:o:W:w", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); DONE(0);
        case 'V': printf("leadc (lead) %s\n", PACKAGE_VERSION); DONE(0);
        case 'I': o.incdirs[o.nincdirs++] = optarg; break;
        case 'o': o.out = optarg; break;
        case 'w': o.write = true; break;
        case 'W':
            if (strcmp(optarg, "error") == 0) { o.werror = true; break; }
            fprintf(stderr, "leadc: unknown warning option '-W%s' (only -Werror exists)\n", optarg);
            DONE(2);
        case 1:
            if (!leadc_parse_date(optarg, &o.as_of)) {
                fprintf(stderr, "leadc: --as-of needs a date YYYY-MM-DD, not '%s'\n", optarg);
                DONE(2);
            }
            o.has_as_of = true;
            break;
        case 2: o.allow[o.nallow++] = optarg; break;
        case 3:
            o.format_given = optarg;      /* checked once the command is known */
            break;
        case 4:
            if (strcmp(optarg, "auto") == 0) o.color = -1;
            else if (strcmp(optarg, "always") == 0) o.color = 1;
            else if (strcmp(optarg, "never") == 0) o.color = 0;
            else { fprintf(stderr, "leadc: --color must be auto, always or never, not '%s'\n", optarg); DONE(2); }
            break;
        case 5: o.coverage = true; break;
        case 6: o.werror = true; break;
        case 7: o.strip = true; break;
        case 8: data = optarg; break;
        case 10: o.check = true; break;
        case 9: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1]) { fprintf(stderr, "leadc: --events needs NAME=FILE, not '%s'\n", optarg); DONE(2); }
            *eq = 0;
            events[nevents].name = optarg;
            events[nevents].path = eq + 1;
            nevents++;
            break;
        }
        default:
            fputs("Try 'leadc --help' for more information.\n", stderr);
            DONE(2);
        }
    }
    if (optind >= argc) {
        fputs("leadc: no command given\nTry 'leadc --help' for more information.\n", stderr);
        DONE(2);
    }
    if (o.color < 0) o.color = isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL;
    const char *cmd = argv[optind++];
    if (o.format_given && strcmp(cmd, "diff") != 0) {
        const char *f = o.format_given;
        if (strcmp(f, "text") == 0) o.format = DF_TEXT;
        else if (strcmp(f, "json") == 0) o.format = DF_JSON;
        else if (strcmp(f, "github") == 0) o.format = DF_GITHUB;
        else if (strcmp(f, "sarif") == 0) o.format = DF_SARIF;
        else { fprintf(stderr, "leadc: --format must be text, json, github or sarif, not '%s'\n", f); DONE(2); }
    }
    o.files = (const char **)argv + optind;
    o.nfiles = (uint32_t)(argc - optind);
    int st;
    if (strcmp(cmd, "check") == 0) st = leadc_check(&o);
    else if (strcmp(cmd, "compile") == 0) st = leadc_compile(&o);
    else if (strcmp(cmd, "test") == 0) st = leadc_test(&o);
    else if (strcmp(cmd, "disasm") == 0) st = leadc_disasm(&o);
    else if (strcmp(cmd, "fmt") == 0) st = leadc_fmt(&o);
    else if (strcmp(cmd, "diff") == 0) st = leadc_diff(&o, data, events, nevents, o.format_given);
    else if (strcmp(cmd, "help") == 0) { usage(stdout); st = 0; }
    else {
        fprintf(stderr, "leadc: unknown command '%s' (commands: check, compile, test, fmt, diff, disasm)\n"
                        "Try 'leadc --help' for more information.\n", cmd);
        st = 2;
    }
    free(o.incdirs);
    free(o.allow);
    free(events);
    return st;
}
