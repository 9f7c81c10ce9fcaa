/*
 * fuzz_reflist.c - a fuzz target for reference lists (reflist.c): the CSV
 * header that decides a list's kind, entity names and their aliases,
 * region codes, versions, and the name keys and similarity used in
 * screening.  Each input is written to a temporary file and loaded as a
 * list; a list that fails must leave a message naming the file.  For one
 * that loads, every entity has its name among its names, every key is a
 * key of itself (similarity 1) and similarity stays within 0..1 and is
 * the same both ways for a sample of pairs.
 */
#include "reflist.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_similarity(const char *a, const char *b)
{
    double ab = lab_key_similarity(a, b), ba = lab_key_similarity(b, a);
    if (!(ab >= 0 && ab <= 1) || !(ba >= 0 && ba <= 1))
        abort();
}

static void check_entities(const lab_refdata *rd)
{
    lab_buf key = LAB_BUF_INIT;
    const char *prev = NULL;
    for (size_t i = 0; i < rd->nentities && i < 64; i++) {
        const lab_listed *e = &rd->entities[i];
        if (e->nnames == 0 || e->names[0] != e->name || e->list_id == NULL)
            abort();
        for (size_t k = 0; k < e->nnames; k++) {
            if (e->keys[k] == NULL)
                abort();
            /* Keys are deterministic: keying the name again gives the
             * same key. */
            lab_name_key(&key, e->names[k]);
            if (key.len != strlen(e->keys[k]) ||
                (key.len > 0 && memcmp(key.data, e->keys[k], key.len) != 0))
                abort();
            if (e->keys[k][0] != '\0' &&
                lab_key_similarity(e->keys[k], e->keys[k]) != 1)
                abort();
            if (prev != NULL)
                check_similarity(prev, e->keys[k]);
            prev = e->keys[k];
        }
    }
    lab_buf_free(&key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    const char *path = fuzz_file("fuzz_reflist", data, size);

    lab_refdata rd;
    lab_arena a;
    lab_strtab st;
    memset(&rd, 0, sizeof rd);
    lab_arena_init(&a, 4096);
    if (lab_strtab_init(&st) != LAB_OK)
        abort();
    int rc = lab_refdata_load(&rd, &a, &st, path);
    if (rc == LAB_OK) {
        if (rd.nlists != 1 || strcmp(rd.lists[0].path, path) != 0)
            abort();
        check_entities(&rd);
        for (size_t i = 0; i < rd.nregions; i++)
            if (!lab_region_listed(&rd, rd.regions[i]))
                abort();
    } else if (strstr(lab_errmsg(), path) == NULL && rc != LAB_ENOMEM) {
        abort();
    }
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&a);
    return 0;
}
