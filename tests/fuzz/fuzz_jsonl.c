/* fuzz_jsonl: JSON-lines input.  The line chunker reads the input in tiny
 * blocks (8 to 71 bytes) and in one block (64 KiB; the default 1 MiB for
 * bigger inputs), and both reads must hand out the same lines with the
 * same numbers; each line is parsed against a fixed record (every field
 * type, a renamed column, a --keep key) and the program is evaluated on the
 * cells, as leadvm would.  As in fuzz_csv, a read or decompression error
 * may cut either read shorter; the shorter must then be a prefix of the
 * longer. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "jsonl.h"
#include "rtinit.h"
#include "value.h"

static const char program[] =
    "record contact key id {\n"
    "  id:      text\n"
    "  email:   text\n"
    "  revenue: number from \"Annual Revenue\"\n"
    "  active:  bool\n"
    "  created: date\n"
    "  seen:    time\n"
    "  tier:    level(Low, Mid, High)\n"
    "}\n"
    "define big = revenue >= 10 and active\n"
    "define fresh = created within last 30 days or seen within last 7 days\n"
    "define mail = lower(domain(email))\n"
    "lead when big or fresh or mail = \"x.com\" or tier >= Mid\n"
    "score {\n"
    "  +1 when big\n"
    "  +2 per revenue, at most 10\n"
    "}\n"
    "classify grade {\n"
    "  A when score > 5\n"
    "  otherwise B\n"
    "}\n";

static Prog *prog;
static VmCtx *vm;
static const char *keep[] = { "note", "ID" };

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_jsonl: %s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

typedef struct Digest { uint64_t h, lines; uint64_t *hist; bool read_error; } Digest;
static void mix(Digest *d, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) { d->h ^= s[i]; d->h *= 1099511628211u; }
}

static void parse_line(const JsonSchema *js, JsonRow *jr, const char *s, size_t n)
{
    char why[300];
    if (!jsonl_parse(jr, js, s, n, why, sizeof why)) {
        CHECK(why[0] != 0);
        return;
    }
    volatile unsigned sum = 0;
    for (uint32_t i = 0; i < jr->ncells; i++)
        for (uint32_t k = 0; jr->cells[i].p && k < jr->cells[i].len; k++) sum += (unsigned char)jr->cells[i].p[k];
    (void)sum;
    vm_record(vm, jr->cells, NULL);
    fz_eval_outputs(prog, vm);
}

static Digest read_all(const uint8_t *data, size_t size, size_t block, bool parse)
{
    static int fd = -1;
    Digest d = { 14695981039346656037u, 0, NULL, false };
    char err[512];
    InSrc *src = in_open(fz_memfd_path(&fd, data, size), err, sizeof err);
    if (!src) { fprintf(stderr, "fuzz_jsonl: in_open: %s\n", err); abort(); }
    LineChunker *c = lines_open(src, block, err, sizeof err);
    if (!c) { mix(&d, err, strlen(err)); return d; }
    JsonSchema js = { prog->fields, prog->nfields, keep, 2 };
    JsonRow jr;
    jsonl_row_init(&jr, &js);
    int64_t last = 0;
    for (;;) {
        CsvBlock b;
        int64_t errline = 0;
        int r = lines_next_block(c, &b, &errline, err, sizeof err);
        if (r < 0) {
            d.read_error = errline == 0;
            mix(&d, err, strlen(err));
            mix(&d, &errline, sizeof errline);
            break;
        }
        if (r == 0) break;
        CHECK(b.line > last);
        LineCursor cur;
        lines_cursor_init(&cur, &b);
        const char *s;
        size_t n;
        int64_t line;
        while (lines_next(&cur, &s, &n, &line)) {
            CHECK(line > last);
            last = line;
            CHECK(s >= b.data && n <= b.len && (size_t)(s - b.data) <= b.len - n);
            CHECK(memchr(s, '\n', n) == NULL);
            mix(&d, &line, sizeof line);
            mix(&d, s, n);
            uint64_t *nh = realloc(d.hist, (d.lines + 1) * sizeof *nh);
            if (!nh) abort();
            d.hist = nh;
            d.hist[d.lines++] = d.h;
            if (parse) parse_line(&js, &jr, s, n);
        }
        lines_release_block(c, &b);
    }
    jsonl_row_free(&jr);
    lines_close(c);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    if (!prog) {
        prog = fz_compile("jsonl.lead", program, sizeof program - 1, false);
        char err[300];
        if (!rt_compile_patterns(prog, err, sizeof err)) abort();
        vm = vm_new(prog, val_days_from_civil(2026, 1, 10));
    }
    Digest small = read_all(data, size, 8 + size % 64, false);
    Digest whole = read_all(data, size, size < 65536 ? 65536 : 0, true);
    bool same = small.h == whole.h && small.lines == whole.lines;
    if (!same && (small.read_error || whole.read_error)) {
        uint64_t k = small.lines < whole.lines ? small.lines : whole.lines;
        same = k == 0 || small.hist[k - 1] == whole.hist[k - 1];
    }
    if (!same) {
        fprintf(stderr, "fuzz_jsonl: reading in %zu-byte blocks gives %llu lines, in one block %llu lines%s\n",
                8 + size % 64, (unsigned long long)small.lines, (unsigned long long)whole.lines,
                small.lines == whole.lines ? " (but different ones)" : "");
        abort();
    }
    free(small.hist);
    free(whole.hist);
    return 0;
}
