/* disasm: a readable listing of a program: header, tables, then each
 * function's code with every instruction's meaning and source line.  It
 * is driven by the same opcode table as the VM and the verifier. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "builtins.h"
#include "disasm.h"
#include "opcodes.h"
#include "value.h"
#include "bc.h"

static const char *tname(const Prog *p, PType t, char *buf, size_t n)
{
    static const char *names[] = { "?", "text", "number", "bool", "date", "time", "level", "class" };
    if (t.kind == PT_LEVEL) { snprintf(buf, n, "level L%u", t.id); return buf; }
    if (t.kind == PT_CLASS) { snprintf(buf, n, "class %s", t.id < p->nclasses ? p->classes[t.id].name.p : "?"); return buf; }
    return t.kind < 8 ? names[t.kind] : "?";
}

static void str(FILE *out, const char *s, uint32_t n)
{
    fputc('"', out);
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '\t') fputs("\\t", out);
        else if (c < 0x20) fprintf(out, "\\u{%X}", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static const char *fkind[] = { "define", "function", "where", "lead", "score", "classify", "explain" };
static const char *akind[] = { "count", "count distinct", "any", "none", "sum", "average", "min", "max",
                               "latest", "earliest", "for each" };
static const char *wkind[] = { "", "during last", "during any day", "during any" };

void disasm_print(const Prog *p, FILE *out)
{
    char b[VAL_FMT_MAX], tb[64];
    fprintf(out, "; lead bytecode, format version %d\n", BC_VERSION);
    fprintf(out, "definition ");
    if (p->def_name.len) str(out, p->def_name.p, p->def_name.len); else fputs("(none)", out);
    if (p->has_version) fprintf(out, " version %s", (val_format_number(p->version, b), b));
    fputc('\n', out);
    for (uint32_t i = 0; i < p->nowners; i++) { fputs("owner ", out); str(out, p->owners[i].p, p->owners[i].len); fputc('\n', out); }
    if (p->has_approved) fprintf(out, "approved %s\n", (val_format_date(p->approved, b), b));
    fprintf(out, "source %s\n", p->source.p);

    fprintf(out, "\n; record %s, key %s\n", p->record_name.p, p->fields[p->key].name.p);
    for (uint32_t i = 0; i < p->nfields; i++) {
        fprintf(out, "F%-3u %-24s %-10s column ", i, p->fields[i].name.p, tname(p, p->fields[i].type, tb, sizeof tb));
        str(out, p->fields[i].column.p, p->fields[i].column.len);
        fputc('\n', out);
    }
    for (uint32_t s = 0; s < p->nstreams; s++) {
        const PStream *st = &p->streams[s];
        fprintf(out, "\n; events %s, match %s, time %s\n", st->name.p, st->fields[st->key].name.p,
                st->time >= 0 ? st->fields[st->time].name.p : "(none)");
        for (uint32_t i = 0; i < st->nfields; i++) {
            fprintf(out, "E%-3u %-24s %-10s column ", i, st->fields[i].name.p, tname(p, st->fields[i].type, tb, sizeof tb));
            str(out, st->fields[i].column.p, st->fields[i].column.len);
            fputc('\n', out);
        }
    }
    if (p->nlevels) fputs("\n; level types\n", out);
    for (uint32_t i = 0; i < p->nlevels; i++) {
        fprintf(out, "L%-3u level(", i);
        for (uint32_t k = 0; k < p->levels[i].n; k++) { if (k) fputs(", ", out); str(out, p->levels[i].labels[k].p, p->levels[i].labels[k].len); }
        fputs(")\n", out);
    }
    if (p->nclasses) fputs("\n; classifications\n", out);
    for (uint32_t i = 0; i < p->nclasses; i++) {
        fprintf(out, "C%-3u %s:", i, p->classes[i].name.p);
        for (uint32_t k = 0; k < p->classes[i].n; k++) { fputc(' ', out); str(out, p->classes[i].labels[k].p, p->classes[i].labels[k].len); }
        fputc('\n', out);
    }
    if (p->nnums || p->nints || p->ntexts) fputs("\n; constants\n", out);
    for (uint32_t i = 0; i < p->nnums; i++) fprintf(out, "K%-3u %s\n", i, (val_format_number(p->nums[i], b), b));
    for (uint32_t i = 0; i < p->nints; i++) fprintf(out, "I%-3u %lld\n", i, (long long)p->ints[i]);
    for (uint32_t i = 0; i < p->ntexts; i++) { fprintf(out, "S%-3u ", i); str(out, p->texts[i].p, p->texts[i].len); fputc('\n', out); }
    if (p->nsets) fputs("\n; sets\n", out);
    for (uint32_t i = 0; i < p->nsets; i++) {
        const PSet *s = &p->sets[i];
        fprintf(out, "T%-3u %s, %u member%s:", i, s->kind == PS_TEXT ? "texts" : s->kind == PS_NUMBER ? "numbers" : "integers",
                s->n, s->n == 1 ? "" : "s");
        for (uint32_t k = 0; k < s->n && k < 20; k++) {
            fputc(' ', out);
            if (s->kind == PS_TEXT) str(out, s->texts[k].p, s->texts[k].len);
            else if (s->kind == PS_NUMBER) fputs((val_format_number(s->nums[k], b), b), out);
            else fprintf(out, "%lld", (long long)s->ints[k]);
        }
        if (s->n > 20) fputs(" ...", out);
        fputc('\n', out);
    }
    if (p->nregexes) fputs("\n; patterns\n", out);
    for (uint32_t i = 0; i < p->nregexes; i++) { fprintf(out, "X%-3u ", i); str(out, p->regexes[i].p, p->regexes[i].len); fputc('\n', out); }
    if (p->nexterns) fputs("\n; externs\n", out);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const PExtern *x = &p->externs[i];
        fprintf(out, "Z%-3u %s from ", i, x->name.p);
        str(out, x->lib.p, x->lib.len);
        fprintf(out, " symbol %s (%u parameters)\n", x->sym.p, x->nparams);
    }
    if (p->naggs) fputs("\n; aggregates\n", out);
    for (uint32_t i = 0; i < p->naggs; i++) {
        const PAgg *a = &p->aggs[i];
        const PStream *st = &p->streams[a->stream];
        fprintf(out, "A%-3u %s", i, akind[a->kind]);
        if (a->kind == PA_FOREACH) fprintf(out, " (%s points)", (val_format_number(a->n, b), b));
        fprintf(out, " %s", st->name.p);
        if (a->field >= 0) fprintf(out, ".%s", st->fields[a->field].name.p);
        if (a->where >= 0) fprintf(out, " where function %d", a->where);
        if (a->win) fprintf(out, " %s", wkind[a->win]);
        if (a->win == PW_LAST || a->win == PW_ANY) fprintf(out, " %lld hours", (long long)(a->win_us / 3600000000LL));
        if (a->half_us) fprintf(out, ", half life %lld hours", (long long)(a->half_us / 3600000000LL));
        fputc('\n', out);
    }
    fprintf(out, "\n; outputs: lead function %d", p->lead_fn);
    if (p->score_fn >= 0) fprintf(out, ", score function %d", p->score_fn);
    for (uint32_t c = 0; c < p->nclasses; c++) fprintf(out, ", %s function %d", p->classes[c].name.p, p->class_fns[c]);
    fputc('\n', out);

    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        const PFunc *f = &p->funcs[fi];
        fprintf(out, "\nfunction %u %s (%s", fi, f->name.p, fkind[f->kind < 7 ? f->kind : 0]);
        if (f->memo >= 0) fprintf(out, ", once per record");
        if (f->stream >= 0) fprintf(out, ", over %s events", p->streams[f->stream].name.p);
        fprintf(out, ") -> %s, %u parameter%s, %u register%s\n", tname(p, f->result, tb, sizeof tb),
                f->nparams, f->nparams == 1 ? "" : "s", f->nregs, f->nregs == 1 ? "" : "s");
        fputs("  registers:", out);
        for (uint32_t r = 0; r < f->nregs; r++) fprintf(out, " r%u:%s", r, tname(p, f->rtypes[r], tb, sizeof tb));
        fputc('\n', out);
        uint32_t lastline = 0;
        for (uint32_t pc = 0; pc < f->ncode; ) {
            uint32_t op = f->code[pc];
            const OpInfo *oi = &lead_opinfo[op];
            char ops[256];
            size_t o = 0;
            uint32_t w = pc + 1;
            for (const char *s = oi->operands; *s; s++) {
                if (*s == ' ') continue;
                uint32_t x = f->code[w];
                const char *sep = o ? ", " : "";
                switch (*s) {
                case 'R': s++; o += (size_t)snprintf(ops + o, sizeof ops - o, "%sr%u", sep, x); break;
                case 'J': o += (size_t)snprintf(ops + o, sizeof ops - o, "%s-> %u", sep, w + 1 + x); break;
                case 'V':
                    o += (size_t)snprintf(ops + o, sizeof ops - o, "%s(", sep);
                    for (uint32_t i = 0; i < x && o < 200; i++)
                        o += (size_t)snprintf(ops + o, sizeof ops - o, "%sr%u", i ? ", " : "", f->code[w + 1 + i]);
                    o += (size_t)snprintf(ops + o, sizeof ops - o, ")");
                    w += x;
                    break;
                case 'B': o += (size_t)snprintf(ops + o, sizeof ops - o, "%s%s", sep, lead_builtins[x].name); break;
                default: o += (size_t)snprintf(ops + o, sizeof ops - o, "%s%c%u", sep, *s == 'U' ? 'f' : *s, x); break;
                }
                w++;
            }
            uint32_t line = prog_line(f, pc);
            char lbuf[32] = "";
            if (line && line != lastline) snprintf(lbuf, sizeof lbuf, "line %u: ", line);
            lastline = line;
            fprintf(out, "  %4u  %-9s %-26s ; %s%s\n", pc, oi->name, ops, lbuf, oi->meaning);
            pc = w;
        }
    }
}
