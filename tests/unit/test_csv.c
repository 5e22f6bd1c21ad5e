/* Unit tests for runtime/input.c and runtime/csv.c: compression detection
 * and errors, the RFC 4180 cases of csv-spectrum, line ends and line
 * numbers, delimiter detection, block boundaries, limits, and a random
 * comparison against a byte-at-a-time reference parser written here from
 * the rules in csv.c's opening comment.
 *
 * Rows are compared as text: "LINE:" then each field as [value] (unquoted)
 * or {value} (quoted); the header row is prefixed with H; an error ends the
 * text with "E" and its message. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "csv.h"
#include "input.h"

/* ------------------------------------------------------------- helpers */

typedef struct Out {
    char  *s;
    size_t len, cap;
} Out;

static void out_add(Out *o, const void *p, size_t n)
{
    if (o->cap - o->len < n + 1) {
        size_t nc = o->cap ? o->cap : 256;
        while (nc - o->len < n + 1)
            nc *= 2;
        o->s = realloc(o->s, nc);
        ck_assert_ptr_nonnull(o->s);
        o->cap = nc;
    }
    memcpy(o->s + o->len, p, n);
    o->len += n;
    o->s[o->len] = 0;
}

static void out_printf(Out *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    out_add(o, tmp, (size_t)n);
}

static const char *out_str(Out *o)
{
    if (!o->s)
        out_add(o, "", 0);
    return o->s;
}

/* A temporary file holding data; the caller unlinks and frees the path. */
static char *tmp_file(const void *data, size_t n)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(512);
    snprintf(path, 512, "%s/test_csv_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        ck_assert_int_gt(w, 0);
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    return path;
}

static void tmp_done(char *path)
{
    unlink(path);
    free(path);
}

static void ser_row(Out *o, const CsvRow *r, const char *prefix, bool raw)
{
    out_printf(o, "%s%lld:", prefix, (long long)r->line);
    for (uint32_t i = 0; i < r->nfields; i++) {
        out_add(o, r->fields[i].quoted ? "{" : "[", 1);
        out_add(o, r->fields[i].p, r->fields[i].len);
        out_add(o, r->fields[i].quoted ? "}" : "]", 1);
    }
    if (raw) {
        out_add(o, "|", 1);
        out_add(o, r->raw, r->rawlen);
    }
    out_add(o, "\n", 1);
}

typedef struct Res {
    Out     text;
    int     status;     /* 1 ok, 0 csv_open failed, -1 csv_next_block failed */
    int64_t errline;
    int     delim;
    uint32_t hdr_nfields;
    int64_t nblocks;
    int64_t consumed, total;
} Res;

enum { P_RAW = 1, P_HOLD = 2 };

/* Parse the file at path, checking block invariants on the way. */
static Res parse_path(const char *path, int delim, size_t bs, int flags)
{
    Res r = { .status = 1 };
    char err[300];
    InSrc *in = in_open(path, err, sizeof err);
    ck_assert_msg(in != NULL, "in_open: %s", err);
    CsvRow h;
    CsvChunker *c = csv_open(in, delim, bs, &h, err, sizeof err);
    if (!c) {
        r.status = 0;
        out_printf(&r.text, "E%s\n", err);
        return r;
    }
    r.delim = csv_delimiter(c);
    r.hdr_nfields = h.nfields;
    if (h.nfields)
        ser_row(&r.text, &h, "H", flags & P_RAW);

    CsvBlock *held = NULL;
    size_t nheld = 0;
    CsvBlock b;
    CsvRowBuf rb = { 0 };
    int64_t prev_end_line = -1;
    int st;
    while ((st = csv_next_block(c, &b, &r.errline, err, sizeof err)) == 1) {
        ck_assert_int_eq(b.seq, r.nblocks);
        ck_assert_uint_gt(b.len, 0);
        if (prev_end_line >= 0)     /* blocks continue each other's lines */
            ck_assert_int_eq(b.line, prev_end_line);
        r.nblocks++;
        /* Every block ends with a line end, or holds the input's last row. */
        CsvCursor cur;
        csv_cursor_init(&cur, &b, r.delim);
        CsvRow row;
        Out tmp = { 0 };
        while (csv_row(&cur, &rb, &row) == 1)
            ser_row(&tmp, &row, "", flags & P_RAW);
        ck_assert_ptr_eq(cur.p, b.data + b.len);
        prev_end_line = cur.line;
        if (flags & P_HOLD) {
            held = realloc(held, (nheld + 1) * sizeof *held);
            held[nheld++] = b;
        } else {
            csv_release_block(c, &b);
        }
        if (tmp.len)
            out_add(&r.text, tmp.s, tmp.len);
        free(tmp.s);
    }
    if (flags & P_HOLD) {
        /* Re-parse the held blocks: they must still be intact. */
        Out again = { 0 };
        if (h.nfields)
            ser_row(&again, &h, "H", flags & P_RAW);
        for (size_t i = 0; i < nheld; i++) {
            CsvCursor cur;
            csv_cursor_init(&cur, &held[i], r.delim);
            CsvRow row;
            while (csv_row(&cur, &rb, &row) == 1)
                ser_row(&again, &row, "", flags & P_RAW);
        }
        ck_assert_str_eq(out_str(&again), out_str(&r.text));
        free(again.s);
        for (size_t i = 0; i < nheld; i++)
            csv_release_block(c, &held[i]);
        free(held);
    }
    if (st < 0) {
        r.status = -1;
        out_printf(&r.text, "E%s\n", err);
    }
    r.consumed = csv_consumed(c);
    r.total = csv_total(c);
    csv_rowbuf_free(&rb);
    csv_close(c);
    out_str(&r.text);
    return r;
}

static Res parse_mem(const char *data, size_t n, int delim, size_t bs, int flags)
{
    char *path = tmp_file(data, n);
    Res r = parse_path(path, delim, bs, flags);
    tmp_done(path);
    return r;
}

/* Parse with several block sizes; all must agree.  Returns the text. */
static Out parse_all_sizes(const char *data, size_t n, int delim, int flags)
{
    static const size_t sizes[] = { 0, 8, 9, 13, 16, 31, 64, 1000 };
    Res whole = parse_mem(data, n, delim, 0, flags);
    for (size_t i = 1; i < sizeof sizes / sizeof sizes[0]; i++) {
        Res r = parse_mem(data, n, delim, sizes[i], flags);
        ck_assert_msg(strcmp(out_str(&r.text), out_str(&whole.text)) == 0,
                      "block size %zu:\n%s\nwhole file:\n%s", sizes[i],
                      out_str(&r.text), out_str(&whole.text));
        ck_assert_int_eq(r.status, whole.status);
        ck_assert_int_eq(r.errline, whole.errline);
        free(r.text.s);
    }
    return whole.text;
}

#define CHECK_CSV(input, expect) do {                                       \
        Out o_ = parse_all_sizes((input), sizeof(input) - 1, 0, 0);         \
        ck_assert_str_eq(out_str(&o_), (expect));                           \
        free(o_.s);                                                         \
    } while (0)

#define CHECK_CSV_RAW(input, expect) do {                                   \
        Out o_ = parse_all_sizes((input), sizeof(input) - 1, 0, P_RAW);     \
        ck_assert_str_eq(out_str(&o_), (expect));                           \
        free(o_.s);                                                         \
    } while (0)

/* --------------------------------------------------------- csv-spectrum */

START_TEST(spectrum_comma_in_quotes)
{
    CHECK_CSV("first,last,address,city,zip\n"
              "John,Doe,120 any st.,\"Anytown, WW\",08123\n",
              "H1:[first][last][address][city][zip]\n"
              "2:[John][Doe][120 any st.]{Anytown, WW}[08123]\n");
}
END_TEST

START_TEST(spectrum_empty)
{
    CHECK_CSV("a,b,c\n1,\"\",\"\"\n2,3,4\n",
              "H1:[a][b][c]\n2:[1]{}{}\n3:[2][3][4]\n");
    CHECK_CSV("a,b,c\r\n1,\"\",\"\"\r\n2,3,4\r\n",
              "H1:[a][b][c]\n2:[1]{}{}\n3:[2][3][4]\n");
    CHECK_CSV("a,b,c\n,,\n", "H1:[a][b][c]\n2:[][][]\n");
}
END_TEST

START_TEST(spectrum_escaped_quotes)
{
    CHECK_CSV("a,b\n1,\"ha \"\"ha\"\" ha\"\n3,4\n",
              "H1:[a][b]\n2:[1]{ha \"ha\" ha}\n3:[3][4]\n");
}
END_TEST

START_TEST(spectrum_json)
{
    CHECK_CSV("key,val\n1,\"{\"\"type\"\": \"\"Point\"\", \"\"coordinates\"\": [102.0, 0.5]}\"\n",
              "H1:[key][val]\n2:[1]{{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}}\n");
}
END_TEST

START_TEST(spectrum_newlines)
{
    CHECK_CSV("a,b,c\n1,2,3\n\"Once upon \na time\",5,6\n7,8,9\n",
              "H1:[a][b][c]\n2:[1][2][3]\n3:{Once upon \na time}[5][6]\n5:[7][8][9]\n");
    CHECK_CSV("a,b,c\r\n1,2,3\r\n\"Once upon \r\na time\",5,6\r\n7,8,9\r\n",
              "H1:[a][b][c]\n2:[1][2][3]\n3:{Once upon \r\na time}[5][6]\n5:[7][8][9]\n");
}
END_TEST

START_TEST(spectrum_quotes_and_newlines)
{
    CHECK_CSV("a,b\n1,\"ha \n\"\"ha\"\" \nha\"\n3,4\n",
              "H1:[a][b]\n2:[1]{ha \n\"ha\" \nha}\n5:[3][4]\n");
}
END_TEST

START_TEST(spectrum_simple)
{
    CHECK_CSV("a,b,c\n1,2,3\n", "H1:[a][b][c]\n2:[1][2][3]\n");
    CHECK_CSV("a,b,c\r\n1,2,3\r\n", "H1:[a][b][c]\n2:[1][2][3]\n");
}
END_TEST

START_TEST(spectrum_utf8)
{
    CHECK_CSV("a,b,c\n1,2,3\n4,5,\xca\xa4\n",
              "H1:[a][b][c]\n2:[1][2][3]\n3:[4][5][\xca\xa4]\n");
}
END_TEST

START_TEST(spectrum_location)
{
    /* location_coordinates, and where a simple row is: its line and bytes */
    CHECK_CSV_RAW("Location\n\"(-81.38, 28.54)\"\n",
                  "H1:[Location]|Location\n2:{(-81.38, 28.54)}|\"(-81.38, 28.54)\"\n");
    CHECK_CSV_RAW("a,b\n1,2\n3,4\n", "H1:[a][b]|a,b\n2:[1][2]|1,2\n3:[3][4]|3,4\n");
}
END_TEST

START_TEST(spectrum_empty_lines)
{
    CHECK_CSV("a,b\n\n1,2\n\n\n3,4\n\n", "H1:[a][b]\n3:[1][2]\n6:[3][4]\n");
    CHECK_CSV("\n\r\n\ra,b\n1,2\n", "H4:[a][b]\n5:[1][2]\n");
}
END_TEST

/* ----------------------------------------------------------- line ends */

START_TEST(line_ends)
{
    CHECK_CSV("a,b\r\n1,2\r\n3,4\r\n", "H1:[a][b]\n2:[1][2]\n3:[3][4]\n");
    CHECK_CSV("a,b\r1,2\r3,4\r", "H1:[a][b]\n2:[1][2]\n3:[3][4]\n");
    CHECK_CSV("a,b\n1,2\r3,4\r\n5,6\n\r7,8", "H1:[a][b]\n2:[1][2]\n3:[3][4]\n4:[5][6]\n6:[7][8]\n");
    /* LF CR is two line ends, CR LF one */
    CHECK_CSV("a\n\r\n\r\rb\n", "H1:[a]\n5:[b]\n");
    /* line breaks inside quotes, of each kind */
    CHECK_CSV("a,b\n\"x\ry\r\nz\n\",1\n2,3\n", "H1:[a][b]\n2:{x\ry\r\nz\n}[1]\n6:[2][3]\n");
}
END_TEST

START_TEST(bom)
{
    CHECK_CSV("\xEF\xBB\xBF" "a,b\n1,2\n", "H1:[a][b]\n2:[1][2]\n");
    CHECK_CSV("\xEF\xBB\xBF" "\"a\",b\n1,2\n", "H1:{a}[b]\n2:[1][2]\n");
    CHECK_CSV("\xEF\xBB\xBF" "\n\na;b\n1;2\n", "H3:[a][b]\n4:[1][2]\n");
    /* only a leading BOM is stripped */
    CHECK_CSV("a\n\xEF\xBB\xBF" "x\n", "H1:[a]\n2:[\xEF\xBB\xBFx]\n");
    Res r = parse_mem("\xEF\xBB\xBF", 3, 0, 0, 0);
    ck_assert_int_eq(r.status, 1);
    ck_assert_uint_eq(r.hdr_nfields, 0);
    ck_assert_int_eq(r.nblocks, 0);
    free(r.text.s);
}
END_TEST

START_TEST(no_final_newline)
{
    CHECK_CSV_RAW("a,b\n1,2", "H1:[a][b]|a,b\n2:[1][2]|1,2\n");
    CHECK_CSV_RAW("a,b\n1,\"x\ny\"", "H1:[a][b]|a,b\n2:[1]{x\ny}|1,\"x\ny\"\n");
    CHECK_CSV("a,b\n1,", "H1:[a][b]\n2:[1][]\n");
    CHECK_CSV("a,b", "H1:[a][b]\n");
    CHECK_CSV("a", "H1:[a]\n");
    CHECK_CSV("a\r", "H1:[a]\n");
}
END_TEST

START_TEST(empty_inputs)
{
    static const char *cases[] = { "", "\n", "\r\n\r\n\n", "\r" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Res r = parse_mem(cases[i], strlen(cases[i]), 0, 16, 0);
        ck_assert_int_eq(r.status, 1);
        ck_assert_uint_eq(r.hdr_nfields, 0);
        ck_assert_int_eq(r.nblocks, 0);
        ck_assert_str_eq(out_str(&r.text), "");
        free(r.text.s);
    }
    /* a header and nothing else */
    Res r = parse_mem("a,b\n\n\n", 6, 0, 0, 0);
    ck_assert_int_eq(r.status, 1);
    ck_assert_uint_eq(r.hdr_nfields, 2);
    ck_assert_str_eq(out_str(&r.text), "H1:[a][b]\n");
    free(r.text.s);
}
END_TEST

START_TEST(blank_lines_and_line_numbers)
{
    CHECK_CSV("h\n1\n\n\n2\n\"a\nb\nc\"\n\n3\n\"x\r\n\"\n4\n",
              "H1:[h]\n2:[1]\n5:[2]\n6:{a\nb\nc}\n10:[3]\n11:{x\r\n}\n13:[4]\n");
    /* a multi-line header */
    CHECK_CSV("\"a\nb\",c\n1,2\n", "H1:{a\nb}[c]\n3:[1][2]\n");
    /* a line holding only spaces is not blank */
    CHECK_CSV("a\n \n", "H1:[a]\n2:[ ]\n");
}
END_TEST

START_TEST(raw_bytes)
{
    CHECK_CSV_RAW("a,b\r\n\"x,\"\"y\",2\r\n3,\"4\r\n5\"\r\n",
                  "H1:[a][b]|a,b\n2:{x,\"y}[2]|\"x,\"\"y\",2\n3:[3]{4\r\n5}|3,\"4\r\n5\"\n");
}
END_TEST

/* ------------------------------------------------------------- quoting */

START_TEST(lenient_quotes)
{
    /* a quote inside an unquoted field is an ordinary byte */
    CHECK_CSV("a,b\nx\"y,2\n", "H1:[a][b]\n2:[x\"y][2]\n");
    CHECK_CSV("a,b\nx\"y\n,\"z\"\n", "H1:[a][b]\n2:[x\"y]\n3:[]{z}\n");
    CHECK_CSV("a,b\n \"y,\"2\"\n", "H1:[a][b]\n2:[ \"y]{2}\n");
    /* bytes after a closing quote are kept with the quote */
    CHECK_CSV("a,b\n\"ab\"c,2\n", "H1:[a][b]\n2:{ab\"c}[2]\n");
    CHECK_CSV("a,b\n\"a\"\"b\"c\"d,2\n", "H1:[a][b]\n2:{a\"b\"c\"d}[2]\n");
    CHECK_CSV("a,b\n\"ab\" ,2\n\"x\"y\n", "H1:[a][b]\n2:{ab\" }[2]\n3:{x\"y}\n");
    /* a quote that is a field's first byte always opens a quoted field */
    CHECK_CSV("a\n\"\"\"\"\n", "H1:[a]\n2:{\"}\n");
}
END_TEST

START_TEST(row_on_plain_block)
{
    /* csv_row on a block not made by the chunker */
    static const char data[] = "\n\nx,\"y\"\"z\nw";     /* quote never closed */
    CsvBlock b = { .data = data, .len = sizeof data - 1, .line = 7 };
    CsvCursor cur;
    csv_cursor_init(&cur, &b, ',');
    CsvRowBuf rb = { 0 };
    CsvRow row;
    ck_assert_int_eq(csv_row(&cur, &rb, &row), 1);
    ck_assert_int_eq(row.line, 9);
    ck_assert_uint_eq(row.nfields, 2);
    ck_assert_uint_eq(row.fields[1].len, 5);
    ck_assert(memcmp(row.fields[1].p, "y\"z\nw", 5) == 0);
    ck_assert_int_eq(csv_row(&cur, &rb, &row), 0);
    ck_assert_int_eq(cur.line, 10);
    csv_rowbuf_free(&rb);
}
END_TEST

START_TEST(row_many_fields_and_escapes)
{
    /* 3000 fields, every other one escaped and long, so the text buffer
     * grows many times within the row: earlier fields must stay valid. */
    Out in = { 0 }, want = { 0 };
    out_add(&in, "h\n", 2);
    out_add(&want, "H1:[h]\n2:", 9);
    for (int i = 0; i < 3000; i++) {
        if (i)
            out_add(&in, ";", 1);
        if (i % 2) {
            out_printf(&in, "\"q%d\"\"", i);
            out_printf(&want, "{q%d\"", i);
            for (int k = 0; k < i % 50; k++) {
                out_add(&in, "abcdefgh", 8);
                out_add(&want, "abcdefgh", 8);
            }
            out_add(&in, "\"", 1);
            out_add(&want, "}", 1);
        } else {
            out_printf(&in, "f%d", i);
            out_printf(&want, "[f%d]", i);
        }
    }
    out_add(&in, "\n", 1);
    out_add(&want, "\n", 1);
    Res r = parse_mem(in.s, in.len, ';', 0, 0);
    ck_assert_str_eq(out_str(&r.text), out_str(&want));
    Res r2 = parse_mem(in.s, in.len, ';', 100, 0);
    ck_assert_str_eq(out_str(&r2.text), out_str(&want));
    free(in.s);
    free(want.s);
    free(r.text.s);
    free(r2.text.s);
}
END_TEST

START_TEST(field_pointers_zero_copy)
{
    static const char data[] = "a,\"b\",\"c\"\"d\"\n";
    CsvBlock b = { .data = data, .len = sizeof data - 1, .line = 1 };
    CsvCursor cur;
    csv_cursor_init(&cur, &b, ',');
    CsvRowBuf rb = { 0 };
    CsvRow row;
    ck_assert_int_eq(csv_row(&cur, &rb, &row), 1);
    ck_assert_ptr_eq(row.fields[0].p, data);
    ck_assert_ptr_eq(row.fields[1].p, data + 3);
    ck_assert_ptr_eq(row.fields[2].p, rb.text);
    ck_assert_uint_eq(row.fields[2].len, 3);
    ck_assert_ptr_eq(row.raw, data);
    ck_assert_uint_eq(row.rawlen, sizeof data - 2);
    csv_rowbuf_free(&rb);
}
END_TEST

/* ---------------------------------------------------------- delimiters */

static int detect(const char *s)
{
    Res r = parse_mem(s, strlen(s), 0, 0, 0);
    ck_assert_int_eq(r.status, 1);
    free(r.text.s);
    return r.delim;
}

START_TEST(delimiter_detection)
{
    ck_assert_int_eq(detect("a,b,c\n1,2,3\n"), ',');
    ck_assert_int_eq(detect("a;b;c\n1;2;3\n"), ';');
    ck_assert_int_eq(detect("a\tb\tc\n"), '\t');
    ck_assert_int_eq(detect("a|b|c\n"), '|');
    ck_assert_int_eq(detect("a;b;c,d\n"), ';');            /* most frequent */
    ck_assert_int_eq(detect("a,b;c\n"), ',');              /* ties: , ; TAB | */
    ck_assert_int_eq(detect("a;b|c\n"), ';');
    ck_assert_int_eq(detect("a\tb|c\n"), '\t');
    ck_assert_int_eq(detect("a|b\tc;d,e\n"), ',');
    ck_assert_int_eq(detect("abc\n1;2;3\n"), ',');         /* none: , */
    ck_assert_int_eq(detect("abc"), ',');
    ck_assert_int_eq(detect("\"a;b;c\",d\n"), ',');        /* quoted ones do not count */
    ck_assert_int_eq(detect("\"x,y,z\"|a|b\n"), '|');
    ck_assert_int_eq(detect("a;\"x,y,z\"\n"), ';');
    ck_assert_int_eq(detect("\"a\"\"b,c,d\"\"\";e\n"), ';');
    ck_assert_int_eq(detect("\"a\nb,c,d\";e;f\n"), ';');    /* a multi-line header */
    ck_assert_int_eq(detect("\xEF\xBB\xBF\n\na|b\n"), '|');
    ck_assert_int_eq(detect("a;b\n1,2,3,4,5\n"), ';');      /* only the header line */
    /* the rows are then split with it */
    CHECK_CSV("x|y\n\"1|2\"|3\n", "H1:[x][y]\n2:{1|2}[3]\n");
    CHECK_CSV("x\ty\n1\t2,3\n", "H1:[x][y]\n2:[1][2,3]\n");
}
END_TEST

START_TEST(delimiter_forced)
{
    Res r = parse_mem("a,b;c\n1,2;3\n", 12, ';', 0, 0);
    ck_assert_int_eq(r.delim, ';');
    ck_assert_str_eq(out_str(&r.text), "H1:[a,b][c]\n2:[1,2][3]\n");
    free(r.text.s);
    r = parse_mem("a,b\tc\n", 6, '\t', 0, 0);
    ck_assert_int_eq(r.delim, '\t');
    ck_assert_str_eq(out_str(&r.text), "H1:[a,b][c]\n");
    free(r.text.s);
    /* a quote or line end cannot be the delimiter */
    r = parse_mem("a,b\n", 4, '"', 0, 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(out_str(&r.text), "Einvalid delimiter\n");
    free(r.text.s);
    r = parse_mem("a,b\n", 4, '\n', 0, 0);
    ck_assert_int_eq(r.status, 0);
    free(r.text.s);
}
END_TEST

/* ------------------------------------------------------------- blocks */

START_TEST(block_boundaries)
{
    /* Rows of every shape, long enough to straddle many small blocks. */
    Out in = { 0 };
    out_add(&in, "id,name,note\r\n", 14);
    for (int i = 0; i < 200; i++) {
        switch (i % 7) {
        case 0: out_printf(&in, "%d,plain,text\n", i); break;
        case 1: out_printf(&in, "%d,\"quoted, with comma\",\"x\"\"y\"\r\n", i); break;
        case 2: out_printf(&in, "%d,\"multi\nline\r\nfield\r\",z\r", i); break;
        case 3: out_printf(&in, "\n\n%d,,\n", i); break;
        case 4: out_printf(&in, "%d,\"%s\",\"\"\n", i,
                           "a long quoted value that is longer than any block "
                           "size used here, with \"\"quotes\"\" and, commas"); break;
        case 5: out_printf(&in, "%d,jun\"k,\"ab\"cd\r\n", i); break;
        case 6: out_printf(&in, "%d,\"\r\n\",\"\"\"\"\n\r\n", i); break;
        }
    }
    out_add(&in, "last,row,\"no newline\"", 21);
    Out whole = parse_all_sizes(in.s, in.len, 0, P_RAW);
    /* Spot checks of the whole-file parse. */
    ck_assert_ptr_nonnull(strstr(whole.s, "\n3:[1]{quoted, with comma}{x\"y}|"));
    ck_assert_ptr_nonnull(strstr(whole.s, "\n4:[2]{multi\nline\r\nfield\r}[z]|"));
    ck_assert_ptr_nonnull(strstr(whole.s, "{no newline}|last,row,\"no newline\"\n"));
    /* Holding every block until the end gives the same rows. */
    for (size_t bs = 8; bs <= 64; bs *= 2) {
        Res r = parse_mem(in.s, in.len, 0, bs, P_RAW | P_HOLD);
        ck_assert_str_eq(out_str(&r.text), whole.s);
        ck_assert_int_gt(r.nblocks, 10);
        free(r.text.s);
    }
    free(in.s);
    free(whole.s);
}
END_TEST

START_TEST(block_sizes_and_header)
{
    /* With the default size, a small file is one block that does not hold
     * the header's bytes. */
    static const char data[] = "\xEF\xBB\xBFh1,h2\n1,2\n3,4\n";
    char *path = tmp_file(data, sizeof data - 1);
    char err[200];
    InSrc *in = in_open(path, err, sizeof err);
    ck_assert_ptr_nonnull(in);
    CsvRow h;
    CsvChunker *c = csv_open(in, 0, 0, &h, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    CsvBlock b;
    int64_t el;
    ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), 1);
    ck_assert_uint_eq(b.len, 8);
    ck_assert(memcmp(b.data, "1,2\n3,4\n", 8) == 0);
    ck_assert_int_eq(b.line, 2);
    ck_assert_int_eq(b.seq, 0);
    /* the header stays valid while blocks come and go */
    csv_release_block(c, &b);
    ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), 0);
    ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), 0);
    ck_assert_uint_eq(h.nfields, 2);
    ck_assert(memcmp(h.fields[1].p, "h2", 2) == 0);
    ck_assert_int_eq(csv_consumed(c), (int64_t)sizeof data - 1);
    ck_assert_int_eq(csv_total(c), (int64_t)sizeof data - 1);
    csv_close(c);
    tmp_done(path);
}
END_TEST

START_TEST(big_rows_get_big_blocks)
{
    /* Rows of 100 KB with a block size of 1 KB. */
    size_t n = 100000;
    Out in = { 0 };
    out_add(&in, "a,b\n", 4);
    for (int k = 0; k < 3; k++) {
        out_add(&in, "\"", 1);
        for (size_t i = 0; i < n; i++)
            out_add(&in, i % 1000 == 999 ? "\n" : "x", 1);
        out_add(&in, "\",2\n", 4);
    }
    out_add(&in, "z,9\n", 4);
    Res r = parse_mem(in.s, in.len, 0, 1024, 0);
    ck_assert_int_eq(r.status, 1);
    Res w = parse_mem(in.s, in.len, 0, 0, 0);
    ck_assert_str_eq(out_str(&r.text), out_str(&w.text));
    ck_assert_ptr_nonnull(strstr(r.text.s, "\n305:[z][9]\n"));
    free(in.s);
    free(r.text.s);
    free(w.text.s);
}
END_TEST

/* -------------------------------------------------------------- errors */

START_TEST(unterminated_quote)
{
    static const char data[] = "a,b\n1,2\n3,\"abc\ndef\n4,5\n";
    Out o = parse_all_sizes(data, sizeof data - 1, 0, 0);
    ck_assert_str_eq(out_str(&o),
                     "H1:[a][b]\n2:[1][2]\n"
                     "Eunterminated quoted field (the quote opened on line 3)\n");
    free(o.s);
    Res r = parse_mem(data, sizeof data - 1, 0, 0, 0);
    ck_assert_int_eq(r.status, -1);
    ck_assert_int_eq(r.errline, 3);
    free(r.text.s);

    /* the quote opens after quoted line breaks: its own line is named */
    static const char d2[] = "a,b\n\"x\ny\",\"\n\n";
    r = parse_mem(d2, sizeof d2 - 1, 0, 16, 0);
    ck_assert_int_eq(r.errline, 3);
    free(r.text.s);

    /* in the header: csv_open fails */
    r = parse_mem("\n\"a,b\n1,2\n", 10, 0, 0, 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(out_str(&r.text),
                     "Eunterminated quoted field (the quote opened on line 2)\n");
    free(r.text.s);
}
END_TEST

/* A file of `size` bytes: prefix, then zero bytes, then suffix at the end.
 * Sparse, so even a large one costs little to make. */
static char *sparse_file(const char *prefix, off_t size, const char *suffix)
{
    char *path = tmp_file(prefix, strlen(prefix));
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, size), 0);
    size_t sl = strlen(suffix);
    if (sl)
        ck_assert_int_eq(pwrite(fd, suffix, sl, size - (off_t)sl), (ssize_t)sl);
    close(fd);
    return path;
}

START_TEST(huge_unterminated_quote)
{
    /* 96 MiB after an opening quote that never closes: the reader must stop
     * at the row limit, not read (and hold) the whole file. */
    off_t size = (off_t)96 << 20;
    char *path = sparse_file("a,b\n1,2\n3,\"", size, "\n");
    Res r = parse_path(path, 0, 0, 0);
    ck_assert_int_eq(r.status, -1);
    ck_assert_int_eq(r.errline, 3);
    ck_assert_ptr_nonnull(strstr(r.text.s, "Eunterminated quoted field (the quote opened on line 3"));
    ck_assert_ptr_nonnull(strstr(r.text.s, "2:[1][2]\n"));
    ck_assert_int_eq(r.total, size);
    ck_assert_int_lt(r.consumed, (int64_t)CSV_MAX_ROW + (4 << 20));
    tmp_done(path);
    free(r.text.s);
}
END_TEST

START_TEST(row_too_long)
{
    off_t size = (off_t)CSV_MAX_ROW + (2 << 20);
    char *path = sparse_file("a\n\n1\n", size, "\n");
    Res r = parse_path(path, 0, 0, 0);
    ck_assert_int_eq(r.status, -1);
    ck_assert_int_eq(r.errline, 4);
    ck_assert_str_eq(r.text.s, "H1:[a]\n3:[1]\nErow longer than 64 MiB\n");
    ck_assert_int_lt(r.consumed, size);
    tmp_done(path);
    free(r.text.s);

    /* a row of exactly the limit is fine (and the row after it too) */
    size = 2 + CSV_MAX_ROW + 3;
    path = sparse_file("a\n", size, "\nx\n");
    r = parse_path(path, 0, 1 << 16, 0);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(memmem(r.text.s, r.text.len, "\n3:[x]\n", 7));
    ck_assert_uint_eq(r.text.len, 7 + 3 + CSV_MAX_ROW + 2 + 6);   /* H1:[a] 2:[...] 3:[x] */
    tmp_done(path);
    free(r.text.s);
}
END_TEST

START_TEST(too_many_fields)
{
    Out in = { 0 };
    out_add(&in, "a\n", 2);
    for (int i = 1; i < CSV_MAX_FIELDS; i++)
        out_add(&in, ",", 1);
    out_add(&in, "\n\"x,y\"", 6);       /* CSV_MAX_FIELDS fields: allowed */
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        out_add(&in, ",", 1);
    out_add(&in, "\n", 1);              /* one more: an error */
    char *path = tmp_file(in.s, in.len);
    char err[200];
    InSrc *src = in_open(path, err, sizeof err);
    CsvRow h;
    CsvChunker *c = csv_open(src, 0, 4096, &h, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    CsvBlock b;
    CsvRowBuf rb = { 0 };
    int64_t el = 0, rows = 0;
    int st;
    while ((st = csv_next_block(c, &b, &el, err, sizeof err)) == 1) {
        CsvCursor cur;
        csv_cursor_init(&cur, &b, ',');
        CsvRow row;
        while (csv_row(&cur, &rb, &row)) {
            ck_assert_uint_eq(row.nfields, CSV_MAX_FIELDS);
            rows++;
        }
        csv_release_block(c, &b);
    }
    ck_assert_int_eq(st, -1);
    ck_assert_int_eq(rows, 1);
    ck_assert_int_eq(el, 3);
    ck_assert_str_eq(err, "row has more than 100000 fields");
    /* the error sticks */
    ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), -1);
    csv_rowbuf_free(&rb);
    csv_close(c);
    tmp_done(path);

    /* in the header: csv_open fails, naming the line */
    in.len = 0;
    out_add(&in, "\r\n\"h\"", 5);
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        out_add(&in, ";", 1);
    Res r = parse_mem(in.s, in.len, 0, 0, 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.text.s, "Erow has more than 100000 fields (line 2)\n");
    free(r.text.s);
    free(in.s);
}
END_TEST

/* --------------------------------------------------------------- input */

static size_t gzip_mem(const void *src, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)src;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = zs.total_out;
    deflateEnd(&zs);
    return len;
}

static size_t zstd_mem(const void *src, size_t n, unsigned char *out, size_t cap)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t len = ZSTD_compress2(cc, out, cap, src, n);
    ck_assert(!ZSTD_isError(len));
    ZSTD_freeCCtx(cc);
    return len;
}

/* Some CSV text of about n bytes. */
static Out sample_csv(size_t n)
{
    Out o = { 0 };
    out_add(&o, "id;name;note\n", 13);
    for (int i = 0; o.len < n; i++)
        out_printf(&o, "%d;\"name %d; \"\"q\"\"\";%s\r\n", i, i * 7919 % 1000,
                   i % 3 ? "x" : "\"multi\nline\"");
    return o;
}

/* Read all of path through in_read in pieces of `piece` bytes. */
static Out read_all(const char *path, size_t piece, int *status, char *err, size_t errlen,
                    const char **kind)
{
    Out o = { 0 };
    InSrc *in = in_open(path, err, errlen);
    ck_assert_msg(in != NULL, "%s", err);
    if (kind)
        *kind = in_kind(in);
    char *buf = malloc(piece);
    ssize_t n;
    while ((n = in_read(in, buf, piece, err, errlen)) > 0)
        out_add(&o, buf, (size_t)n);
    *status = (int)n;
    if (n == 0) {
        ck_assert_int_eq(in_consumed(in), in_total(in));
        ck_assert_int_eq(in_read(in, buf, piece, err, errlen), 0);
    } else {
        /* the error sticks */
        ck_assert_int_eq(in_read(in, buf, piece, err, errlen), -1);
    }
    free(buf);
    in_close(in);
    out_str(&o);
    return o;
}

START_TEST(input_plain)
{
    Out s = sample_csv(1 << 18);
    char *path = tmp_file(s.s, s.len);
    char err[200];
    int st;
    const char *kind;
    for (size_t piece = 1; piece <= (1u << 21); piece *= 64) {
        Out o = read_all(path, piece, &st, err, sizeof err, &kind);
        ck_assert_int_eq(st, 0);
        ck_assert_str_eq(kind, "plain");
        ck_assert_uint_eq(o.len, s.len);
        ck_assert(memcmp(o.s, s.s, s.len) == 0);
        free(o.s);
    }
    tmp_done(path);
    /* fewer bytes than a magic number */
    path = tmp_file("\x1f", 1);
    Out o = read_all(path, 10, &st, err, sizeof err, &kind);
    ck_assert_str_eq(kind, "plain");
    ck_assert_uint_eq(o.len, 1);
    free(o.s);
    tmp_done(path);
    free(s.s);
}
END_TEST

START_TEST(input_open_errors)
{
    char err[200];
    ck_assert_ptr_null(in_open("/nonexistent/dir/x.csv", err, sizeof err));
    ck_assert_str_eq(err, strerror(ENOENT));
    ck_assert_ptr_null(in_open("/", err, sizeof err));
    ck_assert_str_eq(err, strerror(EISDIR));
}
END_TEST

/* Compressed round trips: single and concatenated members/frames, read in
 * pieces of several sizes, and parsed as CSV the same as the plain text. */
static void check_compressed(bool zstd)
{
    Out s = sample_csv(3 << 20);    /* larger than the compressed window */
    size_t cap = s.len + (1 << 16);
    unsigned char *z = malloc(2 * cap);
    size_t half = s.len / 3;
    size_t n1 = zstd ? zstd_mem(s.s, half, z, cap) : gzip_mem(s.s, half, z, cap);
    size_t n2 = zstd ? zstd_mem(s.s + half, s.len - half, z + n1, cap)
                     : gzip_mem(s.s + half, s.len - half, z + n1, cap);
    char *path = tmp_file(z, n1 + n2);
    char err[200];
    int st;
    const char *kind;
    static const size_t pieces[] = { 13, 4096, 1 << 20 };
    for (size_t i = 0; i < 3; i++) {
        Out o = read_all(path, pieces[i], &st, err, sizeof err, &kind);
        ck_assert_msg(st == 0, "%s", err);
        ck_assert_str_eq(kind, zstd ? "zstd" : "gzip");
        ck_assert_uint_eq(o.len, s.len);
        ck_assert(memcmp(o.s, s.s, s.len) == 0);
        free(o.s);
    }
    Res plain = parse_mem(s.s, s.len, 0, 0, P_RAW);
    Res comp = parse_path(path, 0, 0, P_RAW);
    ck_assert_int_eq(comp.status, 1);
    ck_assert_int_eq(comp.total, (int64_t)(n1 + n2));
    ck_assert_int_eq(comp.consumed, comp.total);
    ck_assert_str_eq(comp.text.s, plain.text.s);
    free(comp.text.s);
    comp = parse_path(path, 0, 4096, P_RAW);
    ck_assert_str_eq(comp.text.s, plain.text.s);
    free(comp.text.s);
    free(plain.text.s);
    tmp_done(path);

    /* Truncated: the stream stops inside a member or frame. */
    static const size_t cuts[] = { 5, 1000 };
    for (size_t i = 0; i < 2; i++) {
        path = tmp_file(z, n1 + n2 - cuts[i]);
        Out o = read_all(path, 1 << 16, &st, err, sizeof err, NULL);
        ck_assert_int_eq(st, -1);
        ck_assert_str_eq(err, zstd ? "truncated zstd stream" : "truncated gzip stream");
        free(o.s);
        /* through the chunker: the rows before it come out, then the error */
        Res r = parse_path(path, 0, 0, 0);
        ck_assert_int_eq(r.status, -1);
        ck_assert_int_eq(r.errline, 0);
        ck_assert_ptr_nonnull(strstr(r.text.s, "\n4:[1]{name 919; \"q\"}[x]\n"));
        free(r.text.s);
        tmp_done(path);
    }
    /* Corrupt: a changed checksum, then trailing garbage. */
    unsigned char *bad = malloc(n1 + 16);
    memcpy(bad, z, n1);
    bad[n1 - (zstd ? 2 : 6)] ^= 0x55;
    path = tmp_file(bad, n1);
    Out o = read_all(path, 1 << 16, &st, err, sizeof err, NULL);
    ck_assert_int_eq(st, -1);
    ck_assert_msg(strncmp(err, zstd ? "corrupt zstd data (" : "corrupt gzip data (",
                          19) == 0, "%s", err);
    free(o.s);
    tmp_done(path);
    memcpy(bad, z, n1);
    memcpy(bad + n1, "garbage!", 8);
    path = tmp_file(bad, n1 + 8);
    o = read_all(path, 1 << 16, &st, err, sizeof err, NULL);
    ck_assert_int_eq(st, -1);
    ck_assert_msg(strncmp(err, zstd ? "corrupt zstd data (" : "corrupt gzip data (",
                          19) == 0, "%s", err);
    ck_assert_uint_eq(o.len, half);  /* everything before the garbage came out */
    free(o.s);
    tmp_done(path);
    /* Just the magic number. */
    path = tmp_file(z, zstd ? 4 : 2);
    o = read_all(path, 100, &st, err, sizeof err, NULL);
    ck_assert_int_eq(st, -1);
    ck_assert_str_eq(err, zstd ? "truncated zstd stream" : "truncated gzip stream");
    free(o.s);
    tmp_done(path);
    free(bad);
    free(z);
    free(s.s);
}

START_TEST(input_gzip) { check_compressed(false); }
END_TEST

START_TEST(input_zstd) { check_compressed(true); }
END_TEST

START_TEST(input_empty_compressed)
{
    unsigned char z[256];
    char err[200];
    int st;
    size_t n = gzip_mem("", 0, z, sizeof z);
    char *path = tmp_file(z, n);
    Res r = parse_path(path, 0, 0, 0);
    ck_assert_int_eq(r.status, 1);
    ck_assert_uint_eq(r.hdr_nfields, 0);
    free(r.text.s);
    tmp_done(path);
    n = zstd_mem("", 0, z, sizeof z);
    path = tmp_file(z, n);
    Out o = read_all(path, 100, &st, err, sizeof err, NULL);
    ck_assert_int_eq(st, 0);
    ck_assert_uint_eq(o.len, 0);
    free(o.s);
    tmp_done(path);
}
END_TEST

/* Standard input: a regular file, then a pipe fed by a child that writes
 * the first bytes one at a time (the magic must still be recognised). */
START_TEST(input_stdin)
{
    static const char text[] = "a,b\n1,2\n\"x\ny\",3\n";
    int saved = dup(0);
    char err[200];

    char *path = tmp_file(text, sizeof text - 1);
    int fd = open(path, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    Res r = parse_path("-", 0, 0, P_RAW);
    ck_assert_str_eq(r.text.s, "H1:[a][b]|a,b\n2:[1][2]|1,2\n3:{x\ny}[3]|\"x\ny\",3\n");
    ck_assert_int_eq(r.total, (int64_t)sizeof text - 1);
    free(r.text.s);
    tmp_done(path);

    for (int zstd = 0; zstd < 2; zstd++) {
        unsigned char z[512];
        size_t n = zstd ? zstd_mem(text, sizeof text - 1, z, sizeof z)
                        : gzip_mem(text, sizeof text - 1, z, sizeof z);
        int pfd[2];
        ck_assert_int_eq(pipe(pfd), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(pfd[0]);
            for (size_t i = 0; i < 3; i++) {
                if (write(pfd[1], z + i, 1) != 1)
                    _exit(1);
                usleep(20000);
            }
            _exit(write(pfd[1], z + 3, n - 3) == (ssize_t)(n - 3) ? 0 : 1);
        }
        close(pfd[1]);
        dup2(pfd[0], 0);
        close(pfd[0]);
        InSrc *in = in_open("-", err, sizeof err);
        ck_assert_ptr_nonnull(in);
        ck_assert_str_eq(in_kind(in), zstd ? "zstd" : "gzip");
        ck_assert_int_eq(in_total(in), -1);
        CsvRow h;
        CsvChunker *c = csv_open(in, 0, 0, &h, err, sizeof err);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(h.nfields, 2);
        CsvBlock b;
        int64_t el;
        ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), 1);
        ck_assert_uint_eq(b.len, sizeof text - 1 - 4);
        ck_assert_int_eq(csv_total(c), -1);
        ck_assert_int_eq(csv_consumed(c), (int64_t)n);
        csv_release_block(c, &b);
        ck_assert_int_eq(csv_next_block(c, &b, &el, err, sizeof err), 0);
        csv_close(c);
        int ws;
        waitpid(pid, &ws, 0);
        ck_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    }
    dup2(saved, 0);
    close(saved);
}
END_TEST

/* ------------------------------------------------- random vs reference */

/* The reading rules, one byte at a time. */
static void ref_parse(const char *d, size_t n, int delim, Out *o)
{
    size_t i = 0;
    int64_t line = 1;
    bool first = true;
    if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (;;) {
        while (i < n && (d[i] == '\n' || d[i] == '\r')) {
            if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
                i++;
            i++;
            line++;
        }
        if (i >= n)
            return;
        Out row = { 0 };
        size_t rs = i;
        out_printf(&row, "%s%lld:", first ? "H" : "", (long long)line);
        for (;;) {
            bool quoted = false;
            Out v = { 0 };
            out_add(&v, "", 0);
            if (i < n && d[i] == '"') {
                quoted = true;
                int64_t qline = line;
                for (i++;; i++) {
                    if (i >= n) {
                        out_printf(o, "Eunterminated quoted field (the quote opened on line %lld)\n",
                                   (long long)qline);
                        free(v.s);
                        free(row.s);
                        return;
                    }
                    if (d[i] == '"') {
                        if (i + 1 < n && d[i + 1] == '"') {
                            out_add(&v, "\"", 1);
                            i++;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (d[i] == '\n' || (d[i] == '\r' && !(i + 1 < n && d[i + 1] == '\n')))
                        line++;
                    out_add(&v, d + i, 1);
                }
                if (i < n && d[i] != delim && d[i] != '\n' && d[i] != '\r')
                    out_add(&v, "\"", 1);
            }
            while (i < n && d[i] != delim && d[i] != '\n' && d[i] != '\r')
                out_add(&v, d + i++, 1);
            out_add(&row, quoted ? "{" : "[", 1);
            out_add(&row, v.s, v.len);
            out_add(&row, quoted ? "}" : "]", 1);
            free(v.s);
            if (i < n && d[i] == delim) {
                i++;
                continue;
            }
            break;
        }
        out_add(&row, "|", 1);
        out_add(&row, d + rs, i - rs);
        out_add(&row, "\n", 1);
        if (i < n) {
            if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
                i++;
            i++;
            line++;
        }
        out_add(o, row.s, row.len);
        free(row.s);
        first = false;
    }
}

START_TEST(random_vs_reference)
{
    static const char alphabet[] = "ab,,;\"\"\"\n\n\r ";
    unsigned seed = 12345u + (unsigned)_i;
    char buf[300];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t k = 0; k < n; k++)
            buf[k] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
        /* Mostly balanced quotes, so that most inputs get past the header. */
        if (rand_r(&seed) % 2) {
            size_t q = 0;
            for (size_t k = 0; k < n; k++)
                q += buf[k] == '"';
            if (q % 2 && n)
                buf[n - 1] = '"';
        }
        int delim = iter % 3 ? ',' : ';';
        Out want = { 0 };
        ref_parse(buf, n, delim, &want);
        Out got = parse_all_sizes(buf, n, delim, P_RAW);
        ck_assert_msg(strcmp(out_str(&got), out_str(&want)) == 0,
                      "input %zu bytes, iteration %d:\n%.*s\ngot:\n%s\nwant:\n%s",
                      n, iter, (int)n, buf, out_str(&got), out_str(&want));
        free(got.s);
        free(want.s);
    }
}
END_TEST

/* ---------------------------------------------------------------- main */

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");

    TCase *tc = tcase_create("spectrum");
    tcase_add_test(tc, spectrum_comma_in_quotes);
    tcase_add_test(tc, spectrum_empty);
    tcase_add_test(tc, spectrum_escaped_quotes);
    tcase_add_test(tc, spectrum_json);
    tcase_add_test(tc, spectrum_newlines);
    tcase_add_test(tc, spectrum_quotes_and_newlines);
    tcase_add_test(tc, spectrum_simple);
    tcase_add_test(tc, spectrum_utf8);
    tcase_add_test(tc, spectrum_location);
    tcase_add_test(tc, spectrum_empty_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("rows");
    tcase_add_test(tc, line_ends);
    tcase_add_test(tc, bom);
    tcase_add_test(tc, no_final_newline);
    tcase_add_test(tc, empty_inputs);
    tcase_add_test(tc, blank_lines_and_line_numbers);
    tcase_add_test(tc, raw_bytes);
    tcase_add_test(tc, lenient_quotes);
    tcase_add_test(tc, row_on_plain_block);
    tcase_add_test(tc, row_many_fields_and_escapes);
    tcase_add_test(tc, field_pointers_zero_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("delimiter");
    tcase_add_test(tc, delimiter_detection);
    tcase_add_test(tc, delimiter_forced);
    suite_add_tcase(s, tc);

    tc = tcase_create("chunker");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, block_boundaries);
    tcase_add_test(tc, block_sizes_and_header);
    tcase_add_test(tc, big_rows_get_big_blocks);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, huge_unterminated_quote);
    tcase_add_test(tc, row_too_long);
    tcase_add_test(tc, too_many_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("input");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, input_plain);
    tcase_add_test(tc, input_open_errors);
    tcase_add_test(tc, input_gzip);
    tcase_add_test(tc, input_zstd);
    tcase_add_test(tc, input_empty_compressed);
    tcase_add_test(tc, input_stdin);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, random_vs_reference, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
