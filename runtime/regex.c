/* regex: PCRE2 behind the small interface of regex.h. */
#include "config.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include "regex.h"

#define RX_FLAGS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
#define RX_MATCH_LIMIT 10000000u     /* backtracking steps per match: no hangs */
#define RX_DEPTH_LIMIT 100000u

struct LeadRegex {
    pcre2_code *code;
    pcre2_match_context *mctx;
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
    return rx;
}

void rx_free(LeadRegex *rx)
{
    if (!rx) return;
    pcre2_match_context_free(rx->mctx);
    pcre2_code_free(rx->code);
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
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)(s ? s : ""), n, 0, 0, m->md, rx->mctx);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    return -1;
}
