/*
 * test_fileio.c - the specification of fileio.c and of the numeric rule
 * every adapter shares (issue 21): the one writer writes a FIFO in place
 * and keeps it a FIFO, refuses a FIFO without a reader and a directory,
 * follows a symbolic link (the target is replaced, the link stays), keeps
 * an existing file's mode and sets an explicit one exactly; the one reader
 * refuses a FIFO without waiting, enforces its cap to the byte and, for
 * text, names the offset of a NUL byte; the terminal sanitiser escapes C0,
 * DEL, C1, bidi overrides and invalid UTF-8 and nothing else; a whole
 * number is integer syntax only and a decimal refuses underflow; and an
 * audit report with a text node over the 1 MiB pre-scan limit is an error
 * with nothing printed on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal.h"
#include "schema.h"
#include "xml/auditreport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char path[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/lab_fileio_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static const char *in_dir(fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static void put(const char *path, const char *text, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void test_writer_fifo_in_place(void **state)
{
    fixture *f = *state;
    const char *p = in_dir(f, "out.fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    /* no reader: an error at once, not a wait */
    assert_int_equal(lab_write_file(p, "x", 1, 0, 0), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "no reader"));
    /* with a reader: written in place, still a FIFO */
    int rd = open(p, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(lab_write_file(p, "hello\n", 6, 0, 0), LAB_OK);
    char buf[16] = {0};
    assert_int_equal(read(rd, buf, sizeof buf), 6);
    assert_string_equal(buf, "hello\n");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

static void test_writer_dir_link_mode(void **state)
{
    fixture *f = *state;
    char target[256], link[256];
    assert_int_equal(lab_write_file(f->dir, "x", 1, 0, 0), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "is a directory"));

    snprintf(target, sizeof target, "%s", in_dir(f, "target.txt"));
    snprintf(link, sizeof link, "%s", in_dir(f, "link.txt"));
    put(target, "old", 3);
    assert_int_equal(chmod(target, 0640), 0);
    assert_int_equal(symlink("target.txt", link), 0);
    assert_int_equal(lab_write_file(link, "new", 3, 0, 0), LAB_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    char *back = NULL;
    assert_int_equal(lab_read_file(&back, NULL, target, 16), LAB_OK);
    assert_string_equal(back, "new");
    free(back);

    /* an explicit mode is exact; LAB_FILE_NEW refuses an existing path */
    const char *key = in_dir(f, "key.pem");
    assert_int_equal(lab_write_file(key, "k", 1, 0600, LAB_FILE_NEW), LAB_OK);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(lab_write_file(key, "k", 1, 0600, LAB_FILE_NEW),
                     LAB_EDUPLICATE);
    /* a link to nothing is refused rather than guessed at */
    assert_int_equal(symlink("nowhere", in_dir(f, "dangling")), 0);
    assert_int_equal(lab_write_file(f->path, "x", 1, 0, 0), LAB_EIO);
}

/* An output written in pieces: nothing shows under its name until the
 * commit; an abort (or a failed put) leaves the old file as it was and no
 * temporary behind; FIFOs get the pieces as they come. */
static void test_writer_pieces(void **state)
{
    fixture *f = *state;
    char path[256];
    snprintf(path, sizeof path, "%s", in_dir(f, "report.txt"));
    put(path, "old", 3);
    lab_file *w = NULL;
    assert_int_equal(lab_file_open(&w, path, 0, 0), LAB_OK);
    assert_int_equal(lab_file_put(w, "new ", 4), LAB_OK);
    assert_int_equal(lab_file_put(w, "text", 4), LAB_OK);
    char *back = NULL;
    assert_int_equal(lab_read_file(&back, NULL, path, 16), LAB_OK);
    assert_string_equal(back, "old"); /* not yet */
    free(back);
    assert_int_equal(lab_file_commit(w), LAB_OK);
    assert_int_equal(lab_read_file(&back, NULL, path, 16), LAB_OK);
    assert_string_equal(back, "new text");
    free(back);

    assert_int_equal(lab_file_open(&w, path, 0, 0), LAB_OK);
    assert_int_equal(lab_file_put(w, "half", 4), LAB_OK);
    lab_file_abort(w);
    lab_file_abort(NULL);
    assert_int_equal(lab_read_file(&back, NULL, path, 16), LAB_OK);
    assert_string_equal(back, "new text");
    free(back);
    /* only report.txt is left in the folder: no temporary */
    char cmd[320];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = report.txt", f->dir);
    assert_int_equal(system(cmd), 0);

    /* LAB_FILE_NEW: a name taken between open and commit is not replaced */
    const char *fresh = in_dir(f, "fresh.txt");
    assert_int_equal(lab_file_open(&w, fresh, 0, LAB_FILE_NEW), LAB_OK);
    assert_int_equal(lab_file_put(w, "mine", 4), LAB_OK);
    put(fresh, "theirs", 6);
    assert_int_equal(lab_file_commit(w), LAB_EDUPLICATE);
    assert_int_equal(lab_read_file(&back, NULL, fresh, 16), LAB_OK);
    assert_string_equal(back, "theirs");
    free(back);

    /* a FIFO is written in place, piece by piece */
    const char *fifo = in_dir(f, "pieces.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(lab_file_open(&w, fifo, 0, 0), LAB_OK);
    assert_int_equal(lab_file_put(w, "ab", 2), LAB_OK);
    char buf[8] = {0};
    assert_int_equal(read(rd, buf, sizeof buf), 2);
    assert_int_equal(lab_file_put(w, "cd", 2), LAB_OK);
    assert_int_equal(lab_file_commit(w), LAB_OK);
    assert_int_equal(read(rd, buf + 2, sizeof buf - 2), 2);
    assert_string_equal(buf, "abcd");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a directory is refused at open */
    assert_int_equal(lab_file_open(&w, f->dir, 0, 0), LAB_EIO);
    assert_null(w);
}

static void test_reader(void **state)
{
    fixture *f = *state;
    char *data = NULL;
    size_t n = 0;
    const char *p = in_dir(f, "in.fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(lab_read_file(&data, &n, p, 100), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "not a regular file (a FIFO)"));
    assert_int_equal(lab_file_read(&data, &n, f->dir, 0, 0), LAB_EIO);
    assert_non_null(strstr(lab_errmsg(), "not a regular file (a directory)"));

    p = in_dir(f, "ten");
    put(p, "0123456789", 10);
    assert_int_equal(lab_read_file(&data, &n, p, 10), LAB_OK);
    assert_int_equal(n, 10);
    free(data);
    assert_int_equal(lab_read_file(&data, &n, p, 9), LAB_ELIMIT);

    p = in_dir(f, "nul");
    put(p, "TOKEN\0junk", 10);
    assert_int_equal(lab_file_read(&data, &n, p, 0, 0), LAB_OK);
    assert_int_equal(n, 10);
    free(data);
    assert_int_equal(lab_file_read(&data, &n, p, 0, LAB_FILE_TEXT), LAB_EPARSE);
    assert_non_null(strstr(lab_errmsg(), "NUL byte at byte offset 5"));
}

static void test_terminal_text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain text\n\tok", "plain text\n\tok"},
        {"\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m"},
        {"bell\a del\x7f cr\r", "bell\\x07 del\\x7f cr\\x0d"},
        {"c1 \xc2\x85 \xc2\x9b", "c1 \\u0085 \\u009b"},
        {"bidi \xe2\x80\xae \xe2\x80\xaa \xe2\x81\xa6 \xe2\x81\xa9",
         "bidi \\u202e \\u202a \\u2066 \\u2069"},
        {"bad \xff \xc3", "bad \\xff \\xc3"},
        {"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x91\x95 \xc2\xa0",
         "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x91\x95 \xc2\xa0"},
    };
    for (size_t i = 0; i < LAB_ARRAY_LEN(cases); i++) {
        char *out = NULL;
        assert_int_equal(
            lab_text_escape(&out, cases[i].in, strlen(cases[i].in)), LAB_OK);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
}

/* A field of the given type, parsed alone. */
static int parse_as(lab_ftype type, const char *text)
{
    lab_strtab st;
    lab_val v;
    lab_field fd;
    memset(&fd, 0, sizeof fd);
    fd.name = "n";
    fd.type = type;
    lab_pos pos = {"t.csv", 2, 3};
    assert_int_equal(lab_strtab_init(&st), LAB_OK);
    int rc = lab_field_parse(&fd, text, strlen(text), &st, pos, &v);
    lab_strtab_free(&st);
    return rc;
}

static void test_numbers(void **state)
{
    (void)state;
    static const char *const whole_ok[] = {"0",  "42",         "-7",
                                           "+3", "2147483647", "-2147483647"};
    static const char *const whole_bad[] = {"0.99999999999999999",
                                            "1e2",
                                            "3.0",
                                            "2147483648",
                                            "-2147483648",
                                            "1e-400",
                                            "0x10",
                                            "1 000",
                                            "",
                                            "99999999999"};
    for (size_t i = 0; i < LAB_ARRAY_LEN(whole_ok); i++)
        assert_int_equal(parse_as(LAB_FT_INT, whole_ok[i]), LAB_OK);
    for (size_t i = 0; i < LAB_ARRAY_LEN(whole_bad); i++) {
        if (whole_bad[i][0] == '\0')
            continue; /* empty means absent, not a number */
        assert_int_equal(parse_as(LAB_FT_INT, whole_bad[i]), LAB_ESCHEMA);
        assert_non_null(strstr(lab_errmsg(), "t.csv:2:3: n: expected a whole"));
    }
    assert_int_equal(parse_as(LAB_FT_NUM, "1.5e3"), LAB_OK);
    assert_int_equal(parse_as(LAB_FT_NUM, "0e-400"), LAB_OK);
    assert_int_equal(parse_as(LAB_FT_NUM, "1e-400"), LAB_ESCHEMA);
    assert_non_null(strstr(lab_errmsg(), "t.csv:2:3: n: expected a number "
                                         "within the range of a double"));
    assert_int_equal(parse_as(LAB_FT_NUM, "-1e400"), LAB_ESCHEMA);
}

static void test_libxml2_silent(void **state)
{
    fixture *f = *state;
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<audit_report xmlns=\"urn:labaudit:auditreport:1\" version=\"1\">\n"
        "  <id>A-1</id>\n  <supplier_id>S-1</supplier_id>\n"
        "  <scheme>internal</scheme>\n  <type>announced</type>\n"
        "  <auditor>\n    <auditor_org>";
    static const char tail[] =
        "</auditor_org>\n  </auditor>\n</audit_report>\n";
    size_t big = (size_t)11 << 20;
    const char *p = in_dir(f, "huge.xml");
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    fputs(head, fp);
    for (size_t i = 0; i < big; i++)
        fputc('A', fp);
    fputs(tail, fp);
    assert_int_equal(fclose(fp), 0);

    char errpath[256];
    snprintf(errpath, sizeof errpath, "%s/stderr", f->dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    /* the pre-scan refuses the text before libxml2 would concatenate it */
    int rc = lab_xml_load_file(ds, f->path);
    char first[512];
    snprintf(first, sizeof first, "%s", lab_errmsg());
    /* and what libxml2 itself refuses (a mismatched end tag) is a
     * labaudit error too, never printed */
    const char *q = in_dir(f, "bad.xml");
    fp = fopen(q, "wb");
    assert_non_null(fp);
    fputs("<?xml version=\"1.0\"?>\n<audit_report xmlns=\"urn:labaudit:"
          "auditreport:1\" version=\"1\">\n  <id>A-1</idd>\n",
          fp);
    assert_int_equal(fclose(fp), 0);
    int rc2 = lab_xml_load_file(ds, q);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lab_dataset_free(ds);
    assert_int_equal(rc, LAB_ELIMIT);
    assert_non_null(strstr(first, "huge.xml:"));
    assert_non_null(strstr(first, ": more than 1048576 bytes of text"));
    assert_int_not_equal(rc2, LAB_OK);
    assert_non_null(strstr(lab_errmsg(), "bad.xml:3"));
    struct stat st;
    assert_int_equal(stat(errpath, &st), 0);
    assert_int_equal(st.st_size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_fifo_in_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_dir_link_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_pieces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
        cmocka_unit_test(test_terminal_text),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test_setup_teardown(test_libxml2_silent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
