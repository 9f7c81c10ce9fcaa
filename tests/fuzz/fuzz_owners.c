/*
 * fuzz_owners.c - a fuzz target for owners and affiliates (owners.c): the
 * ownership.csv rows (shares, outside owners and their facts, references
 * to suppliers and owners), suppliers' parent and identifiers, the
 * ownership graph with its cycles, and the ties derived against a small
 * entity list with identifiers, an address and a subsidiary.  The input
 * is ownership.csv, or suppliers.csv, a line "===", then ownership.csv.
 * A dataset that fails to load must say where and keep nothing; one that
 * loads must give every supplier a listed share from 0 to 100, a listed
 * owner exactly when that share is positive, and the same ties twice.
 * Each identifier-looking line is also checked and keyed: a key is
 * "scheme:VALUE" and keying it again gives itself.
 */
#include "dataset.h"
#include "owners.h"
#include "reflist.h"

#include <labaudit.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static const char suppliers[] =
    "id,name,country,address,city,identifiers,parent\n"
    "S1,\"Wuxi Example Yarn Co., Ltd.\",CN,No. 8 Example Road,Wuxi,"
    "uscc:91320200MA1XYW0128,\n"
    "S2,Example Hetian Cotton Yarn Company Limited,CN,,,,S1\n"
    "S3,Example Spinning,CN,\"No. 1 Example Avenue\",Hotan,,H1\n"
    "S4,Example Dyeing,CN,,,lei:5493001KJTIIGC8Y1R12,Xinjiang Production "
    "and Construction Corps\n";

static const char list[] =
    "name,aliases,country,identifiers,address,subsidiaries\n"
    "\"Example Listed Cotton Group Co., Ltd.\",ELCG,CN,"
    "uscc:91650100MA77ABCD1P;duns:123456789,\"No. 1 Example Avenue, "
    "Hotan\",\"Example Hotan Cotton Yarn Co., Ltd.\"\n"
    "Xinjiang Production and Construction Corps,XPCC,CN,,,\n";

static void put(const char *name, const void *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

static void cleanup(void)
{
    static const char *const files[] = {"links.csv", "audits.csv", "list.csv",
                                        "suppliers.csv", "ownership.csv"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void setup(void)
{
    if (dir[0] != '\0')
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_owners.XXXXXX",
             tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(cleanup);
    put("links.csv", "supplier_id,buyer_id\n", 21);
    put("audits.csv", "id,supplier_id,start_date\n", 26);
    put("list.csv", list, sizeof list - 1);
}

/* Identifier checks and keys on each line of the input. */
static void check_idents(const uint8_t *data, size_t size)
{
    lab_buf key = LAB_BUF_INIT, again = LAB_BUF_INIT;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        const char *s = (const char *)data + start;
        size_t n = i - start;
        start = i + 1;
        if (n > 200 || memchr(s, '\0', n) != NULL)
            continue;
        char why[160];
        int known;
        lab_ident_check(s, n, &known, why, sizeof why);
        lab_ident_key(&key, s, n);
        if (key.len == 0)
            continue;
        if (strchr(key.data, ':') == NULL)
            abort();
        lab_ident_key(&again, key.data, key.len);
        if (again.len != key.len || memcmp(again.data, key.data, key.len) != 0)
            abort();
    }
    lab_buf_free(&key);
    lab_buf_free(&again);
}

static void check_ties(lab_dataset *ds, const lab_refdata *rd)
{
    size_t n = ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_hit *hits = calloc(n + 1, sizeof *hits);
    lab_tie *t1 = calloc(n + 1, sizeof *t1), *t2 = calloc(n + 1, sizeof *t2);
    lab_arena a;
    lab_buf key = LAB_BUF_INIT;
    lab_arena_init(&a, 4096);
    if (hits == NULL || t1 == NULL || t2 == NULL)
        abort();
    for (size_t v = 0; v < n; v++)
        lab_screen_supplier(rd, lab_table_row(&ds->tables[0], v), &key,
                            &hits[v]);
    lab_ties *c1 = NULL, *c2 = NULL;
    if (lab_ties_derive(&c1, t1, rd, ds, NULL, hits, &a) != LAB_OK ||
        lab_ties_derive(&c2, t2, rd, ds, NULL, hits, &a) != LAB_OK)
        abort();
    for (size_t v = 0; v < n; v++) {
        double s = t1[v].owner_share;
        if (!(s >= 0 && s <= 100) || s != t2[v].owner_share ||
            t1[v].id_entity != t2[v].id_entity ||
            t1[v].subsidiary != t2[v].subsidiary)
            abort();
        if ((s > 0) != (t1[v].owner_root != NULL))
            abort();
        const char *p1 = lab_tie_owner_path(&t1[v]);
        const char *p2 = lab_tie_owner_path(&t2[v]);
        if ((s > 0) != (p1 != NULL) || (p1 && strcmp(p1, p2) != 0))
            abort();
    }
    lab_ties_free(c1);
    lab_ties_free(c2);
    lab_buf_free(&key);
    lab_arena_free(&a);
    free(hits);
    free(t1);
    free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 16))
        return 0;
    setup();
    check_idents(data, size);
    const uint8_t *own = data;
    size_t nown = size;
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 5 <= size && sep == NULL; i++)
        if (memcmp(data + i, "\n===\n", 5) == 0)
            sep = data + i;
    if (sep != NULL) {
        put("suppliers.csv", data, (size_t)(sep - data) + 1);
        own = sep + 5;
        nown = size - (size_t)(own - data);
    } else {
        put("suppliers.csv", suppliers, sizeof suppliers - 1);
    }
    put("ownership.csv", own, nown);

    lab_refdata rd;
    lab_arena la;
    lab_strtab st;
    char path[128];
    memset(&rd, 0, sizeof rd);
    lab_arena_init(&la, 4096);
    if (lab_strtab_init(&st) != LAB_OK)
        abort();
    snprintf(path, sizeof path, "%s/list.csv", dir);
    if (lab_refdata_load(&rd, &la, &st, path) != LAB_OK)
        abort();

    lab_dataset *ds = NULL;
    if (lab_dataset_new(&ds) != LAB_OK)
        abort();
    int rc = lab_dataset_load(ds, dir);
    if (rc == LAB_OK) {
        if (ds->owners == NULL)
            abort();
        check_ties(ds, &rd);
    } else if (rc != LAB_ENOMEM) {
        if (strstr(lab_errmsg(), ".csv") == NULL)
            abort();
        for (int k = 0; k < LAB_TABLE_COUNT; k++)
            if (lab_dataset_count(ds, (lab_record_kind)k) != 0)
                abort();
    }
    lab_dataset_free(ds);
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&la);
    return 0;
}
