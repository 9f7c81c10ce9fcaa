/*
 * fuzz_csv.c - a fuzz target for the streaming CSV reader.  Each input is
 * read as one buffer and again split into windows of 1 to 8 bytes (the
 * size taken from the input), and both readings must agree exactly: the
 * same records, fields, positions and bytes, or the same error.  The
 * callback touches every byte of every field and checks what csv.h
 * promises: NUL-terminated text without NUL bytes inside, valid UTF-8,
 * 1-based positions and the limits.
 */
#include "csv/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct digest {
    uint64_t h;
    size_t records;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ s[i]) * UINT64_C(0x100000001b3);
}

static int touch(void *ud, const lab_csv_field *f, size_t n, unsigned line)
{
    digest *d = ud;
    if (n == 0 || n > LAB_CSV_MAX_FIELDS || line == 0)
        abort();
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].text[f[i].len] != '\0' || strlen(f[i].text) != f[i].len)
            abort();
        if (lab_utf8_check(f[i].text, f[i].len) != f[i].len)
            abort();
        if (f[i].line < line || f[i].col == 0 || f[i].len > LAB_CSV_MAX_FIELD)
            abort();
        if (i > 0 && f[i].line < f[i - 1].line)
            abort();
        total += f[i].len;
        mix(d, &f[i].line, sizeof f[i].line);
        mix(d, &f[i].col, sizeof f[i].col);
        mix(d, &f[i].len, sizeof f[i].len);
        mix(d, f[i].text, f[i].len);
    }
    if (total > LAB_CSV_MAX_RECORD)
        abort();
    mix(d, &line, sizeof line);
    d->records++;
    return LAB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char msg[1024];
    const char *text = (const char *)data;
    digest a = {UINT64_C(0xcbf29ce484222325), 0};
    digest b = a;
    int rc1 = lab_csv_read_buffer(text, size, "fuzz.csv", touch, &a);
    if (rc1 != LAB_OK) {
        strncpy(msg, lab_errmsg(), sizeof msg - 1);
        if (strncmp(msg, "fuzz.csv:", 9) != 0)
            abort();
    }
    size_t chunk = size > 0 ? 1 + data[size - 1] % 8 : 1;
    int rc2 =
        lab_csv_read_buffer_chunked(text, size, "fuzz.csv", chunk, touch, &b);
    if (rc1 != rc2 || a.h != b.h || a.records != b.records)
        abort();
    if (rc1 != LAB_OK && strcmp(msg, lab_errmsg()) != 0)
        abort();
    return 0;
}
