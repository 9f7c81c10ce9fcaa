/*
 * test_screening.c - entity screening, as a specification: which supplier
 * names match a listed entity (case, punctuation, legal forms in several
 * languages, word order, transliteration variants, one typo) and which
 * must not; reference lists load with their kind, version and digest, and
 * a malformed list is an error naming file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "reflist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double sim(const char *a, const char *b)
{
    lab_buf ka = LAB_BUF_INIT, kb = LAB_BUF_INIT;
    lab_name_key(&ka, a);
    lab_name_key(&kb, b);
    double s = lab_key_similarity(ka.data, kb.data);
    lab_buf_free(&ka);
    lab_buf_free(&kb);
    return s;
}

static void test_keys(void **state)
{
    (void)state;
    lab_buf k = LAB_BUF_INIT;
    lab_name_key(&k, "Binzhou Chinatex Yintai Industrial Co., Ltd.");
    assert_string_equal(k.data, "binzhou chinatex yintai industry");
    lab_name_key(&k, "  THE Example GmbH & Co. KG ");
    assert_string_equal(k.data, "example");
    lab_name_key(&k, "Sinkiang Production & Construction Corps, Ltd.");
    assert_string_equal(k.data, "xinjiang production construction corps");
    lab_name_key(&k, "新疆生产建设兵团有限公司");
    assert_string_equal(k.data, "新疆生产建设兵团");
    lab_name_key(&k, "Société Générale Tèxtiles S.A.");
    assert_string_equal(k.data, "societe generale textile");
    lab_buf_free(&k);
}

static void test_matches(void **state)
{
    (void)state;
    const char *listed = "Xinjiang Production and Construction Corps";
    /* the same entity however it is written */
    assert_true(sim(listed, "XINJIANG PRODUCTION & CONSTRUCTION CORPS") == 1);
    assert_true(sim(listed, "Sinkiang Production and Construction Corps") == 1);
    assert_true(sim(listed, "Construction Corps, Production, Xinjiang") == 1);
    assert_true(sim(listed, "Xinjang Production and Construction Corps") >=
                LAB_MATCH_THRESHOLD); /* one typo */
    assert_true(sim("Xin Jiang Cotton Co", "Xinjiang Cotton Company") == 1);
    assert_true(sim("Binzhou Chinatex Yintai Industrial Co., Ltd.",
                    "Binzhou Chinatex Yintai Industry Company Limited") == 1);
    /* different entities */
    assert_true(sim(listed, "Example Spinning Mills Pvt Ltd") <
                LAB_MATCH_THRESHOLD);
    assert_true(sim("China Cotton Group Henan Logistics Park",
                    "China Cotton Group Nangong Hongtai Cotton") <
                LAB_MATCH_THRESHOLD);
    assert_true(sim("Ltd", "Co") == 0); /* nothing but legal forms */
    /* a listed name with a word the supplier's lacks is another company:
     * generic names do not match the listed ones they are part of */
    assert_true(sim("Henan Logistics Co., Ltd.",
                    "Henan Yumian Logistics Co., Ltd.") < LAB_MATCH_THRESHOLD);
    assert_true(sim("Xinjiang Cotton Co., Ltd.",
                    "China Cotton Group Xinjiang Cotton Co., Ltd.") <
                LAB_MATCH_THRESHOLD);
    assert_true(sim("Example Cotton Trading", "Example Cotton Spinning") <
                LAB_MATCH_THRESHOLD);
    /* a long name with one word more still matches (4 of 5) */
    assert_true(sim("Xinjiang Lida Fiber Textile Co., Ltd.",
                    "Xinjiang Lida Fiber Textile Dyeing Co., Ltd.") >=
                LAB_MATCH_THRESHOLD);
    /* symmetric */
    assert_true(sim("Henan Yumian Logistics", "Henan Logistics") ==
                sim("Henan Logistics", "Henan Yumian Logistics"));
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/labaudit-list-XXXXXX.csv");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_load_and_screen(void **state)
{
    (void)state;
    char *path = write_tmp(
        "name,aliases,country,list_version\n"
        "Xinjiang Production and Construction Corps,XPCC;Bingtuan,CN,v7\n"
        "\"Example Listed Cotton Co., Ltd.\",,CN,v7\n");
    lab_refdata rd = {0};
    lab_arena a;
    lab_strtab st;
    lab_arena_init(&a, 4096);
    assert_int_equal(lab_strtab_init(&st), LAB_OK);
    assert_int_equal(lab_refdata_load(&rd, &a, &st, path), LAB_OK);
    assert_int_equal(rd.nlists, 1);
    assert_string_equal(rd.lists[0].kind, "entities");
    assert_string_equal(rd.lists[0].version, "v7");
    assert_int_equal(strlen(rd.lists[0].sha256), 64);
    assert_int_equal(rd.nentities, 2);

    lab_supplier s;
    lab_record_clear(&lab_entities[LAB_ENT_SUPPLIER], &s);
    s.id = "S1";
    s.country = "CN";
    s.name = "Bingtuan";
    lab_buf key = LAB_BUF_INIT;
    lab_hit hit;
    lab_screen_supplier(&rd, &s, &key, &hit);
    assert_true(hit.score == 1);
    assert_string_equal(hit.entity->name,
                        "Xinjiang Production and Construction Corps");
    /* "Bingtuan" is the XPCC's other name: either alias may be reported */
    assert_string_equal(hit.by, "Bingtuan");
    assert_true(strcmp(hit.matched, "Bingtuan") == 0 ||
                strcmp(hit.matched, "XPCC") == 0);

    s.name = "Example Unlisted Weaving Ltd";
    lab_screen_supplier(&rd, &s, &key, &hit);
    assert_true(hit.score == 0 && hit.entity == NULL);

    lab_buf_free(&key);
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&a);
    unlink(path);
    free(path);
}

static void test_bad_list(void **state)
{
    (void)state;
    char *path = write_tmp("name,aliases\n\"unterminated\n");
    lab_refdata rd = {0};
    lab_arena a;
    lab_strtab st;
    lab_arena_init(&a, 4096);
    assert_int_equal(lab_strtab_init(&st), LAB_OK);
    assert_int_equal(lab_refdata_load(&rd, &a, &st, path), LAB_EPARSE);
    assert_non_null(strstr(lab_errmsg(), path));
    assert_non_null(strstr(lab_errmsg(), ":2:"));
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&a);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_load_and_screen),
        cmocka_unit_test(test_bad_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
