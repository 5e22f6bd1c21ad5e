/* regex: PCRE2 behind the small interface of regex.h. */
#include "config.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "regex.h"

#define RX_FLAGS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
#define RX_MATCH_LIMIT 10000000u     /* backtracking steps per match: no hangs */
#define RX_DEPTH_LIMIT 100000u

/* A pattern that is only literals between bars ("chief|head|vp", the usual
 * kind in a lead definition) is also kept as those literals, lower-cased,
 * chained by their first byte: an ASCII subject is searched for them
 * directly, which gives PCRE2's answer (on ASCII text, caseless matching of
 * ASCII letters is plain ASCII case) at a fraction of the cost.  Any other
 * subject goes to PCRE2. */
typedef struct Lit { unsigned char *s; uint32_t n; uint32_t next; } Lit;

struct LeadRegex {
    pcre2_code *code;
    pcre2_match_context *mctx;
    bool literal;                       /* the pattern is literals between bars */
    Lit *lits; uint32_t nlits;
    unsigned char *text;                /* the literals' bytes */
    bool always;                        /* an empty alternative matches anywhere */
    uint32_t first[128];                /* lits index + 1 by first byte, chained */
};

struct RxMatch {
    pcre2_match_data *md;
};

static pcre2_code *compile(const char *pat, size_t len, char *msg, size_t msglen)
{
    int ec;
    PCRE2_SIZE eoff;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, len, RX_FLAGS, &ec, &eoff, NULL);
    if (!c) {
        PCRE2_UCHAR buf[200];
        pcre2_get_error_message(ec, buf, sizeof buf);
        snprintf(msg, msglen, "%s (at offset %zu of the pattern)", (const char *)buf, (size_t)eoff);
    }
    return c;
}

bool lead_regex_check(const char *pat, size_t len, char *msg, size_t msglen)
{
    pcre2_code *c = compile(pat, len, msg, msglen);
    if (!c) return false;
    pcre2_code_free(c);
    return true;
}

static unsigned char lower_ascii(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

/* Bytes that stand for themselves in a pattern (no escape, class, group,
 * quantifier, anchor, dot or bar; no option syntax is possible without '('). */
static bool plain_byte(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != 0 && strchr(" !\"#%&',-/:;<=>@_~`", c) != NULL;
}

static void literals(LeadRegex *rx, const char *pat, size_t len)
{
    uint32_t nalt = 1;
    for (size_t i = 0; i < len; i++) {
        if (pat[i] == '|') nalt++;
        else if (!plain_byte((unsigned char)pat[i])) return;
    }
    Lit *lits = calloc(nalt, sizeof *lits);
    unsigned char *text = malloc(len + 1);
    if (!lits || !text) { free(lits); free(text); return; }
    for (size_t i = 0; i < len; i++) text[i] = lower_ascii((unsigned char)pat[i]);
    uint32_t n = 0;
    for (size_t i = 0, start = 0; i <= len; i++) {
        if (i < len && pat[i] != '|') continue;
        if (i == start) rx->always = true;
        else lits[n++] = (Lit){ text + start, (uint32_t)(i - start), 0 };
        start = i + 1;
    }
    /* chain by first byte, keeping the pattern's order */
    for (uint32_t k = n; k-- > 0;) {
        lits[k].next = rx->first[lits[k].s[0]];
        rx->first[lits[k].s[0]] = k + 1;
    }
    rx->literal = true;
    rx->lits = lits;
    rx->nlits = n;
    rx->text = text;
}

/* The literals' answer for an ASCII subject: 1 or 0; -2 when the subject
 * is not all ASCII (PCRE2 decides). */
static int lit_match(const LeadRegex *rx, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        if (w & 0x8080808080808080ull) return -2;
    }
    for (; i < n; i++)
        if (u[i] >= 0x80) return -2;
    if (rx->always) return 1;
    for (i = 0; i < n; i++) {
        for (uint32_t k = rx->first[lower_ascii(u[i])]; k; k = rx->lits[k - 1].next) {
            const Lit *l = &rx->lits[k - 1];
            if (l->n > n - i) continue;
            uint32_t j = 1;
            while (j < l->n && lower_ascii(u[i + j]) == l->s[j]) j++;
            if (j == l->n) return 1;
        }
    }
    return 0;
}

LeadRegex *rx_compile(const char *pat, size_t len, char *msg, size_t msglen)
{
    pcre2_code *c = compile(pat, len, msg, msglen);
    if (!c) return NULL;
    LeadRegex *rx = calloc(1, sizeof *rx);
    if (!rx) { pcre2_code_free(c); snprintf(msg, msglen, "out of memory"); return NULL; }
    rx->code = c;
    (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);     /* falls back to the interpreter */
    rx->mctx = pcre2_match_context_create(NULL);
    if (rx->mctx) {
        pcre2_set_match_limit(rx->mctx, RX_MATCH_LIMIT);
        pcre2_set_depth_limit(rx->mctx, RX_DEPTH_LIMIT);
    }
    literals(rx, pat, len);
    return rx;
}

void rx_free(LeadRegex *rx)
{
    if (!rx) return;
    pcre2_match_context_free(rx->mctx);
    pcre2_code_free(rx->code);
    free(rx->text);
    free(rx->lits);
    free(rx);
}

RxMatch *rx_match_new(void)
{
    RxMatch *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->md = pcre2_match_data_create(1, NULL);
    if (!m->md) { free(m); return NULL; }
    return m;
}

void rx_match_free(RxMatch *m)
{
    if (!m) return;
    pcre2_match_data_free(m->md);
    free(m);
}

int rx_match(const LeadRegex *rx, RxMatch *m, const char *s, size_t n)
{
    if (rx->literal) {
        int r = lit_match(rx, s ? s : "", n);
        if (r != -2) return r;
    }
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)(s ? s : ""), n, 0, 0, m->md, rx->mctx);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    return -1;
}
