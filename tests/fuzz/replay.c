/* replay: a main() for a harness without libFuzzer, for make check.  It
 * feeds LLVMFuzzerTestOneInput every file of the harness's seed corpus and
 * of its crashers (tests/fuzz/corpus/NAME, tests/fuzz/crashers/NAME), or the
 * files and directories given as arguments.  A crash fails the test by
 * itself; the sanitizer build turns memory errors into crashes.  Both
 * folders must exist (a missing corpus is an error, never a silent pass). */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

#ifndef FUZZ_DIR
#define FUZZ_DIR "tests/fuzz"
#endif

static unsigned long nfiles;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); return 1; }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) { fprintf(stderr, "replay: out of memory\n"); fclose(f); return 1; }
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); buf = NULL; continue; }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { fprintf(stderr, "replay: %s: read error\n", path); free(buf); return 1; }
    /* an exact-size copy, so a read past the input's end is caught */
    uint8_t *data = malloc(n ? n : 1);
    if (!data) { free(buf); return 1; }
    memcpy(data, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    nfiles++;
    return 0;
}

/* A file, or every file of a directory (in name order; dot files and
 * README files are not inputs). */
static int replay(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); return 1; }
    if (!S_ISDIR(st.st_mode)) return replay_file(path);
    DIR *d = opendir(path);
    if (!d) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); return 1; }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strncmp(de->d_name, "README", 6) == 0) continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!nn) { closedir(d); return 1; }
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
        rc |= replay(sub);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) rc |= replay(argv[i]);
    } else {
        rc |= replay(FUZZ_DIR "/corpus/" FUZZ_NAME);
        if (!nfiles) { fprintf(stderr, "replay: %s: no seed inputs\n", FUZZ_DIR "/corpus/" FUZZ_NAME); rc = 1; }
        rc |= replay(FUZZ_DIR "/crashers/" FUZZ_NAME);
    }
    printf("replay %s: %lu input%s\n", FUZZ_NAME, nfiles, nfiles == 1 ? "" : "s");
    return rc;
}
