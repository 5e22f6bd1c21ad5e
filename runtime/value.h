/* value: the data types of the lead language and how values are read from
 * input text and written to output (LANGUAGE.md section 5, appendix A
 * "Numbers" and "Data formats"; TOOLS.md "Output details").
 *
 * Representations:
 *   number  IEEE double (never inf or NaN in a present value)
 *   bool    0 / 1
 *   date    int32 days since 1970-01-01 (proleptic Gregorian, UTC)
 *   time    int64 microseconds since 1970-01-01T00:00:00Z
 *   level   int32 rank, 0 = lowest label
 *   text    bytes (pointer + length) owned by whoever produced them
 * Year range accepted anywhere: 0001..9999. */
#ifndef LEAD_VALUE_H
#define LEAD_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_PER_DAY 86400000000LL

/* Data parsing (cells from CSV or JSON text).  Each trims Unicode white
 * space first and returns false when the value is invalid (then *out is
 * untouched).  A blank cell is the caller's business (missing, not invalid). */
bool val_parse_number(const char *s, size_t n, double *out);   /* appendix A data rule */
bool val_parse_bool(const char *s, size_t n, bool *out);       /* true false yes no y n t f 1 0 */
bool val_parse_date(const char *s, size_t n, int32_t *days);   /* a time gives its UTC date */
bool val_parse_time(const char *s, size_t n, int64_t *us);     /* a date gives midnight UTC */

/* Calendar helpers. */
int32_t val_days_from_civil(int y, int m, int d);              /* no range check */
void    val_civil_from_days(int32_t days, int *y, int *m, int *d);
bool    val_valid_civil(int y, int m, int d);
int32_t val_date_of_time(int64_t us);                          /* floor division */

/* Output formatting; each returns the length written (no NUL counted, but
 * one is written).  Buffers of VAL_FMT_MAX bytes always suffice. */
#define VAL_FMT_MAX 400
size_t val_format_number(double x, char *buf);  /* integral: all digits, else shortest %g round trip */
size_t val_format_date(int32_t days, char *buf);               /* YYYY-MM-DD */
size_t val_format_time(int64_t us, char *buf);                 /* YYYY-MM-DDTHH:MM:SS[.ffffff]Z */

#endif
