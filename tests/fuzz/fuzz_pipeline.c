/* fuzz_pipeline: `leadvm run` end to end (run_program) on in-memory files.
 *
 * Input layout: two option bytes, then up to three parts separated by a
 * line "%%":  PROGRAM %% RECORDS %% EVENTS  (a program of the fuzzer's),
 * or RECORDS %% EVENTS, or RECORDS alone (one of two fixed programs).
 *
 *   byte 0: bit 0 records as JSON lines, 1 --explain, 2 --summary,
 *           3 --summary=json, 4 --reject, 5 --max-rejects 1,
 *           6 events as JSON lines, 7 join events by streaming (else hash)
 *   byte 1: bit 0 the second fixed program, 1 --format jsonl, 2 --keep,
 *           3-4 --delimiter (detect , ; TAB)
 *
 * Output goes to the process's stdout and messages to its stderr, both
 * swapped for /dev/null while the run lasts (fz_quiet); the signal
 * handlers run_program installs are put back afterwards so libFuzzer keeps
 * its own.  One thread: the fuzzer wants runs it can repeat. */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "rtinit.h"
#include "run.h"
#include "value.h"

/* An Acme-like program: events with windows, patterns, levels, explain. */
static const char fixed_a[] =
    "record contact key id {\n"
    "  id:        text\n"
    "  email:     text\n"
    "  title:     text\n"
    "  seniority: level(Staff, Manager, Director, VP)\n"
    "  revenue:   number from \"Annual Revenue\"\n"
    "  country:   text\n"
    "  created:   date\n"
    "  optout:    bool\n"
    "}\n"
    "events activity match contact_id {\n"
    "  contact_id: text\n"
    "  type:       text\n"
    "  minutes:    number\n"
    "  at:         time\n"
    "}\n"
    "set north_america = [\"US\", \"CA\"]\n"
    "define fits = revenue >= $1M and country in north_america and seniority >= Director\n"
    "define engaged = count(activity where type = \"visit\" during any day) >= 2\n"
    "  or sum(activity.minutes during last 30 days) > 10\n"
    "lead when fits and engaged and not optout\n"
    "score {\n"
    "  +20 when seniority >= VP\n"
    "  +5 per count(activity where type = \"webinar\"), at most 15\n"
    "  +15 when title matches \"chief|head|\\\\bvp\\\\b\"\n"
    "  +8 for each activity where type = \"demo\", half life 7 days, at most 10\n"
    "  -1 per max(0, days_since(latest(activity.at))), at most 30\n"
    "  limit 0 to 100\n"
    "}\n"
    "classify grade {\n"
    "  A when score >= 60\n"
    "  B when score >= 30 or created within last 2 weeks\n"
    "  otherwise C\n"
    "}\n";

/* A record-only program over every field type. */
static const char fixed_b[] =
    "record person key email {\n"
    "  email:   text\n"
    "  name:    text\n"
    "  revenue: number\n"
    "  active:  bool\n"
    "  seen:    time\n"
    "  tier:    level(Low, Mid, High)\n"
    "}\n"
    "define big = revenue >= 10 and active\n"
    "lead when big or seen within last 7 days or tier >= Mid\n"
    "  or lower(domain(email)) = \"x.com\" or length(trim(name)) > 3\n"
    "score {\n"
    "  +2 per revenue, at most 10\n"
    "}\n";

static Prog *fixed[2];

/* The next part of [*p, end) up to a line "%%" (or the end). */
static bool next_part(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *n)
{
    if (!*p) return false;
    *s = *p;
    for (const uint8_t *q = *p; end - q >= 4; q++)
        if (q[0] == '\n' && q[1] == '%' && q[2] == '%' && q[3] == '\n') {
            *n = (size_t)(q + 1 - *p);
            *p = q + 4;
            return true;
        }
    *n = (size_t)(end - *p);
    *p = NULL;
    return true;
}

static void run(Prog *p, uint8_t f0, uint8_t f1, const uint8_t *rec, size_t nrec, const uint8_t *ev, size_t nev)
{
    RunOpts o;
    memset(&o, 0, sizeof o);
    o.prog_name = "leadvm";
    o.in_format = f0 & 1 ? 2 : 1;
    o.input = fz_file(0, f0 & 1 ? "records.jsonl" : "records.csv", rec, nrec);
    o.out_format = f1 & 2 ? 1 : 0;
    o.explain = f0 & 2;
    o.summary = f0 & 8 ? 2 : f0 & 4 ? 1 : 0;
    if (f0 & 16) o.reject = fz_file(2, "rejects.csv", "", 0);
    if (f0 & 32 && o.reject) o.max_rejects = 1;
    static const int delims[] = { 0, ',', ';', '\t' };
    o.delim = delims[(f1 >> 3) & 3];
    o.as_of = val_days_from_civil(2026, 1, 10);
    o.threads = 1;
    o.progress = 0;
    static const char *keep[] = { "email" };
    if (f1 & 4) { o.keep = keep; o.nkeep = 1; }
    RunEvents evs = { 0 };
    if (ev && p->nstreams) {
        evs.name = p->streams[0].name.p;
        evs.path = fz_file(1, f0 & 64 ? "events.jsonl" : "events.csv", ev, nev);
        o.events = &evs;
        o.nevents = 1;
    }
    setenv("LEAD_EVENTS_JOIN", f0 & 128 ? "stream" : "hash", 1);

    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    struct sigaction saved[4];
    for (int i = 0; i < 4; i++) sigaction(sigs[i], NULL, &saved[i]);
    fz_quiet();
    run_program(p, &o);
    fz_loud();
    for (int i = 0; i < 4; i++) sigaction(sigs[i], &saved[i], NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20)) return 0;
    uint8_t f0 = data[0], f1 = data[1];
    const uint8_t *p = data + 2, *end = data + size;
    const uint8_t *part[3] = { NULL, NULL, NULL };
    size_t len[3] = { 0, 0, 0 };
    int nparts = 0;
    while (nparts < 3 && next_part(&p, end, &part[nparts], &len[nparts])) nparts++;
    if (p) len[nparts - 1] = (size_t)(end - part[nparts - 1]);   /* a fourth part stays in the third */

    if (nparts == 3) {
        Prog *q = fz_compile("fuzz.lead", (const char *)part[0], len[0], true);
        if (!q) return 0;
        char err[300];
        /* leadvm refuses to run externs without --allow-native; no natives here */
        if (!q->nexterns && rt_compile_patterns(q, err, sizeof err)) run(q, f0, f1, part[1], len[1], part[2], len[2]);
        prog_free(q);
        return 0;
    }
    int which = f1 & 1;
    if (!fixed[which]) {
        fixed[which] = fz_compile(which ? "fixed_b.lead" : "fixed_a.lead", which ? fixed_b : fixed_a,
                                  which ? sizeof fixed_b - 1 : sizeof fixed_a - 1, false);
        char err[300];
        if (!rt_compile_patterns(fixed[which], err, sizeof err)) abort();
    }
    run(fixed[which], f0, f1, part[0], len[0], nparts == 2 ? part[1] : NULL, nparts == 2 ? len[1] : 0);
    return 0;
}
