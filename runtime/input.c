/* input: the byte source under the CSV and JSON-lines readers.  It opens a
 * file or standard input, peeks at the first bytes to tell gzip and zstd
 * from plain data (the name is never consulted, so "data.csv" may well be
 * gzip), and then hands out decompressed bytes in whatever sizes the caller
 * asks for.  Plain data is read straight into the caller's buffer, so the
 * chunker above pays one copy at most.
 *
 * Compressed streams may hold several members (gzip) or frames (zstd), as
 * `cat a.gz b.gz` and `zstd -c a b` produce; all are read in order.  Anything
 * after the last member that is not another member is an error, as is a
 * stream that stops inside a member. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

enum { IN_PLAIN, IN_GZIP, IN_ZSTD };

/* Compressed input is read in pieces of this size; decompressed output goes
 * straight into the caller's buffer. */
#define IN_ZBUF (256u << 10)

struct InSrc {
    int      fd;
    bool     own_fd;        /* false for standard input: never closed here */
    int      kind;
    int64_t  consumed, total;

    /* Raw bytes read but not yet used: the peeked magic for plain data, the
     * compressed input window otherwise. */
    unsigned char *ibuf;
    size_t   icap, ipos, ilen;
    bool     ieof;          /* the file has no more bytes */
    unsigned char peek[4];

    z_stream  zs;
    bool      zinit;
    bool      member_done;  /* gzip: the last member ended; more may follow */
    ZSTD_DCtx *zd;
    size_t    zret;         /* last ZSTD_decompressStream result: 0 = between frames */

    /* An error met after some bytes were already produced is kept here and
     * reported by the next call, so those bytes are not lost. */
    bool     failed;
    char     msg[160];
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (errlen)
        snprintf(err, errlen, "%s", msg);
}

/* read() that retries on EINTR.  Counts the bytes as consumed. */
static ssize_t raw_read(InSrc *in, void *buf, size_t n)
{
    ssize_t r;
    do
        r = read(in->fd, buf, n);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        in->consumed += r;
    return r;
}

InSrc *in_open(const char *path, char *err, size_t errlen)
{
    InSrc *in = calloc(1, sizeof *in);
    if (!in) {
        set_err(err, errlen, strerror(ENOMEM));
        return NULL;
    }
    in->total = -1;
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            set_err(err, errlen, strerror(errno));
            free(in);
            return NULL;
        }
        in->own_fd = true;
    }

    struct stat st;
    if (fstat(in->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            set_err(err, errlen, strerror(EISDIR));
            in_close(in);
            return NULL;
        }
        if (S_ISREG(st.st_mode)) {
            in->total = st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
            posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        }
    }

    /* Peek at up to four bytes (a pipe may deliver them one at a time). */
    size_t have = 0;
    while (have < sizeof in->peek) {
        ssize_t r = raw_read(in, in->peek + have, sizeof in->peek - have);
        if (r < 0) {
            set_err(err, errlen, strerror(errno));
            in_close(in);
            return NULL;
        }
        if (r == 0) {
            in->ieof = true;
            break;
        }
        have += (size_t)r;
    }

    const unsigned char *m = in->peek;
    if (have >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        in->kind = IN_GZIP;
    else if (have >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        in->kind = IN_ZSTD;
    else
        in->kind = IN_PLAIN;

    if (in->kind == IN_PLAIN) {
        in->ibuf = in->peek;
        in->ilen = have;
        return in;
    }

    in->icap = IN_ZBUF;
    in->ibuf = malloc(in->icap);
    if (!in->ibuf) {
        set_err(err, errlen, strerror(ENOMEM));
        in_close(in);
        return NULL;
    }
    memcpy(in->ibuf, in->peek, have);
    in->ilen = have;

    if (in->kind == IN_GZIP) {
        /* 15 + 32: a 32 KiB window, gzip or zlib header detected. */
        if (inflateInit2(&in->zs, 15 + 32) != Z_OK) {
            set_err(err, errlen, "cannot initialise zlib");
            in_close(in);
            return NULL;
        }
        in->zinit = true;
    } else {
        in->zd = ZSTD_createDCtx();
        if (!in->zd) {
            set_err(err, errlen, "cannot initialise zstd");
            in_close(in);
            return NULL;
        }
        in->zret = 1;   /* inside a frame: a stream of just the magic is truncated */
    }
    return in;
}

/* Refill the compressed window once it is used up.  Returns -1 on a read
 * error (message in in->msg). */
static int refill(InSrc *in)
{
    if (in->ipos < in->ilen || in->ieof)
        return 0;
    ssize_t r = raw_read(in, in->ibuf, in->icap);
    if (r < 0) {
        snprintf(in->msg, sizeof in->msg, "%s", strerror(errno));
        return -1;
    }
    in->ipos = 0;
    in->ilen = (size_t)r;
    if (r == 0)
        in->ieof = true;
    return 0;
}

/* Fill buf with gzip output.  Returns the byte count; on an error sets
 * in->failed and returns what was produced before it. */
static size_t read_gzip(InSrc *in, unsigned char *buf, size_t n)
{
    z_stream *zs = &in->zs;
    zs->next_out = buf;
    zs->avail_out = n > UINT_MAX ? UINT_MAX : (uInt)n;
    uInt want = zs->avail_out;
    while (zs->avail_out > 0) {
        if (refill(in) < 0) {
            in->failed = true;
            break;
        }
        if (in->member_done) {
            if (in->ipos == in->ilen)
                break;                      /* the end of the last member */
            if (in->ibuf[in->ipos] != 0x1f) {
                snprintf(in->msg, sizeof in->msg,
                         "corrupt gzip data (trailing garbage after the last member)");
                in->failed = true;
                break;
            }
            inflateReset(zs);
            in->member_done = false;
        }
        zs->next_in = in->ibuf + in->ipos;
        zs->avail_in = (uInt)(in->ilen - in->ipos);
        int r = inflate(zs, Z_NO_FLUSH);
        in->ipos = in->ilen - zs->avail_in;
        if (r == Z_STREAM_END) {
            in->member_done = true;
        } else if (r == Z_BUF_ERROR) {
            /* No progress possible: only when the input ran out. */
            snprintf(in->msg, sizeof in->msg, "truncated gzip stream");
            in->failed = true;
            break;
        } else if (r != Z_OK) {
            if (r == Z_MEM_ERROR)
                snprintf(in->msg, sizeof in->msg, "out of memory in zlib");
            else
                snprintf(in->msg, sizeof in->msg, "corrupt gzip data (%s)",
                         zs->msg ? zs->msg : "invalid stream");
            in->failed = true;
            break;
        }
    }
    return want - zs->avail_out;
}

/* Fill buf with zstd output; errors as read_gzip. */
static size_t read_zstd(InSrc *in, unsigned char *buf, size_t n)
{
    ZSTD_outBuffer out = { buf, n, 0 };
    while (out.pos < out.size) {
        if (refill(in) < 0) {
            in->failed = true;
            break;
        }
        bool dry = in->ipos == in->ilen;   /* ieof is set then */
        if (dry && in->zret == 0)
            break;                          /* the end, between frames */
        ZSTD_inBuffer inb = { in->ibuf, in->ilen, in->ipos };
        size_t before = out.pos;
        size_t r = ZSTD_decompressStream(in->zd, &out, &inb);
        in->ipos = inb.pos;
        if (ZSTD_isError(r)) {
            snprintf(in->msg, sizeof in->msg, "corrupt zstd data (%s)",
                     ZSTD_getErrorName(r));
            in->failed = true;
            break;
        }
        in->zret = r;
        if (dry && r != 0 && out.pos == before) {
            /* Nothing left to read and nothing left to flush mid-frame. */
            snprintf(in->msg, sizeof in->msg, "truncated zstd stream");
            in->failed = true;
            break;
        }
    }
    return out.pos;
}

ssize_t in_read(InSrc *in, void *buf, size_t n, char *err, size_t errlen)
{
    if (in->failed) {
        set_err(err, errlen, in->msg);
        return -1;
    }
    if (n == 0)
        return 0;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;

    if (in->kind == IN_PLAIN) {
        if (in->ipos < in->ilen) {          /* the peeked bytes first */
            size_t k = in->ilen - in->ipos;
            if (k > n)
                k = n;
            memcpy(buf, in->ibuf + in->ipos, k);
            in->ipos += k;
            return (ssize_t)k;
        }
        if (in->ieof)
            return 0;
        ssize_t r = raw_read(in, buf, n);
        if (r < 0) {
            snprintf(in->msg, sizeof in->msg, "%s", strerror(errno));
            in->failed = true;
            set_err(err, errlen, in->msg);
            return -1;
        }
        if (r == 0)
            in->ieof = true;
        return r;
    }

    size_t got = in->kind == IN_GZIP ? read_gzip(in, buf, n) : read_zstd(in, buf, n);
    if (got == 0 && in->failed) {
        set_err(err, errlen, in->msg);
        return -1;
    }
    return (ssize_t)got;
}

int64_t in_consumed(const InSrc *in) { return in->consumed; }
int64_t in_total(const InSrc *in) { return in->total; }

const char *in_kind(const InSrc *in)
{
    switch (in->kind) {
    case IN_GZIP: return "gzip";
    case IN_ZSTD: return "zstd";
    default:      return "plain";
    }
}

void in_close(InSrc *in)
{
    if (!in)
        return;
    if (in->zinit)
        inflateEnd(&in->zs);
    if (in->zd)
        ZSTD_freeDCtx(in->zd);
    if (in->ibuf != in->peek)
        free(in->ibuf);
    if (in->own_fd)
        close(in->fd);
    free(in);
}
