/*
 * fuzz_listdiff.c - a fuzz target for the reference-list diff
 * (listdiff.c): two list files, the input split at a line "===" (or the
 * input against itself).  Both formats must be produced or fail with a
 * message naming a file; the JSON must parse and its summary agree with
 * the count returned; a list compared with itself has no change.
 */
#include "internal.h"

#include <labaudit.h>

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], old_dir[80], new_dir[80], path_a[96], path_b[96];

static void cleanup(void)
{
    unlink(path_a);
    unlink(path_b);
    rmdir(old_dir);
    rmdir(new_dir);
    rmdir(dir);
}

static void put(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

static void setup(void)
{
    if (dir[0] != '\0')
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_listdiff.XXXXXX",
             tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(old_dir, sizeof old_dir, "%s/old", dir);
    snprintf(new_dir, sizeof new_dir, "%s/new", dir);
    if (mkdir(old_dir, 0700) != 0 || mkdir(new_dir, 0700) != 0)
        abort();
    /* one name in both folders: the two editions are paired */
    snprintf(path_a, sizeof path_a, "%s/list.csv", old_dir);
    snprintf(path_b, sizeof path_b, "%s/list.csv", new_dir);
    atexit(cleanup);
}

static void check(const char *a, const char *b, int same)
{
    char *text = NULL, *js = NULL;
    size_t nt = 0, nj = 0;
    int rt = lab_lists_diff(&text, &nt, a, b, LAB_FORMAT_TEXT);
    int rj = lab_lists_diff(&js, &nj, a, b, LAB_FORMAT_JSON);
    if (rt != rj)
        abort();
    if (rt != LAB_OK) {
        if (rt != LAB_ENOMEM && strstr(lab_errmsg(), ".csv") == NULL)
            abort();
        return;
    }
    if (nt != nj || (same && nt != 0))
        abort();
    json_error_t err;
    json_t *doc = json_loads(js, 0, &err);
    if (doc == NULL)
        abort();
    json_t *s = json_object_get(doc, "summary");
    size_t sum = 0;
    const char *k[] = {"added", "removed", "changed", "lists_added_or_removed"};
    for (size_t i = 0; i < 4; i++)
        sum += (size_t)json_integer_value(json_object_get(s, k[i]));
    if (sum != nj)
        abort();
    json_decref(doc);
    lab_free(text);
    lab_free(js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 16))
        return 0;
    setup();
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 5 <= size && sep == NULL; i++)
        if (memcmp(data + i, "\n===\n", 5) == 0)
            sep = data + i;
    if (sep == NULL) {
        put(path_a, data, size);
        check(path_a, path_a, 1);
        return 0;
    }
    put(path_a, data, (size_t)(sep - data) + 1);
    put(path_b, sep + 5, size - (size_t)(sep + 5 - data));
    check(old_dir, new_dir, 0);
    check(new_dir, new_dir, 1);
    check(path_a, path_b, 0);
    return 0;
}
