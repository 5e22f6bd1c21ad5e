/* regex: `matches` with PCRE2 (LANGUAGE.md section 4): UTF, UCP and caseless,
 * unanchored, JIT-compiled where the platform has it.  A subject that is not
 * valid UTF-8, or a match that runs past the backtracking limit, gives
 * unknown (never an error, never a hang).
 *
 * Ownership: a LeadRegex is owned by its program; match data by each
 * thread's VM context. */
#ifndef LEAD_REGEX_H
#define LEAD_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct LeadRegex LeadRegex;
typedef struct RxMatch RxMatch;

/* Compile-time check for leadc: false and a message (with the offset in the
 * pattern) for an invalid pattern. */
bool lead_regex_check(const char *pat, size_t len, char *msg, size_t msglen);

LeadRegex *rx_compile(const char *pat, size_t len, char *msg, size_t msglen);
void rx_free(LeadRegex *rx);

RxMatch *rx_match_new(void);
void rx_match_free(RxMatch *m);

/* 1 match, 0 no match, -1 unknown (invalid UTF-8 or a resource limit). */
int rx_match(const LeadRegex *rx, RxMatch *m, const char *s, size_t n);

#endif
