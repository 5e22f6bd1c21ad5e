/* outfile: atomic, optionally compressed output files (see outfile.h). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "outfile.h"

#define MAX_TMP 16

static char tmp_paths[MAX_TMP][PATH_MAX + 16];   /* removed on a signal */
static volatile sig_atomic_t tmp_used[MAX_TMP];

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (tmp_used[i]) unlink(tmp_paths[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void of_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

enum { Z_NONE, Z_GZIP, Z_ZSTD };

struct OutFile {
    char target[PATH_MAX];
    char tmp[PATH_MAX + 16];
    FILE *f;
    int slot;
    bool is_stdout, direct;
    bool spooled;                /* standard output held in f, a temporary file */
    int z;
    z_stream gz;
    ZSTD_CCtx *zs;
    unsigned char *zbuf;
};

#define ZBUF (1u << 18)

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

/* Where the output really goes: a symbolic link is followed. */
static void resolve(const char *path, char *out, size_t n)
{
    struct stat st;
    snprintf(out, n, "%s", path);
    for (int hops = 0; hops < 16 && lstat(out, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        char link[PATH_MAX];
        ssize_t k = readlink(out, link, sizeof link - 1);
        if (k <= 0) return;
        link[k] = 0;
        if (link[0] == '/') snprintf(out, n, "%s", link);
        else {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", out);
            char *slash = strrchr(dir, '/');
            if (slash) slash[1] = 0; else dir[0] = 0;
            if (strlen(dir) + strlen(link) >= n) return;
            memcpy(out, dir, strlen(dir));
            memcpy(out + strlen(dir), link, strlen(link) + 1);
        }
    }
}

OutFile *of_open(const char *target, char *err, size_t errlen)
{
    OutFile *o = calloc(1, sizeof *o);
    if (!o) { snprintf(err, errlen, "out of memory"); return NULL; }
    o->slot = -1;
    if (!target || strcmp(target, "-") == 0) {
        o->is_stdout = true;
        o->f = stdout;
        return o;
    }
    struct stat st;
    int fd;
    bool exists = stat(target, &st) == 0;
    if (exists && S_ISREG(st.st_mode)) {
        /* replace the file a link names, not the link */
        char *real = realpath(target, NULL);
        snprintf(o->target, sizeof o->target, "%s", real ? real : target);
        free(real);
    } else if (exists)
        snprintf(o->target, sizeof o->target, "%s", target);
    else
        resolve(target, o->target, sizeof o->target);     /* a dangling link: create its file */
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) { snprintf(err, errlen, "'%s' is a directory", target); free(o); return NULL; }
        /* a device or a FIFO: there is nothing to rename, write to it */
        fd = open(o->target, O_WRONLY);
        if (fd < 0) { snprintf(err, errlen, "cannot write '%s': %s", target, strerror(errno)); free(o); return NULL; }
        o->direct = true;
    } else {
        snprintf(o->tmp, sizeof o->tmp, "%s.tmpXXXXXX", o->target);
        /* no signal between creating the file and registering it */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        fd = mkstemp(o->tmp);
        if (fd >= 0) o->slot = of_tmp_register(o->tmp);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (fd < 0) {
            snprintf(err, errlen, "cannot create a file beside '%s': %s", target, strerror(errno));
            free(o);
            return NULL;
        }
        /* a file replaced keeps its permissions; a new one gets what
         * open(2) would give it: 0666 less the umask */
        mode_t um = umask(022);
        umask(um);
        fchmod(fd, exists ? (st.st_mode & 07777) : (0666 & ~um));
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        of_discard(o);
        return NULL;
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    if (ends_with(o->target, ".gz")) {
        o->z = Z_GZIP;
        if (deflateInit2(&o->gz, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            snprintf(err, errlen, "cannot start gzip compression");
            of_discard(o);
            return NULL;
        }
    } else if (ends_with(o->target, ".zst")) {
        o->z = Z_ZSTD;
        o->zs = ZSTD_createCCtx();
        if (!o->zs) { snprintf(err, errlen, "cannot start zstd compression"); of_discard(o); return NULL; }
    }
    if (o->z) {
        o->zbuf = malloc(ZBUF);
        if (!o->zbuf) { snprintf(err, errlen, "out of memory"); of_discard(o); return NULL; }
    }
    return o;
}

bool of_is_stdout(const OutFile *o) { return o->is_stdout; }

int of_tmp_register(const char *path)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (!tmp_used[i]) {
            snprintf(tmp_paths[i], sizeof tmp_paths[i], "%s", path);
            tmp_used[i] = 1;
            return i;
        }
    return -1;
}

void of_tmp_release(int slot)
{
    if (slot >= 0 && slot < MAX_TMP) tmp_used[slot] = 0;
}

bool of_spool(OutFile *o)
{
    if (!o->is_stdout || o->spooled) return true;
    FILE *f = tmpfile();
    if (!f) return false;
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    o->f = f;
    o->spooled = true;
    return true;
}

/* Copy the held-back output to standard output. */
static bool unspool(OutFile *o)
{
    if (fflush(o->f) != 0 || fseek(o->f, 0, SEEK_SET) != 0) return false;
    static char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, o->f)) > 0)
        if (fwrite(buf, 1, k, stdout) != k) return false;
    return !ferror(o->f);
}

static bool raw_write(OutFile *o, const void *p, size_t n)
{
    return n == 0 || fwrite(p, 1, n, o->f) == n;
}

/* Push n bytes (or, with finish, the end of the stream) through the compressor. */
static bool z_write(OutFile *o, const void *p, size_t n, bool finish)
{
    if (o->z == Z_GZIP) {
        o->gz.next_in = (Bytef *)p;
        o->gz.avail_in = (uInt)n;
        int rc;
        do {
            o->gz.next_out = o->zbuf;
            o->gz.avail_out = ZBUF;
            rc = deflate(&o->gz, finish ? Z_FINISH : Z_NO_FLUSH);
            if (rc == Z_STREAM_ERROR) { errno = EIO; return false; }
            if (!raw_write(o, o->zbuf, ZBUF - o->gz.avail_out)) return false;
        } while (o->gz.avail_out == 0 || (finish && rc != Z_STREAM_END));
        return true;
    }
    ZSTD_inBuffer in = { p, n, 0 };
    for (;;) {
        ZSTD_outBuffer out = { o->zbuf, ZBUF, 0 };
        size_t left = ZSTD_compressStream2(o->zs, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) { errno = EIO; return false; }
        if (!raw_write(o, o->zbuf, out.pos)) return false;
        if (finish ? left == 0 : in.pos == in.size) return true;
    }
}

bool of_write(OutFile *o, const void *p, size_t n)
{
    if (n == 0) return true;
    return o->z ? z_write(o, p, n, false) : raw_write(o, p, n);
}

static void release(OutFile *o)
{
    if (o->z == Z_GZIP) deflateEnd(&o->gz);
    if (o->zs) ZSTD_freeCCtx(o->zs);
    free(o->zbuf);
    if (o->slot >= 0) tmp_used[o->slot] = 0;
    free(o);
}

void of_discard(OutFile *o)
{
    if (!o) return;
    if ((!o->is_stdout || o->spooled) && o->f) fclose(o->f);
    if (!o->is_stdout && !o->direct && o->tmp[0]) unlink(o->tmp);
    release(o);
}

bool of_commit(OutFile *o, char *err, size_t errlen)
{
    bool ok = !o->z || z_write(o, "", 0, true);
    int e = errno;
    if (o->is_stdout) {
        if (o->spooled) {
            if (ok && !unspool(o)) { ok = false; e = errno; }
            fclose(o->f);
        }
        if (ok && fflush(stdout) != 0) { ok = false; e = errno; }
        if (!ok && e != EPIPE) snprintf(err, errlen, "writing the output: %s", strerror(e));
        release(o);
        return ok || e == EPIPE;
    }
    if (ok && fflush(o->f) != 0) { ok = false; e = errno; }
    if (ok && !o->direct && fsync(fileno(o->f)) != 0) { ok = false; e = errno; }
    if (fclose(o->f) != 0 && ok) { ok = false; e = errno; }
    o->f = NULL;
    if (!ok) {
        snprintf(err, errlen, "writing '%s': %s", o->target, strerror(e));
        if (!o->direct) unlink(o->tmp);
        release(o);
        return false;
    }
    if (!o->direct && rename(o->tmp, o->target) != 0) {
        e = errno;
        unlink(o->tmp);
        snprintf(err, errlen, "cannot rename the output to '%s': %s", o->target, strerror(e));
        release(o);
        return false;
    }
    release(o);
    return true;
}
