/*
 * test_ident.c - the specification of ident.c: which dates, country and
 * subdivision codes, Open Supply Hub OS IDs, HS codes, LEIs and GLNs are
 * valid, how day numbers map to calendar dates, and that every single
 * character error in a checked identifier is caught.  Expected check
 * characters and day numbers were computed independently (with Python's
 * datetime and a transcription of Open Supply Hub's checksum()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ident.h"

/* The generated tables, to check that every entry can be found. */
extern const char lab_iso3166_1_codes[][3];
extern const size_t lab_iso3166_1_count;
extern const char lab_iso3166_2_codes[][7];
extern const size_t lab_iso3166_2_count;

/* Calls f on a NUL-terminated literal, passing its length. */
#define OK(f, lit) assert_int_equal(f(lit, strlen(lit)), 1)
#define BAD(f, lit) assert_int_equal(f(lit, strlen(lit)), 0)

/* ---- dates ---- */

static int date_valid(const char *s, size_t n)
{
    return lab_date_parse(s, n, NULL);
}

static void test_date_valid(void **state)
{
    (void)state;
    OK(date_valid, "2024-02-29");
    OK(date_valid, "2000-02-29");
    OK(date_valid, "1900-01-01");
    OK(date_valid, "2999-12-31");
    OK(date_valid, "2023-12-31");
    OK(date_valid, "2023-04-30");
}

static void test_date_invalid(void **state)
{
    (void)state;
    BAD(date_valid, "2023-02-29"); /* not a leap year */
    BAD(date_valid, "1900-02-29"); /* century, not a leap year */
    BAD(date_valid, "2024-13-01");
    BAD(date_valid, "2024-00-10");
    BAD(date_valid, "2024-04-31");
    BAD(date_valid, "2024-01-00");
    BAD(date_valid, "2024-01-32");
    BAD(date_valid, "2024-1-01");
    BAD(date_valid, "2024-01-1");
    BAD(date_valid, " 2024-01-01");
    BAD(date_valid, "2024-01-01 ");
    BAD(date_valid, "1899-12-31");
    BAD(date_valid, "3000-01-01");
    BAD(date_valid, "2024/01/01");
    BAD(date_valid, "20240101");
    BAD(date_valid, "2024-01-01T00:00:00Z");
    BAD(date_valid, "+024-01-01");
    BAD(date_valid, "2024-0a-01");
    BAD(date_valid, "");
    assert_int_equal(lab_date_parse(NULL, 10, NULL), 0);
}

static void test_date_days(void **state)
{
    int32_t days = 12345;
    (void)state;
    assert_int_equal(lab_date_parse("1970-01-01", 10, &days), 1);
    assert_int_equal(days, 0);
    assert_int_equal(lab_date_parse("1900-01-01", 10, &days), 1);
    assert_int_equal(days, -25567);
    assert_int_equal(lab_date_parse("2000-03-01", 10, &days), 1);
    assert_int_equal(days, 11017);
    assert_int_equal(lab_date_parse("2024-02-29", 10, &days), 1);
    assert_int_equal(days, 19782);
    assert_int_equal(lab_date_parse("2999-12-31", 10, &days), 1);
    assert_int_equal(days, 376199);
    /* A rejected date leaves the output alone. */
    days = 7;
    assert_int_equal(lab_date_parse("2023-02-29", 10, &days), 0);
    assert_int_equal(days, 7);
}

static void test_date_not_nul_terminated(void **state)
{
    const char text[] = "2024-02-29X";
    int32_t days = 0;
    (void)state;
    assert_int_equal(lab_date_parse(text, 10, &days), 1);
    assert_int_equal(days, 19782);
    assert_int_equal(lab_date_parse(text, 11, &days), 0);
}

/* Walks every day from 1900-01-01 to 2999-12-31 with a naive calendar and
 * checks that parse and format agree with it and with each other. */
static void test_date_round_trip(void **state)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int32_t expect = -25567;
    char want[11];
    char got[11];
    (void)state;
    for (int y = 1900; y <= 2999; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int dim = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= dim; d++) {
                int32_t days = 0;
                want[0] = (char)('0' + y / 1000);
                want[1] = (char)('0' + y / 100 % 10);
                want[2] = (char)('0' + y / 10 % 10);
                want[3] = (char)('0' + y % 10);
                want[4] = '-';
                want[5] = (char)('0' + m / 10);
                want[6] = (char)('0' + m % 10);
                want[7] = '-';
                want[8] = (char)('0' + d / 10);
                want[9] = (char)('0' + d % 10);
                want[10] = '\0';
                assert_int_equal(lab_date_parse(want, 10, &days), 1);
                assert_int_equal(days, expect);
                lab_date_format(got, days);
                assert_string_equal(got, want);
                expect++;
            }
        }
    }
    assert_int_equal(expect, 376200);
}

static void test_date_format_extremes(void **state)
{
    char buf[11];
    (void)state;
    lab_date_format(buf, 0);
    assert_string_equal(buf, "1970-01-01");
    lab_date_format(buf, -1);
    assert_string_equal(buf, "1969-12-31");
    lab_date_format(buf, -719162);
    assert_string_equal(buf, "0001-01-01");
    /* Beyond four-digit years the output is clamped, never overflowed. */
    lab_date_format(buf, INT32_MIN);
    assert_string_equal(buf, "0000-01-01");
    lab_date_format(buf, INT32_MAX);
    assert_string_equal(buf, "9999-12-31");
}

static void test_date_today(void **state)
{
    int32_t before = (int32_t)(time(NULL) / 86400);
    int32_t today = lab_date_today();
    int32_t after = (int32_t)(time(NULL) / 86400);
    char buf[11];
    (void)state;
    assert_in_range(today, before, after);
    lab_date_format(buf, today);
    assert_int_equal(lab_date_parse(buf, 10, NULL), 1);
}

/* ---- ISO 3166 ---- */

static void test_country(void **state)
{
    (void)state;
    OK(lab_country_valid, "CN");
    OK(lab_country_valid, "TM");
    OK(lab_country_valid, "US");
    OK(lab_country_valid, "DE");
    OK(lab_country_valid, "GB");
    OK(lab_country_valid, "AD"); /* first in the table */
    OK(lab_country_valid, "ZW"); /* last in the table */
    BAD(lab_country_valid, "XX");
    BAD(lab_country_valid, "XK"); /* user-assigned, not in ISO 3166-1 */
    BAD(lab_country_valid, "UK"); /* exceptionally reserved */
    BAD(lab_country_valid, "cn");
    BAD(lab_country_valid, "Cn");
    BAD(lab_country_valid, "C");
    BAD(lab_country_valid, "CHN");
    BAD(lab_country_valid, "");
    assert_int_equal(lab_country_valid("CNX", 2), 1);
    assert_int_equal(lab_country_valid(NULL, 2), 0);
}

static void test_country_name(void **state)
{
    (void)state;
    assert_string_equal(lab_country_name("CN"), "China");
    assert_string_equal(lab_country_name("GB"), "United Kingdom");
    assert_string_equal(lab_country_name("TM"), "Turkmenistan");
    assert_string_equal(lab_country_name("CI"), "C\xc3\xb4te d'Ivoire");
    assert_null(lab_country_name("XX"));
    assert_null(lab_country_name("cn"));
    assert_null(lab_country_name("CNX"));
    assert_null(lab_country_name("C"));
    assert_null(lab_country_name(""));
    assert_null(lab_country_name(NULL));
}

static void test_country_table(void **state)
{
    (void)state;
    assert_true(lab_iso3166_1_count >= 249);
    for (size_t i = 0; i < lab_iso3166_1_count; i++) {
        const char *code = lab_iso3166_1_codes[i];
        assert_int_equal(lab_country_valid(code, 2), 1);
        assert_non_null(lab_country_name(code));
        if (i > 0)
            assert_true(memcmp(lab_iso3166_1_codes[i - 1], code, 3) < 0);
    }
}

static void test_subdivision(void **state)
{
    (void)state;
    OK(lab_subdivision_valid, "CN-XJ");
    OK(lab_subdivision_valid, "US-CA");
    OK(lab_subdivision_valid, "DE-BY");
    OK(lab_subdivision_valid, "IN-TN");
    OK(lab_subdivision_valid, "AR-A");   /* shortest form */
    OK(lab_subdivision_valid, "GB-ENG"); /* longest form */
    BAD(lab_subdivision_valid, "CN-XX");
    BAD(lab_subdivision_valid, "cn-xj");
    BAD(lab_subdivision_valid, "CN-xj");
    BAD(lab_subdivision_valid, "CNXJ");
    BAD(lab_subdivision_valid, "CN_XJ");
    BAD(lab_subdivision_valid, "CN-");
    BAD(lab_subdivision_valid, "CN");
    BAD(lab_subdivision_valid, " CN-XJ");
    BAD(lab_subdivision_valid, "CN-XJ ");
    BAD(lab_subdivision_valid, "GB-ENGL");
    BAD(lab_subdivision_valid, "");
    assert_int_equal(lab_subdivision_valid("US-CAX", 5), 1);
    assert_int_equal(lab_subdivision_valid(NULL, 5), 0);
}

static void test_subdivision_2021_changes(void **state)
{
    (void)state;
    /* Added to ISO 3166-2 since 2021, listed from iso-codes 4.16.0. */
    OK(lab_subdivision_valid, "FR-75C"); /* Paris */
    OK(lab_subdivision_valid, "FR-69M"); /* Metropole de Lyon */
    OK(lab_subdivision_valid, "FR-6AE"); /* Alsace */
    OK(lab_subdivision_valid, "KZ-11");
    OK(lab_subdivision_valid, "IN-TS");
    OK(lab_subdivision_valid, "FR-20R"); /* Corse, already in 4.15.0 */
    /* Withdrawn since iso-codes 4.15.0, still accepted for older data. */
    OK(lab_subdivision_valid, "FR-75");
    OK(lab_subdivision_valid, "KZ-AKM");
    OK(lab_subdivision_valid, "IN-TG");
    OK(lab_subdivision_valid, "NP-1");
}

static void test_subdivision_wellformed(void **state)
{
    (void)state;
    OK(lab_subdivision_wellformed, "FR-75C");
    OK(lab_subdivision_wellformed, "CN-XJ");
    OK(lab_subdivision_wellformed, "AR-A");
    OK(lab_subdivision_wellformed, "GB-ENG");
    /* Well-formed but not (yet) in the tables: a warning, not an error. */
    OK(lab_subdivision_wellformed, "FR-ZZZ");
    BAD(lab_subdivision_valid, "FR-ZZZ");
    OK(lab_subdivision_wellformed, "CN-XX");
    BAD(lab_subdivision_valid, "CN-XX");
    OK(lab_subdivision_wellformed, "US-1");
    BAD(lab_subdivision_valid, "US-1");
    BAD(lab_subdivision_wellformed, "XX-AB");  /* no such country */
    BAD(lab_subdivision_wellformed, "UK-ENG"); /* GB is the code */
    BAD(lab_subdivision_wellformed, "FR-");
    BAD(lab_subdivision_wellformed, "FR-ABCD");
    BAD(lab_subdivision_wellformed, "fr-75c");
    BAD(lab_subdivision_wellformed, "FR-75c");
    BAD(lab_subdivision_wellformed, "Fr-75C");
    BAD(lab_subdivision_wellformed, "FR_75C");
    BAD(lab_subdivision_wellformed, "FR75C");
    BAD(lab_subdivision_wellformed, "FR-7 C");
    BAD(lab_subdivision_wellformed, "FR-7-C");
    BAD(lab_subdivision_wellformed, " FR-75");
    BAD(lab_subdivision_wellformed, "FR");
    BAD(lab_subdivision_wellformed, "");
    assert_int_equal(lab_subdivision_wellformed("FR-75CX", 6), 1);
    assert_int_equal(lab_subdivision_wellformed("FR-75C\0", 7), 0);
    assert_int_equal(lab_subdivision_wellformed(NULL, 5), 0);
}

static void test_iso3166_version(void **state)
{
    const char *v = lab_iso3166_table_version();
    (void)state;
    assert_non_null(v);
    assert_int_equal(strncmp(v, "iso-codes ", 10), 0);
    assert_true(strlen(v) > 10);
}

static void test_subdivision_table(void **state)
{
    (void)state;
    assert_true(lab_iso3166_2_count > 5000);
    for (size_t i = 0; i < lab_iso3166_2_count; i++) {
        const char *code = lab_iso3166_2_codes[i];
        size_t n = strlen(code);
        assert_int_equal(lab_subdivision_valid(code, n), 1);
        assert_int_equal(lab_subdivision_wellformed(code, n), 1);
        assert_int_equal(lab_country_valid(code, 2), 1);
        if (i > 0)
            assert_true(memcmp(lab_iso3166_2_codes[i - 1], code, 7) < 0);
    }
}

/* ---- Open Supply Hub OS IDs ---- */

/* Builds body + its check character into out (16 bytes). */
static void make_osid(char out[16], const char *body14)
{
    memcpy(out, body14, 14);
    out[14] = lab_osid_check_char(body14);
    out[15] = '\0';
}

static void test_osid_known(void **state)
{
    (void)state;
    /* Check characters from Open Supply Hub's algorithm, run in Python. */
    OK(lab_osid_valid, "IN2019067X1K87G");
    OK(lab_osid_valid, "CN2019303ABCDEZ");
    OK(lab_osid_valid, "BD2020010Z9Y8XP");
    OK(lab_osid_valid, "US2023365QWERTG");
    OK(lab_osid_valid, "VN2024366M0P1NV"); /* day 366 of a leap year */
    OK(lab_osid_valid, "XK2021100HJKMN8"); /* OS Hub's code for Kosovo */
    assert_int_equal(lab_osid_check_char("IN2019067X1K87"), 'G');
    assert_int_equal(lab_osid_check_char("XK2021100HJKMN"), '8');
}

static void test_osid_computed(void **state)
{
    static const char *const bodies[] = {
        "CN2019303ABCDE", "TR202200100000", "ET2021200ZZZZZ",
        "KH2020152GHJKM", "PK2023090NPQRS", "GB2019365TVWXY",
    };
    char id[16];
    (void)state;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        make_osid(id, bodies[i]);
        assert_int_not_equal(id[14], '\0');
        assert_int_equal(lab_osid_valid(id, 15), 1);
    }
}

static void test_osid_invalid(void **state)
{
    char id[16];
    (void)state;
    BAD(lab_osid_valid, "CN2019303ABCDEA"); /* wrong check character */
    BAD(lab_osid_valid, "CN2019303ABCDE");  /* too short */
    BAD(lab_osid_valid, "CN2019303ABCDEZ0");
    BAD(lab_osid_valid, "cn2019303ABCDEZ");
    BAD(lab_osid_valid, "CN-2019303-ABCDE-Z");
    BAD(lab_osid_valid, " CN2019303ABCDEZ");
    BAD(lab_osid_valid, "");
    assert_int_equal(lab_osid_valid(NULL, 15), 0);
    /* Day-of-year 000, 366 in a common year, 367. */
    make_osid(id, "CN2019000ABCDE");
    assert_int_equal(lab_osid_valid(id, 15), 0);
    make_osid(id, "CN2023366ABCDE");
    assert_int_equal(lab_osid_valid(id, 15), 0);
    make_osid(id, "CN2024367ABCDE");
    assert_int_equal(lab_osid_valid(id, 15), 0);
    /* I, L, O and U are not Crockford symbols; lower case is not
     * canonical; a digit may not stand in the country part. */
    assert_int_equal(lab_osid_check_char("CN2019303ABCDI"), '\0');
    assert_int_equal(lab_osid_check_char("CN2019303ABCDU"), '\0');
    assert_int_equal(lab_osid_check_char("CN2019303abcde"), '\0');
    assert_int_equal(lab_osid_check_char("C12019303ABCDE"), '\0');
    assert_int_equal(lab_osid_check_char(NULL), '\0');
}

/* Every one-character substitution, with any byte value, is rejected:
 * the check is a plain sum, and no change of one term is a multiple of
 * 32 within the allowed alphabets. */
static void test_osid_substitutions(void **state)
{
    static const char *const valid[] = {
        "IN2019067X1K87G",
        "CN2019303ABCDEZ",
        "US2023365QWERTG",
    };
    (void)state;
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
        char id[16];
        memcpy(id, valid[v], 16);
        assert_int_equal(lab_osid_valid(id, 15), 1);
        for (size_t pos = 0; pos < 15; pos++) {
            char orig = id[pos];
            for (int c = 0; c < 256; c++) {
                if ((char)c == orig)
                    continue;
                id[pos] = (char)c;
                assert_int_equal(lab_osid_valid(id, 15), 0);
            }
            id[pos] = orig;
        }
    }
}

/* The check is a plain sum, so it cannot see the order of the base-32
 * characters: transposed characters go unnoticed. */
static void test_osid_checksum_limits(void **state)
{
    (void)state;
    OK(lab_osid_valid, "CN2019303ABCDEZ");
    OK(lab_osid_valid, "CN2019303BACDEZ");
}

/* ---- HS codes ---- */

static void test_hs(void **state)
{
    (void)state;
    OK(lab_hs_valid, "52");
    OK(lab_hs_valid, "5201");
    OK(lab_hs_valid, "520100");
    OK(lab_hs_valid, "5201.00");
    OK(lab_hs_valid, "61091000");
    OK(lab_hs_valid, "6109.10.00");
    OK(lab_hs_valid, "6109100012");
    OK(lab_hs_valid, "6109.10.0012");
    OK(lab_hs_valid, "01");
    OK(lab_hs_valid, "9701");
    BAD(lab_hs_valid, "5");
    BAD(lab_hs_valid, "7700"); /* chapter 77 is reserved */
    BAD(lab_hs_valid, "00");
    BAD(lab_hs_valid, "9801");
    BAD(lab_hs_valid, "9999");
    BAD(lab_hs_valid, "12345");
    BAD(lab_hs_valid, "520");
    BAD(lab_hs_valid, "61091000123");
    BAD(lab_hs_valid, "610910001234");
    BAD(lab_hs_valid, "52.01");
    BAD(lab_hs_valid, "5201.");
    BAD(lab_hs_valid, ".5201");
    BAD(lab_hs_valid, "5201..00");
    BAD(lab_hs_valid, "5201.0");
    BAD(lab_hs_valid, "520100.");
    BAD(lab_hs_valid, "610910.00"); /* the dot after digit 4 is missing */
    BAD(lab_hs_valid, "6109.1000"); /* the dot after digit 6 is missing */
    BAD(lab_hs_valid, "6109.10.00.12");
    BAD(lab_hs_valid, "5201 00");
    BAD(lab_hs_valid, " 5201");
    BAD(lab_hs_valid, "5201-00");
    BAD(lab_hs_valid, "");
    assert_int_equal(lab_hs_valid("5201.00.", 7), 1);
    assert_int_equal(lab_hs_valid(NULL, 4), 0);
}

/* ---- LEI ---- */

static void test_lei(void **state)
{
    (void)state;
    OK(lab_lei_valid, "5493001KJTIIGC8Y1R12"); /* Bloomberg Finance L.P. */
    OK(lab_lei_valid, "506700GE1G29325QX363"); /* GLEIF */
    OK(lab_lei_valid, "HWUPKR0MPOU8FGXBT394"); /* Apple Inc. */
    OK(lab_lei_valid, "7LTWFZYICNSX8D621K86"); /* Deutsche Bank AG */
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R13");
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R21"); /* swapped check digits */
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1S12");
    BAD(lab_lei_valid, "5493001kjtiigc8y1r12");
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R1");
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R120");
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R1A");
    BAD(lab_lei_valid, "5493-01KJTIIGC8Y1R12");
    BAD(lab_lei_valid, "");
    assert_int_equal(lab_lei_valid(NULL, 20), 0);
}

/* Every substitution of a digit by another digit, or of a letter by
 * another letter, is rejected. */
static void test_lei_substitutions(void **state)
{
    static const char digits[] = "0123456789";
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char lei[21] = "5493001KJTIIGC8Y1R12";
    (void)state;
    for (size_t pos = 0; pos < 20; pos++) {
        char orig = lei[pos];
        const char *same = orig <= '9' ? digits : letters;
        for (size_t k = 0; same[k] != '\0'; k++) {
            if (same[k] == orig)
                continue;
            lei[pos] = same[k];
            assert_int_equal(lab_lei_valid(lei, 20), 0);
        }
        lei[pos] = orig;
    }
}

/* Limits of the checksum, stated so that nobody relies on more: ISO 7064
 * MOD 97-10 runs over the letters expanded to two digits, so a digit
 * replaced by a letter (or the reverse) shifts the number and is not
 * always caught. */
static void test_lei_checksum_limits(void **state)
{
    (void)state;
    OK(lab_lei_valid, "549300LKJTIIGC8Y1R12");  /* '1' -> 'L' at 7 */
    OK(lab_lei_valid, "54930017JTIIGC8Y1R12");  /* 'K' -> '7' at 8 */
    BAD(lab_lei_valid, "5493001KJTIIGC8Y1R1B"); /* check digits are digits */
    /* 99 is congruent to 02 but no generator emits it. */
    OK(lab_lei_valid, "5493001KJTIIGC8Y5802");
    BAD(lab_lei_valid, "5493001KJTIIGC8Y5899");
}

/* ---- GLN ---- */

static void test_gln(void **state)
{
    (void)state;
    /* Check digits computed with the GS1 mod-10 algorithm. */
    OK(lab_gln_valid, "0614141000418");
    OK(lab_gln_valid, "4000001000005");
    OK(lab_gln_valid, "5901234123457");
    OK(lab_gln_valid, "1234567890128");
    BAD(lab_gln_valid, "0614141000417");
    BAD(lab_gln_valid, "1234567890120");
    BAD(lab_gln_valid, "2134567890128"); /* adjacent digits swapped */
    BAD(lab_gln_valid, "123456789012");
    BAD(lab_gln_valid, "12345678901280");
    BAD(lab_gln_valid, "12345678901A8");
    BAD(lab_gln_valid, " 234567890128");
    BAD(lab_gln_valid, "");
    assert_int_equal(lab_gln_valid(NULL, 13), 0);
}

static void test_gln_substitutions(void **state)
{
    char gln[14] = "5901234123457";
    (void)state;
    for (size_t pos = 0; pos < 13; pos++) {
        char orig = gln[pos];
        for (char c = '0'; c <= '9'; c++) {
            if (c == orig)
                continue;
            gln[pos] = c;
            assert_int_equal(lab_gln_valid(gln, 13), 0);
        }
        gln[pos] = orig;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_date_invalid),
        cmocka_unit_test(test_date_days),
        cmocka_unit_test(test_date_not_nul_terminated),
        cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_date_format_extremes),
        cmocka_unit_test(test_date_today),
        cmocka_unit_test(test_country),
        cmocka_unit_test(test_country_name),
        cmocka_unit_test(test_country_table),
        cmocka_unit_test(test_subdivision),
        cmocka_unit_test(test_subdivision_2021_changes),
        cmocka_unit_test(test_subdivision_wellformed),
        cmocka_unit_test(test_iso3166_version),
        cmocka_unit_test(test_subdivision_table),
        cmocka_unit_test(test_osid_known),
        cmocka_unit_test(test_osid_computed),
        cmocka_unit_test(test_osid_invalid),
        cmocka_unit_test(test_osid_substitutions),
        cmocka_unit_test(test_osid_checksum_limits),
        cmocka_unit_test(test_hs),
        cmocka_unit_test(test_lei),
        cmocka_unit_test(test_lei_substitutions),
        cmocka_unit_test(test_lei_checksum_limits),
        cmocka_unit_test(test_gln),
        cmocka_unit_test(test_gln_substitutions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
