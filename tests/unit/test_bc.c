/* Unit tests for the bytecode file and its verifier (runtime/bc.c,
 * runtime/prog.c; TOOLS.md "The bytecode file").
 *
 * Real programs come from source text through the compiler, several of
 * them so that every opcode family appears.  Then:
 *   - round trip: write, read, verify, write gives the same bytes, and the
 *     disassembly of the original and the reloaded program is the same;
 *   - a table of hand-made bad files, one per check of the reader and the
 *     verifier: each is a decoded program changed in one place (or a file
 *     patched in one place) and re-sealed with bc_seal, so the checksum
 *     passes and the structural check fires on its own (DESIGN.md "Tests
 *     and ../shared"); the message must name the problem;
 *   - every truncation of every real file, as is and re-sealed;
 *   - thousands of random byte changes, with the broken checksum and
 *     re-sealed: each is refused, or it verifies and then runs in the VM
 *     over a few records without crashing, hanging or reading outside a
 *     buffer (the sanitizer build checks the last two).
 * Every file image lives in a buffer of exactly its size, so ASan sees a
 * read one byte past the end. */
#include "config.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bc.h"
#include "builtins.h"
#include "compile.h"
#include "disasm.h"
#include "gen.h"
#include "opcodes.h"
#include "prog.h"
#include "rtinit.h"
#include "value.h"
#include "vm.h"

/* ck_assert logs every check that passes (a write each, in fork mode), which
 * dominates loops over many generated cases; those use MUST, which acts only
 * on failure. */
#define MUST(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* TEST_BC_SEED=N changes the random changes, for longer hunts. */
static uint64_t seed_of(uint64_t base)
{
    const char *e = getenv("TEST_BC_SEED");
    return base ^ (e ? strtoull(e, NULL, 10) * 0x9E3779B97F4A7C15ull : 0);
}

static uint64_t rnd(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1Dull;
}

/* ---- the programs -------------------------------------------------------------------- */

/* Records with every type, two level types, two classifications (one
 * without `otherwise`), named sets and lists, a regular expression, defines
 * with parameters, every built-in family, text and level conversions. */
static const char P_RECORD[] =
    "definition \"bytecode test: record\" version 2.5\n"
    "owner \"Marketing\"\n"
    "owner \"Sales \\\"Ops\\\"\"\n"
    "approved 2026-01-15\n"
    "record contact key id {\n"
    "  id:        text\n"
    "  email:     text\n"
    "  title:     text\n"
    "  seniority: level(Staff, Manager, Director, VP, \"C-Level\")\n"
    "  band:      level(Low, High)\n"
    "  revenue:   number from \"Annual Revenue\"\n"
    "  employees: number\n"
    "  active:    bool\n"
    "  created:   date\n"
    "  seen:      time\n"
    "  country:   text\n"
    "}\n"
    "set north_america = [\"US\", \"CA\", \"MX\"]\n"
    "set sizes = [10, 50, 250.5]\n"
    "define senior = seniority >= Director and seniority != \"C-Level\" and seniority < \"c-level\"\n"
    "define big(x: number, least: number) -> bool = x > least and x <= 1e12 or x = least * 2 or x != -x\n"
    "define recent = created within last 30 days or seen within last 2 weeks or seen within last 36 hours\n"
    "define mail_ok = email contains \"@\" and not (email ends with \".invalid\") and email starts with \"a\"\n"
    "  and email contains title and email starts with country and email ends with title\n"
    "define title_hit = title matches \"chief|head|\\bvp\\b\"\n"
    "define same_text = title = country or title != email or lower(trim(title)) = \"ceo\"\n"
    "define in_lists = country in north_america or country not in [\"DE\", \"FR\"] or employees in sizes\n"
    "  or employees in [1, 2, 3] or seniority in [Manager, VP] or created in [2026-01-01, 2026-02-01]\n"
    "  or seen in [2026-01-01T10:00:00Z] or band in [High]\n"
    "define level_text = seniority = title and band = country and band > Low\n"
    "define conv = text(seniority) = \"VP\" and text(revenue) != \"3\" and text(active) = \"true\"\n"
    "  and text(created) != \"\" and text(seen) != \"\" and length(title) > 2\n"
    "  and domain(email) = \"x.com\" and local_part(email) != \"\" and upper(email) != \"\"\n"
    "define nums = days_since(created) + days_since(seen) + year(created) - month(seen) * day(seen) / 2\n"
    "  - -abs(revenue) + coalesce(revenue, employees, 0) + max(1, 2, revenue) + min(revenue, 3)\n"
    "  + round(revenue) + floor(revenue) + ceil(revenue) + number(\"12\") + year(seen) + month(created) + day(created)\n"
    "define dates = created < seen and created = 2026-01-01 and seen >= 2026-01-01T10:00:00Z\n"
    "  and created between 2025-01-01 and today() and seen > created and coalesce(created, today()) > 2020-01-01\n"
    "define flags = active = true and active != false and not active or active is missing or email is present\n"
    "define pick = if active then revenue else if employees > 10 then employees else 0\n"
    "define gtext = grade = \"A\" and grade in [A, B] and grade != B and text(grade) = \"x\"\n"
    "define stage_of(n: number) = if n > 5 then \"big\" else \"small\"\n"
    "lead when senior and big(revenue, 1M) and (recent or mail_ok) and title_hit is present\n"
    "score {\n"
    "  +10 when senior\n"
    "  +2 per employees, at most 50\n"
    "  -5 when title_hit\n"
    "  +1 per nums\n"
    "  limit 0 to 100\n"
    "}\n"
    "classify grade {\n"
    "  A when score >= 60\n"
    "  B when score >= 40 and level_text\n"
    "  otherwise C\n"
    "}\n"
    "classify tier {\n"
    "  top when grade = A and stage_of(revenue) = \"big\"\n"
    "  low when in_lists or conv or dates or flags or pick > 3 or gtext or same_text\n"
    "}\n";

/* Two streams (one without a time field), aggregates of every kind and
 * window, a where body with a parameter, for-each lines with half lives. */
static const char P_EVENTS[] =
    "definition \"bytecode test: events\"\n"
    "record user key id {\n"
    "  id:      text\n"
    "  country: text\n"
    "  tier:    level(Low, Mid, High)\n"
    "}\n"
    "events ev match uid {\n"
    "  uid:    text\n"
    "  kind:   text\n"
    "  amount: number\n"
    "  at:     time\n"
    "  day:    date\n"
    "  lvl:    level(Low, Mid, High)\n"
    "  ok:     bool\n"
    "}\n"
    "events notes match uid {\n"
    "  uid:  text\n"
    "  note: text\n"
    "  size: number\n"
    "}\n"
    "define c1 = count(ev) + count(ev where kind = \"a\") + count(ev during last 7 days)\n"
    "  + count(ev during any day) + count(ev during any 3 days)\n"
    "define c2 = count(distinct ev.kind) + count(distinct ev.amount during any 2 days)\n"
    "  + count(distinct ev.kind during any day) + sum(ev.amount) + sum(ev.amount during any day)\n"
    "  + sum(ev.amount during any 12 hours) + sum(ev.amount during last 1 week) + coalesce(average(ev.amount), 0)\n"
    "define c3 = min(ev.amount) + max(ev.amount where kind = \"x\" and ok) + max(notes.size)\n"
    "define c4 = min(ev.day) < max(ev.day) and min(ev.lvl) <= max(ev.lvl) and latest(ev.kind) = \"a\"\n"
    "  and earliest(ev.at) < latest(ev.at) and min(ev.at) <= max(ev.at) and latest(ev.lvl) >= tier\n"
    "  and earliest(ev.ok) = true\n"
    "define c5 = any(ev where amount > 1) or none(ev during last 1 day) or any(notes where note contains country)\n"
    "define per_kind(k: text) = count(ev where kind = k and uid = id)\n"
    "define has_notes = any(notes where size > 2)\n"
    "define nested = count(ev where has_notes and kind = \"b\") > 0\n"
    "lead when c1 > 0 or per_kind(\"a\") > 1 or c4 or c5 or nested\n"
    "score {\n"
    "  +3 for each ev where kind = \"click\" during last 30 days, half life 7 days, at most 20\n"
    "  +1 for each ev during any 7 days\n"
    "  +2 for each notes\n"
    "  +0.5 for each ev, half life 2 days\n"
    "  +1 per c2\n"
    "  +1 per c3, at most 10\n"
    "}\n"
    "classify band {\n"
    "  hot when score > 10\n"
    "  warm when c1 > 2\n"
    "  otherwise cold\n"
    "}\n";

/* Externs of every parameter and result type (never loaded here: their
 * calls give missing). */
static const char P_EXTERN[] =
    "record r key id {\n"
    "  id:   text\n"
    "  x:    number\n"
    "  name: text\n"
    "  flag: bool\n"
    "}\n"
    "extern function cosine(x: number) -> number from \"libm.so.6\" symbol \"cos\"\n"
    "extern function hyp(x: number, y: number) -> number from \"libm.so.6\" symbol \"hypot\"\n"
    "extern function env(name: text) -> text from \"libc.so.6\" symbol \"getenv\"\n"
    "extern function tty(fd: bool) -> bool from \"libc.so.6\" symbol \"isatty\"\n"
    "define c = cosine(x) > 0.5 and hyp(x, x) < 3 and env(name) = \"x\" or tty(flag)\n"
    "lead when c\n";

/* The stdlib modules: big sets and a define that computes a level from
 * text. */
static const char P_MODULES[] =
    "use freemail\n"
    "use regions\n"
    "use titles\n"
    "record c key id {\n"
    "  id:      text\n"
    "  email:   text\n"
    "  title:   text\n"
    "  country: text\n"
    "}\n"
    "lead when not is_freemail(email) and region(country) in [\"NA\", \"EMEA\"] and title_level(title) >= Director\n";

static const char P_TINY[] =
    "record r key id { id: text }\n"
    "lead when id = \"x\"\n";

enum { PR_RECORD, PR_EVENTS, PR_EXTERN, PR_MODULES, PR_TINY, NPROGS };
static const char *const SOURCES[NPROGS] = { P_RECORD, P_EVENTS, P_EXTERN, P_MODULES, P_TINY };
static const char *const NAMES[NPROGS] = { "record", "events", "extern", "modules", "tiny" };

static const int32_t AS_OF = 20480;        /* 2026-01-27 */

/* Compile source text to a verified program. */
static Prog *compile_text(const char *name, const char *src, char *err, size_t errlen)
{
    static const char *dirs[] = { LEAD_SRC_STDLIB };
    Compilation c = { 0 };
    CompOptions o = { dirs, 1 };
    comp_source(&c, name, src, strlen(src), &o);
    if (diag_errors(&c.diags)) {
        diag_print(&c.diags, stderr, DF_TEXT, false);
        snprintf(err, errlen, "%s does not compile", name);
        comp_free(&c);
        return NULL;
    }
    Prog *p = gen_program(&c, false, err, errlen);
    comp_free(&c);
    return p;
}

static Prog *compile_ok(const char *name, const char *src)
{
    char err[512];
    Prog *p = compile_text(name, src, err, sizeof err);
    MUST(p, "%s", err);
    MUST(prog_verify(p, err, sizeof err), "%s does not verify: %s", name, err);
    return p;
}

/* The file images of the programs, made once before the tests fork. */
static uint8_t *img[NPROGS], *img_strip[NPROGS];
static size_t img_len[NPROGS], img_strip_len[NPROGS];

static void setup_images(void)
{
    for (int i = 0; i < NPROGS; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.lead", NAMES[i]);
        Prog *p = compile_ok(name, SOURCES[i]);
        img[i] = bc_write(p, false, &img_len[i]);
        img_strip[i] = bc_write(p, true, &img_strip_len[i]);
        prog_free(p);
    }
}

/* Does msg contain the pieces of want, split at '*', in order? */
static bool says(const char *msg, const char *want)
{
    char piece[256];
    const char *at = msg;
    while (*want) {
        size_t n = strcspn(want, "*");
        MUST(n < sizeof piece, "pattern too long");
        memcpy(piece, want, n);
        piece[n] = 0;
        const char *hit = strstr(at, piece);
        if (!hit) return false;
        at = hit + n;
        want += n;
        if (*want == '*') want++;
    }
    return true;
}

static void teardown_images(void)
{
    for (int i = 0; i < NPROGS; i++) { free(img[i]); free(img_strip[i]); }
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    MUST(c, "out of memory");
    if (n) memcpy(c, b, n);
    return c;
}

/* Read an image into an unverified program (it must read). */
static Prog *read_img(int i)
{
    char err[512];
    Prog *p = bc_read(img[i], img_len[i], err, sizeof err);
    MUST(p, "%s: %s", NAMES[i], err);
    return p;
}

static char *disasm_text(const Prog *p)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    MUST(f, "open_memstream");
    disasm_print(p, f);
    fclose(f);
    return s;
}

/* Set the size field to len and recompute the checksum. */
static void reseal(uint8_t *b, size_t len)
{
    if (len < BC_HEADER) return;
    for (int k = 0; k < 8; k++) b[16 + k] = (uint8_t)((uint64_t)len >> (8 * k));
    bc_seal(b, len);
}

/* ---- walking the code ------------------------------------------------------------------ */

static uint32_t ins_len(const PFunc *f, uint32_t pc)
{
    uint32_t len = 1;
    for (const char *s = lead_opinfo[f->code[pc]].operands; *s; s++) {
        if (*s == ' ') continue;
        if (*s == 'R') { s++; len++; continue; }
        if (*s == 'V') { len += 1 + f->code[pc + len]; continue; }
        len++;
    }
    return len;
}

typedef struct Ins { PFunc *f; uint32_t fi, pc; uint32_t *w; } Ins;

typedef bool (*InsPred)(const Prog *p, const Ins *in);

/* The first instruction op (in function order) that pred accepts. */
static Ins find_ins(Prog *p, uint32_t op, InsPred pred)
{
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        PFunc *f = &p->funcs[fi];
        for (uint32_t pc = 0; pc < f->ncode; pc += ins_len(f, pc)) {
            if (f->code[pc] != op) continue;
            Ins in = { f, fi, pc, &f->code[pc] };
            if (!pred || pred(p, &in)) return in;
        }
    }
    ck_abort_msg("no %s instruction to change", lead_opinfo[op].name);
    return (Ins){ 0 };
}

static int32_t find_fn(const Prog *p, uint8_t kind, const char *name)
{
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (p->funcs[i].kind == kind && (!name || strcmp(p->funcs[i].name.p, name) == 0)) return (int32_t)i;
    ck_abort_msg("no function %s of kind %u", name ? name : "", kind);
    return -1;
}

/* A new register of type t in f (never written: it reads as missing). */
static uint32_t add_reg(Prog *p, PFunc *f, PType t)
{
    PType *r = arena_alloc(&p->arena, (f->nregs + 1) * sizeof *r);
    memcpy(r, f->rtypes, f->nregs * sizeof *r);
    r[f->nregs] = t;
    f->rtypes = r;
    return f->nregs++;
}

static uint32_t add_int(Prog *p, int64_t x)
{
    int64_t *v = arena_alloc(&p->arena, (p->nints + 1) * sizeof *v);
    memcpy(v, p->ints, p->nints * sizeof *v);
    v[p->nints] = x;
    p->ints = v;
    return p->nints++;
}

static const PType T_NUM = { PT_NUMBER, 0 }, T_TEXT = { PT_TEXT, 0 }, T_BOOL = { PT_BOOL, 0 },
                   T_DATE = { PT_DATE, 0 }, T_LEVEL0 = { PT_LEVEL, 0 };

static PType rt(const Ins *in, uint32_t k) { return in->f->rtypes[in->w[k]]; }

/* The register stack and call depth one call of f needs, computed the
 * plain way (recursion over the call graph, which the verifier has found
 * acyclic): its frame, and above it the larger of its largest argument list
 * (BUILTIN, EXTERN, CALL and AGG copy arguments there) and its callees'
 * need, an aggregate's where body counting as a callee.  The VM allocates
 * some slack beyond max_regs, so only this comparison shows a wrong
 * bound. */
static void frame_need(const Prog *p, uint32_t fi, uint32_t *regs, uint32_t *depth)
{
    if (depth[fi]) return;
    const PFunc *f = &p->funcs[fi];
    uint32_t above = 0, d = 0;
    for (uint32_t pc = 0; pc < f->ncode; pc += ins_len(f, pc)) {
        uint32_t op = f->code[pc];
        int64_t callee = -1;
        if (op == OP_CALL || op == OP_BUILTIN || op == OP_EXTERN || op == OP_AGG)
            if (f->code[pc + 3] > above) above = f->code[pc + 3];
        if (op == OP_CALL) callee = f->code[pc + 2];
        if (op == OP_AGG) callee = p->aggs[f->code[pc + 2]].where;
        if (callee < 0) continue;
        frame_need(p, (uint32_t)callee, regs, depth);
        if (regs[callee] > above) above = regs[callee];
        if (depth[callee] > d) d = depth[callee];
    }
    regs[fi] = f->nregs + above;
    depth[fi] = d + 1;
}

static void check_frame_bounds(const Prog *p)
{
    uint32_t *regs = calloc(p->nfuncs + 1, sizeof *regs), *depth = calloc(p->nfuncs + 1, sizeof *depth);
    MUST(regs && depth, "out of memory");
    uint32_t maxr = 0, maxd = 0;
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        frame_need(p, fi, regs, depth);
        if (regs[fi] > maxr) maxr = regs[fi];
        if (depth[fi] > maxd) maxd = depth[fi];
    }
    free(regs);
    free(depth);
    MUST(p->max_regs == maxr, "max_regs %u, but a call chain needs %u registers", p->max_regs, maxr);
    MUST(p->max_depth == maxd, "max_depth %u, but calls nest %u deep", p->max_depth, maxd);
}

/* ---- round trip ---------------------------------------------------------------------------- */

START_TEST(programs_cover_every_opcode)
{
    uint8_t seen[OP__COUNT] = { 0 };
    for (int i = 0; i < NPROGS; i++) {
        Prog *p = read_img(i);
        for (uint32_t fi = 0; fi < p->nfuncs; fi++)
            for (uint32_t pc = 0; pc < p->funcs[fi].ncode; pc += ins_len(&p->funcs[fi], pc))
                seen[p->funcs[fi].code[pc]] = 1;
        prog_free(p);
    }
    /* the compiler never emits JMISS; hand_made_jmiss_runs covers it */
    for (int op = 0; op < OP__COUNT; op++)
        if (op != OP_JMISS) ck_assert_msg(seen[op], "no test program uses %s", lead_opinfo[op].name);
}
END_TEST

START_TEST(round_trip)
{
    int i = _i / 2;
    bool strip = _i % 2;
    const uint8_t *a = strip ? img_strip[i] : img[i];
    size_t alen = strip ? img_strip_len[i] : img_len[i];
    char err[512];
    uint8_t *buf = dup_bytes(a, alen);
    Prog *q = bc_read(buf, alen, err, sizeof err);
    free(buf);
    ck_assert_msg(q, "%s: %s", NAMES[i], err);
    ck_assert_msg(prog_verify(q, err, sizeof err), "%s: %s", NAMES[i], err);
    check_frame_bounds(q);
    size_t blen;
    uint8_t *b = bc_write(q, strip, &blen);
    ck_assert_uint_eq(alen, blen);
    ck_assert_msg(memcmp(a, b, alen) == 0, "%s: rewriting the read program changes its bytes", NAMES[i]);
    free(b);

    /* the listing of the compiled program and of the reloaded one */
    char name[64];
    snprintf(name, sizeof name, "%s.lead", NAMES[i]);
    Prog *p = compile_ok(name, SOURCES[i]);
    char *d1 = disasm_text(p), *d2 = disasm_text(q);
    if (strip) {
        /* a stripped file has no line table: compare with a stripped build */
        for (uint32_t k = 0; k < p->nfuncs; k++) { p->funcs[k].nlines = 0; p->funcs[k].line = 0; }
        free(d1);
        d1 = disasm_text(p);
    } else
        ck_assert_msg(strstr(d1, "line "), "%s: no source lines in the listing", NAMES[i]);
    if (strcmp(d1, d2) != 0) {
        size_t k = 0, line = 1;
        for (; d1[k] && d1[k] == d2[k]; k++) line += d1[k] == '\n';
        ck_abort_msg("%s: the listings differ from line %zu: \"%.60s\" / \"%.60s\"", NAMES[i], line, d1 + k, d2 + k);
    }
    free(d1); free(d2);

    /* bc_load (read, verify, prepare) takes it too */
    Prog *r = bc_load(a, alen, err, sizeof err);
    ck_assert_msg(r, "%s", err);
    ck_assert(r->verified);
    prog_free(r);
    prog_free(p);
    prog_free(q);
}
END_TEST

/* The header fields as written. */
START_TEST(header_fields)
{
    Prog *p = read_img(PR_RECORD);
    ck_assert_str_eq(p->def_name.p, "bytecode test: record");
    ck_assert(p->has_version && p->version == 2.5);
    ck_assert_uint_eq(p->nowners, 2);
    ck_assert_str_eq(p->owners[1].p, "Sales \"Ops\"");
    ck_assert(p->has_approved);
    char d[VAL_FMT_MAX];
    val_format_date(p->approved, d);
    ck_assert_str_eq(d, "2026-01-15");
    ck_assert_uint_eq(img[PR_RECORD][12], 0);
    ck_assert_uint_eq(img_strip[PR_RECORD][12], BC_FLAG_STRIP);
    prog_free(p);
}
END_TEST

/* ---- hand-made bad files: the verifier ------------------------------------------------------------ */

/* Each entry changes a decoded program in one place; the file written from
 * it (sealed, so the checksum passes) must be refused with a message that
 * contains `want` (where `*` stands for any text). */
typedef void (*Mutate)(Prog *p);
typedef struct BadProg { const char *name; int prog; Mutate mut; const char *want; } BadProg;

#define MUT(name) static void name(Prog *p)

/* -- the program as a whole */
MUT(m_version_nan) { p->version = NAN; }
MUT(m_approved_range) { p->approved = 4000000; }
MUT(m_key_range) { p->key = (int32_t)p->nfields; }
MUT(m_key_negative) { p->key = -1; }
MUT(m_field_type) { p->fields[1].type.kind = 0; }
MUT(m_field_level_id) { p->fields[3].type = (PType){ PT_LEVEL, (uint16_t)p->nlevels }; }
MUT(m_stream_field_type) { p->streams[0].fields[2].type.kind = 8; }
MUT(m_stream_key) { p->streams[0].key = (int32_t)p->streams[0].nfields; }
MUT(m_stream_time_kind) { p->streams[0].time = 2; }           /* amount: a number */
MUT(m_stream_time_range) { p->streams[0].time = 99; }
MUT(m_extern_ptype) { p->externs[0].ptypes[0] = PT_DATE; }
MUT(m_extern_rtype) { p->externs[2].rtype = PT_LEVEL; }
MUT(m_memo_twice) { p->funcs[2].memo = p->funcs[0].memo; }
MUT(m_lead_kind) { p->lead_fn = p->score_fn; }
MUT(m_lead_range) { p->lead_fn = (int32_t)p->nfuncs; }
MUT(m_score_kind) { p->score_fn = p->lead_fn; }
MUT(m_score_range) { p->score_fn = -2; }
MUT(m_class_fn) { int32_t t = p->class_fns[0]; p->class_fns[0] = p->class_fns[1]; p->class_fns[1] = t; }
MUT(m_class_fn_range) { p->class_fns[1] = (int32_t)p->nfuncs + 5; }
MUT(m_cline_label) { p->clines[0].label = 99; }
MUT(m_cline_cls) { p->clines[1].cls = p->nclasses; }
MUT(m_sline_kind) { p->slines[1].kind = SL_KIND_FOREACH + 1; }
MUT(m_sline_points) { p->slines[0].n = INFINITY; }
MUT(m_explain_range) { p->explain[0].fn = (int32_t)p->nfuncs; }
MUT(m_explain_params) { p->explain[0].fn = find_fn(p, FK_FUNCTION, "big"); }
MUT(m_explain_where) { p->explain[0].fn = find_fn(p, FK_WHERE, NULL); }

/* -- aggregates (the events program) */
static PAgg *agg_of(Prog *p, uint8_t kind, uint8_t win, bool with_where)
{
    for (uint32_t i = 0; i < p->naggs; i++)
        if (p->aggs[i].kind == kind && p->aggs[i].win == win && (p->aggs[i].where >= 0) == with_where) return &p->aggs[i];
    ck_abort_msg("no aggregate of kind %u window %u", kind, win);
    return NULL;
}
MUT(m_agg_kind) { p->aggs[0].kind = PA_FOREACH + 1; }
MUT(m_agg_stream) { p->aggs[0].stream = (int32_t)p->nstreams; }
MUT(m_agg_count_field) { agg_of(p, PA_COUNT, PW_NONE, false)->field = 0; }
MUT(m_agg_sum_field) { agg_of(p, PA_SUM, PW_NONE, false)->field = 99; }
MUT(m_agg_sum_text) { agg_of(p, PA_SUM, PW_NONE, false)->field = 1; }
MUT(m_agg_min_text) { agg_of(p, PA_MIN, PW_NONE, false)->field = 1; }
MUT(m_agg_where_range) { agg_of(p, PA_COUNT, PW_NONE, true)->where = (int32_t)p->nfuncs; }
MUT(m_agg_where_kind) { agg_of(p, PA_COUNT, PW_NONE, true)->where = p->lead_fn; }
MUT(m_agg_where_stream)
{
    PAgg *a = agg_of(p, PA_COUNT, PW_NONE, true);
    p->funcs[a->where].stream = 1;
}
MUT(m_agg_window) { agg_of(p, PA_COUNT, PW_LAST, false)->win = PW_ANY + 1; }
MUT(m_agg_window_no_time)
{
    PAgg *a = agg_of(p, PA_SUM, PW_NONE, false);
    a->stream = 1;          /* notes: no time field */
    a->field = 2;
    a->win = PW_LAST;
    a->win_us = 1;
}
MUT(m_agg_window_len) { agg_of(p, PA_COUNT, PW_LAST, false)->win_us = 0; }
MUT(m_agg_window_len_neg) { agg_of(p, PA_COUNT, PW_ANY, false)->win_us = -5; }
MUT(m_agg_during_any)
{
    PAgg *a = agg_of(p, PA_MIN, PW_NONE, false);
    a->win = PW_ANY;
    a->win_us = 1000;
}
MUT(m_agg_latest_no_time)
{
    PAgg *a = agg_of(p, PA_LATEST, PW_NONE, false);
    a->stream = 1;
    a->field = 1;
}
MUT(m_agg_half_neg) { p->aggs[0].half_us = -1; }
MUT(m_agg_half_kind) { agg_of(p, PA_COUNT, PW_NONE, false)->half_us = 5; }
MUT(m_agg_points) { agg_of(p, PA_FOREACH, PW_NONE, false)->n = NAN; }

/* -- function headers */
MUT(m_fn_nparams) { p->funcs[0].nparams = p->funcs[0].nregs + 1; }
MUT(m_fn_nregs)
{
    PFunc *f = &p->funcs[0];
    PType *r = arena_alloc(&p->arena, (PROG_MAX_REGS + 1) * sizeof *r);
    for (uint32_t i = 0; i <= PROG_MAX_REGS; i++) r[i] = i < f->nregs ? f->rtypes[i] : T_NUM;
    f->rtypes = r;
    f->nregs = PROG_MAX_REGS + 1;
}
MUT(m_fn_regtype) { p->funcs[1].rtypes[1].kind = 0; }
MUT(m_fn_regtype_class) { p->funcs[1].rtypes[0] = (PType){ PT_CLASS, (uint16_t)p->nclasses }; }
MUT(m_fn_result) { p->funcs[0].result.kind = 99; }
MUT(m_fn_kind) { p->funcs[0].kind = FK_EXPLAIN + 1; }
MUT(m_fn_where_stream) { p->funcs[find_fn(p, FK_WHERE, NULL)].stream = (int32_t)p->nstreams; }
MUT(m_fn_where_result)
{
    PFunc *f = &p->funcs[find_fn(p, FK_WHERE, NULL)];
    f->result = T_NUM;
}
MUT(m_fn_stream) { p->funcs[p->lead_fn].stream = 0; }
MUT(m_fn_memo_range) { p->funcs[0].memo = (int32_t)p->nmemo; }
MUT(m_fn_memo_neg) { p->funcs[0].memo = -2; }
MUT(m_fn_memo_params) { p->funcs[find_fn(p, FK_FUNCTION, "big")].memo = 0; }
MUT(m_fn_no_code) { p->funcs[3].ncode = 0; }
MUT(m_fn_lines_order)
{
    PFunc *f = &p->funcs[3];
    MUST(f->nlines >= 2, "function 3 has %u line entries", f->nlines);
    f->lines[2] = f->lines[0];
    f->lines[0] = f->lines[2] + 1;
}
MUT(m_fn_lines_past) { PFunc *f = &p->funcs[3]; f->lines[2 * (f->nlines - 1)] = f->ncode; }

/* -- instructions */
MUT(m_op_unknown) { p->funcs[0].code[0] = OP__COUNT; }
MUT(m_op_unknown_big) { p->funcs[0].code[0] = 0xFFFFFFFFu; }
MUT(m_op_cut_in_args)
{
    Ins in = find_ins(p, OP_CALL, NULL);
    in.f->ncode = in.pc + 3;       /* the argument count would be the next word */
    in.f->nlines = 0;
}
MUT(m_op_too_many_args) { Ins in = find_ins(p, OP_BUILTIN, NULL); in.w[3] = PROG_MAX_ARGS + 1; }
MUT(m_op_args_past_end)
{
    /* the argument list would end one word past the code */
    Ins in = find_ins(p, OP_BUILTIN, NULL);
    uint32_t n = in.f->ncode - in.pc - 3;
    MUST(n <= PROG_MAX_ARGS, "function too long for this change");
    in.w[3] = n;
}
MUT(m_op_cut) { p->funcs[0].ncode--; p->funcs[0].nlines = 0; }
MUT(m_op_no_ret)
{
    PFunc *f = &p->funcs[0];
    MUST(f->code[f->ncode - 2] == OP_RET, "function 0 does not end in RET");
    f->code[f->ncode - 2] = OP_LOADNIL;
}
MUT(m_op_reg_range) { Ins in = find_ins(p, OP_ADD, NULL); in.w[2] = in.f->nregs; }
MUT(m_op_reg_kind) { Ins in = find_ins(p, OP_ADD, NULL); in.w[1] = add_reg(p, in.f, T_BOOL); }
MUT(m_op_k) { Ins in = find_ins(p, OP_LOADK, NULL); in.w[2] = p->nnums; }
MUT(m_op_i) { Ins in = find_ins(p, OP_LOADI, NULL); in.w[2] = p->nints; }
MUT(m_op_s) { Ins in = find_ins(p, OP_LOADS, NULL); in.w[2] = p->ntexts; }
MUT(m_op_s_eqtk) { Ins in = find_ins(p, OP_EQTK, NULL); in.w[3] = p->ntexts + 7; }
MUT(m_op_t) { Ins in = find_ins(p, OP_INSET, NULL); in.w[3] = p->nsets; }
MUT(m_op_x) { Ins in = find_ins(p, OP_MATCH, NULL); in.w[3] = p->nregexes; }
MUT(m_op_l) { Ins in = find_ins(p, OP_T2LEVEL, NULL); in.w[3] = p->nlevels; }
MUT(m_op_c) { Ins in = find_ins(p, OP_CLASS2T, NULL); in.w[3] = p->nclasses; }
MUT(m_op_f) { Ins in = find_ins(p, OP_FIELD, NULL); in.w[2] = p->nfields; }
MUT(m_op_e_outside)
{
    /* a FIELD of the lead condition's code read as an event field */
    Ins in = find_ins(p, OP_FIELD, NULL);
    in.w[0] = OP_EVFIELD;
    in.w[2] = 0;
}
MUT(m_op_e) { Ins in = find_ins(p, OP_EVFIELD, NULL); in.w[2] = p->streams[in.f->stream].nfields; }
static bool is_jnt(const Prog *p, const Ins *in) { (void)p; return in->w[2] > 0; }
MUT(m_op_jump_mid) { Ins in = find_ins(p, OP_JNTRUE, is_jnt); in.w[2]++; }
MUT(m_op_jump_past) { Ins in = find_ins(p, OP_JMP, NULL); in.w[1] = in.f->ncode; }
MUT(m_op_jump_huge) { Ins in = find_ins(p, OP_JFALSE, NULL); in.w[2] = 0xFFFFFFFFu; }
MUT(m_op_u) { Ins in = find_ins(p, OP_CALL, NULL); in.w[2] = p->nfuncs; }
MUT(m_op_b) { Ins in = find_ins(p, OP_BUILTIN, NULL); in.w[2] = lead_nbuiltins; }
MUT(m_op_z) { Ins in = find_ins(p, OP_EXTERN, NULL); in.w[2] = p->nexterns; }
MUT(m_op_a) { Ins in = find_ins(p, OP_AGG, NULL); in.w[2] = p->naggs; }
static bool has_args(const Prog *p, const Ins *in) { (void)p; return in->w[3] > 0; }
MUT(m_op_arg_reg) { Ins in = find_ins(p, OP_CALL, has_args); in.w[4] = in.f->nregs; }
MUT(m_op_loadi_fit) { Ins in = find_ins(p, OP_LOADI, NULL); in.w[2] = add_int(p, INT64_MIN); }
static bool loadi_level(const Prog *p, const Ins *in) { (void)p; return rt(in, 1).kind == PT_LEVEL; }
MUT(m_op_loadi_rank) { Ins in = find_ins(p, OP_LOADI, loadi_level); in.w[2] = add_int(p, (int64_t)p->levels[rt(&in, 1).id].n); }
static bool loadi_class(const Prog *p, const Ins *in) { (void)p; return rt(in, 1).kind == PT_CLASS; }
MUT(m_op_loadi_label) { Ins in = find_ins(p, OP_LOADI, loadi_class); in.w[2] = add_int(p, -1); }
static bool loadi_bool(const Prog *p, const Ins *in) { (void)p; return rt(in, 1).kind == PT_BOOL; }
MUT(m_op_loadi_bool) { Ins in = find_ins(p, OP_LOADI, loadi_bool); in.w[2] = add_int(p, 2); }
static bool loadi_date(const Prog *p, const Ins *in) { (void)p; return rt(in, 1).kind == PT_DATE; }
MUT(m_op_loadi_date) { Ins in = find_ins(p, OP_LOADI, loadi_date); in.w[2] = add_int(p, 3000000); }
static bool loadi_time(const Prog *p, const Ins *in) { (void)p; return rt(in, 1).kind == PT_TIME; }
MUT(m_op_loadi_time) { Ins in = find_ins(p, OP_LOADI, loadi_time); in.w[2] = add_int(p, INT64_MAX); }
MUT(m_op_move)
{
    Ins in = find_ins(p, OP_MOVE, NULL);
    in.w[1] = add_reg(p, in.f, rt(&in, 2).kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_field_type)
{
    Ins in = find_ins(p, OP_FIELD, NULL);
    for (uint32_t k = 0; k < p->nfields; k++)
        if (p->fields[k].type.kind != rt(&in, 1).kind) { in.w[2] = k; return; }
}
MUT(m_op_evfield_type)
{
    Ins in = find_ins(p, OP_EVFIELD, NULL);
    const PStream *s = &p->streams[in.f->stream];
    for (uint32_t k = 0; k < s->nfields; k++)
        if (s->fields[k].type.kind != rt(&in, 1).kind) { in.w[2] = k; return; }
}
MUT(m_op_cmp_types)
{
    Ins in = find_ins(p, OP_LEI, NULL);
    in.w[3] = add_reg(p, in.f, rt(&in, 2).kind == PT_DATE ? T_LEVEL0 : T_DATE);
}
static bool inset_text(const Prog *p, const Ins *in) { return p->sets[in->w[3]].kind == PS_TEXT; }
MUT(m_op_inset_type) { Ins in = find_ins(p, OP_INSET, inset_text); in.w[2] = add_reg(p, in.f, T_NUM); }
static bool inset_num(const Prog *p, const Ins *in) { return p->sets[in->w[3]].kind == PS_NUMBER; }
MUT(m_op_inset_num_int) { Ins in = find_ins(p, OP_INSET, inset_num); in.w[2] = add_reg(p, in.f, T_DATE); }
MUT(m_op_within_type) { Ins in = find_ins(p, OP_WITHIN, NULL); in.w[2] = add_reg(p, in.f, T_LEVEL0); }
MUT(m_op_within_len) { Ins in = find_ins(p, OP_WITHIN, NULL); in.w[3] = add_int(p, 0); }
MUT(m_op_within_neg) { Ins in = find_ins(p, OP_WITHIN, NULL); in.w[3] = add_int(p, INT64_MIN); }
MUT(m_op_t2level) { Ins in = find_ins(p, OP_T2LEVEL, NULL); in.w[3] = 1 - in.w[3]; }
MUT(m_op_level2t) { Ins in = find_ins(p, OP_LEVEL2T, NULL); in.w[3] = 1 - in.w[3]; }
MUT(m_op_class2t) { Ins in = find_ins(p, OP_CLASS2T, NULL); in.w[3] = 1 - in.w[3]; }
MUT(m_op_call_where) { Ins in = find_ins(p, OP_CALL, NULL); in.w[2] = (uint32_t)find_fn(p, FK_WHERE, NULL); }
MUT(m_op_call_explain) { Ins in = find_ins(p, OP_CALL, NULL); in.w[2] = (uint32_t)find_fn(p, FK_EXPLAIN, NULL); }
MUT(m_op_call_nargs) { Ins in = find_ins(p, OP_CALL, has_args); in.w[2] = 0; }
MUT(m_op_call_argtype)
{
    Ins in = find_ins(p, OP_CALL, has_args);
    in.w[4] = add_reg(p, in.f, rt(&in, 4).kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_call_result)
{
    Ins in = find_ins(p, OP_CALL, NULL);
    in.w[1] = add_reg(p, in.f, rt(&in, 1).kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_builtin_types)
{
    Ins in = find_ins(p, OP_BUILTIN, has_args);
    in.w[4] = add_reg(p, in.f, rt(&in, 4).kind == PT_BOOL ? T_DATE : T_BOOL);
}
MUT(m_op_builtin_nargs) { Ins in = find_ins(p, OP_BUILTIN, has_args); in.w[2] = (uint32_t)builtin_find("today", 5); }
MUT(m_op_builtin_result)
{
    Ins in = find_ins(p, OP_BUILTIN, NULL);
    in.w[1] = add_reg(p, in.f, rt(&in, 1).kind == PT_BOOL ? T_DATE : T_BOOL);
}
static bool is_coalesce(const Prog *p, const Ins *in) { (void)p; return strcmp(lead_builtins[in->w[2]].name, "coalesce") == 0; }
MUT(m_op_coalesce_mixed)
{
    Ins in = find_ins(p, OP_BUILTIN, is_coalesce);
    in.w[5] = add_reg(p, in.f, rt(&in, 4).kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_extern_nargs)
{
    /* hyp takes two arguments, cosine one */
    Ins in = find_ins(p, OP_EXTERN, NULL);
    in.w[2] = in.w[2] == 1 ? 0 : 1;
}
MUT(m_op_extern_argtype) { Ins in = find_ins(p, OP_EXTERN, NULL); in.w[4] = add_reg(p, in.f, T_TEXT); }
MUT(m_op_extern_result) { Ins in = find_ins(p, OP_EXTERN, NULL); in.w[1] = add_reg(p, in.f, T_TEXT); }
MUT(m_op_agg_nargs)
{
    Ins in = find_ins(p, OP_AGG, has_args);
    for (uint32_t k = 0; k < p->naggs; k++)
        if (p->aggs[k].where < 0) { in.w[2] = k; return; }
}
MUT(m_op_agg_argtype) { Ins in = find_ins(p, OP_AGG, has_args); in.w[4] = add_reg(p, in.f, T_NUM); }
MUT(m_op_agg_result)
{
    Ins in = find_ins(p, OP_AGG, NULL);
    in.w[1] = add_reg(p, in.f, rt(&in, 1).kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_acc) { Ins in = find_ins(p, OP_ACC, NULL); in.w[3] = p->nslines; }
MUT(m_op_hit) { Ins in = find_ins(p, OP_HIT, NULL); in.w[1] = p->nclines; }
MUT(m_op_ret)
{
    PFunc *f = &p->funcs[0];
    f->code[f->ncode - 1] = add_reg(p, f, f->result.kind == PT_TEXT ? T_NUM : T_TEXT);
}
MUT(m_op_ret_class)
{
    /* a classification's result with the other classification's labels */
    PFunc *f = &p->funcs[p->class_fns[0]];
    f->code[f->ncode - 1] = add_reg(p, f, (PType){ PT_CLASS, 1 });
}

/* -- the call graph */
MUT(m_cycle_self)
{
    /* the lead condition calls itself instead of its first define */
    PFunc *f = &p->funcs[p->lead_fn];
    for (uint32_t pc = 0; pc < f->ncode; pc += ins_len(f, pc))
        if (f->code[pc] == OP_CALL && f->code[pc + 3] == 0 && p->funcs[f->code[pc + 2]].result.kind == PT_BOOL) {
            f->code[pc + 2] = (uint32_t)p->lead_fn;
            return;
        }
    ck_abort_msg("lead calls no bool define");
}
MUT(m_cycle_two)
{
    /* senior calls lead, lead calls senior */
    int32_t s = find_fn(p, FK_DEFINE, "senior");
    PFunc *f = &p->funcs[s];
    uint32_t r = add_reg(p, f, T_BOOL);
    uint32_t *code = arena_alloc(&p->arena, (f->ncode + 4) * sizeof *code);
    code[0] = OP_CALL; code[1] = r; code[2] = (uint32_t)p->lead_fn; code[3] = 0;
    memcpy(code + 4, f->code, f->ncode * sizeof *code);
    f->code = code;
    f->ncode += 4;
    f->nlines = 0;
}

static const BadProg BAD_PROGS[] = {
    { "version not a number", PR_RECORD, m_version_nan, "version is not a number" },
    { "approved date", PR_RECORD, m_approved_range, "approved date is out of range" },
    { "key field", PR_RECORD, m_key_range, "key field is out of range" },
    { "key field -1", PR_RECORD, m_key_negative, "key field is out of range" },
    { "record field type", PR_RECORD, m_field_type, "record field 1 has an invalid type" },
    { "record field level", PR_RECORD, m_field_level_id, "record field 3 has an invalid type" },
    { "stream field type", PR_EVENTS, m_stream_field_type, "stream field 2 has an invalid type" },
    { "stream match field", PR_EVENTS, m_stream_key, "stream 0: match field out of range" },
    { "stream time field kind", PR_EVENTS, m_stream_time_kind, "stream 0: time field invalid" },
    { "stream time field range", PR_EVENTS, m_stream_time_range, "stream 0: time field invalid" },
    { "extern parameter type", PR_EXTERN, m_extern_ptype, "extern 0: parameter type" },
    { "extern result type", PR_EXTERN, m_extern_rtype, "extern 2: result type" },
    { "memo slot twice", PR_RECORD, m_memo_twice, "memo slot 0 used twice" },
    { "lead function kind", PR_RECORD, m_lead_kind, "the lead function is invalid" },
    { "lead function range", PR_RECORD, m_lead_range, "the lead function is invalid" },
    { "score function kind", PR_RECORD, m_score_kind, "the score function is invalid" },
    { "score function -2", PR_RECORD, m_score_range, "the score function is invalid" },
    { "classification functions swapped", PR_RECORD, m_class_fn, "classification 0: its function is invalid" },
    { "classification function range", PR_RECORD, m_class_fn_range, "classification 1: its function is invalid" },
    { "classify line label", PR_RECORD, m_cline_label, "classify line 0 is invalid" },
    { "classify line classification", PR_RECORD, m_cline_cls, "classify line 1 is invalid" },
    { "score line kind", PR_RECORD, m_sline_kind, "score line 1 is invalid" },
    { "score line points", PR_RECORD, m_sline_points, "score line 0 is invalid" },
    { "explain range", PR_RECORD, m_explain_range, "explain entry 0 is invalid" },
    { "explain with parameters", PR_RECORD, m_explain_params, "explain entry 0 is invalid" },
    { "explain of a where body", PR_EVENTS, m_explain_where, "explain entry 0 is invalid" },

    { "aggregate kind", PR_EVENTS, m_agg_kind, "aggregate 0: invalid kind" },
    { "aggregate stream", PR_EVENTS, m_agg_stream, "aggregate 0: stream out of range" },
    { "count with a field", PR_EVENTS, m_agg_count_field, "aggregate 0: field out of range" },
    { "sum field range", PR_EVENTS, m_agg_sum_field, "aggregate * field out of range" },
    { "sum of text", PR_EVENTS, m_agg_sum_text, "sum of a field that is not a number" },
    { "min of text", PR_EVENTS, m_agg_min_text, "min/max of text or bool" },
    { "where range", PR_EVENTS, m_agg_where_range, "where body out of range" },
    { "where of another kind", PR_EVENTS, m_agg_where_kind, "where body of another stream" },
    { "where of another stream", PR_EVENTS, m_agg_where_stream, "where body of another stream" },
    { "window kind", PR_EVENTS, m_agg_window, "invalid window" },
    { "window without time", PR_EVENTS, m_agg_window_no_time, "window on a stream without a time field" },
    { "window length 0", PR_EVENTS, m_agg_window_len, "window length not positive" },
    { "window length negative", PR_EVENTS, m_agg_window_len_neg, "window length not positive" },
    { "during any on min", PR_EVENTS, m_agg_during_any, "'during any' on an aggregate" },
    { "latest without time", PR_EVENTS, m_agg_latest_no_time, "latest/earliest on a stream without a time field" },
    { "half life negative", PR_EVENTS, m_agg_half_neg, "invalid half life" },
    { "half life on count", PR_EVENTS, m_agg_half_kind, "invalid half life" },
    { "for each points", PR_EVENTS, m_agg_points, "invalid points" },

    { "parameters beyond registers", PR_RECORD, m_fn_nparams, "function 0 ('senior'): bad register count" },
    { "too many registers", PR_RECORD, m_fn_nregs, "function 0 ('senior'): bad register count" },
    { "register type", PR_RECORD, m_fn_regtype, "function 1 ('big'): register 1 has an invalid type" },
    { "register classification", PR_RECORD, m_fn_regtype_class, "register 0 has an invalid type" },
    { "result type", PR_RECORD, m_fn_result, "function 0 ('senior'): invalid result type" },
    { "function kind", PR_RECORD, m_fn_kind, "function 0: invalid kind 7" },
    { "where body stream", PR_EVENTS, m_fn_where_stream, "where body without a valid stream" },
    { "where body result", PR_EVENTS, m_fn_where_result, "a where body must give a bool" },
    { "stream outside where", PR_RECORD, m_fn_stream, "only a where body has a stream" },
    { "memo slot range", PR_RECORD, m_fn_memo_range, "function 0: bad memo slot" },
    { "memo slot -2", PR_RECORD, m_fn_memo_neg, "function 0: bad memo slot -2" },
    { "memo slot with parameters", PR_RECORD, m_fn_memo_params, "bad memo slot 0" },
    { "no code", PR_RECORD, m_fn_no_code, "function 3 ('mail_ok'): no code" },
    { "line table order", PR_RECORD, m_fn_lines_order, "function 3: line table out of order" },
    { "line table past the code", PR_RECORD, m_fn_lines_past, "function 3: line table entry * is past the code" },

    { "unknown opcode", PR_RECORD, m_op_unknown, "word 0: unknown opcode" },
    { "unknown opcode 2^32-1", PR_RECORD, m_op_unknown_big, "unknown opcode 4294967295" },
    { "code ends before the argument count", PR_RECORD, m_op_cut_in_args, "code ends inside an instruction" },
    { "too many arguments", PR_RECORD, m_op_too_many_args, "too many arguments" },
    { "arguments past the end", PR_RECORD, m_op_args_past_end, "code ends inside an instruction" },
    { "code ends inside RET", PR_RECORD, m_op_cut, "code ends inside an instruction" },
    { "no final return", PR_RECORD, m_op_no_ret, "no final return" },
    { "register range", PR_RECORD, m_op_reg_range, "(ADD): register * out of range" },
    { "register of the wrong type", PR_RECORD, m_op_reg_kind, "(ADD): register * has the wrong type" },
    { "number constant", PR_RECORD, m_op_k, "(LOADK): number constant * out of range" },
    { "integer constant", PR_RECORD, m_op_i, "(LOADI): integer constant * out of range" },
    { "text constant", PR_RECORD, m_op_s, "(LOADS): text constant * out of range" },
    { "text constant of EQTK", PR_RECORD, m_op_s_eqtk, "(EQTK): text constant * out of range" },
    { "set index", PR_RECORD, m_op_t, "(INSET): set * out of range" },
    { "pattern index", PR_RECORD, m_op_x, "(MATCH): pattern * out of range" },
    { "level type index", PR_RECORD, m_op_l, "(T2LEVEL): level type * out of range" },
    { "classification index", PR_RECORD, m_op_c, "(CLASS2T): classification * out of range" },
    { "field index", PR_RECORD, m_op_f, "(FIELD): field * out of range" },
    { "event field outside a where body", PR_RECORD, m_op_e_outside, "an event field outside a where body" },
    { "event field index", PR_EVENTS, m_op_e, "event field * out of range" },
    { "jump into an instruction", PR_RECORD, m_op_jump_mid, "(JNTRUE): jump does not land on an instruction" },
    { "jump past the end", PR_RECORD, m_op_jump_past, "(JMP): jump does not land on an instruction" },
    { "jump 2^32-1", PR_RECORD, m_op_jump_huge, "(JFALSE): jump does not land on an instruction" },
    { "function index", PR_RECORD, m_op_u, "call of function * out of range" },
    { "built-in index", PR_RECORD, m_op_b, "built-in * out of range" },
    { "extern index", PR_EXTERN, m_op_z, "extern * out of range" },
    { "aggregate index", PR_EVENTS, m_op_a, "aggregate * out of range" },
    { "argument register", PR_RECORD, m_op_arg_reg, "(CALL): argument register out of range" },
    { "LOADI of -2^63", PR_RECORD, m_op_loadi_fit, "LOADI constant does not fit" },
    { "LOADI rank", PR_RECORD, m_op_loadi_rank, "LOADI constant does not fit" },
    { "LOADI label", PR_RECORD, m_op_loadi_label, "LOADI constant does not fit" },
    { "LOADI bool 2", PR_RECORD, m_op_loadi_bool, "LOADI constant does not fit" },
    { "LOADI date", PR_RECORD, m_op_loadi_date, "LOADI constant does not fit" },
    { "LOADI time", PR_RECORD, m_op_loadi_time, "LOADI constant does not fit" },
    { "MOVE between types", PR_RECORD, m_op_move, "MOVE between types" },
    { "FIELD type", PR_RECORD, m_op_field_type, "FIELD into a register of another type" },
    { "EVFIELD type", PR_EVENTS, m_op_evfield_type, "EVFIELD into a register of another type" },
    { "comparison of two types", PR_RECORD, m_op_cmp_types, "comparison of different types" },
    { "INSET text set", PR_RECORD, m_op_inset_type, "INSET of a set of another type" },
    { "INSET number set", PR_RECORD, m_op_inset_num_int, "INSET of a set of another type" },
    { "WITHIN a level", PR_RECORD, m_op_within_type, "WITHIN needs a date or time" },
    { "WITHIN 0", PR_RECORD, m_op_within_len, "WITHIN needs a positive duration" },
    { "WITHIN negative", PR_RECORD, m_op_within_neg, "WITHIN needs a positive duration" },
    { "T2LEVEL level", PR_RECORD, m_op_t2level, "T2LEVEL level type mismatch" },
    { "LEVEL2T level", PR_RECORD, m_op_level2t, "LEVEL2T level type mismatch" },
    { "CLASS2T classification", PR_RECORD, m_op_class2t, "CLASS2T classification mismatch" },
    { "CALL of a where body", PR_EVENTS, m_op_call_where, "CALL of a where or explain body" },
    { "CALL of an explain body", PR_RECORD, m_op_call_explain, "CALL of a where or explain body" },
    { "CALL argument count", PR_RECORD, m_op_call_nargs, "CALL with 1 argument, function 0 takes 0" },
    { "CALL argument type", PR_RECORD, m_op_call_argtype, "CALL argument 0 has the wrong type" },
    { "CALL result type", PR_RECORD, m_op_call_result, "CALL result type mismatch" },
    { "built-in argument type", PR_RECORD, m_op_builtin_types, "built-in * called with the wrong types" },
    { "built-in argument count", PR_RECORD, m_op_builtin_nargs, "built-in 'today' called with the wrong types" },
    { "built-in result type", PR_RECORD, m_op_builtin_result, "built-in * called with the wrong types" },
    { "coalesce of two types", PR_RECORD, m_op_coalesce_mixed, "built-in 'coalesce' called with the wrong types" },
    { "EXTERN argument count", PR_EXTERN, m_op_extern_nargs, "EXTERN argument count" },
    { "EXTERN argument type", PR_EXTERN, m_op_extern_argtype, "EXTERN argument 0 type" },
    { "EXTERN result type", PR_EXTERN, m_op_extern_result, "EXTERN result type" },
    { "AGG argument count", PR_EVENTS, m_op_agg_nargs, "AGG argument count" },
    { "AGG argument type", PR_EVENTS, m_op_agg_argtype, "AGG argument 0 type" },
    { "AGG result type", PR_EVENTS, m_op_agg_result, "AGG result type" },
    { "score line slot", PR_RECORD, m_op_acc, "score line * out of range" },
    { "classify line slot", PR_RECORD, m_op_hit, "classify line * out of range" },
    { "RET type", PR_RECORD, m_op_ret, "RET of the wrong type" },
    { "RET of another classification", PR_RECORD, m_op_ret_class, "RET of the wrong type" },

    { "a function calls itself", PR_RECORD, m_cycle_self, "call each other in a cycle" },
    { "two functions call each other", PR_RECORD, m_cycle_two, "call each other in a cycle" },
};

START_TEST(bad_program)
{
    const BadProg *b = &BAD_PROGS[_i];
    Prog *p = read_img(b->prog);
    b->mut(p);
    size_t len;
    uint8_t *buf = bc_write(p, false, &len);
    prog_free(p);
    uint8_t *exact = dup_bytes(buf, len);
    free(buf);
    char err[512] = "";
    Prog *q = bc_load(exact, len, err, sizeof err);
    free(exact);
    if (q) { prog_free(q); ck_abort_msg("%s: the file was accepted", b->name); }
    ck_assert_msg(says(err, b->want), "%s: the message \"%s\" does not say \"%s\"", b->name, err, b->want);
    ck_assert_msg(strncmp(err, "invalid bytecode: ", 18) == 0, "%s: \"%s\"", b->name, err);
}
END_TEST

/* Checks the reader makes first, so only a program built in memory (as
 * the compiler builds it) reaches the verifier's own. */
START_TEST(bad_in_memory)
{
    char err[512];
    Prog *p = read_img(PR_RECORD);
    p->sets[0].kind = PS_INT + 1;
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_str_eq(err, "set 0: invalid kind");
    prog_free(p);

    p = read_img(PR_EXTERN);
    p->externs[1].nparams = 17;
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_str_eq(err, "extern 1: too many parameters");
    prog_free(p);

    /* a classification with no labels cannot hold a value */
    p = read_img(PR_RECORD);
    p->classes[1].n = 0;
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_msg(strstr(err, "LOADI constant does not fit") || strstr(err, "classify line"), "%s", err);
    prog_free(p);
}
END_TEST

/* ---- hand-made bad files: the reader ------------------------------------------------------------- */

enum { S_META = 1, S_CONST, S_TYPES, S_SCHEMA, S_SETS, S_REGEX, S_EXTERNS, S_AGGS, S_FUNCS, S_OUTPUTS, S_LINES };

static uint32_t get32(const uint8_t *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }
static void put32(uint8_t *b, uint32_t x) { b[0] = (uint8_t)x; b[1] = (uint8_t)(x >> 8); b[2] = (uint8_t)(x >> 16); b[3] = (uint8_t)(x >> 24); }

/* Offset of section id's header (its id word) in a good image. */
static size_t sect(const uint8_t *b, size_t len, uint32_t id)
{
    size_t o = BC_HEADER;
    for (uint32_t k = 1; k < id; k++) {
        MUST(o + 8 <= len && get32(b + o) == k, "section %u not where expected", k);
        o += 8 + get32(b + o + 4);
    }
    MUST(get32(b + o) == id, "section %u not where expected", id);
    return o;
}
#define BODY(id) (sect(b, *len, id) + 8)

static size_t text_size(PText t) { return 4 + t.len; }

/* A patch changes the image b of *len bytes (decoded as p); it may grow or
 * shrink it (*b is malloc'd). */
typedef void (*Patch)(uint8_t **bp, size_t *len, const Prog *p);
typedef struct BadFile { const char *name; int prog; Patch patch; bool seal; const char *want; } BadFile;

#define PATCH(name) static void name(uint8_t **bp, size_t *len, const Prog *p)
#define UNUSED_P (void)p; uint8_t *b = *bp; (void)b

static void insert_at(uint8_t **bp, size_t *len, size_t at, const void *bytes, size_t n)
{
    uint8_t *nb = malloc(*len + n);
    MUST(nb, "out of memory");
    memcpy(nb, *bp, at);
    memcpy(nb + at, bytes, n);
    memcpy(nb + at + n, *bp + at, *len - at);
    free(*bp);
    *bp = nb;
    *len += n;
}
PATCH(f_magic) { UNUSED_P; b[1] = 'l'; }
PATCH(f_short_magic) { UNUSED_P; *len = 5; }
PATCH(f_short_header) { UNUSED_P; *len = 20; }
PATCH(f_version) { UNUSED_P; put32(b + 8, BC_VERSION + 1); }
PATCH(f_version_0) { UNUSED_P; put32(b + 8, 0); }
PATCH(f_size_bigger) { UNUSED_P; put32(b + 16, (uint32_t)*len + 100); }
PATCH(f_cut_one) { UNUSED_P; (*len)--; }
PATCH(f_size_smaller) { (void)p; static const uint8_t one = 0; insert_at(bp, len, *len, &one, 1); }
PATCH(f_checksum) { UNUSED_P; b[*len / 2] ^= 0x04; }
PATCH(f_checksum_field) { UNUSED_P; b[25] ^= 0x80; }
PATCH(f_flags) { UNUSED_P; put32(b + 12, 6); }
PATCH(f_nsections) { UNUSED_P; put32(b + 28, 10); }
PATCH(f_section_order)
{
    UNUSED_P;
    size_t c = sect(b, *len, S_CONST), t = sect(b, *len, S_TYPES);
    put32(b + c, S_TYPES);
    put32(b + t, S_CONST);
}
PATCH(f_section_id) { UNUSED_P; put32(b + sect(b, *len, S_LINES), 99); }
PATCH(f_section_long) { UNUSED_P; size_t o = sect(b, *len, S_LINES); put32(b + o + 4, get32(b + o + 4) + 4); }
PATCH(f_section_huge) { UNUSED_P; size_t o = sect(b, *len, S_SCHEMA); put32(b + o + 4, 0xFFFFFFF0u); }
PATCH(f_section_short)
{
    /* the meta section says it is 4 bytes shorter: its last field runs into the next header */
    UNUSED_P;
    size_t o = sect(b, *len, S_META);
    put32(b + o + 4, get32(b + o + 4) - 4);
}
PATCH(f_leftover)
{
    (void)p;
    size_t o = sect(*bp, *len, S_SETS);
    uint32_t slen = get32(*bp + o + 4);
    static const uint8_t four[4] = { 1, 2, 3, 4 };
    insert_at(bp, len, o + 8 + slen, four, 4);
    put32(*bp + o + 4, slen + 4);
}
PATCH(f_trailing)
{
    (void)p;
    static const uint8_t three[3] = { 0, 0, 0 };
    insert_at(bp, len, *len, three, 3);
}
static void set_count(uint8_t *b, size_t at) { put32(b + at, 0x3FFFFFFFu); }
PATCH(f_count_owners) { UNUSED_P; set_count(b, BODY(S_META) + text_size(p->def_name) + 9); }
PATCH(f_flag_version) { UNUSED_P; b[BODY(S_META) + text_size(p->def_name)] = 2; }
PATCH(f_flag_approved)
{
    UNUSED_P;
    size_t o = BODY(S_META) + text_size(p->def_name) + 9 + 4;
    for (uint32_t i = 0; i < p->nowners; i++) o += text_size(p->owners[i]);
    b[o] = 0xFF;
}
PATCH(f_text_len) { UNUSED_P; set_count(b, BODY(S_META)); }
PATCH(f_count_numbers) { UNUSED_P; set_count(b, BODY(S_CONST)); }
PATCH(f_count_ints) { UNUSED_P; set_count(b, BODY(S_CONST) + 4 + 8 * p->nnums); }
PATCH(f_count_texts) { UNUSED_P; set_count(b, BODY(S_CONST) + 8 + 8 * p->nnums + 8 * p->nints); }
PATCH(f_count_levels) { UNUSED_P; set_count(b, BODY(S_TYPES)); }
PATCH(f_count_labels) { UNUSED_P; set_count(b, BODY(S_TYPES) + 4); }
PATCH(f_count_classes)
{
    UNUSED_P;
    size_t o = BODY(S_TYPES) + 4;
    for (uint32_t i = 0; i < p->nlevels; i++) {
        o += 4;
        for (uint32_t k = 0; k < p->levels[i].n; k++) o += text_size(p->levels[i].labels[k]);
    }
    set_count(b, o);
}
static size_t fields_at(const Prog *p) { return text_size(p->record_name) + 4; }
static size_t field_size(const PField *f) { return text_size(f->name) + text_size(f->column) + 5; }
PATCH(f_count_fields) { UNUSED_P; set_count(b, BODY(S_SCHEMA) + fields_at(p)); }
PATCH(f_type_id)
{
    UNUSED_P;
    size_t o = BODY(S_SCHEMA) + fields_at(p) + 4 + text_size(p->fields[0].name) + text_size(p->fields[0].column) + 1;
    put32(b + o, 0x10000);
}
PATCH(f_count_streams)
{
    UNUSED_P;
    size_t o = BODY(S_SCHEMA) + fields_at(p) + 4;
    for (uint32_t i = 0; i < p->nfields; i++) o += field_size(&p->fields[i]);
    set_count(b, o);
}
PATCH(f_count_sets) { UNUSED_P; set_count(b, BODY(S_SETS)); }
PATCH(f_set_kind) { UNUSED_P; b[BODY(S_SETS) + 4] = 3; }
PATCH(f_count_members) { UNUSED_P; set_count(b, BODY(S_SETS) + 5); }
PATCH(f_count_patterns) { UNUSED_P; set_count(b, BODY(S_REGEX)); }
PATCH(f_count_externs) { UNUSED_P; set_count(b, BODY(S_EXTERNS)); }
PATCH(f_extern_params)
{
    UNUSED_P;
    const PExtern *x = &p->externs[0];
    b[BODY(S_EXTERNS) + 4 + text_size(x->name) + text_size(x->lib) + text_size(x->sym)] = 17;
}
PATCH(f_count_aggs) { UNUSED_P; set_count(b, BODY(S_AGGS)); }
PATCH(f_count_funcs) { UNUSED_P; set_count(b, BODY(S_FUNCS)); }
static size_t f0_regs_at(const Prog *p) { return 4 + text_size(p->funcs[0].name) + 1 + 4; }
PATCH(f_count_regs) { UNUSED_P; set_count(b, BODY(S_FUNCS) + f0_regs_at(p)); }
PATCH(f_count_code) { UNUSED_P; set_count(b, BODY(S_FUNCS) + f0_regs_at(p) + 4 + 5 * p->funcs[0].nregs + 5 + 12); }
static size_t outputs_at(const Prog *p) { return 8 + 4 * p->nclasses; }
PATCH(f_memo_count) { UNUSED_P; put32(b + BODY(S_OUTPUTS) + outputs_at(p), p->nfuncs + 1); }
PATCH(f_count_slines) { UNUSED_P; set_count(b, BODY(S_OUTPUTS) + outputs_at(p) + 4); }
PATCH(f_count_clines) { UNUSED_P; set_count(b, BODY(S_OUTPUTS) + outputs_at(p) + 8 + 13 * p->nslines); }
PATCH(f_count_explain) { UNUSED_P; set_count(b, BODY(S_OUTPUTS) + outputs_at(p) + 12 + 13 * p->nslines + 12 * p->nclines); }
PATCH(f_count_lines) { UNUSED_P; set_count(b, BODY(S_LINES)); }

static const BadFile BAD_FILES[] = {
    { "bad magic", PR_TINY, f_magic, false, "not a lead bytecode file (bad magic number)" },
    { "5 bytes of the magic", PR_TINY, f_short_magic, false, "truncated bytecode file (5 bytes" },
    { "20 bytes of header", PR_TINY, f_short_header, false, "truncated bytecode file (20 bytes, the header alone is 32)" },
    { "future version", PR_TINY, f_version, false, "bytecode format version 2, but this leadvm reads version 1" },
    { "version 0", PR_TINY, f_version_0, false, "bytecode format version 0" },
    { "size bigger than the file", PR_TINY, f_size_bigger, false, "truncated bytecode file: the header says" },
    { "one byte cut", PR_TINY, f_cut_one, false, "truncated bytecode file: the header says" },
    { "size smaller than the file", PR_TINY, f_size_smaller, false, "damaged bytecode file: the header says" },
    { "one byte changed", PR_RECORD, f_checksum, false, "checksum mismatch" },
    { "checksum changed", PR_TINY, f_checksum_field, false, "checksum mismatch" },
    { "unknown flags", PR_TINY, f_flags, true, "unknown flags 0x6" },
    { "number of sections", PR_TINY, f_nsections, true, "header section: 10 sections, expected 11" },
    { "sections out of order", PR_RECORD, f_section_order, true, "section 3 found where the constants section belongs" },
    { "unknown section", PR_RECORD, f_section_id, true, "section 99 found where the lines section belongs" },
    { "section longer than the file", PR_RECORD, f_section_long, true, "lines section: truncated" },
    { "section length 2^32-16", PR_RECORD, f_section_huge, true, "schema section: truncated" },
    { "section shorter than its fields", PR_RECORD, f_section_short, true, "meta section: truncated" },
    { "bytes left in a section", PR_RECORD, f_leftover, true, "sets section: 4 bytes left over at its end" },
    { "bytes after the sections", PR_RECORD, f_trailing, true, "3 bytes after the last section" },
    { "text longer than its section", PR_RECORD, f_text_len, true, "meta section: truncated" },
    { "version flag 2", PR_RECORD, f_flag_version, true, "the has-version byte is 2 (must be 0 or 1)" },
    { "approved flag 255", PR_RECORD, f_flag_approved, true, "the has-approved byte is 255" },
    { "owners", PR_RECORD, f_count_owners, true, "1073741823 owners cannot fit" },
    { "numbers", PR_RECORD, f_count_numbers, true, "numbers cannot fit" },
    { "integers", PR_RECORD, f_count_ints, true, "integers cannot fit" },
    { "texts", PR_RECORD, f_count_texts, true, "texts cannot fit" },
    { "level types", PR_RECORD, f_count_levels, true, "level types cannot fit" },
    { "labels", PR_RECORD, f_count_labels, true, "labels cannot fit" },
    { "classifications", PR_RECORD, f_count_classes, true, "classifications cannot fit" },
    { "fields", PR_RECORD, f_count_fields, true, "fields cannot fit" },
    { "type id", PR_RECORD, f_type_id, true, "type id 65536 out of range" },
    { "streams", PR_EVENTS, f_count_streams, true, "streams cannot fit" },
    { "sets", PR_RECORD, f_count_sets, true, "sets cannot fit" },
    { "set kind", PR_RECORD, f_set_kind, true, "set 0 has an invalid kind 3" },
    { "set members", PR_RECORD, f_count_members, true, "set members cannot fit" },
    { "patterns", PR_RECORD, f_count_patterns, true, "patterns cannot fit" },
    { "externs", PR_EXTERN, f_count_externs, true, "externs cannot fit" },
    { "extern parameters", PR_EXTERN, f_extern_params, true, "extern 0 has 17 parameters (at most 16)" },
    { "aggregates", PR_EVENTS, f_count_aggs, true, "aggregates cannot fit" },
    { "functions", PR_RECORD, f_count_funcs, true, "functions cannot fit" },
    { "registers", PR_RECORD, f_count_regs, true, "registers cannot fit" },
    { "code words", PR_RECORD, f_count_code, true, "code words cannot fit" },
    { "memo slots", PR_RECORD, f_memo_count, true, "memo slots for" },
    { "score lines", PR_RECORD, f_count_slines, true, "score lines cannot fit" },
    { "classify lines", PR_RECORD, f_count_clines, true, "classify lines cannot fit" },
    { "explain entries", PR_RECORD, f_count_explain, true, "explain entries cannot fit" },
    { "line entries", PR_RECORD, f_count_lines, true, "line entries cannot fit" },
};

START_TEST(bad_file)
{
    const BadFile *f = &BAD_FILES[_i];
    Prog *p = read_img(f->prog);
    size_t len = img_len[f->prog];
    uint8_t *b = dup_bytes(img[f->prog], len);
    f->patch(&b, &len, p);
    prog_free(p);
    if (f->seal) reseal(b, len);
    uint8_t *exact = dup_bytes(b, len);
    free(b);
    char err[512] = "";
    Prog *q = bc_load(exact, len, err, sizeof err);
    free(exact);
    if (q) { prog_free(q); ck_abort_msg("%s: the file was accepted", f->name); }
    ck_assert_msg(says(err, f->want), "%s: the message \"%s\" does not say \"%s\"", f->name, err, f->want);
}
END_TEST

/* ---- running programs that verify ----------------------------------------------------------------- */

/* Cells drawn from values of every type, blank and bad ones, and the
 * program's own labels. */
static VmCell some_cell(const Prog *p, PType t, uint64_t *st)
{
    static const char *const pool[] = {
        "", "   ", "x", "Ann", "a@x.com", "VP", "director", "C-Level", "US", "high",
        "12", "-3.5", "1e308", "$1,000", "0", "true", "no", "2026-01-05", "9999-12-31",
        "0001-01-01", "2026-01-20T10:00:00Z", "2026-01-26 23:59:59.999999+02:00", "\xff\xfe", "click", "a", "b",
    };
    uint64_t r = rnd(st);
    if (r % 5 == 0) return (VmCell){ NULL, 0, 0 };
    if (r % 7 == 0) return (VmCell){ "x", 1, 1 };
    if (t.kind == PT_LEVEL && t.id < p->nlevels && p->levels[t.id].n && r % 3 == 0) {
        const PText *l = &p->levels[t.id].labels[(r >> 8) % p->levels[t.id].n];
        return (VmCell){ l->p, l->len, 0 };
    }
    const char *s = pool[(r >> 16) % (sizeof pool / sizeof pool[0])];
    return (VmCell){ s, (uint32_t)strlen(s), 0 };
}

/* Look at a result the way the output writers do. */
static void touch(const Prog *p, PType t, VmValue v)
{
    char buf[VAL_FMT_MAX];
    volatile unsigned sum = 0;
    if (v.miss) return;
    switch (t.kind) {
    case PT_TEXT: for (uint32_t i = 0; i < v.len; i++) sum += (unsigned char)v.u.s[i]; break;
    case PT_NUMBER: val_format_number(v.u.n, buf); break;
    case PT_BOOL: MUST(v.u.i == 0 || v.u.i == 1, "bool value %lld", (long long)v.u.i); break;
    case PT_DATE: val_format_date((int32_t)v.u.i, buf); break;
    case PT_TIME: val_format_time(v.u.i, buf); break;
    case PT_LEVEL:
        MUST(t.id < p->nlevels && v.u.i >= 0 && (uint64_t)v.u.i < p->levels[t.id].n, "level value %lld", (long long)v.u.i);
        break;
    case PT_CLASS:
        MUST(t.id < p->nclasses && v.u.i >= 0 && (uint64_t)v.u.i < p->classes[t.id].n, "label %lld", (long long)v.u.i);
        break;
    }
    (void)sum;
}

typedef struct RunStats { unsigned records, patterns_refused; } RunStats;

/* Run a verified program over nrec records with random cells and events,
 * evaluating every output, every explain entry and every define without
 * parameters; natives are never loaded. */
static void run_records(Prog *p, uint64_t *st, unsigned nrec, int32_t as_of, RunStats *rs)
{
    char err[512];
    if (!rt_compile_patterns(p, err, sizeof err)) {     /* leadvm refuses it there */
        if (rs) rs->patterns_refused++;
        return;
    }
    VmCtx *vm = vm_new(p, as_of);
    VmCell *cells = calloc(p->nfields + 1, sizeof *cells);
    VmEvents *evs = calloc(p->nstreams + 1, sizeof *evs);
    MUST(cells && evs, "out of memory");
    for (unsigned rec = 0; rec < nrec; rec++) {
        for (uint32_t f = 0; f < p->nfields; f++) cells[f] = some_cell(p, p->fields[f].type, st);
        for (uint32_t s = 0; s < p->nstreams; s++) {
            const PStream *ps = &p->streams[s];
            uint32_t n = (uint32_t)(rnd(st) % 6);
            VmEvent *ev = calloc(n + 1, sizeof *ev);
            VmCell *ec = calloc(ps->nfields + 1, sizeof *ec);
            MUST(ev && ec, "out of memory");
            for (uint32_t k = 0; k < n; k++) {
                ev[k].vals = calloc(ps->nfields + 1, sizeof *ev[k].vals);
                MUST(ev[k].vals, "out of memory");
                for (uint32_t f = 0; f < ps->nfields; f++) ec[f] = some_cell(p, ps->fields[f].type, st);
                vm_parse_event(p, s, ec, &ev[k]);
            }
            free(ec);
            evs[s] = (VmEvents){ ev, n };
        }
        vm_record(vm, cells, p->nstreams ? evs : NULL);
        touch(p, T_BOOL, vm_eval(vm, p->lead_fn));
        if (p->score_fn >= 0) touch(p, T_NUM, vm_eval(vm, p->score_fn));
        for (uint32_t c = 0; c < p->nclasses; c++) touch(p, (PType){ PT_CLASS, (uint16_t)c }, vm_eval(vm, p->class_fns[c]));
        for (uint32_t i = 0; i < p->nexplain; i++) touch(p, T_BOOL, vm_eval(vm, p->explain[i].fn));
        for (uint32_t fi = 0; fi < p->nfuncs; fi++)
            if (p->funcs[fi].nparams == 0 && p->funcs[fi].kind != FK_WHERE)
                touch(p, p->funcs[fi].result, vm_eval(vm, (int32_t)fi));
        for (uint32_t s = 0; s < p->nstreams; s++) {
            for (uint32_t k = 0; k < evs[s].n; k++) free(evs[s].ev[k].vals);
            free((void *)evs[s].ev);
        }
        if (rs) rs->records++;
    }
    free(cells);
    free(evs);
    vm_free(vm);
}

START_TEST(programs_run)
{
    uint64_t st = 0x9E3779B97F4A7C15ull + (uint64_t)_i;
    char err[512];
    Prog *p = bc_load(img[_i], img_len[_i], err, sizeof err);
    ck_assert_msg(p, "%s", err);
    run_records(p, &st, 200, AS_OF, NULL);
    prog_free(p);
}
END_TEST

/* The compiler never emits JMISS; a hand-made function that uses it
 * verifies and runs. */
START_TEST(hand_made_jmiss_runs)
{
    Prog *p = read_img(PR_TINY);
    /* lead: r0 := field 0; r1 := true; if r0 is missing skip 3 words; r1 := false; return r1 */
    PFunc *f = &p->funcs[p->lead_fn];
    f->nregs = 0;
    uint32_t r0 = add_reg(p, f, T_TEXT), r1 = add_reg(p, f, T_BOOL);
    uint32_t one = add_int(p, 1), zero = add_int(p, 0);
    uint32_t code[] = { OP_FIELD, r0, 0, OP_LOADI, r1, one, OP_JMISS, r0, 3, OP_LOADI, r1, zero, OP_RET, r1 };
    f->code = arena_alloc(&p->arena, sizeof code);
    memcpy(f->code, code, sizeof code);
    f->ncode = sizeof code / sizeof code[0];
    f->nlines = 0;
    char err[512];
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    ck_assert(prog_prepare(p));
    VmCtx *vm = vm_new(p, AS_OF);
    VmCell cell = { NULL, 0, 0 };
    vm_record(vm, &cell, NULL);
    VmValue v = vm_eval(vm, p->lead_fn);
    ck_assert(!v.miss && v.u.i == 1);
    cell = (VmCell){ "k", 1, 0 };
    vm_record(vm, &cell, NULL);
    v = vm_eval(vm, p->lead_fn);
    ck_assert(!v.miss && v.u.i == 0);
    vm_free(vm);
    prog_free(p);
}
END_TEST

/* An argument list goes above the frame: a two-register function that
 * passes 255 arguments needs 257 registers, and runs. */
START_TEST(argument_lists_above_the_frame)
{
    Prog *p = read_img(PR_TINY);
    PFunc *f = &p->funcs[p->lead_fn];
    f->nregs = 0;
    uint32_t r0 = add_reg(p, f, T_NUM), r1 = add_reg(p, f, T_BOOL);
    uint32_t k = p->nnums;
    double *nums = arena_alloc(&p->arena, (k + 1) * sizeof *nums);
    memcpy(nums, p->nums, k * sizeof *nums);
    nums[k] = 7;
    p->nums = nums;
    p->nnums = k + 1;
    uint32_t n = 0, *code = arena_alloc(&p->arena, (16 + PROG_MAX_ARGS) * sizeof *code);
    code[n++] = OP_LOADK; code[n++] = r0; code[n++] = k;
    code[n++] = OP_BUILTIN; code[n++] = r0; code[n++] = (uint32_t)builtin_find("max", 3); code[n++] = PROG_MAX_ARGS;
    for (uint32_t i = 0; i < PROG_MAX_ARGS; i++) code[n++] = r0;
    code[n++] = OP_EQN; code[n++] = r1; code[n++] = r0; code[n++] = r0;
    code[n++] = OP_RET; code[n++] = r1;
    f->code = code;
    f->ncode = n;
    f->nlines = 0;
    char err[512];
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    ck_assert_uint_eq(p->max_regs, 2 + PROG_MAX_ARGS);
    check_frame_bounds(p);
    ck_assert(prog_prepare(p));
    VmCtx *vm = vm_new(p, AS_OF);
    VmCell cell = { "k", 1, 0 };
    vm_record(vm, &cell, NULL);
    VmValue v = vm_eval(vm, p->lead_fn);
    ck_assert(!v.miss && v.u.i == 1);
    vm_free(vm);
    prog_free(p);
}
END_TEST

/* A register the code never writes reads as missing, whatever its frame
 * held before: here a date register sits where another define's text
 * register was, and D2T and WITHIN must not compute with the stale payload
 * (a text pointer times a day in microseconds overflows). */
START_TEST(unwritten_registers)
{
    static const char src[] =
        "record r key id {\n  id: text\n  d: date\n  t: time\n}\n"
        "define name = id\n"
        "define recent = d within last 3 days\n"
        "define later = t > d\n"
        "lead when name = \"k\" and (recent or later)\n";
    Prog *p = compile_ok("unwritten.lead", src);
    /* the FIELD of d in `recent` and `later` becomes MOVE rX, rX: never written */
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        PFunc *f = &p->funcs[fi];
        for (uint32_t pc = 0; pc < f->ncode; pc += ins_len(f, pc))
            if (f->code[pc] == OP_FIELD && f->code[pc + 2] == 1) {
                f->code[pc] = OP_MOVE;
                f->code[pc + 2] = f->code[pc + 1];
            }
    }
    char err[512];
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    VmCtx *vm = vm_new(p, AS_OF);
    static const char key[] = "k";
    for (int rec = 0; rec < 50; rec++) {
        VmCell cells[3] = { { key, 1, 0 }, { "2026-01-20", 10, 0 }, { "2026-01-20T10:00:00Z", 20, 0 } };
        vm_record(vm, cells, NULL);
        VmValue v = vm_eval(vm, p->lead_fn);
        ck_assert(!v.miss && v.u.i == 0);       /* true and (unknown or unknown) */
    }
    vm_free(vm);
    prog_free(p);
}
END_TEST

/* Durations near the longest the compiler writes (about 292,000 years)
 * and as-of dates at both ends of the calendar: windows and `within` stay
 * exact, with no overflow. */
START_TEST(longest_durations)
{
    static const char src[] =
        "record r key id {\n  id: text\n  d: date\n}\n"
        "events ev match uid {\n  uid: text\n  at: time\n  n: number\n}\n"
        "define a = count(ev during last 15200000 weeks)\n"
        "define b = count(ev during any 15200000 weeks)\n"
        "define c = sum(ev.n during any 15200000 weeks)\n"
        "lead when d within last 15200000 weeks\n"
        "score {\n  +1 per a\n  +10 per b\n  +100 per c\n  +1000 for each ev during any 15200000 weeks\n}\n";
    Prog *p = compile_ok("long.lead", src);
    static const int32_t as_ofs[] = { -719162, 0, 20480, 2932896 };    /* 0001-01-01 .. 9999-12-31 */
    for (int k = 0; k < 4; k++) {
        VmCtx *vm = vm_new(p, as_ofs[k]);
        VmCell cells[2] = { { "k", 1, 0 }, { "0001-01-01", 10, 0 } };
        VmCell ec[2][3] = { { { "k", 1, 0 }, { "0001-01-01T00:00:00Z", 20, 0 }, { "1", 1, 0 } },
                            { { "k", 1, 0 }, { "9999-12-31T23:59:59Z", 20, 0 }, { "2", 1, 0 } } };
        VmValue vals[2][3];
        VmEvent ev[2] = { { 0, 0, vals[0] }, { 0, 0, vals[1] } };
        for (int e = 0; e < 2; e++) vm_parse_event(p, 0, ec[e], &ev[e]);
        VmEvents evs = { ev, 2 };
        vm_record(vm, cells, &evs);
        VmValue lead = vm_eval(vm, p->lead_fn), score = vm_eval(vm, p->score_fn);
        ck_assert(!lead.miss && lead.u.i == 1);
        /* as of the last day every event is in the last period; before it, only those before */
        double a = k == 3 ? 2 : 1;
        ck_assert_msg(!score.miss && score.u.n == a + 10 * 2 + 100 * 3 + 1000 * 2, "as of %d: score %g", as_ofs[k], score.u.n);
        vm_free(vm);
    }
    prog_free(p);
}
END_TEST

/* ---- limits: call depth and work -------------------------------------------------------------------- */

static char *chain_source(unsigned n)
{
    size_t cap = 64 + (size_t)n * 48;
    char *s = malloc(cap);
    MUST(s, "out of memory");
    size_t o = (size_t)snprintf(s, cap, "record r key id { id: text }\n");
    for (unsigned i = 0; i + 1 < n; i++) o += (size_t)snprintf(s + o, cap - o, "define d%u = d%u or id = \"%u\"\n", i, i + 1, i);
    o += (size_t)snprintf(s + o, cap - o, "define d%u = id = \"last\"\nlead when d0\n", n - 1);
    return s;
}

/* lead and a chain of n defines: n + 1 frames deep. */
START_TEST(call_depth)
{
    char err[512];
    char *src = chain_source(PROG_MAX_CALL_DEPTH - 1);
    Prog *p = compile_text("deep.lead", src, err, sizeof err);
    free(src);
    ck_assert_msg(p, "%s", err);
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    ck_assert_uint_eq(p->max_depth, PROG_MAX_CALL_DEPTH);
    check_frame_bounds(p);
    VmCtx *vm = vm_new(p, AS_OF);
    VmCell cell = { "last", 4, 0 };
    vm_record(vm, &cell, NULL);
    VmValue v = vm_eval(vm, p->lead_fn);
    ck_assert(!v.miss && v.u.i == 1);
    vm_free(vm);
    prog_free(p);

    /* one deeper: the compiler refuses it with a message (it used to emit
     * code only the verifier refused, which leadc called an internal error) */
    src = chain_source(PROG_MAX_CALL_DEPTH);
    p = compile_text("deeper.lead", src, err, sizeof err);
    free(src);
    ck_assert(!p);
    ck_assert_msg(strstr(err, "nested more than 1000 deep"), "%s", err);

    /* and the verifier refuses such code made by hand: the last define of
     * the deepest chain the compiler accepts calls one more function */
    src = chain_source(PROG_MAX_CALL_DEPTH - 1);
    p = compile_ok("deep.lead", src);
    free(src);
    char name[32];
    snprintf(name, sizeof name, "d%u", PROG_MAX_CALL_DEPTH - 2);
    int32_t leaf = find_fn(p, FK_DEFINE, name);
    PFunc *funcs = arena_alloc(&p->arena, (p->nfuncs + 1) * sizeof *funcs);
    memcpy(funcs, p->funcs, p->nfuncs * sizeof *funcs);
    funcs[p->nfuncs] = funcs[leaf];
    funcs[p->nfuncs].kind = FK_FUNCTION;
    funcs[p->nfuncs].memo = -1;
    p->funcs = funcs;
    PFunc *f = &p->funcs[leaf];
    f->nregs = 0;
    uint32_t r = add_reg(p, f, T_BOOL);
    uint32_t code[] = { OP_CALL, r, p->nfuncs, 0, OP_RET, r };
    f->code = arena_alloc(&p->arena, sizeof code);
    memcpy(f->code, code, sizeof code);
    f->ncode = sizeof code / sizeof code[0];
    f->nlines = 0;
    p->nfuncs++;
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_str_eq(err, "calls nest more than 1000 deep");
    prog_free(p);
}
END_TEST

/* f0(x) = f1(x) + f1(x), f1(x) = f2(x) + f2(x), ...: each level doubles
 * the work of one evaluation. */
static char *doubling_source(unsigned n)
{
    size_t cap = 128 + (size_t)n * 64;
    char *s = malloc(cap);
    MUST(s, "out of memory");
    size_t o = (size_t)snprintf(s, cap, "record r key id {\n  id: text\n  x: number\n}\n");
    for (unsigned i = 0; i + 1 < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "define f%u(v: number) = f%u(v) + f%u(v)\n", i, i + 1, i + 1);
    o += (size_t)snprintf(s + o, cap - o, "define f%u(v: number) = v\nlead when f0(x) > 0\n", n - 1);
    return s;
}

START_TEST(work_bound)
{
    char err[512];
    char *src = doubling_source(16);
    Prog *p = compile_text("double16.lead", src, err, sizeof err);
    free(src);
    ck_assert_msg(p, "%s", err);
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    VmCtx *vm = vm_new(p, AS_OF);
    VmCell cells[2] = { { "k", 1, 0 }, { "1", 1, 0 } };
    vm_record(vm, cells, NULL);
    VmValue v = vm_eval(vm, p->lead_fn);
    ck_assert(!v.miss && v.u.i == 1);
    vm_free(vm);
    prog_free(p);

    /* 2^40 calls: refused, not run for ever */
    src = doubling_source(41);
    p = compile_text("double41.lead", src, err, sizeof err);
    free(src);
    ck_assert_msg(p, "%s", err);
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_msg(strstr(err, "one record could take more than"), "%s", err);
    prog_free(p);
}
END_TEST

/* An aggregate inside a function with parameters, called from a where
 * body, runs once per event of the outer aggregate: nesting multiplies by
 * the number of events, so its depth is bounded. */
static char *nesting_source(unsigned n)
{
    size_t cap = 256 + (size_t)n * 80;
    char *s = malloc(cap);
    MUST(s, "out of memory");
    size_t o = (size_t)snprintf(s, cap, "record r key id { id: text }\nevents ev match uid {\n  uid: text\n  k: text\n}\n"
                                        "define f1(x: text) = count(ev where k = x)\n");
    for (unsigned i = 2; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "define f%u(x: text) = count(ev where f%u(k) > 0 and k != x)\n", i, i - 1);
    o += (size_t)snprintf(s + o, cap - o, "lead when count(ev where f%u(k) > 1) > 0\n", n - 1);
    return s;
}

START_TEST(where_nesting)
{
    char err[512];
    char *src = nesting_source(PROG_MAX_WHERE_NEST);
    Prog *p = compile_text("nest3.lead", src, err, sizeof err);
    free(src);
    ck_assert_msg(p, "%s", err);
    ck_assert_msg(prog_verify(p, err, sizeof err), "%s", err);
    prog_free(p);

    src = nesting_source(PROG_MAX_WHERE_NEST + 1);
    p = compile_text("nest4.lead", src, err, sizeof err);
    free(src);
    ck_assert_msg(p, "%s", err);
    ck_assert(!prog_verify(p, err, sizeof err));
    ck_assert_str_eq(err, "where bodies nest 4 deep, more than 3 (each runs the next once per event)");
    prog_free(p);
}
END_TEST

/* ---- truncations and random changes ------------------------------------------------------------------ */

/* Every prefix of every file: as cut (the size field disagrees), and with
 * the size and checksum made to fit, so the cut reaches the section
 * readers. */
START_TEST(every_truncation)
{
    unsigned n = 0;
    for (int s = 0; s < 2; s++) {
        const uint8_t *a = s ? img_strip[_i] : img[_i];
        size_t alen = s ? img_strip_len[_i] : img_len[_i];
        for (size_t len = 0; len < alen; len++) {
            for (int seal = 0; seal < 2; seal++) {
                uint8_t *b = dup_bytes(a, len);
                if (seal) reseal(b, len);
                char err[512] = "";
                Prog *p = bc_load(b, len, err, sizeof err);
                free(b);
                if (p) { prog_free(p); ck_abort_msg("%s: the first %zu bytes were accepted", NAMES[_i], len); }
                MUST(err[0], "%s: %zu bytes: no message", NAMES[_i], len);
                MUST(seal || strstr(err, len ? "truncated" : "empty file"), "%s: %zu bytes: %s", NAMES[_i], len, err);
                n++;
            }
        }
    }
    fprintf(stderr, "test_bc: %s: %u truncations refused\n", NAMES[_i], n);
}
END_TEST

typedef struct FlipStats { unsigned tried, reader, verifier, patterns, ran, same; } FlipStats;

/* One random change: bytes flipped or set, a run overwritten, a word set
 * to an edge value, or a range cut out. */
static void mutate(uint8_t **bp, size_t *len, uint64_t *st)
{
    uint8_t *b = *bp;
    size_t n = *len;
    uint64_t r = rnd(st);
    switch (r % 10) {
    case 0: case 1: case 2: case 3:               /* one bit or byte */
        b[rnd(st) % n] ^= (uint8_t)(r % 7 ? 1u << ((r >> 8) % 8) : (r >> 16 | 1));
        break;
    case 4: case 5: {                             /* a few bytes anywhere */
        unsigned k = 2 + (unsigned)(rnd(st) % 7);
        for (unsigned i = 0; i < k; i++) b[rnd(st) % n] = (uint8_t)rnd(st);
        break;
    }
    case 6: {                                     /* a run */
        size_t at = rnd(st) % n, k = 1 + rnd(st) % 16;
        for (size_t i = at; i < at + k && i < n; i++) b[i] = (uint8_t)rnd(st);
        break;
    }
    case 7: case 8: {                             /* a word set to an edge value */
        static const uint32_t edge[] = { 0, 1, 2, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000u,
                                         0xFFFFFFFFu, 0xFFFFFFFEu, 1000, 1001, 59, 65535 };
        size_t at = rnd(st) % (n - 3);
        if (r & 0x100) at &= ~(size_t)3;
        put32(b + at, edge[rnd(st) % (sizeof edge / sizeof edge[0])]);
        break;
    }
    default: {                                    /* a range cut out */
        size_t at = rnd(st) % n, k = 1 + rnd(st) % 8;
        if (at + k > n) k = n - at;
        memmove(b + at, b + at + k, n - at - k);
        *len = n - k;
        break;
    }
    }
}

static void flips(int prog, unsigned count, uint64_t seed, FlipStats *fs)
{
    uint64_t st = seed;
    for (unsigned it = 0; it < count; it++) {
        bool strip = rnd(&st) % 3 == 0;
        const uint8_t *a = strip ? img_strip[prog] : img[prog];
        size_t len = strip ? img_strip_len[prog] : img_len[prog];
        uint8_t *b = dup_bytes(a, len);
        unsigned rounds = 1 + (unsigned)(rnd(&st) % 4 == 0 ? rnd(&st) % 4 : 0);
        for (unsigned k = 0; k < rounds; k++) mutate(&b, &len, &st);
        bool seal = rnd(&st) % 4 != 0;
        if (seal) reseal(b, len);
        uint8_t *exact = dup_bytes(b, len);
        free(b);
        fs->tried++;
        char err[512] = "";
        Prog *p = bc_read(exact, len, err, sizeof err);
        if (!p) {
            MUST(err[0], "refused without a message");
            fs->reader++;
            free(exact);
            continue;
        }
        if (!prog_verify(p, err, sizeof err)) {
            MUST(err[0], "refused without a message");
            fs->verifier++;
            prog_free(p);
            free(exact);
            continue;
        }
        /* it verifies: whatever it is, its bounds hold, and it can be listed,
         * written back and run */
        check_frame_bounds(p);
        MUST(prog_prepare(p), "prepare failed");
        size_t wlen;
        uint8_t *w = bc_write(p, exact[12] & BC_FLAG_STRIP, &wlen);
        if (!(exact[12] & BC_FLAG_STRIP)) {
            MUST(wlen == len && memcmp(w, exact, len) == 0, "a file that verifies does not write back as read (iteration %u)", it);
            fs->same++;
        }
        free(w);
        free(exact);
        FILE *devnull = fopen("/dev/null", "w");
        MUST(devnull, "/dev/null");
        disasm_print(p, devnull);
        fclose(devnull);
        RunStats rs = { 0 };
        run_records(p, &st, 3, AS_OF, &rs);
        if (rs.patterns_refused) fs->patterns++;
        else fs->ran++;
        prog_free(p);
    }
}

START_TEST(random_changes)
{
    FlipStats fs = { 0 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* 20,000 changed files over the programs */
    static const unsigned share[NPROGS] = { 6000, 6000, 2500, 1500, 4000 };
    for (int i = 0; i < NPROGS; i++) flips(i, share[i], seed_of(0xC0FFEEull * (uint64_t)(i + 1)), &fs);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "test_bc: %u changed files in %.1f s: %u refused by the reader, %u by the verifier, "
            "%u by pattern compilation, %u verified and ran (%u wrote back byte for byte)\n",
            fs.tried, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            fs.reader, fs.verifier, fs.patterns, fs.ran, fs.same);
    ck_assert_uint_eq(fs.tried, 20000);
    ck_assert_uint_eq(fs.tried, fs.reader + fs.verifier + fs.patterns + fs.ran);
    ck_assert_uint_gt(fs.verifier, 100);        /* the changes reach the verifier */
}
END_TEST

/* Changes that keep the file readable and aim at the verifier: one word of
 * an instruction (opcode, operand, argument count, jump) or one field of
 * a table set to a nearby or edge value.  Each changed program is refused,
 * or its bounds hold and it runs. */
static uint32_t near_value(uint64_t *st, uint32_t x)
{
    switch (rnd(st) % 6) {
    case 0: return x + 1;
    case 1: return x - 1;
    case 2: return (uint32_t)(rnd(st) % 8);
    case 3: return (uint32_t)(rnd(st) % 300);
    case 4: return 0xFFFFFFFFu - (uint32_t)(rnd(st) % 4);
    default: return x ^ (1u << (rnd(st) % 32));
    }
}

/* ins_len for code an earlier change may have broken */
static uint32_t safe_len(const PFunc *f, uint32_t pc)
{
    if (f->code[pc] >= OP__COUNT) return 1;
    uint64_t len = 1;
    for (const char *s = lead_opinfo[f->code[pc]].operands; *s; s++) {
        if (*s == ' ') continue;
        if (*s == 'R') { s++; len++; continue; }
        if (*s == 'V') { len += 1 + (pc + len < f->ncode ? f->code[pc + len] : 0); continue; }
        len++;
    }
    return len > f->ncode - pc ? f->ncode - pc : (uint32_t)len;
}

static void change_program(Prog *p, uint64_t *st)
{
    uint64_t r = rnd(st);
    PFunc *f = &p->funcs[rnd(st) % p->nfuncs];
    if (r % 8 < 5) {                            /* a code word */
        uint32_t k = (uint32_t)(rnd(st) % f->ncode);
        if (r % 8 == 0) {                       /* an opcode, at an instruction */
            uint32_t pc = 0;
            while (pc + safe_len(f, pc) <= k) pc += safe_len(f, pc);
            f->code[pc] = (uint32_t)(rnd(st) % (OP__COUNT + 1));
        } else
            f->code[k] = near_value(st, f->code[k]);
        return;
    }
    switch (r % 8) {
    case 5:                                     /* a register's type, the result, counts */
        switch (rnd(st) % 5) {
        case 0: if (f->nregs) f->rtypes[rnd(st) % f->nregs].kind = (uint8_t)(rnd(st) % 9); break;
        case 1: if (f->nregs) f->rtypes[rnd(st) % f->nregs].id = (uint16_t)(rnd(st) % 3); break;
        case 2: f->result.kind = (uint8_t)(rnd(st) % 9); break;
        case 3: f->nparams = near_value(st, f->nparams); break;
        default: f->memo = (int32_t)near_value(st, (uint32_t)f->memo); break;
        }
        break;
    case 6:                                     /* an aggregate */
        if (p->naggs) {
            PAgg *a = &p->aggs[rnd(st) % p->naggs];
            switch (rnd(st) % 6) {
            case 0: a->kind = (uint8_t)(rnd(st) % 12); break;
            case 1: a->win = (uint8_t)(rnd(st) % 5); break;
            case 2: a->field = (int32_t)near_value(st, (uint32_t)a->field); break;
            case 3: a->where = (int32_t)near_value(st, (uint32_t)a->where); break;
            case 4: a->stream = (int32_t)near_value(st, (uint32_t)a->stream); break;
            default: a->win_us = rnd(st) % 2 ? INT64_MAX - (int64_t)(rnd(st) % 3) : (int64_t)(rnd(st) % 1000) - 10; break;
            }
        } else
            f->kind = (uint8_t)(rnd(st) % 8);
        break;
    default:                                    /* outputs and the schema */
        switch (rnd(st) % 6) {
        case 0: p->lead_fn = (int32_t)near_value(st, (uint32_t)p->lead_fn); break;
        case 1: p->score_fn = (int32_t)near_value(st, (uint32_t)p->score_fn); break;
        case 2: if (p->nclasses) p->class_fns[0] = (int32_t)near_value(st, (uint32_t)p->class_fns[0]); break;
        case 3: if (p->nexplain) p->explain[0].fn = (int32_t)near_value(st, (uint32_t)p->explain[0].fn); break;
        case 4: p->fields[rnd(st) % p->nfields].type.kind = (uint8_t)(rnd(st) % 9); break;
        default: f->kind = (uint8_t)(rnd(st) % 8); break;
        }
        break;
    }
}

START_TEST(structured_changes)
{
    static const unsigned share[NPROGS] = { 6000, 6000, 2000, 2000, 4000 };
    unsigned tried = 0, refused = 0, ran = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < NPROGS; i++) {
        uint64_t st = seed_of(0xBADC0DEull * (uint64_t)(i + 7));
        for (unsigned it = 0; it < share[i]; it++) {
            Prog *p = read_img(i);
            unsigned k = 1 + (rnd(&st) % 3 == 0);
            for (unsigned c = 0; c < k; c++) change_program(p, &st);
            size_t len;
            uint8_t *b = bc_write(p, false, &len);
            prog_free(p);
            uint8_t *exact = dup_bytes(b, len);
            free(b);
            char err[512] = "";
            tried++;
            p = bc_load(exact, len, err, sizeof err);
            free(exact);
            if (!p) { MUST(err[0], "refused without a message"); refused++; continue; }
            check_frame_bounds(p);
            RunStats rs = { 0 };
            run_records(p, &st, 2, AS_OF, &rs);
            ran++;
            prog_free(p);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "test_bc: %u changed programs in %.1f s: %u refused, %u verified and ran\n", tried,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, refused, ran);
    ck_assert_uint_eq(tried, 20000);
    ck_assert_uint_gt(ran, 1000);
    ck_assert_uint_gt(refused, 1000);
}
END_TEST

static Suite *bc_suite(void)
{
    Suite *s = suite_create("bc");

    TCase *tc = tcase_create("round trip");
    tcase_add_unchecked_fixture(tc, setup_images, teardown_images);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, programs_cover_every_opcode);
    tcase_add_loop_test(tc, round_trip, 0, 2 * NPROGS);
    tcase_add_test(tc, header_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad files");
    tcase_add_unchecked_fixture(tc, setup_images, teardown_images);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, bad_program, 0, (int)(sizeof BAD_PROGS / sizeof BAD_PROGS[0]));
    tcase_add_test(tc, bad_in_memory);
    tcase_add_loop_test(tc, bad_file, 0, (int)(sizeof BAD_FILES / sizeof BAD_FILES[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("vm");
    tcase_add_unchecked_fixture(tc, setup_images, teardown_images);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, programs_run, 0, NPROGS);
    tcase_add_test(tc, hand_made_jmiss_runs);
    tcase_add_test(tc, argument_lists_above_the_frame);
    tcase_add_test(tc, unwritten_registers);
    tcase_add_test(tc, longest_durations);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, call_depth);
    tcase_add_test(tc, work_bound);
    tcase_add_test(tc, where_nesting);
    suite_add_tcase(s, tc);

    tc = tcase_create("damage");
    tcase_add_unchecked_fixture(tc, setup_images, teardown_images);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, every_truncation, 0, NPROGS);
    tcase_add_test(tc, random_changes);
    tcase_add_test(tc, structured_changes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
