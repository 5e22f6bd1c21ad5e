/* A native enrichment library for the extern tests: built by cmd. */
#include <string.h>

/* text -> number: a company-size guess from a domain's length (toy). */
double domain_score(const char *domain)
{
    return (double)strlen(domain) * 1.5;
}

/* text -> text: the top-level domain, or NULL (missing) without a dot. */
const char *tld(const char *domain)
{
    const char *dot = strrchr(domain, '.');
    return dot ? dot + 1 : NULL;
}

/* number, bool -> bool */
int big_and_flag(double n, int flag)
{
    return n > 10 && flag;
}
