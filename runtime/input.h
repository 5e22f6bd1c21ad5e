/* input: a byte source for the readers: a file or standard input ("-"),
 * gzip or zstd compressed or not, detected from the first bytes (never from
 * the name).  Reads are large and buffered by the caller.  A compressed
 * stream may hold several gzip members or zstd frames, read in order.
 *
 * Ownership: in_open returns a source the caller closes with in_close. */
#ifndef LEAD_INPUT_H
#define LEAD_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct InSrc InSrc;

/* Open PATH ("-" = standard input).  On failure returns NULL and writes a
 * message (without the path prefix, e.g. "No such file or directory") to
 * err. */
InSrc *in_open(const char *path, char *err, size_t errlen);

/* Read up to n decompressed bytes.  Returns the count, 0 at the end, -1 on
 * an error (message in err: a read error, "corrupt gzip data (...)",
 * "truncated gzip stream", "corrupt zstd data (...)", "truncated zstd
 * stream").  Bytes decoded before an error are returned first; after an
 * error every call fails with it again. */
ssize_t in_read(InSrc *in, void *buf, size_t n, char *err, size_t errlen);

/* Bytes of the underlying file consumed so far and its total size (-1 when
 * unknown, e.g. a pipe): for progress reports. */
int64_t in_consumed(const InSrc *in);
int64_t in_total(const InSrc *in);

/* "gzip", "zstd" or "plain". */
const char *in_kind(const InSrc *in);

void in_close(InSrc *in);

#endif
