/*
 * api.c - the small public calls that hold the rest together: versions,
 * error texts, lab_free, severity names, the JSON-in/JSON-out check for
 * FFI hosts, JsonLogic evaluation and condition translation for interop
 * debugging, and the plugin entry table.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#ifndef LAB_VERSION_STRING
#define LAB_VERSION_STRING "0.0.0"
#endif

const char *lab_version(void)
{
    return LAB_VERSION_STRING;
}

int lab_version_number(void)
{
    int major = 0, minor = 0, patch = 0;
    const char *p = LAB_VERSION_STRING;
    int *parts[3] = {&major, &minor, &patch};
    for (int i = 0; i < 3 && *p; i++) {
        while (*p >= '0' && *p <= '9')
            *parts[i] = *parts[i] * 10 + (*p++ - '0');
        if (*p == '.')
            p++;
    }
    return major * 10000 + minor * 100 + patch;
}

int lab_abi_version(void)
{
    return LAB_ABI_MAJOR;
}

const char *lab_strerror(int code)
{
    static const char *const texts[] = {
        "success",
        "out of memory",
        "invalid argument",
        "input/output error",
        "malformed input",
        "input does not match the schema",
        "not found",
        "unsupported version",
        "limit exceeded",
        "duplicate id",
        "cryptographic failure",
        "database error",
        "network error",
        "not supported",
        "test failed",
        "blocked by an open finding",
    };
    if (code > 0 || -code >= (int)LAB_ARRAY_LEN(texts))
        return "unknown error";
    return texts[-code];
}

void lab_free(void *ptr)
{
    free(ptr);
}

static const char *const severity_names[] = {"info", "minor", "major",
                                             "blocker"};

const char *lab_severity_name(int severity)
{
    if (severity < 0 || severity > 3)
        return NULL;
    return severity_names[severity];
}

const char *const lab_subject_names[LAB_SUBJECT_COUNT_] = {
    "supplier", "link", "audit", "chain", "noncompliance"};

const char *lab_subject_name(int subject)
{
    if (subject < 0 || subject >= LAB_SUBJECT_COUNT_)
        return NULL;
    return lab_subject_names[subject];
}

int lab_severity_parse(const char *name)
{
    for (int i = 0; name != NULL && i < 4; i++)
        if (strcmp(name, severity_names[i]) == 0)
            return i;
    return -1;
}

/* ---- JSON in, JSON out ---- */

static const struct {
    const char *key;
    lab_record_kind kind;
} json_tables[] = {
    {"suppliers", LAB_RECORD_SUPPLIER}, {"links", LAB_RECORD_LINK},
    {"audits", LAB_RECORD_AUDIT},       {"documents", LAB_RECORD_DOCUMENT},
    {"products", LAB_RECORD_PRODUCT},
};

/* Adds one JSON object as a record: values become field text. */
static int add_json_record(lab_dataset *ds, lab_record_kind kind, json_t *obj,
                           const char *where)
{
    const lab_field *fields[256];
    const char *values[256];
    size_t lens[256];
    char *owned[256];
    size_t n = 0, nowned = 0;
    const char *key;
    json_t *v;
    int rc = LAB_OK;

    if (!json_is_object(obj))
        return lab_seterr(LAB_ESCHEMA, "%s: expected an object", where);
    json_object_foreach(obj, key, v)
    {
        if (json_is_null(v))
            continue;
        if (n == LAB_ARRAY_LEN(fields)) {
            rc = lab_seterr(LAB_ELIMIT, "%s: too many fields", where);
            goto out;
        }
        fields[n] = lab_ds_column(kind, key, strlen(key));
        if (fields[n] == NULL) {
            rc = lab_seterr(LAB_ESCHEMA, "%s: %s has no field '%s'", where,
                            lab_entities[kind].name, key);
            goto out;
        }
        if (json_is_string(v)) {
            values[n] = json_string_value(v);
            lens[n] = json_string_length(v);
        } else if (json_is_number(v)) {
            char num[32];
            size_t len = lab_num_format(num, json_number_value(v));
            owned[nowned] = lab_strndup(num, len);
            values[n] = owned[nowned];
            lens[n] = len;
            if (owned[nowned++] == NULL) {
                rc = lab_seterr(LAB_ENOMEM, "out of memory");
                goto out;
            }
        } else if (json_is_boolean(v)) {
            values[n] = json_is_true(v) ? "true" : "false";
            lens[n] = strlen(values[n]);
        } else if (json_is_array(v)) {
            /* a list field: items joined with ';' */
            lab_buf b = LAB_BUF_INIT;
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                if (!json_is_string(item)) {
                    lab_buf_free(&b);
                    rc = lab_seterr(LAB_ESCHEMA,
                                    "%s: %s: expected a list of "
                                    "strings",
                                    where, key);
                    goto out;
                }
                if (i > 0)
                    lab_buf_addc(&b, ';');
                lab_buf_adds(&b, json_string_value(item));
            }
            if (lab_buf_detach(&b, &owned[nowned]) != LAB_OK) {
                rc = LAB_ENOMEM;
                goto out;
            }
            values[n] = owned[nowned++];
            lens[n] = strlen(values[n]);
        } else {
            rc = lab_seterr(LAB_ESCHEMA,
                            "%s: %s: expected a string, number, "
                            "boolean or list",
                            where, key);
            goto out;
        }
        n++;
    }
    lab_pos pos = {where, 0, 0};
    rc = lab_ds_row(ds, kind, fields, values, lens, NULL, n, pos);
out:
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    return rc;
}

static int load_json_data(lab_dataset *ds, json_t *data)
{
    if (json_is_string(data))
        return lab_dataset_load(ds, json_string_value(data));
    if (!json_is_object(data))
        return lab_seterr(LAB_ESCHEMA, "request: \"data\" must be a folder "
                                       "path or an object of record lists");
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v)
    {
        size_t t;
        for (t = 0; t < LAB_ARRAY_LEN(json_tables); t++)
            if (strcmp(key, json_tables[t].key) == 0)
                break;
        if (t == LAB_ARRAY_LEN(json_tables))
            return lab_seterr(LAB_ESCHEMA,
                              "request: data: unknown list '%s' "
                              "(expected suppliers, links, audits, "
                              "documents or products)",
                              key);
        if (!json_is_array(v))
            return lab_seterr(LAB_ESCHEMA, "request: data.%s must be a list",
                              key);
        size_t i;
        json_t *rec;
        json_array_foreach(v, i, rec)
        {
            char where[64];
            snprintf(where, sizeof where, "request: data.%s[%zu]", key, i);
            int rc = add_json_record(ds, json_tables[t].kind, rec, where);
            if (rc != LAB_OK)
                return rc;
        }
    }
    return lab_ds_index(ds);
}

static const char *opt_string(json_t *req, const char *key, int *bad)
{
    json_t *v = json_object_get(req, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        lab_seterr(LAB_ESCHEMA, "request: \"%s\" must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

int lab_check_json(char **out, const lab_engine *engine, const char *request)
{
    json_error_t jerr;
    json_t *req = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    int rc, bad = 0;

    if (out == NULL || engine == NULL || request == NULL)
        return lab_seterr(LAB_EINVAL, "lab_check_json: NULL argument");
    req = json_loads(request, JSON_REJECT_DUPLICATES, &jerr);
    if (req == NULL)
        return lab_seterr(LAB_EPARSE, "request:%d:%d: %s", jerr.line,
                          jerr.column, jerr.text);
    if (!json_is_object(req)) {
        rc = lab_seterr(LAB_ESCHEMA, "request: expected a JSON object");
        goto out;
    }
    lab_check_options o = LAB_CHECK_OPTIONS_INIT;
    o.as_of = opt_string(req, "as_of", &bad);
    o.product = opt_string(req, "product", &bad);
    o.supplier = opt_string(req, "supplier", &bad);
    if (bad) {
        rc = LAB_ESCHEMA;
        goto out;
    }
    json_t *data = json_object_get(req, "data");
    if (data == NULL) {
        rc = lab_seterr(LAB_ESCHEMA, "request: \"data\" is missing");
        goto out;
    }
    rc = lab_dataset_new(&ds);
    if (rc == LAB_OK)
        rc = load_json_data(ds, data);
    if (rc == LAB_OK)
        rc = lab_check(&rep, engine, ds, &o);
    if (rc == LAB_OK)
        rc = lab_report_render(out, rep, LAB_FORMAT_JSON);
out:
    lab_report_free(rep);
    lab_dataset_free(ds);
    json_decref(req);
    return rc;
}

/* ---- JsonLogic and conditions ---- */

int lab_jsonlogic_apply(char **out, const char *rule_json,
                        const char *data_json)
{
    lab_arena a, scratch;
    lab_node *rule = NULL;
    json_error_t jerr;
    json_t *jdata = NULL;
    lab_val data, result;
    lab_buf b = LAB_BUF_INIT;
    int rc;

    if (out == NULL || rule_json == NULL)
        return lab_seterr(LAB_EINVAL, "lab_jsonlogic_apply: NULL argument");
    lab_arena_init(&a, 16 * 1024);
    lab_arena_init(&scratch, 16 * 1024);
    rc = lab_jl_parse(&rule, &a, rule_json, strlen(rule_json), "rule");
    if (rc != LAB_OK)
        goto out;
    jdata = json_loads(data_json ? data_json : "null",
                       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (jdata == NULL) {
        rc = lab_seterr(LAB_EPARSE, "data:%d:%d: %s", jerr.line, jerr.column,
                        jerr.text);
        goto out;
    }
    rc = lab_val_from_json(&data, &a, jdata);
    if (rc != LAB_OK)
        goto out;
    lab_eval_ctx ctx = {&data, NULL, NULL, &scratch, NULL};
    rc = lab_eval(&result, rule, &ctx);
    if (rc != LAB_OK)
        goto out;
    lab_val_to_json(&b, &result);
    rc = lab_buf_detach(&b, out);
out:
    lab_buf_free(&b);
    json_decref(jdata);
    lab_arena_free(&a);
    lab_arena_free(&scratch);
    return rc;
}

int lab_condition_translate(char **out, const char *text, int to_jsonlogic)
{
    lab_arena a;
    lab_node *n = NULL;
    lab_buf b = LAB_BUF_INIT;
    int rc;

    if (out == NULL || text == NULL)
        return lab_seterr(LAB_EINVAL, "lab_condition_translate: NULL argument");
    lab_arena_init(&a, 16 * 1024);
    if (to_jsonlogic) {
        lab_pos pos = {"condition", 1, 1};
        rc = lab_cond_parse(&n, &a, text, strlen(text), pos);
        if (rc == LAB_OK)
            lab_jl_write(&b, n);
    } else {
        rc = lab_jl_parse(&n, &a, text, strlen(text), "jsonlogic");
        if (rc == LAB_OK)
            lab_cond_write(&b, n);
    }
    if (rc == LAB_OK)
        rc = lab_buf_detach(&b, out);
    lab_buf_free(&b);
    lab_arena_free(&a);
    return rc;
}

/* ---- plugin entry ---- */

static const lab_api api_v1 = {
    .size = sizeof(lab_api),
    .abi_version = LAB_ABI_MAJOR,
    .version = lab_version,
    .errmsg = lab_errmsg,
    .strerror = lab_strerror,
    .free = lab_free,
    .engine_new = lab_engine_new,
    .engine_free = lab_engine_free,
    .dataset_new = lab_dataset_new,
    .dataset_load = lab_dataset_load,
    .dataset_add = lab_dataset_add,
    .dataset_free = lab_dataset_free,
    .check = lab_check,
    .report_render = lab_report_render,
    .report_worst = lab_report_worst,
    .report_free = lab_report_free,
    .check_json = lab_check_json,
    .report_product_count = lab_report_product_count,
    .report_product = lab_report_product,
    .report_count_at_least = lab_report_count_at_least,
    .severity_name = lab_severity_name,
    .dataset_load_pg = lab_dataset_load_pg,
    .report_history_count = lab_report_history_count,
    .report_history = lab_report_history,
    .finding_history = lab_finding_history,
    .report_unknown_count = lab_report_unknown_count,
    .report_unknown = lab_report_unknown,
    .report_product_unknowns = lab_report_product_unknowns,
    .subject_name = lab_subject_name,
    .dataset_load_epcis = lab_dataset_load_epcis,
    .report_product_lot = lab_report_product_lot,
    .lists_diff = lab_lists_diff,
};

const lab_api *lab_plugin_get_api(int abi_major)
{
    if (abi_major != LAB_ABI_MAJOR) {
        lab_seterr(LAB_EVERSION,
                   "labaudit %s implements plugin ABI %d, not %d: rebuild the "
                   "host against this labaudit.h or load a matching library",
                   LAB_VERSION_STRING, LAB_ABI_MAJOR, abi_major);
        return NULL;
    }
    return &api_v1;
}
