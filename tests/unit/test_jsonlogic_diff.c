/*
 * test_jsonlogic_diff.c - labaudit's JsonLogic agrees with the reference
 * implementation: every case of tests/interop/jsonlogic/cases.json (random
 * rules and data evaluated by json-logic-js, see generate.js there) gives
 * the same result here.  The committed file lets this run without Node;
 * tests/integration/jsonlogic_diff.sh regenerates it with npm and passes
 * the fresh file as argv[1].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jsonlogic_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cases_path =
    LAB_SOURCE_DIR "/tests/interop/jsonlogic/cases.json";

static void test_agrees_with_json_logic_js(void **state)
{
    (void)state;
    json_error_t err;
    json_t *cases = json_load_file(cases_path, JSON_DECODE_INT_AS_REAL, &err);
    if (cases == NULL)
        fail_msg("%s:%d:%d: %s", cases_path, err.line, err.column, err.text);
    assert_true(json_is_array(cases));
    size_t i, total = 0, agree = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        assert_true(json_is_array(c) && json_array_size(c) == 3);
        char label[48];
        snprintf(label, sizeof label, "case %zu", i + 1);
        total++;
        agree += jl_check_case(json_array_get(c, 0), json_array_get(c, 1),
                               json_array_get(c, 2), label);
    }
    printf("jsonlogic diff: %zu/%zu cases agree with json-logic-js (%s)\n",
           agree, total, cases_path);
    json_decref(cases);
    assert_true(total > 0);
    assert_int_equal(agree, total);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cases_path = argv[1];
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_agrees_with_json_logic_js),
    };
    return cmocka_run_group_tests(all, NULL, NULL);
}
