/*
 * test_csv.c - the specification of the streaming CSV reader (csv.h).
 * Every input is read several ways: as one buffer, split into windows of
 * 1, 2, 3, 4, 5 and 7 bytes (so every state meets a window end), and from
 * a temporary file through read(2); all must give the same records or
 * the same error.  Records are rendered as text, "line{l:c[text] ...}",
 * so each expectation shows every field's position.
 */
#include "csv/csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[64];
static char tmpfile_path[128];

/* ---- collecting records as text ---- */

typedef struct sink {
    char *text;
    size_t len, cap;
    size_t records;
    size_t fail_at; /* record number whose callback fails; 0 = none */
} sink;

static void sink_add(sink *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        s->text = realloc(s->text, cap);
        assert_non_null(s->text);
        s->cap = cap;
    }
    memcpy(s->text + s->len, p, n);
    s->len += n;
    s->text[s->len] = '\0';
}

static int collect(void *ud, const lab_csv_field *f, size_t n, unsigned line)
{
    sink *s = ud;
    char tmp[64];
    s->records++;
    if (s->fail_at == s->records)
        return lab_seterr(LAB_ESCHEMA, "stopped at line %u", line);
    snprintf(tmp, sizeof tmp, "%u{", line);
    sink_add(s, tmp, strlen(tmp));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f[i].text[f[i].len], '\0');
        snprintf(tmp, sizeof tmp, "%s%u:%u[", i ? " " : "", f[i].line,
                 f[i].col);
        sink_add(s, tmp, strlen(tmp));
        sink_add(s, f[i].text, f[i].len);
        sink_add(s, "]", 1);
    }
    sink_add(s, "}\n", 2);
    return LAB_OK;
}

/* ---- reading every way ---- */

typedef struct outcome {
    int rc;
    char *text; /* records, or the error message */
} outcome;

static outcome run_one(const char *in, size_t len, size_t chunk, int file,
                       size_t fail_at)
{
    sink s = {0};
    s.fail_at = fail_at;
    sink_add(&s, "", 0);
    int rc;
    if (file) {
        FILE *f = fopen(tmpfile_path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(in, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        rc = lab_csv_read_file(tmpfile_path, collect, &s);
    } else if (chunk == 0) {
        rc = lab_csv_read_buffer(in, len, tmpfile_path, collect, &s);
    } else {
        rc = lab_csv_read_buffer_chunked(in, len, tmpfile_path, chunk, collect,
                                         &s);
    }
    outcome o = {rc, s.text};
    if (rc != LAB_OK) {
        free(s.text);
        o.text = strdup(lab_errmsg());
    }
    return o;
}

/* Reads `in` every way; all must agree.  `quick` skips the tiny windows
 * (for inputs of megabytes). */
static outcome run_all(const char *in, size_t len, int quick, size_t fail_at)
{
    static const size_t chunks[] = {1, 2, 3, 4, 5, 7};
    outcome first = run_one(in, len, 0, 0, fail_at);
    outcome o = run_one(in, len, 0, 1, fail_at);
    assert_int_equal(o.rc, first.rc);
    assert_string_equal(o.text, first.text);
    free(o.text);
    for (size_t i = 0; !quick && i < sizeof chunks / sizeof chunks[0]; i++) {
        o = run_one(in, len, chunks[i], 0, fail_at);
        assert_int_equal(o.rc, first.rc);
        assert_string_equal(o.text, first.text);
        free(o.text);
    }
    return first;
}

static void expect_records_n(const char *in, size_t len, const char *want)
{
    outcome o = run_all(in, len, 0, 0);
    if (o.rc != LAB_OK)
        fail_msg("unexpected error: %s", o.text);
    assert_string_equal(o.text, want);
    free(o.text);
}

static void expect_records(const char *in, const char *want)
{
    expect_records_n(in, strlen(in), want);
}

/* `want` is the message after "<path>:". */
static void expect_error_q(const char *in, size_t len, int quick, int code,
                           const char *want)
{
    outcome o = run_all(in, len, quick, 0);
    char full[512];
    snprintf(full, sizeof full, "%s:%s", tmpfile_path, want);
    assert_string_equal(o.text, full);
    assert_int_equal(o.rc, code);
    free(o.text);
}

static void expect_error_n(const char *in, size_t len, int code,
                           const char *want)
{
    expect_error_q(in, len, 0, code, want);
}

static void expect_error(const char *in, int code, const char *want)
{
    expect_error_n(in, strlen(in), code, want);
}

/* ---- records ---- */

static void test_plain(void **state)
{
    (void)state;
    expect_records("a,b,c\n1,22,333\n", "1{1:1[a] 1:3[b] 1:5[c]}\n"
                                        "2{2:1[1] 2:3[22] 2:6[333]}\n");
}

static void test_empty_fields(void **state)
{
    (void)state;
    expect_records(",,\n", "1{1:1[] 1:2[] 1:3[]}\n");
    expect_records("a,,\"\"\n", "1{1:1[a] 1:3[] 1:4[]}\n");
    /* a line of just "" is a record with one empty field, not blank */
    expect_records("\"\"\n", "1{1:1[]}\n");
}

static void test_quotes(void **state)
{
    (void)state;
    expect_records("\"a\",\"b,c\",d\n", "1{1:1[a] 1:5[b,c] 1:11[d]}\n");
    expect_records("\" spaces kept \",x\n", "1{1:1[ spaces kept ] 1:17[x]}\n");
}

static void test_doubled_quotes(void **state)
{
    (void)state;
    expect_records("\"he said \"\"hi\"\"\",x\n",
                   "1{1:1[he said \"hi\"] 1:18[x]}\n");
    expect_records("\"\"\"\"\n", "1{1:1[\"]}\n");
    expect_records("\"\"\"\",\"\"\"\"\"\"\n", "1{1:1[\"] 1:6[\"\"]}\n");
}

static void test_embedded_newline(void **state)
{
    (void)state;
    expect_records("id,note\n1,\"line one\nline two\n\"\n2,after\n",
                   "1{1:1[id] 1:4[note]}\n"
                   "2{2:1[1] 2:3[line one\nline two\n]}\n"
                   "5{5:1[2] 5:3[after]}\n");
    /* and errors after it still name the right line */
    expect_error("a\n\"x\ny\"z\n", LAB_EPARSE,
                 "3:3: 'z' after a closing quote, expected ',' or the end of "
                 "the line");
}

static void test_crlf(void **state)
{
    (void)state;
    expect_records("a,b\r\n1,2\r\n", "1{1:1[a] 1:3[b]}\n2{2:1[1] 2:3[2]}\n");
    /* CR and LF inside quotes are kept as they are */
    expect_records("a,\"x\r\ny\"\r\nb\r\n",
                   "1{1:1[a] 1:3[x\r\ny]}\n3{3:1[b]}\n");
    expect_records("\"q\"\r\n\"r\"\r\n", "1{1:1[q]}\n2{2:1[r]}\n");
    /* mixed line ends within one file */
    expect_records("a\r\nb\nc\r\n", "1{1:1[a]}\n2{2:1[b]}\n3{3:1[c]}\n");
}

static void test_bom(void **state)
{
    (void)state;
    expect_records("\xEF\xBB\xBFid,name\n1,x\n",
                   "1{1:1[id] 1:4[name]}\n2{2:1[1] 2:3[x]}\n");
    expect_records("\xEF\xBB\xBF", "");
    /* only at the start: elsewhere it is text (U+FEFF) */
    expect_records("a,\xEF\xBB\xBF\n", "1{1:1[a] 1:3[\xEF\xBB\xBF]}\n");
}

static void test_no_final_newline(void **state)
{
    (void)state;
    expect_records("a,b\n1,2", "1{1:1[a] 1:3[b]}\n2{2:1[1] 2:3[2]}\n");
    expect_records("a,\"q\"", "1{1:1[a] 1:3[q]}\n");
    expect_records("a,b,", "1{1:1[a] 1:3[b] 1:5[]}\n");
    expect_records("x", "1{1:1[x]}\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    expect_records("\n\na\n\r\n\nb\n\n", "3{3:1[a]}\n6{6:1[b]}\n");
    expect_records("", "");
    expect_records("\n\r\n\n", "");
}

static void test_columns_count_characters(void **state)
{
    (void)state;
    expect_records("\xC3\xA9,\xC3\xBC,x\n", "1{1:1[\xC3\xA9] 1:3[\xC3\xBC] "
                                            "1:5[x]}\n");
    /* two CJK characters (three bytes each), then a four-byte emoji */
    expect_records("\xE6\x97\xA5\xE6\x9C\xAC,\xF0\x9F\x98\x80,x\n",
                   "1{1:1[\xE6\x97\xA5\xE6\x9C\xAC] 1:4[\xF0\x9F\x98\x80] "
                   "1:6[x]}\n");
    expect_error("\xC3\xA9\xC3\xA9,\"a\"b\n", LAB_EPARSE,
                 "1:7: 'b' after a closing quote, expected ',' or the end of "
                 "the line");
}

/* Fields far longer than a 64 KiB read, with multi-byte characters
 * straddling every window end. */
static void test_long_records(void **state)
{
    (void)state;
    size_t n = 200000;
    char *in = malloc(3 * n + 16);
    assert_non_null(in);
    size_t len = 0;
    in[len++] = '"';
    for (size_t i = 0; i < n; i++) {
        memcpy(in + len, "\xC3\xA9", 2); /* é */
        len += 2;
    }
    memcpy(in + len, "\",z\nq\n", 6);
    len += 6;
    outcome o = run_all(in, len, 1, 0);
    assert_int_equal(o.rc, LAB_OK);
    char tail[64];
    snprintf(tail, sizeof tail, "] 1:%zu[z]}\n2{2:1[q]}\n", n + 4);
    assert_int_equal(strlen(o.text), 6 + 2 * n + strlen(tail));
    assert_string_equal(o.text + 6 + 2 * n, tail);
    free(o.text);
    /* the same split every way for a shorter one */
    len = 0;
    for (size_t i = 0; i < 300; i++) {
        memcpy(in + len, "\xE6\x97\xA5,\xF0\x9F\x98\x80\n", 9);
        len += 9;
    }
    o = run_all(in, len, 0, 0);
    assert_int_equal(o.rc, LAB_OK);
    free(o.text);
    free(in);
}

static void test_callback_error_stops(void **state)
{
    (void)state;
    outcome o = run_all("a\nb\nc\n", 6, 0, 2);
    assert_int_equal(o.rc, LAB_ESCHEMA);
    assert_string_equal(o.text, "stopped at line 2");
    free(o.text);
}

/* ---- errors ---- */

static void test_unterminated_quote(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"abc\n\ndef\n", LAB_EPARSE,
                 "2:3: unterminated quoted field, expected a closing '\"' "
                 "before the end of the file");
    expect_error("\"", LAB_EPARSE,
                 "1:1: unterminated quoted field, expected a closing '\"' "
                 "before the end of the file");
}

static void test_nul_byte(void **state)
{
    (void)state;
    expect_error_n("a,b\n1,x\0y\n", 10, LAB_EPARSE,
                   "2:4: NUL byte, expected text (is this a UTF-16 or binary "
                   "file?)");
    expect_error_n("\"a\0\"\n", 5, LAB_EPARSE,
                   "1:3: NUL byte, expected text (is this a UTF-16 or binary "
                   "file?)");
    expect_error_n("\"a\"\0\n", 5, LAB_EPARSE,
                   "1:4: NUL byte, expected text (is this a UTF-16 or binary "
                   "file?)");
    /* UTF-16 text is mostly NUL bytes */
    expect_error_n("\xFF\xFEi\0d\0", 6, LAB_EPARSE,
                   "1:1: invalid UTF-8 (byte 0xFF), expected UTF-8 text");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_error("a,b\n1,\xC3\x28\n", LAB_EPARSE,
                 "2:3: invalid UTF-8 (byte 0xC3), expected UTF-8 text");
    expect_error("\xC3\xA9\xFF", LAB_EPARSE,
                 "1:2: invalid UTF-8 (byte 0xFF), expected UTF-8 text");
    /* cut short by the end of the file */
    expect_error("a,\xE2\x82", LAB_EPARSE,
                 "1:3: invalid UTF-8 (byte 0xE2), expected UTF-8 text");
    /* overlong, surrogate, Latin-1 */
    expect_error("\xC0\xAF", LAB_EPARSE,
                 "1:1: invalid UTF-8 (byte 0xC0), expected UTF-8 text");
    expect_error("x,\"\xED\xA0\x80\"", LAB_EPARSE,
                 "1:4: invalid UTF-8 (byte 0xED), expected UTF-8 text");
    expect_error("caf\xE9\n", LAB_EPARSE,
                 "1:4: invalid UTF-8 (byte 0xE9), expected UTF-8 text");
}

static void test_junk_after_quote(void **state)
{
    (void)state;
    expect_error("\"a\"b,c\n", LAB_EPARSE,
                 "1:4: 'b' after a closing quote, expected ',' or the end of "
                 "the line");
    expect_error("x,\"a\" \n", LAB_EPARSE,
                 "1:6: ' ' after a closing quote, expected ',' or the end of "
                 "the line");
    expect_error("\"a\"\xC3\xA9\n", LAB_EPARSE,
                 "1:4: byte 0xC3 after a closing quote, expected ',' or the "
                 "end of the line");
}

static void test_quote_in_unquoted_field(void **state)
{
    (void)state;
    expect_error("a,b\nab\"c\n", LAB_EPARSE,
                 "2:3: '\"' inside an unquoted field, expected the whole "
                 "field in quotes with '\"' doubled");
}

static void test_bare_cr(void **state)
{
    (void)state;
    expect_error("a\rb\n", LAB_EPARSE,
                 "1:2: CR not followed by LF, expected a CRLF or LF line end");
    expect_error("a\n\r", LAB_EPARSE,
                 "2:1: CR not followed by LF, expected a CRLF or LF line end");
}

static void test_field_limit(void **state)
{
    (void)state;
    size_t big = 10u << 20;
    char *in = malloc(big + 8);
    assert_non_null(in);
    memset(in, 'x', big);
    expect_error_q(in, big, 1, LAB_ELIMIT,
                   "1:1: field longer than 1048576 bytes, expected at most "
                   "1048576");
    /* quoted, on a later line */
    in[0] = 'a';
    in[1] = '\n';
    in[2] = 'b';
    in[3] = ',';
    in[4] = '"';
    expect_error_q(in, big, 1, LAB_ELIMIT,
                   "2:3: field longer than 1048576 bytes, expected at most "
                   "1048576");
    /* exactly the limit is fine */
    memset(in, 'x', LAB_CSV_MAX_FIELD);
    outcome o = run_all(in, LAB_CSV_MAX_FIELD, 1, 0);
    assert_int_equal(o.rc, LAB_OK);
    free(o.text);
    free(in);
}

static void test_record_limit(void **state)
{
    (void)state;
    /* five fields of 1 MiB each: every field fits, the record does not */
    size_t f = LAB_CSV_MAX_FIELD, len = 5 * (f + 1);
    char *in = malloc(len);
    assert_non_null(in);
    memset(in, 'y', len);
    for (size_t i = 1; i <= 5; i++)
        in[i * (f + 1) - 1] = ',';
    in[len - 1] = '\n';
    expect_error_q(in, len, 1, LAB_ELIMIT,
                   "1:1: record longer than 4194304 bytes, expected at most "
                   "4194304");
    free(in);
}

static void test_million_columns(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *in = malloc(n + 1);
    assert_non_null(in);
    memset(in, ',', n);
    in[n] = '\n';
    clock_t t0 = clock();
    expect_error_q(in, n + 1, 1, LAB_ELIMIT,
                   "1:4097: more than 4096 fields in one record, expected at "
                   "most 4096");
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 1.0);
    /* exactly the limit is fine */
    outcome o =
        run_all(in + n + 1 - LAB_CSV_MAX_FIELDS, LAB_CSV_MAX_FIELDS, 1, 0);
    assert_int_equal(o.rc, LAB_OK);
    free(o.text);
    free(in);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/none.csv", tmpdir);
    sink s = {0};
    assert_int_equal(lab_csv_read_file(path, collect, &s), LAB_EIO);
    char want[256];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
             path);
    assert_string_equal(lab_errmsg(), want);
    assert_int_equal(s.records, 0);
    assert_int_equal(lab_csv_read_buffer(NULL, 0, "x", collect, &s), LAB_OK);
    assert_int_equal(lab_csv_read_buffer("a", 1, "x", NULL, &s), LAB_EINVAL);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_csv_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(tmpfile_path, sizeof tmpfile_path, "%s/t.csv", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(tmpfile_path);
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_embedded_newline),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_columns_count_characters),
        cmocka_unit_test(test_long_records),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_junk_after_quote),
        cmocka_unit_test(test_quote_in_unquoted_field),
        cmocka_unit_test(test_bare_cr),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_million_columns),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
