/* leadvm: run a lead program over contact records (TOOLS.md "leadvm").
 *
 * A thin driver: it loads a .leadc file (or compiles a .lead file in
 * memory), checks the native libraries it may load, and hands the rest to
 * run.c.  Exit status: 0 success, 1 the run rejected or stopped at
 * malformed rows, 2 it could not run, 128+N killed by signal N. */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bc.h"
#include "compile.h"
#include "gen.h"
#include "regex.h"
#include "rtinit.h"
#include "run.h"
#include "utext.h"
#include "value.h"
#include "vm.h"

static void usage(FILE *out)
{
    fputs(
"Usage: leadvm run PROGRAM INPUT [OPTION]...\n"
"       leadvm info PROGRAM\n"
"Apply a lead definition to contact records.\n"
"\n"
"PROGRAM is a bytecode file from 'leadc compile' or a .lead file (compiled in\n"
"memory).  INPUT is a CSV or JSON-lines file, gzip or zstd compressed or not,\n"
"or - for standard input.\n"
"\n"
"Options for run:\n"
"  -o, --output FILE       write the results to FILE (atomically) instead of stdout\n"
"      --format FMT        csv (default) or jsonl; default from -o's extension\n"
"      --input-format FMT  csv or jsonl (default: from INPUT's name)\n"
"      --events NAME=FILE  the file of event stream NAME (repeatable)\n"
"      --as-of DATE        the as-of date YYYY-MM-DD (default: today, UTC)\n"
"      --threads N         worker threads (default: the number of cores)\n"
"      --keep COL,...      copy these input columns into the output\n"
"      --only EXPR         write only records for which EXPR is true, e.g.\n"
"                          'lead' or 'stage = \"sales qualified\"'\n"
"      --explain           add a 'why' column\n"
"      --delimiter C       input CSV delimiter (default: detected; 'tab' for TAB)\n"
"      --reject FILE       write malformed rows to FILE and carry on\n"
"      --max-rejects N     stop after N rejected rows\n"
"      --summary[=json]    counts, quartiles, rule hits and data quality on stderr\n"
"      --allow-native LIB  let the program's extern functions load LIB\n"
"      --progress          show progress on stderr (default: when it is a terminal)\n"
"      --no-progress       never show progress\n"
"  -I DIR                  module search path, for a .lead PROGRAM\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 success; 1 malformed rows were rejected or stopped the run;\n"
"2 the run could not be done (bad usage, unreadable or corrupt file, missing\n"
"column, write error); 128+N killed by signal N.\n", out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("leadvm: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'leadvm --help' for more information.\n", stderr);
    return 2;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* The name without a compression suffix, for format detection. */
static bool is_jsonl_name(const char *s)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", s);
    size_t n = strlen(buf);
    if (n > 3 && strcmp(buf + n - 3, ".gz") == 0) buf[n - 3] = 0;
    else if (n > 4 && strcmp(buf + n - 4, ".zst") == 0) buf[n - 4] = 0;
    return ends_with(buf, ".jsonl") || ends_with(buf, ".ndjson");
}

/* Load PROGRAM: bytecode, or a .lead source compiled in memory. */
static Prog *load_program(const char *path, const char **incdirs, uint32_t nincdirs)
{
    char err[1024];
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "leadvm: %s: %s\n", path, strerror(errno)); return NULL; }
    unsigned char magic[8];
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    /* a .leadc name is bytecode whatever its bytes: a damaged file gets
     * the loader's message, not the lexer's view of binary data */
    if (bc_is_bytecode(magic, n) || ends_with(path, ".leadc")) {
        Prog *p = bc_load_file(path, err, sizeof err);
        if (!p) fprintf(stderr, "leadvm: %s: %s\n", path, err);
        return p;
    }
    Compilation c = { 0 };
    CompOptions co = { incdirs, nincdirs };
    comp_file(&c, path, &co);
    if (c.io_error) { comp_free(&c); return NULL; }
    if (diag_errors(&c.diags)) {
        /* errors only: warnings are leadc's business */
        Diags only = { 0 };
        for (uint32_t i = 0; i < c.diags.n; i++)
            if (c.diags.v[i].sev != SEV_ERROR) { c.diags.v[i].sev = SEV_NOTE; }
        (void)only;
        Diags *d = &c.diags;
        uint32_t k = 0;
        for (uint32_t i = 0; i < d->n; i++) if (d->v[i].sev == SEV_ERROR) d->v[k++] = d->v[i];
        d->n = k;
        diag_print(d, stderr, DF_TEXT, false);
        fprintf(stderr, "leadvm: %s does not compile (%u error%s)\n", path, d->nerrors, d->nerrors == 1 ? "" : "s");
        comp_free(&c);
        return NULL;
    }
    Prog *p = gen_program(&c, false, err, sizeof err);
    comp_free(&c);
    if (!p) { fprintf(stderr, "leadvm: %s: %s\n", path, err); return NULL; }
    if (!prog_verify(p, err, sizeof err)) {
        fprintf(stderr, "leadvm: %s: the program is beyond the limits of the VM (%s); see docs/limits.md\n", path, err);
        prog_free(p);
        return NULL;
    }
    return p;
}

/* Compile the regular expressions and, when allowed, the native libraries. */
static bool prepare_runtime(Prog *p, const char *path, const char **allow, uint32_t nallow)
{
    char err[1024];
    if (!rt_init(p, allow, nallow, err, sizeof err)) {
        fprintf(stderr, "leadvm: %s: %s\n", path, err);
        return false;
    }
    return true;
}

/* --only EXPR: a small program over the outputs.  Its record holds the
 * key (under the key field's name), lead, score and each classification's
 * label as text; each classification is rebuilt as a classification with
 * the same labels, so EXPR sees the outputs with the language's own rules
 * (bare labels, text that is not a label compares false, no ordering). */
static void add_quoted(Buf *s, const char *p)
{
    ubuf_addc(s, '"');
    for (; *p; p++) {
        if (*p == '"' || *p == '\\') ubuf_addc(s, '\\');
        if (*p == '\n') { ubuf_add(s, "\\n", 2); continue; }
        if (*p == '\t') { ubuf_add(s, "\\t", 2); continue; }
        ubuf_addc(s, *p);
    }
    ubuf_addc(s, '"');
}

static Prog *compile_only(const Prog *p, const char *expr, int32_t *fn)
{
    Buf s = {0};
    char line[512];
    #define ADD(...) do { int n_ = snprintf(line, sizeof line, __VA_ARGS__); ubuf_add(&s, line, (size_t)n_); } while (0)
    const char *key = p->fields[p->key].name.p;
    ADD("record __out key `%s` {\n  `%s`: text\n  __lead: bool\n  __score: number\n", key, key);
    for (uint32_t c = 0; c < p->nclasses; c++) ADD("  __class%u: text\n", c);
    ADD("}\n");
    for (uint32_t c = 0; c < p->nclasses; c++) {
        ADD("classify `%s` {\n", p->classes[c].name.p);
        for (uint32_t l = 0; l < p->classes[c].n; l++) {
            ubuf_add(&s, "  ", 2);
            add_quoted(&s, p->classes[c].labels[l].p);
            ADD(" when __class%u = ", c);
            add_quoted(&s, p->classes[c].labels[l].p);
            ubuf_addc(&s, '\n');
        }
        ADD("}\n");
    }
    ADD("define __only = (\n");
    ubuf_add(&s, expr, strlen(expr));
    ADD("\n)\nlead when __lead\n");
    if (p->score_fn >= 0) ADD("score {\n  +1 per __score\n}\n");
    #undef ADD
    Compilation c = { 0 };
    comp_source(&c, "--only", s.p, s.len, NULL);
    ubuf_free(&s);
    if (diag_errors(&c.diags)) {
        for (uint32_t i = 0; i < c.diags.n; i++)
            if (c.diags.v[i].sev == SEV_ERROR)
                fprintf(stderr, "leadvm: --only: %s\n", c.diags.v[i].msg);
        comp_free(&c);
        return NULL;
    }
    if (c.sema.defines[0].type.kind != TY_BOOL) {
        fprintf(stderr, "leadvm: --only needs a condition (bool), e.g. 'lead' or 'grade = A'\n");
        comp_free(&c);
        return NULL;
    }
    char err[512];
    Prog *q = gen_program(&c, true, err, sizeof err);
    comp_free(&c);
    if (!q || !prog_verify(q, err, sizeof err)) {
        fprintf(stderr, "leadvm: --only: %s\n", err);
        prog_free(q);
        return NULL;
    }
    *fn = 0;           /* the define comes first */
    if (!rt_compile_patterns(q, err, sizeof err)) {
        fprintf(stderr, "leadvm: --only: %s\n", err);
        prog_free(q);
        return NULL;
    }
    return q;
}

static int32_t today_utc(void)
{
    time_t t = time(NULL);
    return (int32_t)(t / 86400 - (t % 86400 < 0));
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 1) return usage_error("info takes one program (.leadc, or .lead compiled in memory)");
    Prog *p = load_program(argv[0], NULL, 0);
    if (!p) return 2;
    char d[VAL_FMT_MAX];
    printf("definition:  %s\n", p->def_name.len ? p->def_name.p : "(none)");
    if (p->has_version) { val_format_number(p->version, d); printf("version:     %s\n", d); }
    for (uint32_t i = 0; i < p->nowners; i++) printf("owner:       %s\n", p->owners[i].p);
    if (p->has_approved) { val_format_date(p->approved, d); printf("approved:    %s\n", d); }
    printf("source:      %s\n", p->source.p);
    printf("format:      lead bytecode version %d\n", BC_VERSION);
    static const char *tn[] = { "", "text", "number", "bool", "date", "time", "level", "class" };
    printf("record:      %s, key %s\n", p->record_name.p, p->fields[p->key].name.p);
    for (uint32_t i = 0; i < p->nfields; i++)
        printf("  field %-20s %-7s column \"%s\"\n", p->fields[i].name.p, tn[p->fields[i].type.kind], p->fields[i].column.p);
    for (uint32_t s = 0; s < p->nstreams; s++) {
        printf("events:      %s, match %s\n", p->streams[s].name.p, p->streams[s].fields[p->streams[s].key].name.p);
        for (uint32_t i = 0; i < p->streams[s].nfields; i++)
            printf("  field %-20s %-7s column \"%s\"\n", p->streams[s].fields[i].name.p,
                   tn[p->streams[s].fields[i].type.kind], p->streams[s].fields[i].column.p);
    }
    printf("outputs:     %s, lead", p->fields[p->key].name.p);
    if (p->score_fn >= 0) printf(", score");
    for (uint32_t c = 0; c < p->nclasses; c++) printf(", %s", p->classes[c].name.p);
    printf("\n");
    for (uint32_t i = 0; i < p->nexterns; i++)
        printf("extern:      %s from \"%s\" symbol %s (needs --allow-native)\n", p->externs[i].name.p,
               p->externs[i].lib.p, p->externs[i].sym.p);
    prog_free(p);
    return 0;
}

/* The option arrays of `run`, freed whatever way it returns. */
typedef struct RunArrays { const char **incdirs, **allow, **keep; RunEvents *events; } RunArrays;

static int run_cmd(int argc, char **argv, RunArrays *ra);

static int cmd_run(int argc, char **argv)
{
    RunArrays ra;
    ra.incdirs = calloc((size_t)argc + 1, sizeof *ra.incdirs);
    ra.allow = calloc((size_t)argc + 1, sizeof *ra.allow);
    ra.keep = calloc((size_t)argc * 64 + 1, sizeof *ra.keep);
    ra.events = calloc((size_t)argc + 1, sizeof *ra.events);
    int st = ra.incdirs && ra.allow && ra.keep && ra.events ? run_cmd(argc, argv, &ra) : 2;
    free(ra.incdirs);
    free(ra.allow);
    free(ra.keep);
    free(ra.events);
    return st;
}

static int run_cmd(int argc, char **argv, RunArrays *ra)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "format", required_argument, NULL, 1 },
        { "input-format", required_argument, NULL, 2 },
        { "events", required_argument, NULL, 3 },
        { "as-of", required_argument, NULL, 4 },
        { "threads", required_argument, NULL, 5 },
        { "keep", required_argument, NULL, 6 },
        { "only", required_argument, NULL, 7 },
        { "explain", no_argument, NULL, 8 },
        { "delimiter", required_argument, NULL, 9 },
        { "reject", required_argument, NULL, 10 },
        { "max-rejects", required_argument, NULL, 11 },
        { "summary", optional_argument, NULL, 12 },
        { "allow-native", required_argument, NULL, 13 },
        { "progress", no_argument, NULL, 14 },
        { "no-progress", no_argument, NULL, 15 },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    RunOpts o = { 0 };
    o.prog_name = "leadvm";
    o.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.threads < 1) o.threads = 1;
    o.as_of = today_utc();
    o.progress = -1;
    o.out_format = -1;
    const char **incdirs = ra->incdirs, **allow = ra->allow;
    uint32_t nincdirs = 0, nallow = 0;
    o.events = ra->events;
    o.keep = ra->keep;
    const char *only = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:I:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'I': incdirs[nincdirs++] = optarg; break;
        case 'h': usage(stdout); return 0;
        case 1:
            if (strcmp(optarg, "csv") == 0) o.out_format = 0;
            else if (strcmp(optarg, "jsonl") == 0) o.out_format = 1;
            else return usage_error("--format must be csv or jsonl, not '%s'", optarg);
            break;
        case 2:
            if (strcmp(optarg, "csv") == 0) o.in_format = 1;
            else if (strcmp(optarg, "jsonl") == 0) o.in_format = 2;
            else return usage_error("--input-format must be csv or jsonl, not '%s'", optarg);
            break;
        case 3: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1]) return usage_error("--events needs NAME=FILE, not '%s'", optarg);
            *eq = 0;
            o.events[o.nevents].name = optarg;
            o.events[o.nevents].path = eq + 1;
            o.nevents++;
            break;
        }
        case 4:
            if (strlen(optarg) != 10 || !val_parse_date(optarg, 10, &o.as_of))
                return usage_error("--as-of needs a date YYYY-MM-DD, not '%s'", optarg);
            break;
        case 5: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) return usage_error("--threads needs a number from 1 to 256, not '%s'", optarg);
            o.threads = (int)n;
            break;
        }
        case 6:
            for (char *save = NULL, *t = strtok_r(optarg, ",", &save); t; t = strtok_r(NULL, ",", &save))
                o.keep[o.nkeep++] = t;
            break;
        case 7: only = optarg; break;
        case 8: o.explain = true; break;
        case 9:
            if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0 || strcmp(optarg, "\t") == 0) o.delim = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n' && optarg[0] != '\r') o.delim = (unsigned char)optarg[0];
            else return usage_error("--delimiter needs one character (or 'tab'), not '%s'", optarg);
            break;
        case 10: o.reject = optarg; break;
        case 11: {
            char *end;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || n < 1 || optarg[0] == '-') return usage_error("--max-rejects needs a positive number, not '%s'", optarg);
            o.max_rejects = n;
            break;
        }
        case 12:
            if (!optarg || strcmp(optarg, "text") == 0) o.summary = 1;
            else if (strcmp(optarg, "json") == 0) o.summary = 2;
            else return usage_error("--summary takes no value or =json, not '%s'", optarg);
            break;
        case 13: allow[nallow++] = optarg; break;
        case 14: o.progress = 1; break;
        case 15: o.progress = 0; break;
        default:
            fputs("Try 'leadvm --help' for more information.\n", stderr);
            return 2;
        }
    }
    if (argc - optind != 2)
        return usage_error("run needs a PROGRAM and an INPUT (got %d operand%s)", argc - optind, argc - optind == 1 ? "" : "s");
    const char *path = argv[optind];
    o.input = argv[optind + 1];
    if (o.out_format < 0) o.out_format = o.out && is_jsonl_name(o.out) ? 1 : 0;
    if (o.in_format == 0) o.in_format = is_jsonl_name(o.input) ? 2 : 1;
    if (o.out && o.reject && strcmp(o.out, o.reject) == 0) return usage_error("-o and --reject name the same file");
    if (o.max_rejects && !o.reject) return usage_error("--max-rejects needs --reject FILE");
    if (o.reject && strcmp(o.reject, "-") == 0)
        return usage_error("--reject needs a file: standard output holds the results");

    Prog *p = load_program(path, incdirs, nincdirs);
    if (!p) return 2;
    if (!prepare_runtime(p, path, allow, nallow)) { prog_free(p); return 2; }
    if (only) {
        o.only = compile_only(p, only, &o.only_fn);
        if (!o.only) { prog_free(p); return 2; }
    }
    int st = run_program(p, &o);
    prog_free(o.only);
    prog_free(p);
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage_error("no command given (run or info)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) { usage(stdout); return 0; }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) { printf("leadvm (lead) %s\n", PACKAGE_VERSION); return 0; }
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0) return cmd_info(argc - 2, argv + 2);
    return usage_error("unknown command '%s' (commands: run, info)", argv[1]);
}
